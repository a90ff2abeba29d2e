import { spawn } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import type { EndpointResolution } from '../../src/endpoints/types.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from '../../src/cli/run.js';
import type { CliIo, CliStream } from '../../src/cli/io.js';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');

/** A stream that records what is written. */
export class MemoryStream implements CliStream {
  text = '';
  constructor(
    readonly isTTY = false,
    readonly columns?: number,
  ) {}
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

/** Result of one CLI run. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runInProcess}. */
export interface InProcessOptions {
  tty?: boolean;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Called with the io once the run started (e.g. to abort later). */
  stdout?: MemoryStream;
  /** The stderr to write to (e.g. to wait for a diagnostic before acting). */
  stderr?: MemoryStream;
}

/** Runs the CLI in this process with memory streams. */
export async function runInProcess(argv: string[], options: InProcessOptions = {}): Promise<CliResult> {
  const stdout = options.stdout ?? new MemoryStream(options.tty ?? false, 200);
  const stderr = options.stderr ?? new MemoryStream(options.tty ?? false, 200);
  const io: CliIo = {
    stdout,
    stderr,
    env: options.env ?? {},
    signal: options.signal ?? new AbortController().signal,
  };
  const code = await run(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** The command that runs the CLI as a subprocess: from source with tsx (works on a fresh clone). */
export function cliCommand(): { cmd: string; args: string[] } {
  if (existsSync(join(ROOT, 'node_modules/tsx'))) {
    return { cmd: process.execPath, args: ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')] };
  }
  return { cmd: process.execPath, args: [join(ROOT, 'dist/cli.js')] };
}

/** A running subprocess with its collected output. */
export interface Spawned {
  /** Resolves when the process exits. */
  done: Promise<CliResult>;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
}

/** Spawns the CLI; the process is killed after `timeoutMs`. */
export function spawnCli(argv: string[], env: Record<string, string> = {}, timeoutMs = 15_000): Spawned {
  const { cmd, args } = cliCommand();
  const child = spawn(cmd, [...args, ...argv], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // its own process group: tsx runs the CLI in a child process, which must go with it
    detached: true,
  });
  const killGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const timer = setTimeout(() => {
    killGroup('SIGKILL');
  }, timeoutMs);
  const done = new Promise<CliResult>((resolveDone) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveDone({ code, stdout: out, stderr: err });
    });
  });
  return { done, stdout: () => out, stderr: () => err, kill: killGroup };
}

/** Resolves once `check()` is true (polling every 20 ms), or rejects after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A simulator with a provider, two consumers on two shards, and a kubeconfig file. */
export interface SimFixture {
  sim: KcpSimulator;
  kubeconfig: string;
  dir: string;
  close(): Promise<void>;
}

/** Starts the standard fixture: `ready` (bound), `awaiting` (unbound), a partitioned slice, a reader without rights. */
export async function startFixture(): Promise<SimFixture> {
  const sim = await startKcpSimulator({ profile: '0.28+' });
  sim.addShard('beta', { virtualWorkspaceURL: 'https://beta.kcp.test:6443' });
  sim.createWorkspace('root:org:provider');
  sim.createWorkspace('root:org:consumer-a');
  sim.createWorkspace('root:org:consumer-b', { shard: 'beta' });
  sim.createWorkspace('root:org:empty');
  sim.createExport('root:org:provider', 'awaiting');
  sim.createExport('root:org:provider', 'ready');
  sim.createExport('root:org:provider', 'skipped', { skipEndpointSlice: true });
  sim.bind('root:org:consumer-a', 'root:org:provider:ready');
  sim.createSlice('root:org:provider', 'parted', { export: 'root:org:provider:ready', partition: 'nope' });
  sim.createSlice('root:org:provider', 'orphan', { export: 'root:org:provider:gone' });
  sim.addUser('nobody', { token: 'nobody-token' });
  sim.addUser('getter', { token: 'getter-token' });
  sim.grant('getter', 'root:org:provider', { verbs: ['list'], resources: ['apiexportendpointslices'] });
  sim.addUser('exporter', { token: 'exporter-token' });
  sim.grant('exporter', 'root:org:provider', { resources: ['apiexports'] });
  await sim.waitForIdle();
  const dir = mkdtempSync(join(tmpdir(), 'kcp-endpoints-cli-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await sim.kubeconfig({ path: kubeconfig });
  return {
    sim,
    kubeconfig,
    dir,
    close: async () => {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts one simulator fixture for the test file (beforeAll) and closes it (afterAll). Read `fx` and `kc`
 * (the `--kubeconfig` flags) inside tests.
 */
export function useSimFixture(): { readonly fx: SimFixture; readonly kc: string[] } {
  let fixture: SimFixture | undefined;
  beforeAll(async () => {
    fixture = await startFixture();
  });
  afterAll(async () => {
    await fixture?.close();
  });
  const current = (): SimFixture => {
    if (fixture === undefined) throw new Error('the simulator fixture is not started yet');
    return fixture;
  };
  return {
    get fx() {
      return current();
    },
    get kc() {
      return ['--kubeconfig', current().kubeconfig];
    },
  };
}

/** An `AwaitingBinding` resolution of `root:p:x` with no URL, to spread overrides over in unit tests. */
export const AWAITING: EndpointResolution = {
  export: { path: 'root:p', name: 'x' },
  slice: { path: 'root:p', name: 'x' },
  source: 'none',
  urls: [],
  endpoints: [],
  phase: 'AwaitingBinding',
  reason: 'NoBindingYet',
  message: 'm',
  sliceConditions: [],
  resourceVersions: {},
  warnings: [],
  warningDetails: [],
};
