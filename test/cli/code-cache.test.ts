import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codeCacheDir, runCommonJsWithCache, type CodeCacheStatus } from '../../src/cli/code-cache.js';

declare global {
  var __codeCacheFixture:
    Array<{ run: number; dirname: string; sep: string; moduleIsObject: boolean }> | undefined;
}

/** A CommonJS script that records, in a global, that it ran and what the module wrapper gave it. */
const FIXTURE = `'use strict';
const { sep } = require('node:path');
globalThis.__codeCacheFixture ??= [];
function work(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s; }
globalThis.__codeCacheFixture.push({ run: work(100), dirname: __dirname, sep, moduleIsObject: typeof module.exports === 'object' });
`;

// V8 keeps compiled scripts in memory per process, so whether it accepts cached data shows only in a fresh
// process: each run below is a child process of this runner (bundled once), like the CLI's launcher.
const RUNNER = `import { runCommonJsWithCache } from ${JSON.stringify(join(import.meta.dirname, '../../src/cli/code-cache.ts'))};
const [file, cacheDir, variant] = process.argv.slice(2);
const run = runCommonJsWithCache(file, { cacheDir: cacheDir === '-' ? undefined : cacheDir, variant: variant === '-' ? undefined : variant });
console.log(JSON.stringify({ status: run.status, cacheFile: run.cacheFile ?? null, ran: globalThis.__codeCacheFixture?.length ?? 0 }));
process.once('exit', () => run.save());
`;
let runnerDir: string;
let runner: string;
beforeAll(() => {
  runnerDir = mkdtempSync(join(tmpdir(), 'kcp-endpoints-code-cache-runner-'));
  runner = join(runnerDir, 'runner.mjs');
  buildSync({
    stdin: { contents: RUNNER, resolveDir: runnerDir, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: runner,
    logLevel: 'silent',
  });
});
afterAll(() => {
  rmSync(runnerDir, { recursive: true, force: true });
});

interface ChildRun {
  status: CodeCacheStatus;
  cacheFile: string | null;
  ran: number;
}

/** Runs `file` in a child process with the code cache in `cacheDir`; it saves the cache at exit. */
function runChild(file: string, cacheDir: string | undefined, variant?: string): ChildRun {
  const out = execFileSync(process.execPath, [runner, file, cacheDir ?? '-', variant ?? '-'], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as ChildRun;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kcp-endpoints-code-cache-'));
  globalThis.__codeCacheFixture = [];
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function fixture(source = FIXTURE): string {
  const file = join(dir, 'bundle.cjs');
  writeFileSync(file, source);
  return file;
}

function cacheFiles(cacheDir: string): string[] {
  try {
    return readdirSync(cacheDir).sort();
  } catch {
    return [];
  }
}

describe('codeCacheDir', () => {
  const home = '/home/u';
  it('uses an absolute XDG_CACHE_HOME, else ~/.cache, on Linux and other Unixes', () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x/cache' }, 'linux', home)).toBe('/x/cache/kcp-endpoints');
    expect(codeCacheDir({ XDG_CACHE_HOME: 'relative/cache' }, 'linux', home)).toBe(
      '/home/u/.cache/kcp-endpoints',
    );
    expect(codeCacheDir({}, 'freebsd', home)).toBe('/home/u/.cache/kcp-endpoints');
  });

  it('uses ~/Library/Caches on macOS and %LOCALAPPDATA% on Windows', () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x' }, 'darwin', home)).toBe(
      '/home/u/Library/Caches/kcp-endpoints',
    );
    const local = join(dir, 'Local');
    expect(codeCacheDir({ LOCALAPPDATA: local }, 'win32', home)).toBe(join(local, 'kcp-endpoints'));
    expect(codeCacheDir({}, 'win32', home)).toBe(join(home, 'AppData', 'Local', 'kcp-endpoints'));
  });

  it('is off with KCP_ENDPOINTS_NO_CODE_CACHE set to anything but empty or 0, and without a home', () => {
    expect(codeCacheDir({ KCP_ENDPOINTS_NO_CODE_CACHE: '1' }, 'linux', home)).toBeUndefined();
    expect(codeCacheDir({ KCP_ENDPOINTS_NO_CODE_CACHE: 'yes' }, 'darwin', home)).toBeUndefined();
    expect(codeCacheDir({ KCP_ENDPOINTS_NO_CODE_CACHE: '0' }, 'linux', home)).toBe(
      '/home/u/.cache/kcp-endpoints',
    );
    expect(codeCacheDir({ KCP_ENDPOINTS_NO_CODE_CACHE: '' }, 'linux', home)).toBe(
      '/home/u/.cache/kcp-endpoints',
    );
    expect(codeCacheDir({}, 'linux', '')).toBeUndefined();
    expect(codeCacheDir({}, 'linux', 'not/absolute')).toBeUndefined();
  });
});

describe('runCommonJsWithCache', () => {
  it('runs the script like a CommonJS module, with require, __dirname and module', () => {
    const run = runCommonJsWithCache(fixture(), { cacheDir: undefined });
    expect(run.status).toBe('off');
    expect(globalThis.__codeCacheFixture).toEqual([
      { run: work(100), dirname: dir, sep: join('a', 'b').slice(1, 2), moduleIsObject: true },
    ]);
  });

  it('writes the cache at exit after a first run, and V8 accepts it in the next process without a rewrite', () => {
    const cacheDir = join(dir, 'cache');
    const file = fixture();
    const first = runChild(file, cacheDir, 'get');
    expect(first).toMatchObject({ status: 'missing', ran: 1 });
    const [name = ''] = cacheFiles(cacheDir);
    expect(name).toMatch(new RegExp(`^cli-[0-9a-f]{20}-${process.version}-${process.arch}-get\\.v8cache$`));
    expect(first.cacheFile).toBe(join(cacheDir, name));
    const path = join(cacheDir, name);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const written = statSync(path).mtimeMs;
    expect(runChild(file, cacheDir, 'get')).toMatchObject({ status: 'accepted', ran: 1 });
    expect(statSync(path).mtimeMs).toBe(written);
    expect(cacheFiles(cacheDir)).toEqual([name]);
  });

  it('replaces a corrupt cache: V8 rejects it, the script still runs, and the rewritten one is accepted', () => {
    const cacheDir = join(dir, 'cache');
    const file = fixture();
    runChild(file, cacheDir);
    const [name = ''] = cacheFiles(cacheDir);
    writeFileSync(join(cacheDir, name), Buffer.from('this is not V8 code cache data, not at all'));
    expect(runChild(file, cacheDir)).toMatchObject({ status: 'rejected', ran: 1 });
    expect(runChild(file, cacheDir)).toMatchObject({ status: 'accepted', ran: 1 });
  });

  it('keys the cache by content and variant: another bundle or command does not read it', () => {
    const cacheDir = join(dir, 'cache');
    const file = fixture();
    expect(runChild(file, cacheDir, 'get').status).toBe('missing');
    expect(runChild(file, cacheDir, 'watch').status).toBe('missing');
    expect(runChild(fixture(`${FIXTURE}\n// another build`), cacheDir, 'get').status).toBe('missing');
    // a variant that is not a plain word is left out of the name rather than put in a path
    expect(runChild(file, cacheDir, '../etc').status).toBe('missing');
    expect(runChild(file, cacheDir).status).toBe('accepted');
    expect(cacheFiles(cacheDir)).toHaveLength(4);
  });

  it('runs without a cache, silently, when the cache directory cannot be created', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    const run = runCommonJsWithCache(fixture(), { cacheDir: join(blocker, 'cache') });
    expect(run.status).toBe('missing');
    expect(() => {
      run.save();
    }).not.toThrow();
    expect(globalThis.__codeCacheFixture).toHaveLength(1);
    expect(readdirSync(dir).sort()).toEqual(['a-file', 'bundle.cjs']);
  });

  it('leaves no temporary file behind when the final rename fails', () => {
    const cacheDir = join(dir, 'cache');
    const file = fixture();
    runChild(file, cacheDir);
    const [name = ''] = cacheFiles(cacheDir);
    const target = join(cacheDir, name);
    rmSync(target);
    // a non-empty directory where the cache file goes: rename(tmp, file) fails
    mkdirSync(join(target, 'child'), { recursive: true });
    expect(runChild(file, cacheDir)).toMatchObject({ status: 'missing', ran: 1 });
    expect(cacheFiles(cacheDir)).toEqual([name]);
    expect(statSync(target).isDirectory()).toBe(true);
  });

  it('removes cache files of other builds once they are a month old, and nothing else', () => {
    const cacheDir = join(dir, 'cache');
    const file = fixture();
    runChild(file, cacheDir);
    const [current = ''] = cacheFiles(cacheDir);
    const old = 'cli-0123456789abcdef0123-v20.0.0-x64-get.v8cache';
    const recent = 'cli-fedcba9876543210fedc-v20.0.0-x64-get.v8cache';
    for (const f of [old, recent, 'notes.txt']) writeFileSync(join(cacheDir, f), 'x');
    const monthsAgo = new Date(Date.now() - 60 * 24 * 3_600_000);
    utimesSync(join(cacheDir, old), monthsAgo, monthsAgo);
    utimesSync(join(cacheDir, 'notes.txt'), monthsAgo, monthsAgo);
    const again = runChild(file, cacheDir, 'watch');
    expect(again.status).toBe('missing');
    expect(cacheFiles(cacheDir)).toEqual(
      [current, recent, (again.cacheFile ?? '').slice(cacheDir.length + 1), 'notes.txt'].sort(),
    );
  });

  it('does not use a cache file that others may write, and replaces it with one only its user may write', () => {
    const cacheDir = join(dir, 'cache');
    const file = fixture();
    runChild(file, cacheDir);
    const [name = ''] = cacheFiles(cacheDir);
    chmodSync(join(cacheDir, name), 0o666);
    expect(runChild(file, cacheDir)).toMatchObject({ status: 'rejected', ran: 1 });
    expect(statSync(join(cacheDir, name)).mode & 0o777).toBe(0o600);
    expect(runChild(file, cacheDir).status).toBe('accepted');
  });

  it('neither reads nor writes a cache in a directory that others may write', () => {
    const cacheDir = join(dir, 'cache');
    const file = fixture();
    runChild(file, cacheDir);
    const [name = ''] = cacheFiles(cacheDir);
    const before = statSync(join(cacheDir, name)).mtimeMs;
    chmodSync(cacheDir, 0o777);
    expect(runChild(file, cacheDir)).toMatchObject({ status: 'rejected', ran: 1 });
    expect(statSync(join(cacheDir, name)).mtimeMs).toBe(before);
    chmodSync(cacheDir, 0o700);
    expect(runChild(file, cacheDir).status).toBe('accepted');
  });

  it('writes nothing when the cache is off', () => {
    expect(runChild(fixture(), undefined)).toMatchObject({ status: 'off', cacheFile: null, ran: 1 });
    expect(readdirSync(dir)).toEqual(['bundle.cjs']);
  });
});

function work(n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += i % 7;
  return s;
}
