/**
 * A V8 code cache for the CLI bundle. `dist/cli.js` is a small launcher: it compiles the CommonJS bundle
 * (`dist/cli-bundle.cjs`) with `vm.Script` and the cached data of an earlier run, so V8 neither parses nor
 * compiles what that run already compiled. Node 20 has no `module.enableCompileCache`, hence the launcher.
 *
 * The cache lives in the user's cache directory (`$XDG_CACHE_HOME/kcp-endpoints`, `~/.cache/kcp-endpoints`;
 * `~/Library/Caches/kcp-endpoints` on macOS, `%LOCALAPPDATA%\kcp-endpoints` on Windows), one file per bundle
 * content, Node version, architecture and command. It is written once, at exit, after the first run (or after
 * V8 rejected it), atomically (a temporary file renamed). Every failure (no home, a read-only or missing
 * directory, a corrupt or foreign file) falls back to compiling as usual, silently. A file or directory that
 * another user owns, or that the group or others may write, is not used.
 * `KCP_ENDPOINTS_NO_CODE_CACHE=1` turns it off.
 *
 * @module
 */
import { hash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { Script } from 'node:vm';

/** The environment variable that turns the code cache off (any value but empty and `0`). */
export const NO_CODE_CACHE_ENV = 'KCP_ENDPOINTS_NO_CODE_CACHE';

/** Cache files of other bundles or Node versions older than this are removed when a cache is written. */
const STALE_MS = 30 * 24 * 3_600_000;

const FILE_PREFIX = 'cli-';
const FILE_SUFFIX = '.v8cache';

/**
 * The directory of the CLI's code cache, or `undefined` when it is turned off ({@link NO_CODE_CACHE_ENV}) or
 * there is no home directory to put it in. `XDG_CACHE_HOME` counts only when it is an absolute path, as the
 * XDG specification says.
 */
export function codeCacheDir(
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform,
  home: string,
): string | undefined {
  const off = env[NO_CODE_CACHE_ENV];
  if (off !== undefined && off !== '' && off !== '0') return undefined;
  const inHome = (...parts: string[]): string | undefined =>
    home !== '' && isAbsolute(home) ? join(home, ...parts, 'kcp-endpoints') : undefined;
  if (platform === 'win32') {
    const local = env['LOCALAPPDATA'];
    return local !== undefined && isAbsolute(local)
      ? join(local, 'kcp-endpoints')
      : inHome('AppData', 'Local');
  }
  if (platform === 'darwin') return inHome('Library', 'Caches');
  const xdg = env['XDG_CACHE_HOME'];
  return xdg !== undefined && isAbsolute(xdg) ? join(xdg, 'kcp-endpoints') : inHome('.cache');
}

/** What became of the code cache when a script was compiled. */
export type CodeCacheStatus =
  /** V8 used the cached data. */
  | 'accepted'
  /**
   * There was cached data, but V8 did not accept it (another V8, other flags, a corrupt file), or it was not
   * used because others than this user could have written it.
   */
  | 'rejected'
  /** No cached data (first run, or the file could not be read). */
  | 'missing'
  /** The cache is turned off, or there is no directory for it. */
  | 'off';

/** A CommonJS script that has run, with what happened to its code cache. */
export interface CachedRun {
  /** The status of the cached data at compile time. */
  readonly status: CodeCacheStatus;
  /** The cache file (`undefined` when the cache is off). */
  readonly cacheFile: string | undefined;
  /**
   * Writes the code cache when it was missing or rejected: what V8 has compiled so far, so call it late (at
   * exit). Never throws; a failure leaves no file behind.
   */
  save(): void;
}

/** Options of {@link runCommonJsWithCache}. */
export interface CachedRunOptions {
  /** The cache directory ({@link codeCacheDir}); `undefined` turns the cache off. */
  cacheDir: string | undefined;
  /**
   * Which part of the script this run exercises (the CLI command), to keep one cache per part: V8 caches
   * the functions that have run, so a cache made by `--version` would not help `get`. Letters, digits, `-`.
   */
  variant?: string | undefined;
}

function cacheFileName(source: Buffer, variant: string | undefined): string {
  // SHA-1 names a build here, it guards nothing: the cheapest hash Node has of the whole file (~4 M instructions
  // for the CLI bundle, a third of SHA-256)
  const digest = hash('sha1', source, 'hex').slice(0, 20);
  const safeVariant = variant !== undefined && /^[a-z0-9-]{1,32}$/i.test(variant) ? `-${variant}` : '';
  return `${FILE_PREFIX}${digest}-${process.version}-${process.arch}${safeVariant}${FILE_SUFFIX}`;
}

/**
 * Whether only this user can have written `path`: it is this user's, and neither group- nor world-writable
 * (always true where there are no user ids). Compiled code is not taken from a place others can write to.
 */
function onlyMine(path: string): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return true;
  const st = statSync(path);
  return st.uid === uid && (st.mode & 0o022) === 0;
}

/** The cached data in `file`; `refused` when the file or its directory is not {@link onlyMine}. */
function readCache(file: string | undefined): Buffer | 'refused' | undefined {
  if (file === undefined) return undefined;
  try {
    if (!onlyMine(dirname(file)) || !onlyMine(file)) return 'refused';
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Removes cache files of other bundles or Node versions that have not been written for {@link STALE_MS}. */
function removeStale(dir: string, keep: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (name === keep || !name.startsWith(FILE_PREFIX) || !name.endsWith(FILE_SUFFIX)) continue;
    const file = join(dir, name);
    try {
      if (now - statSync(file).mtimeMs > STALE_MS) unlinkSync(file);
    } catch {
      // another process removed it, or it is not ours to remove
    }
  }
}

function writeAtomically(file: string, data: Buffer): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!onlyMine(dir)) return;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written
    }
    throw e;
  }
  removeStale(dir, file.slice(dir.length + 1));
}

/**
 * Runs the CommonJS file `file` the way Node's loader does (`exports`, `require`, `module`, `__filename`,
 * `__dirname`), compiled with the code cache of {@link CachedRunOptions.cacheDir} when there is a usable one.
 * Errors of the script itself propagate. The script must not call `import()`: Node 20 loses the dynamic-import
 * callback of a script compiled from cached data, so it is not offered at all (the CLI bundle is built with
 * `import()` turned into `require()`).
 */
export function runCommonJsWithCache(file: string, options: CachedRunOptions): CachedRun {
  const bytes = readFileSync(file);
  // the wrapper only adds fixed text, so the file's bytes name the compiled script
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${bytes.toString('utf8')}\n})`;
  const cacheFile =
    options.cacheDir === undefined
      ? undefined
      : join(options.cacheDir, cacheFileName(bytes, options.variant));
  const cached = readCache(cacheFile);
  const cachedData = cached === 'refused' ? undefined : cached;
  const script = new Script(wrapped, { filename: file, ...(cachedData === undefined ? {} : { cachedData }) });
  const status: CodeCacheStatus =
    cacheFile === undefined
      ? 'off'
      : cached === 'refused'
        ? 'rejected'
        : cachedData === undefined
          ? 'missing'
          : script.cachedDataRejected === true
            ? 'rejected'
            : 'accepted';
  let saved = false;
  const run: CachedRun = {
    status,
    cacheFile,
    save() {
      if (saved || cacheFile === undefined || status === 'accepted') return;
      saved = true;
      try {
        writeAtomically(cacheFile, script.createCachedData());
      } catch {
        // a read-only or full disk: run without a cache next time too
      }
    },
  };
  const module = { exports: {} as unknown, filename: file, id: '.', loaded: false };
  const fn = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: unknown,
    filename: string,
    dirname: string,
  ) => void;
  fn.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  module.loaded = true;
  return run;
}
