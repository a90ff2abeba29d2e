// Runs the conformance suite against real kcp built from kcp's Go modules.
//
//   npm run test:kcp                          kcp v0.28.0: one shard (gate off, gate on) and two shards
//   npm run test:kcp -- --kcp v0.27.1         another pinned version
//   npm run test:kcp -- --targets single      only some targets (single, single-gate, sharded)
//   npm run test:kcp:matrix                   v0.26.1, v0.27.1 and v0.28.0; writes test/realkcp/MATRIX.md
//   node scripts/test-kcp.mjs --matrix-only   rewrites MATRIX.md from the reports of earlier runs (.tmp-kcp-*.json)
//
// kcp is built once per version by test/realkcp/build-kcp.sh and cached outside the work tree
// (~/.cache/kcp-endpoints/kcp/<version>-<go version>/). Without Go the stage prints one line and is skipped.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const VERSIONS = ['v0.26.1', 'v0.27.1', 'v0.28.0'];
const DEFAULT_TARGETS = {
  'v0.28.0': ['single', 'single-gate', 'sharded'],
  // kcp ≤ 0.27 always fills the legacy field: there is no gate to turn off; and their sharded-test-server
  // writes the machine's default-route address into its kubeconfigs, so two shards run on v0.28.0 only
  'v0.27.1': ['single'],
  'v0.26.1': ['single'],
};

function usage(message) {
  console.error(`test-kcp: ${message}`);
  console.error(
    'usage: npm run test:kcp -- [--kcp v0.28.0] [--targets single,single-gate,sharded] [--matrix]',
  );
  process.exit(2);
}

const argv = process.argv.slice(2);
let versions = ['v0.28.0'];
let targets;
let matrix = false;
let matrixOnly = false;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const value = () => argv[++i] ?? usage(`${a} needs a value`);
  if (a === '--kcp') versions = [value()];
  else if (a.startsWith('--kcp=')) versions = [a.slice(6)];
  else if (a === '--targets') targets = value().split(',');
  else if (a.startsWith('--targets=')) targets = a.slice(10).split(',');
  else if (a === '--matrix') {
    matrix = true;
    versions = [...VERSIONS];
  } else if (a === '--matrix-only') matrixOnly = true;
  else usage(`unknown argument ${a}`);
}
for (const v of versions)
  if (!VERSIONS.includes(v)) usage(`${v} is not a pinned version (${VERSIONS.join(', ')})`);
for (const t of targets ?? []) {
  if (!['single', 'single-gate', 'sharded'].includes(t)) usage(`unknown target ${t}`);
}

if (matrixOnly) {
  writeMatrix(
    VERSIONS.map((version) => ({ version, report: join(ROOT, `.tmp-kcp-${version}.json`) })).filter((r) =>
      existsSync(r.report),
    ),
  );
  process.exit(0);
}

if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
  console.log('test:kcp: skipped: Go is not installed, so real kcp cannot be built here');
  process.exit(0);
}

function build(version) {
  const r = spawnSync('bash', [join(ROOT, 'test/realkcp/build-kcp.sh'), version], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.error(`test-kcp: building kcp ${version} failed`);
    process.exit(1);
  }
  return r.stdout.trim().split('\n').pop();
}

function reap(pgidFile) {
  if (!existsSync(pgidFile)) return;
  for (const line of readFileSync(pgidFile, 'utf8').split('\n')) {
    const pid = Number(line);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      process.kill(-pid, 'SIGKILL'); // a group the suite did not stop (crash, timeout)
      console.error(`test-kcp: stopped leftover process group ${pid}`);
    } catch {
      // already gone
    }
  }
}

function runSuite(version, bin, suiteTargets, reportFile) {
  const work = mkdtempSync(join(tmpdir(), 'kcp-endpoints-test-kcp-'));
  const pgidFile = join(work, 'pgids');
  writeFileSync(pgidFile, '');
  const env = {
    ...process.env,
    KCP_BIN: bin,
    KCP_VERSION: version,
    KCP_TARGETS: suiteTargets.join(','),
    KCP_ENDPOINTS_PGID_FILE: pgidFile,
  };
  const args = [
    join(ROOT, 'node_modules/vitest/vitest.mjs'),
    'run',
    '-c',
    'vitest.kcp.config.ts',
    '--reporter=verbose',
    '--reporter=json',
    `--outputFile.json=${reportFile}`,
  ];
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: 'inherit' });
    const stop = (sig) => {
      child.kill(sig);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    child.on('exit', (code) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      reap(pgidFile);
      rmSync(work, { recursive: true, force: true });
      done(code ?? 1);
    });
  });
}

const results = [];
let failed = false;
for (const version of versions) {
  const bin = build(version);
  const suiteTargets = targets ?? DEFAULT_TARGETS[version];
  const report = join(ROOT, `.tmp-kcp-${version}.json`);
  console.log(`test:kcp: kcp ${version} (${bin}), targets ${suiteTargets.join(', ')}`);
  const code = await runSuite(version, bin, suiteTargets, report);
  if (code !== 0) failed = true;
  results.push({ version, report });
}

let passed = 0;
let failedCount = 0;
let skipped = 0;
for (const { report } of results) {
  try {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failedCount += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  } catch {
    failed = true;
  }
}
if (matrix) writeMatrix(results);
console.log(`real kcp: ${passed} passed, ${failedCount} failed, ${skipped} skipped`);
process.exit(failed || failedCount > 0 || passed === 0 ? 1 : 0);

function writeMatrix(runs) {
  const columns = [];
  const rows = new Map();
  for (const { version, report } of runs) {
    let r;
    try {
      r = JSON.parse(readFileSync(report, 'utf8'));
    } catch {
      continue;
    }
    for (const file of r.testResults ?? []) {
      for (const t of file.assertionResults ?? []) {
        const suite = t.ancestorTitles?.[0] ?? '';
        const target = suite.replace(/^conformance on real kcp v[\d.]+, /, '');
        const column = `${version} ${target}`;
        if (!columns.includes(column)) columns.push(column);
        if (!rows.has(t.title)) rows.set(t.title, new Map());
        const mark = t.status === 'passed' ? 'pass' : t.status === 'failed' ? '**FAIL**' : 'n/a';
        rows.get(t.title).set(column, mark);
      }
    }
  }
  const lines = [
    '# Conformance matrix on real kcp',
    '',
    'Written by `npm run test:kcp:matrix` (kcp built from its Go modules, on loopback). `n/a`: the behaviour',
    'does not exist in that version or topology (for example, a second shard on a one-shard kcp); the scenario',
    'says why in its code. Two shards run on v0.28.0 only: the sharded-test-server of older versions writes the',
    "machine's network address into its kubeconfigs, and the suite never leaves loopback. The simulator runs the",
    'same scenarios (two shards included) in `npm test` with the matching profile.',
    '',
    `Last run: ${new Date().toISOString().slice(0, 10)}, Node ${process.version}.`,
    '',
    `| scenario | ${columns.join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|`,
  ];
  for (const [title, cells] of rows) {
    lines.push(`| ${title} | ${columns.map((c) => cells.get(c) ?? 'n/a').join(' | ')} |`);
  }
  writeFileSync(join(ROOT, 'test/realkcp/MATRIX.md'), `${lines.join('\n')}\n`);
  console.log('test:kcp: wrote test/realkcp/MATRIX.md');
}
