import type { ExportRef } from '../kcp/paths.js';
import type { GrantOptions } from './harness/auth.js';
import type { SimulatorClock } from './clock.js';
import type { SimulatorDelays, SimulatorGates } from './controllers/context.js';
import type { SimulatorFaults } from './harness/faults.js';
import type { JsonObject } from './model/json.js';
import type { KubeconfigOptions, SimulatorKubeconfig } from './harness/kubeconfig.js';
import type { KcpProfile, SimResource } from './model/resources.js';
import type { WorkspaceInfo } from './model/topology.js';

/** A Kubernetes object as the simulator stores and serves it (plain JSON). */
export type SimObject = JsonObject;

/** Options of {@link startKcpSimulator}. */
export interface SimulatorOptions {
  /** kcp version to emulate (default slices, URL rule, legacy field, served versions). @default '0.29+' */
  profile?: KcpProfile;
  /** Feature gates. @default {} */
  gates?: SimulatorGates;
  /** Serve HTTPS with a CA generated at start (needs the `selfsigned` peer dependency). @default false */
  tls?: boolean;
  /** Port to listen on (127.0.0.1). @default 0 (a free port) */
  port?: number;
  /** Controller reaction delays, or a preset: `'instant'` (all 0) or `'realistic'` (300–800 ms). @default 'instant' */
  delays?: SimulatorDelays | 'instant' | 'realistic';
  /** Time source and timers (inject a fake clock for deterministic tests). @default the real clock */
  clock?: SimulatorClock;
  /** Seed of generated logical cluster names and UIDs. @default 'kcp-simulator' */
  seed?: string;
  /** Bearer token of the admin user `kcp-admin`. @default a random token */
  token?: string;
  /**
   * Treat requests without an `Authorization` header as the admin user (invalid tokens still get 401).
   * kubectl does not send bearer tokens to plain-HTTP servers, so use this (or `tls: true`) with kubectl.
   * @default false
   */
  anonymousAdmin?: boolean;
  /** Watch events kept for resumption; older resourceVersions get 410 Expired. @default 10000 */
  retainedEvents?: number;
  /** Interval of BOOKMARK events on watches that allow them. @default 60000 */
  bookmarkIntervalMs?: number;
  /** Watch duration when the client sends no `timeoutSeconds`. @default 1800 */
  defaultWatchTimeoutSeconds?: number;
  /** How a watch from a too-old resourceVersion is refused: ERROR event (like kube) or HTTP 410. @default 'event' */
  expiredAs?: 'event' | 'http';
  /**
   * The "not serving yet" window of virtual workspaces: for this long after a virtual-workspace URL first
   * appears in a slice's `status.endpoints` (or an export's `status.virtualWorkspaces`), requests to it get
   * kcp's plain-text `404 page not found`, as kcp answers while its virtual workspace has not built the
   * export's APIs yet (measured on the simulator's clock). @default 0
   */
  vwServeDelayMs?: number;
}

/** Options of {@link KcpSimulator.createExport}. */
export interface CreateExportOptions {
  /**
   * Exported resources (v1alpha2 `spec.resources`); an APIResourceSchema named as each `schema` is created in
   * the export's workspace too (kept when one with the same spec exists): `scope` (default `'Cluster'`),
   * served `versions` (default `['v1']`, the first is stored) and an optional status subresource; every
   * version keeps unknown fields. Bound consumers serve these resources, and the export's virtual workspace
   * serves them across consumers. @default one `widgets` resource in group `<name>.kcp-sim.dev` with schema
   * `v1.widgets.<name>.kcp-sim.dev`
   */
  resources?: Array<{
    name: string;
    group: string;
    schema: string;
    scope?: 'Cluster' | 'Namespaced';
    versions?: string[];
    statusSubresource?: boolean;
  }>;
  /** Extra annotations. */
  annotations?: Record<string, string>;
  /** Labels. */
  labels?: Record<string, string>;
  /** Add `apiexports.apis.kcp.io/skip-endpointslice` so kcp ≥ 0.28 creates no default slice. @default false */
  skipEndpointSlice?: boolean;
}

/** Options of {@link KcpSimulator.bind}. */
export interface BindOptions {
  /** Name of the APIBinding. @default the export's name */
  name?: string;
  /** Shard for the consumer workspace when it does not exist yet. @default 'root' */
  shard?: string;
}

/** Options of {@link KcpSimulator.addShard}. */
export interface AddShardOptions {
  /** Labels (the label `name: <shard>` is always added). */
  labels?: Record<string, string>;
  /** `spec.virtualWorkspaceURL`; `''` for none. @default `https://<name>.shards.kcp.test:6443` */
  virtualWorkspaceURL?: string;
}

/** A LabelSelector as used by Partitions. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }>;
}

/** A running kcp simulator. All helpers act like a client write and trigger the simulated controllers. */
export interface KcpSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234` (the front-proxy and the root shard's VW URL). */
  readonly url: string;
  /** Bearer token of the admin user. */
  readonly token: string;
  /** CA certificate (PEM) when started with `tls: true`. */
  readonly ca: string | undefined;
  /** The emulated kcp version profile. */
  readonly profile: KcpProfile;
  /** Fault injection (scripted and seeded random). */
  readonly faults: SimulatorFaults;
  /** Errors thrown by simulated controllers (should stay empty; useful when debugging). */
  readonly errors: readonly unknown[];
  /** Builds a kubeconfig whose server is `<url>/clusters/<workspace>`; writes it when `path` is given. */
  kubeconfig(options?: KubeconfigOptions): Promise<SimulatorKubeconfig>;
  /** Creates a workspace (and missing parents) on a shard. */
  createWorkspace(path: string, options?: { shard?: string }): WorkspaceInfo;
  /** Looks a workspace up by path or logical cluster name. */
  workspace(pathOrCluster: string): WorkspaceInfo | undefined;
  /** Adds a shard (stored as `core.kcp.io/v1alpha1` Shard in `root`). */
  addShard(name: string, options?: AddShardOptions): SimObject;
  /** Replaces a shard's labels (keeps `name`). kcp ≥ 0.27 does not re-reconcile slices on this; see {@link KcpSimulator.resync}. */
  setShardLabels(name: string, labels: Record<string, string>): SimObject;
  /** Creates an APIExport in `path` (the workspace is created when missing). */
  createExport(path: string, name: string, options?: CreateExportOptions): SimObject;
  /** Deletes an APIExport (its default slice is garbage-collected). */
  deleteExport(path: string, name: string): void;
  /** Creates an APIExportEndpointSlice (no bind-permission admission, so missing exports can be tested). */
  createSlice(path: string, name: string, options: { export: ExportRef; partition?: string }): SimObject;
  /** Deletes an APIExportEndpointSlice. */
  deleteSlice(path: string, name: string): void;
  /** Creates an APIBinding in `consumerPath` to `exportRef` (`root:org:ws:export` or `{ path, name }`). */
  bind(consumerPath: string, exportRef: ExportRef, options?: BindOptions): SimObject;
  /** Deletes an APIBinding; it disappears once the finalizer is removed (after `delays.finalizerMs`). */
  unbind(consumerPath: string, bindingName: string): void;
  /** Creates a `topology.kcp.io/v1alpha1` Partition. */
  createPartition(path: string, name: string, selector: LabelSelector): SimObject;
  /** Deletes a Partition. */
  deletePartition(path: string, name: string): void;
  /** An object in its storage version (or `version`), or `undefined`. */
  get(resource: SimResource, path: string, name: string, version?: string): SimObject | undefined;
  /** Objects of a resource in a workspace (every workspace when omitted). */
  list(resource: SimResource, path?: string): SimObject[];
  /** `status.endpoints[].url` of a slice (empty when the slice is missing). */
  endpoints(path: string, sliceName: string): string[];
  /** Adds a user with a bearer token (random when omitted); returns the token. */
  addUser(name: string, options?: { token?: string; admin?: boolean }): string;
  /** Grants a user access in a workspace path (`*` = everywhere). Admins need no grants. */
  grant(user: string, workspace: string, options?: GrantOptions): void;
  /** Revokes a user's grants in a workspace (all when omitted). */
  revoke(user: string, workspace?: string): void;
  /** Resolves when all scheduled controller work is done. */
  waitForIdle(): Promise<void>;
  /** Re-queues every export, slice and binding (like kcp's periodic informer resync). */
  resync(): void;
  /** Drops the watch history: every earlier resourceVersion becomes expired (410). */
  compact(): void;
  /** The current resourceVersion. */
  resourceVersion(): string;
  /** Number of open TCP connections. */
  connections(): number;
  /** Number of open watch streams. */
  watches(): number;
  /** Ends every watch, drops every connection and stops the server. */
  close(): Promise<void>;
}
