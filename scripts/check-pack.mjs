// Packs the package, installs the tarball into a scratch project and checks that the published entry points
// load: ESM import and CJS require of the main entry and of `kcp-endpoints/testing`, that the main entry does
// not pull the simulator in, and that the CLI binary answers --version.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
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
import { startKcpSimulator } from 'kcp-endpoints/testing';
if (typeof createClient !== 'function' || typeof isKcpError !== 'function') throw new Error('ESM main entry broken');
if (typeof startKcpSimulator !== 'function') throw new Error('ESM testing entry broken');
console.log('esm ok');`,
  );
  writeFileSync(
    join(work, 'cjs.cjs'),
    `const main = require('kcp-endpoints');
const testing = require('kcp-endpoints/testing');
if (typeof main.createClient !== 'function') throw new Error('CJS main entry broken');
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
} finally {
  rmSync(work, { recursive: true, force: true });
}
