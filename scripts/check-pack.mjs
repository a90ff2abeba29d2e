// Packs the package, installs the tarball into a scratch project and checks that the published entry points
// load: ESM import and CJS require of the main entry, `kcp-endpoints/advanced` and `kcp-endpoints/testing`,
// that the main entry does not pull the simulator in, and that the CLI binary answers --version.
// It also lists the packaged API (the runtime exports of each entry, ESM and CJS, and the type exports of its
// .d.ts) and compares it with api/exports.txt, so the public surface cannot grow or shrink by accident.
// `node scripts/check-pack.mjs --update` (after `npm run build`) rewrites api/exports.txt.
// And it checks the package's size and shape: at most SIZE_BUDGET bytes unpacked, no source maps of third-party
// code, no dependency bundled into the library's files (the CLI bundle is their only carrier), a main entry
// whose files do not reach the simulator, a CLI bundle without import() that writes its code cache once and
// then uses it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const ENTRIES = [
  { name: 'kcp-endpoints', dts: 'index.d.ts' },
  { name: 'kcp-endpoints/advanced', dts: 'advanced.d.ts' },
  { name: 'kcp-endpoints/testing', dts: 'testing.d.cts' },
];
const API_FILE = join(root, 'api/exports.txt');
/** The most the package may weigh unpacked (issue 14: ≤ 1.5 MB; 10.2 MB before). */
const SIZE_BUDGET = 1_500_000;
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
    // (`kcp-endpoints/testing` is CommonJS only: an ES module import of it reads the names Node finds)
    const target = pkg.exports[subpath];
    const esmFile = join(dir, '..', target.import?.default ?? target.default);
    const cjsOnly = target.import === undefined;
    // an ES module import of a CommonJS file also gets `default` (its module.exports)
    const esm = Object.keys(await import(pathToFileURL(esmFile).href))
      .filter((k) => !(cjsOnly && k === 'default'))
      .sort();
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

/** Script text: an error thrown by the advanced entry is an instance of the root entry's class (one module state). */
const SHARED_STATE_CHECK = (format) => `try {
  loadConnection({ server: 'ftp://x', kubeconfig: { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] } });
  throw new Error('${format}: loadConnection accepted an ftp server');
} catch (e) {
  if (!(e instanceof KubeconfigError)) throw new Error('${format}: kcp-endpoints/advanced has its own copy of the error classes: ' + e);
}`;

const kb = (n) => `${(n / 1000).toFixed(1)} kB`;

/** Problems with the package's size and contents, from `npm pack --json`'s report. */
function shapeProblems(report) {
  const problems = [];
  if (report.unpackedSize > SIZE_BUDGET) {
    const biggest = [...report.files]
      .sort((a, b) => b.size - a.size)
      .slice(0, 10)
      .map((f) => `  ${kb(f.size).padStart(9)}  ${f.path}`);
    problems.push(
      `the package is ${kb(report.unpackedSize)} unpacked, over the budget of ${kb(SIZE_BUDGET)} (SIZE_BUDGET in scripts/check-pack.mjs). The biggest files:`,
      ...biggest,
    );
  }
  return problems;
}

/** Problems with the installed package's files in `dist`: third-party source maps, bundled dependencies. */
function contentProblems(dist) {
  const problems = [];
  for (const name of readdirSync(dist)) {
    const file = join(dist, name);
    if (name.endsWith('.map')) {
      const { sources = [] } = JSON.parse(readFileSync(file, 'utf8'));
      const foreign = sources.filter((s) => s.includes('node_modules'));
      if (foreign.length > 0)
        problems.push(`${name} maps third-party code: ${foreign.slice(0, 3).join(', ')}…`);
    }
    if (/^(?!cli)[\w-]+\.c?js$/.test(name)) {
      // esbuild heads every bundled module with a `// <path>` comment in unminified output (the path is
      // relative to the build's directory, so `../main/node_modules/…` when node_modules is a symlink)
      const bundled = readFileSync(file, 'utf8').match(/^\/\/ \S*node_modules\/\S+$/gm) ?? [];
      if (bundled.length > 0)
        problems.push(`${name} bundles dependency code (${bundled[0]}); only the CLI may`);
    }
  }
  if (/\bimport\(/.test(readFileSync(join(dist, 'cli-bundle.cjs'), 'utf8')))
    problems.push('cli-bundle.cjs calls import(), which a script compiled from a V8 code cache cannot do');
  return problems;
}

/** The files a module imports, transitively (relative ESM imports only). */
function esmGraph(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const [, rel] of readFileSync(file, 'utf8').matchAll(/\bfrom\s+"(\.\/[^"]+)"/g))
    esmGraph(join(file, '..', rel), seen);
  return seen;
}

const work = mkdtempSync(join(tmpdir(), 'kcp-endpoints-pack-'));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

try {
  const [report] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root));
  const tarball = report.filename;
  const shape = shapeProblems(report);
  if (shape.length > 0) throw new Error(shape.join('\n'));
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
    `import { createClient, isKcpError, KubeconfigError } from 'kcp-endpoints';
import { createTransport, loadConnection } from 'kcp-endpoints/advanced';
import { startKcpSimulator } from 'kcp-endpoints/testing';
if (typeof createClient !== 'function' || typeof isKcpError !== 'function') throw new Error('ESM main entry broken');
if (typeof createTransport !== 'function') throw new Error('ESM advanced entry broken');
if (typeof startKcpSimulator !== 'function') throw new Error('ESM testing entry broken');
${SHARED_STATE_CHECK('ESM')}
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
const { KubeconfigError } = main;
const { loadConnection } = advanced;
${SHARED_STATE_CHECK('CJS')}
console.log('cjs ok');`,
  );
  process.stdout.write(run('node', ['esm.mjs'], work));
  process.stdout.write(run('node', ['cjs.cjs'], work));
  const installed = join(work, 'node_modules/kcp-endpoints/dist');
  for (const file of esmGraph(join(installed, 'index.js')))
    if (readFileSync(file, 'utf8').includes('startKcpSimulator'))
      throw new Error(`${file.slice(installed.length + 1)}, loaded by dist/index.js, bundles the simulator`);
  const content = contentProblems(installed);
  if (content.length > 0) throw new Error(content.join('\n'));
  // the CLI: runs, writes its code cache once, then uses it (V8 accepts it: the file is not rewritten)
  const cacheHome = join(work, 'cache');
  const cli = (env = {}, args = ['--version']) =>
    execFileSync(join(work, 'node_modules/.bin/kcp-endpoints'), args, {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, XDG_CACHE_HOME: cacheHome, KCP_ENDPOINTS_NO_CODE_CACHE: '', ...env },
    }).trim();
  const cacheDir = join(cacheHome, 'kcp-endpoints');
  const cacheFiles = () => (existsSync(cacheDir) ? readdirSync(cacheDir) : []);
  cli({ KCP_ENDPOINTS_NO_CODE_CACHE: '1' });
  if (cacheFiles().length > 0)
    throw new Error('the CLI wrote a code cache with KCP_ENDPOINTS_NO_CODE_CACHE=1');
  const cliVersion = cli();
  if (!cliVersion.includes(version))
    throw new Error(`CLI --version printed ${cliVersion}, expected ${version}`);
  const [cacheFile] = cacheFiles();
  if (cacheFile === undefined) throw new Error(`the CLI wrote no code cache in ${cacheDir}`);
  const stamp = (s) => `${s.ino}:${s.mtimeMs}`;
  const written = stamp(statSync(join(cacheDir, cacheFile)));
  if (cli() !== cliVersion || stamp(statSync(join(cacheDir, cacheFile))) !== written)
    throw new Error('the CLI rewrote its code cache on the second run: V8 did not accept it');
  // the demo runs the library's simulator (dist/testing.cjs) from the CLI bundle
  if (!cli({}, ['demo', '--fast']).includes('kcp-endpoints wait'))
    throw new Error('the CLI demo did not finish with its next steps');
  console.log(
    `pack ok: ${tarball}, ${kb(report.unpackedSize)} unpacked (budget ${kb(SIZE_BUDGET)}), ${report.entryCount} files; cli ${cliVersion}, code cache ${kb(statSync(join(cacheDir, cacheFile)).size)}`,
  );

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
