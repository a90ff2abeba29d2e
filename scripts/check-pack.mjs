// Packs the package, installs the tarball into a scratch project and checks that the published entry points
// load: ESM import and CJS require of the main entry, `kcp-endpoints/advanced` and `kcp-endpoints/testing`,
// that the main entry does not pull the simulator in, and that the CLI binary answers --version.
// It also lists the packaged API (the runtime exports of each entry, ESM and CJS, and the type exports of its
// .d.ts) and compares it with api/exports.txt, so the public surface cannot grow or shrink by accident.
// `node scripts/check-pack.mjs --update` (after `npm run build`) rewrites api/exports.txt.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const ENTRIES = [
  { name: 'kcp-endpoints', dts: 'index.d.ts' },
  { name: 'kcp-endpoints/advanced', dts: 'advanced.d.ts' },
  { name: 'kcp-endpoints/testing', dts: 'testing.d.ts' },
];
const API_FILE = join(root, 'api/exports.txt');
const API_HEADER = `# The packaged API: every export of each entry point, checked by scripts/check-pack.mjs (npm run test:pkg).
# To change it deliberately: npm run build && node scripts/check-pack.mjs --update, then record it in CHANGELOG.md.
`;

/** `{ entry → Map<name, 'value' | 'type'> }` of the installed package in `work`. */
async function packagedApi(work) {
  const ts = createRequire(join(root, 'package.json'))('typescript');
  const requireFromWork = createRequire(join(work, 'package.json'));
  const dir = join(work, 'node_modules/kcp-endpoints/dist');
  const pkg = JSON.parse(readFileSync(join(dir, '../package.json'), 'utf8'));
  const program = ts.createProgram(
    ENTRIES.map((e) => join(dir, e.dts)),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      noEmit: true,
      types: [],
    },
  );
  const checker = program.getTypeChecker();
  const api = new Map();
  const problems = [];
  for (const entry of ENTRIES) {
    // the ESM file named by the installed package.json's `exports` (require.resolve would pick the CJS one)
    const subpath = `.${entry.name.slice('kcp-endpoints'.length)}`;
    const esmFile = join(dir, '..', pkg.exports[subpath].import.default);
    const esm = Object.keys(await import(pathToFileURL(esmFile).href)).sort();
    const cjs = Object.keys(requireFromWork(entry.name))
      .filter((k) => k !== '__esModule')
      .sort();
    if (esm.join() !== cjs.join())
      problems.push(`${entry.name}: ESM exports [${esm.join(', ')}] differ from CJS [${cjs.join(', ')}]`);
    const source = program.getSourceFile(join(dir, entry.dts));
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (moduleSymbol === undefined) throw new Error(`cannot read the types of ${entry.name} (${entry.dts})`);
    const kinds = new Map();
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      kinds.set(symbol.name, target.flags & ts.SymbolFlags.Value ? 'value' : 'type');
    }
    for (const name of esm)
      if (kinds.get(name) !== 'value')
        problems.push(`${entry.name}: ${name} is exported at runtime but not typed as a value`);
    for (const [name, kind] of kinds)
      if (kind === 'value' && !esm.includes(name))
        problems.push(`${entry.name}: ${name} is typed as a value but missing at runtime`);
    api.set(entry.name, kinds);
  }
  return { api, problems };
}

function formatApi(api) {
  let out = API_HEADER;
  for (const [entry, kinds] of api) {
    out += `\n${entry}\n`;
    const lines = [...kinds].map(([name, kind]) => `  ${kind} ${name}`);
    out += lines.sort().join('\n') + '\n';
  }
  return out;
}

function parseApi(text) {
  const api = new Map();
  let current;
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    if (!line.startsWith(' ')) api.set(line.trim(), (current = new Map()));
    else {
      const [kind, name] = line.trim().split(/\s+/);
      current?.set(name, kind);
    }
  }
  return api;
}

/** Lines describing how `actual` differs from `expected`; empty when they are the same. */
function diffApi(expected, actual) {
  const lines = [];
  for (const entry of new Set([...expected.keys(), ...actual.keys()])) {
    const want = expected.get(entry) ?? new Map();
    const got = actual.get(entry) ?? new Map();
    const added = [...got].filter(([n, k]) => want.get(n) !== k).map(([n, k]) => `+ ${k} ${n}`);
    const removed = [...want].filter(([n, k]) => got.get(n) !== k).map(([n, k]) => `- ${k} ${n}`);
    if (added.length + removed.length > 0)
      lines.push(`${entry}:`, ...[...removed, ...added].map((l) => `  ${l}`));
  }
  return lines;
}

const work = mkdtempSync(join(tmpdir(), 'kcp-endpoints-pack-'));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

try {
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop();
  writeFileSync(
    join(work, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
  );
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  // Install offline from the tarball; dependencies resolve from this repository's node_modules via npm's cache.
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball), 'rxjs@7', 'selfsigned@5'],
    work,
  );

  writeFileSync(
    join(work, 'esm.mjs'),
    `import { createClient, isKcpError } from 'kcp-endpoints';
import { createTransport } from 'kcp-endpoints/advanced';
import { startKcpSimulator } from 'kcp-endpoints/testing';
if (typeof createClient !== 'function' || typeof isKcpError !== 'function') throw new Error('ESM main entry broken');
if (typeof createTransport !== 'function') throw new Error('ESM advanced entry broken');
if (typeof startKcpSimulator !== 'function') throw new Error('ESM testing entry broken');
console.log('esm ok');`,
  );
  writeFileSync(
    join(work, 'cjs.cjs'),
    `const main = require('kcp-endpoints');
const advanced = require('kcp-endpoints/advanced');
const testing = require('kcp-endpoints/testing');
if (typeof main.createClient !== 'function') throw new Error('CJS main entry broken');
if (typeof advanced.createTransport !== 'function') throw new Error('CJS advanced entry broken');
if (typeof testing.startKcpSimulator !== 'function') throw new Error('CJS testing entry broken');
if ('startKcpSimulator' in main) throw new Error('main entry must not export the simulator');
console.log('cjs ok');`,
  );
  process.stdout.write(run('node', ['esm.mjs'], work));
  process.stdout.write(run('node', ['cjs.cjs'], work));
  const dist = readFileSync(join(work, 'node_modules/kcp-endpoints/dist/index.js'), 'utf8');
  if (dist.includes('startKcpSimulator')) throw new Error('dist/index.js bundles the simulator');
  const cliVersion = run(join(work, 'node_modules/.bin/kcp-endpoints'), ['--version'], work).trim();
  if (!cliVersion.includes(version))
    throw new Error(`CLI --version printed ${cliVersion}, expected ${version}`);
  console.log(`pack ok: ${tarball}, cli ${cliVersion}`);

  const { api, problems } = await packagedApi(work);
  if (problems.length > 0) throw new Error(`the packaged API is inconsistent:\n${problems.join('\n')}`);
  if (process.argv.includes('--update')) {
    writeFileSync(API_FILE, formatApi(api));
    console.log(`api: wrote ${API_FILE}`);
  } else {
    const diff = diffApi(parseApi(readFileSync(API_FILE, 'utf8')), api);
    if (diff.length > 0) {
      console.error(
        [
          'The packaged API differs from api/exports.txt (+ exported now but not listed, - listed but no longer exported):',
          ...diff,
          'If the change is deliberate: npm run build && node scripts/check-pack.mjs --update, and record it in CHANGELOG.md.',
        ].join('\n'),
      );
      process.exitCode = 1;
    } else {
      const counts = [...api].map(([entry, kinds]) => {
        const values = [...kinds.values()].filter((k) => k === 'value').length;
        return `${entry} ${values} values + ${kinds.size - values} types`;
      });
      console.log(`api ok: ${counts.join(', ')}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
