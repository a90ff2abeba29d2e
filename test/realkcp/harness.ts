/**
 * Starts and stops real kcp on loopback for the conformance suite:
 * - `single`: one `kcp start` in a temp root dir (embedded etcd, free ports, optional legacy-URL gate);
 * - `sharded`: `sharded-test-server --number-of-shards=2` (front proxy 6443, shard VWs 6444/6445, cache 8010/8012).
 * Every process runs in its own process group and is stopped by group; temp dirs are removed.
 * The binaries come from `test/realkcp/build-kcp.sh` (built from kcp's Go modules, cached by version).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Rest, restConfigFromKubeconfig } from './rest.js';

/** The kcp versions that build from the Go module proxy. */
export const KCP_VERSIONS = ['v0.26.1', 'v0.27.1', 'v0.28.0'] as const;
/** A pinned kcp version. */
export type KcpVersion = (typeof KCP_VERSIONS)[number];

/** What to start. */
export interface KcpStartOptions {
  /** Directory with `kcp`, `sharded-test-server`, `kcp-front-proxy`, `cache-server`. */
  readonly bin: string;
  readonly version: KcpVersion;
  readonly topology: 'single' | 'sharded';
  /** `EnableDeprecatedAPIExportVirtualWorkspacesUrls` (kcp ≥ 0.28; older versions always fill the field). */
  readonly legacyGate?: boolean;
  /** Tokens of extra users (`token,user,uid,"group"` lines); `user-1-token` → `user-1` is always there. */
  readonly log?: (line: string) => void;
}

/** A running kcp. */
export interface RunningKcp {
  readonly version: KcpVersion;
  readonly topology: 'single' | 'sharded';
  readonly legacyGate: boolean;
  /** Admin kubeconfig (every server on loopback); context `root` targets the root workspace. */
  readonly kubeconfig: string;
  readonly context: string;
  /** Admin REST client (server without `/clusters/...`). */
  readonly rest: Rest;
  /** Token of a user with no permissions anywhere (`user-1`). */
  readonly unprivilegedToken: string;
  /** Where the logs are. */
  readonly logDir: string;
  stop(): Promise<void>;
}

/** Users known to every started kcp (the same file sharded-test-server reads). */
const TOKENS = [
  'user-1-token,user-1,1111-1111-1111-1111,"team-1"',
  'user-2-token,user-2,2222-2222-2222-2222,"team-2"',
].join('\n');

/** File where started process groups are recorded, so the runner can reap them after a crash. */
const PGID_FILE = process.env['KCP_ENDPOINTS_PGID_FILE'];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => {
        resolve(port);
      });
    });
  });
}

async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => {
      resolve(true);
    });
    s.listen(port, '127.0.0.1', () => {
      s.close(() => {
        resolve(false);
      });
    });
  });
}

function startGroup(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; log: string }) {
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env,
    detached: true, // own process group: stopped with kill(-pgid)
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const append = (c: Buffer): void => {
    try {
      appendFileSync(opts.log, c);
    } catch {
      // the log dir is gone after stop
    }
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  if (PGID_FILE !== undefined && child.pid !== undefined) appendFileSync(PGID_FILE, `${child.pid}\n`);
  return child;
}

function alive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopGroup(pid: number, graceMs = 10_000): Promise<void> {
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!alive(pid)) return;
    await sleep(100);
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone
  }
  const hard = Date.now() + 5_000;
  while (alive(pid) && Date.now() < hard) await sleep(50);
}

async function waitFor(
  what: string,
  child: ChildProcess,
  log: string,
  fn: () => Promise<boolean>,
  timeoutMs: number,
) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const tail = await readFile(log, 'utf8').catch(() => '');
      throw new Error(
        `${what}: process exited (${child.exitCode ?? child.signalCode}); log tail:\n${tail.slice(-3000)}`,
      );
    }
    if (await fn().catch(() => false)) return;
    await sleep(250);
  }
  const tail = await readFile(log, 'utf8').catch(() => '');
  throw new Error(`${what}: not ready after ${timeoutMs} ms; log tail:\n${tail.slice(-3000)}`);
}

/** Starts kcp as asked; the caller must `stop()` it (also when a test fails). */
export async function startKcp(options: KcpStartOptions): Promise<RunningKcp> {
  return options.topology === 'single' ? startSingle(options) : startSharded(options);
}

async function startSingle(options: KcpStartOptions): Promise<RunningKcp> {
  const dir = await mkdtemp(join(tmpdir(), 'kcp-endpoints-kcp-'));
  const logDir = join(dir, 'logs');
  await mkdir(logDir);
  const log = join(logDir, 'kcp.log');
  const tokens = join(dir, 'tokens.csv');
  await writeFile(tokens, `${TOKENS}\n`, { mode: 0o600 });
  const [port, etcdClient, etcdPeer] = [await freePort(), await freePort(), await freePort()];
  const base = `https://127.0.0.1:${port}`;
  const gate = options.legacyGate === true;
  const args = [
    'start',
    `--root-directory=${join(dir, '.kcp')}`,
    '--bind-address=127.0.0.1',
    '--external-hostname=127.0.0.1',
    `--shard-base-url=${base}`,
    `--shard-external-url=${base}`,
    `--secure-port=${port}`,
    `--embedded-etcd-client-port=${etcdClient}`,
    `--embedded-etcd-peer-port=${etcdPeer}`,
    `--token-auth-file=${tokens}`,
  ];
  if (gate && options.version === 'v0.28.0') {
    args.push('--feature-gates=EnableDeprecatedAPIExportVirtualWorkspacesUrls=true');
  }
  options.log?.(`starting kcp ${options.version} (single shard, ${base}, gate ${gate ? 'on' : 'off'})`);
  const child = startGroup(join(options.bin, 'kcp'), args, {
    cwd: dir,
    env: { ...process.env, UNSAFE_E2E_HACK_DISABLE_ETCD_FSYNC: 'true' },
    log,
  });
  const pid = child.pid ?? 0;
  const kubeconfig = join(dir, '.kcp', 'admin.kubeconfig');
  const stop = async (): Promise<void> => {
    await stopGroup(pid);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    let rest: Rest | undefined;
    await waitFor(
      'kcp start',
      child,
      log,
      async () => {
        if (!existsSync(kubeconfig)) return false;
        // restConfigFromKubeconfig refuses any non-loopback server (kcp 0.27 writes the default-route
        // address without the external-hostname flags).
        rest ??= new Rest(await restConfigFromKubeconfig(kubeconfig, 'root'));
        const r = await rest.send('GET', '/readyz');
        if (r.status !== 200) return false;
        // ready for our use once the root workspace serves the APIs we create
        const apis = await rest.send('GET', '/clusters/root/apis/tenancy.kcp.io/v1alpha1/workspaces');
        return apis.status === 200;
      },
      120_000,
    );
    return {
      version: options.version,
      topology: 'single',
      legacyGate: gate || options.version !== 'v0.28.0',
      kubeconfig,
      context: 'root',
      rest: rest ?? new Rest(await restConfigFromKubeconfig(kubeconfig, 'root')),
      unprivilegedToken: 'user-1-token',
      logDir,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Ports sharded-test-server uses whatever it is told. */
const SHARDED_PORTS = [6443, 6444, 6445, 8010, 8012, 2379, 2380, 2381, 2382, 2383, 2384];

async function startSharded(options: KcpStartOptions): Promise<RunningKcp> {
  if (options.version !== 'v0.28.0') {
    // sharded-test-server before 0.28 writes the machine's default-route address into its kubeconfigs and
    // shard URLs (seen with v0.27.1): it cannot be run on loopback only
    throw new Error(
      `two shards need kcp v0.28.0: sharded-test-server ${options.version} does not stay on loopback`,
    );
  }
  const busy: number[] = [];
  for (const p of SHARDED_PORTS) if (await portInUse(p)) busy.push(p);
  if (busy.length > 0) {
    throw new Error(`sharded-test-server needs 127.0.0.1 ports ${busy.join(', ')}, which are in use`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'kcp-endpoints-sharded-'));
  const logDir = join(dir, 'logs');
  await mkdir(logDir);
  const log = join(logDir, 'sharded-test-server.log');
  // kcp's test helpers look upward for a `.git` folder and then read the token file relative to it.
  await mkdir(join(dir, '.git'));
  await mkdir(join(dir, 'test', 'e2e', 'framework'), { recursive: true });
  const csv = join(dir, 'test', 'e2e', 'framework', 'auth-tokens.csv');
  const fromModule = join(
    await goModCache(),
    `github.com/kcp-dev/kcp@${options.version}`,
    'test/e2e/framework/auth-tokens.csv',
  );
  if (existsSync(fromModule)) await copyFile(fromModule, csv);
  else await writeFile(csv, `${TOKENS}\n`);
  const gate = options.legacyGate === true;
  const args = ['--number-of-shards=2', `--work-dir-path=${dir}`, `--log-dir-path=${logDir}`, '--quiet'];
  if (gate) {
    args.push('--shard-feature-gates=EnableDeprecatedAPIExportVirtualWorkspacesUrls=true');
  }
  options.log?.(`starting kcp ${options.version} (two shards behind a front proxy on 127.0.0.1:6443)`);
  const child = startGroup(join(options.bin, 'sharded-test-server'), args, {
    cwd: dir,
    env: {
      ...process.env,
      NO_GORUN: '1',
      UNSAFE_E2E_HACK_DISABLE_ETCD_FSYNC: 'true',
      PATH: `${options.bin}:${process.env['PATH'] ?? ''}`,
    },
    log,
  });
  const pid = child.pid ?? 0;
  const kubeconfig = join(dir, '.kcp', 'admin.kubeconfig');
  const stop = async (): Promise<void> => {
    await stopGroup(pid, 15_000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'sharded-test-server',
      child,
      log,
      () => Promise.resolve(existsSync(join(dir, '.kcp', 'ready-to-test'))),
      240_000,
    );
    const rest = new Rest(await restConfigFromKubeconfig(kubeconfig, 'root'));
    return {
      version: options.version,
      topology: 'sharded',
      legacyGate: gate,
      kubeconfig,
      context: 'root',
      rest,
      unprivilegedToken: 'user-1-token',
      logDir,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function goModCache(): Promise<string> {
  const fromEnv = process.env['GOMODCACHE'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('go', ['env', 'GOMODCACHE'], (err, out) => {
      resolve(err === null ? out.trim() : join(process.env['HOME'] ?? '/root', 'go/pkg/mod'));
    });
  });
}
