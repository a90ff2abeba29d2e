/**
 * The small interface the conformance scenarios are written against, with two implementations: the
 * bundled simulator and a real kcp (test/realkcp/harness.ts). Every write goes through the same REST
 * calls on both (only workspace creation differs: the simulator has no Workspace API), so the simulator is
 * held to exactly what real kcp does with the same requests.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '../../src/client.js';
import type { KcpClient } from '../../src/client-types.js';
import type { ClientOptions } from '../../src/client-types.js';
import { silentLogger } from '../../src/logger.js';
import { startKcpSimulator, type KcpProfile, type KcpSimulator } from '../../src/testing/index.js';
import type { WatchTuning } from '../../src/watch/tuning.js';
import type { KcpVersion, RunningKcp } from '../realkcp/harness.js';
import { parse as parseYaml } from 'yaml';
import { apiPath, Rest, restConfigFromKubeconfig } from '../realkcp/rest.js';

/**
 * Writes a kubeconfig with the admin kubeconfig's `root` cluster and a user that has only `token` (no client
 * certificate: a bearer token next to an admin certificate would still authenticate as the admin).
 */
async function userKubeconfig(admin: string, context: string, token: string, path: string): Promise<string> {
  const doc = parseYaml(await readFile(admin, 'utf8')) as {
    clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
    contexts: Array<{ name: string; context: { cluster: string } }>;
  };
  const clusterName = doc.contexts.find((c) => c.name === context)?.context.cluster;
  const cluster = doc.clusters.find((c) => c.name === clusterName)?.cluster;
  if (cluster === undefined) throw new Error(`${admin} has no cluster for context ${context}`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'root',
    clusters: [{ name: 'root', cluster }],
    users: [{ name: 'user', user: { token } }],
    contexts: [{ name: 'root', context: { cluster: 'root', user: 'user' } }],
  };
  await writeFile(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}

/** Which kcp behaviour a backend shows (scenarios branch on these, never on the backend's kind). */
export interface Behaviour {
  /** kcp version emulated or run (`v0.28.0`, …). */
  readonly version: KcpVersion;
  /** kcp ≥ 0.28 creates a slice per export. */
  readonly defaultSlice: boolean;
  /** kcp ≥ 0.27 lists a shard's URL only while a binding lives on it. */
  readonly urlsNeedBindings: boolean;
  /** `APIExport.status.virtualWorkspaces` is filled (kcp ≤ 0.27, or 0.28 with the gate on). */
  readonly legacyUrls: boolean;
  /** Shard names; the first is `root`. */
  readonly shards: readonly string[];
  /**
   * kcp ≥ 0.27 authorizes a virtual-workspace request to a concrete logical cluster by that cluster's
   * APIBinding to the export (`pkg/virtual/apiexport/authorizer/binding.go`): no binding → 403, APIBinding
   * writes → 403. kcp 0.26 has no such authorizer.
   */
  readonly vwChecksBindings: boolean;
  /** kcp ≥ 0.28 serves APIBindings v1alpha2 in the virtual workspace too (v1alpha1 always). */
  readonly vwBindingsV1alpha2: boolean;
}

/** A label selector as Partitions take it. */
export interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

/** A backend: a running kcp (real or simulated) and the writes the scenarios need. */
export interface ConformanceBackend {
  /** `simulator` or `kcp`, for names only. */
  readonly kind: 'simulator' | 'kcp';
  readonly behaviour: Behaviour;
  /** Admin kubeconfig (loopback servers only) and the context that targets `root`. */
  readonly kubeconfig: string;
  readonly context: string;
  /** Admin REST client. */
  readonly rest: Rest;
  /** How long to wait for kcp to react, and how long "nothing happens" is watched. */
  readonly timing: { readonly reactMs: number; readonly quietMs: number };
  /** Token of a user without any permission, and a kubeconfig (context `root`) for that user alone. */
  readonly unprivilegedToken: string;
  readonly unprivilegedKubeconfig: string;
  /** Creates a workspace under `root` (optionally on a shard); returns its logical cluster name. */
  createWorkspace(path: string, options?: { shard?: string }): Promise<string>;
  /** Virtual-workspace base URL of a shard (`spec.virtualWorkspaceURL`). */
  shardVwUrl(shard: string): Promise<string>;
  /** A client of the SDK under test for this backend. */
  client(extra?: ClientOptions): KcpClient;
  /** Runs kubectl against the backend (admin kubeconfig, private discovery cache). */
  kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

/** Millisecond watch timings for the SDK under test. */
export const CONFORMANCE_TUNING: WatchTuning = {
  backoffInitialMs: 20,
  backoffMaxMs: 500,
  backoffResetMs: 5_000,
  minWatchTimeoutSeconds: 60,
  inactivitySlackMs: 10_000,
  connectTimeoutMs: 5_000,
};

function sdkClient(kubeconfig: string, context: string, extra: ClientOptions): KcpClient {
  return createClient({
    kubeconfig,
    context,
    logger: silentLogger,
    watch: CONFORMANCE_TUNING,
    requestTimeoutMs: 15_000,
    ...extra,
  });
}

function runKubectl(
  kubeconfig: string,
  context: string,
  cacheDir: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      [`--kubeconfig=${kubeconfig}`, `--context=${context}`, `--cache-dir=${cacheDir}`, ...args],
      { timeout: 60_000, env: { ...process.env, KUBECONFIG: kubeconfig } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function shardUrl(rest: Rest, shard: string): Promise<string> {
  const s = await rest.ok<{ spec?: { virtualWorkspaceURL?: string; baseURL?: string } }>(
    'GET',
    apiPath('root', 'core.kcp.io', 'v1alpha1', 'shards', shard),
  );
  return (s.spec?.virtualWorkspaceURL ?? s.spec?.baseURL ?? '').replace(/\/+$/, '');
}

/** The simulator profile that emulates a kcp version. */
export function simulatorProfile(version: KcpVersion): KcpProfile {
  if (version === 'v0.26.1') return '0.26';
  if (version === 'v0.27.1') return '0.27';
  return '0.28';
}

/** Starts the simulator emulating `version`, with a second shard when `sharded`. */
export async function simulatorBackend(options: {
  version: KcpVersion;
  sharded?: boolean;
  legacyGate?: boolean;
}): Promise<ConformanceBackend> {
  const profile = simulatorProfile(options.version);
  const legacyGate = options.legacyGate === true;
  const sim: KcpSimulator = await startKcpSimulator({
    profile,
    tls: true,
    gates: { EnableDeprecatedAPIExportVirtualWorkspacesUrls: legacyGate },
  });
  const dir = await mkdtemp(join(tmpdir(), 'kcp-endpoints-conformance-'));
  const kubeconfig = join(dir, 'admin.kubeconfig');
  await sim.kubeconfig({ path: kubeconfig });
  const shards = ['root'];
  if (options.sharded === true) {
    // like sharded-test-server's second shard, with its virtual workspaces served by the simulator
    sim.addShard('shard-1', {
      labels: { region: 'us-east-1', shared: 'true' },
      virtualWorkspaceURL: `${sim.url}/shards/shard-1`,
    });
    shards.push('shard-1');
  }
  const rest = new Rest(await restConfigFromKubeconfig(kubeconfig, 'root'));
  sim.addUser('user-1', { token: 'user-1-token' });
  return {
    kind: 'simulator',
    behaviour: behaviourOf(options.version, legacyGate, shards),
    kubeconfig,
    context: 'root',
    rest,
    timing: { reactMs: 5_000, quietMs: 150 },
    unprivilegedToken: 'user-1-token',
    unprivilegedKubeconfig: await userKubeconfig(
      kubeconfig,
      'root',
      'user-1-token',
      join(dir, 'user.kubeconfig'),
    ),
    createWorkspace: async (path, o = {}) => {
      const ws = sim.createWorkspace(path, o.shard === undefined ? {} : { shard: o.shard });
      await sim.waitForIdle();
      return ws.cluster;
    },
    shardVwUrl: (shard) => shardUrl(rest, shard),
    client: (extra = {}) => sdkClient(kubeconfig, 'root', extra),
    kubectl: (args) => runKubectl(kubeconfig, 'root', join(dir, 'kubectl-cache'), args),
    close: async () => {
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function behaviourOf(version: KcpVersion, legacyGate: boolean, shards: readonly string[]): Behaviour {
  return {
    version,
    defaultSlice: version === 'v0.28.0',
    urlsNeedBindings: version !== 'v0.26.1',
    legacyUrls: version !== 'v0.28.0' || legacyGate,
    shards,
    vwChecksBindings: version !== 'v0.26.1',
    vwBindingsV1alpha2: version === 'v0.28.0',
  };
}

/** A backend over a running real kcp (started by the harness; closed by the caller). */
export async function kcpBackend(kcp: RunningKcp): Promise<ConformanceBackend> {
  const dir = await mkdtemp(join(tmpdir(), 'kcp-endpoints-kubectl-'));
  const shards = kcp.topology === 'sharded' ? ['root', 'shard-1'] : ['root'];
  const rest = kcp.rest;
  return {
    kind: 'kcp',
    behaviour: behaviourOf(kcp.version, kcp.legacyGate, shards),
    kubeconfig: kcp.kubeconfig,
    context: kcp.context,
    rest,
    timing: { reactMs: 60_000, quietMs: 3_000 },
    unprivilegedToken: kcp.unprivilegedToken,
    unprivilegedKubeconfig: await userKubeconfig(
      kcp.kubeconfig,
      kcp.context,
      kcp.unprivilegedToken,
      join(dir, 'user.kubeconfig'),
    ),
    createWorkspace: (path, o = {}) => createKcpWorkspace(rest, path, o.shard),
    shardVwUrl: (shard) => shardUrl(rest, shard),
    client: (extra = {}) => sdkClient(kcp.kubeconfig, kcp.context, extra),
    kubectl: (args) => runKubectl(kcp.kubeconfig, kcp.context, join(dir, 'kubectl-cache'), args),
    close: async () => {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates `root:…:name` (parents must exist) and waits until it is Ready; returns its logical cluster. */
async function createKcpWorkspace(rest: Rest, path: string, shard?: string): Promise<string> {
  const i = path.lastIndexOf(':');
  const parent = path.slice(0, i);
  const name = path.slice(i + 1);
  const body = {
    apiVersion: 'tenancy.kcp.io/v1alpha1',
    kind: 'Workspace',
    metadata: { name },
    spec: shard === undefined ? {} : { location: { selector: { matchLabels: { name: shard } } } },
  };
  await rest.ok('POST', apiPath(parent, 'tenancy.kcp.io', 'v1alpha1', 'workspaces'), body);
  const until = Date.now() + 90_000;
  for (;;) {
    const ws = await rest.ok<{ spec?: { cluster?: string }; status?: { phase?: string } }>(
      'GET',
      apiPath(parent, 'tenancy.kcp.io', 'v1alpha1', 'workspaces', name),
    );
    if (ws.status?.phase === 'Ready' && ws.spec?.cluster !== undefined) {
      // the workspace serves its APIs once its logical cluster is initialised
      const lc = await rest.send('GET', apiPath(path, 'apis.kcp.io', 'v1alpha1', 'apiexports'));
      if (lc.status === 200) return ws.spec.cluster;
    }
    if (Date.now() > until)
      throw new Error(`workspace ${path} not Ready after 90 s: ${JSON.stringify(ws.status)}`);
    await sleep(200);
  }
}
