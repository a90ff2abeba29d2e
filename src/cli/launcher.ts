/**
 * The `kcp-endpoints` binary (`dist/cli.js`): runs the CLI bundle (`dist/cli-bundle.cjs`, built from
 * `main.ts`) with a V8 code cache, one per command (see `code-cache.ts`). Imports only Node's built-ins and
 * the command names, so it adds almost nothing to the start.
 *
 * @module
 */
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { codeCacheDir, runCommonJsWithCache } from './code-cache.js';
import { COMMANDS } from './flags.js';

function home(): string {
  try {
    return homedir();
  } catch {
    return '';
  }
}

const argv = process.argv.slice(2);
const run = runCommonJsWithCache(fileURLToPath(new URL('./cli-bundle.cjs', import.meta.url)), {
  cacheDir: codeCacheDir(process.env, process.platform, home()),
  variant: COMMANDS.find((c) => argv.includes(c)) ?? 'none',
});
process.once('exit', () => {
  run.save();
});
