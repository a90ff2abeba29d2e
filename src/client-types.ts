import type { AxiosInstance } from 'axios';
import type { ConnectionOptions } from './config/load-connection.js';
import type { Observable } from 'rxjs';
import type { NudgeOptions, NudgeResult } from './endpoints/nudge.js';
import type { EndpointChange, EndpointResolution, ResolveOptions } from './endpoints/types.js';
import type { APIBindingV1alpha1 } from './kcp/apibinding.js';
import type { APIExportV1alpha1 } from './kcp/apiexport.js';
import type { APIExportEndpointSlice } from './kcp/apiexportendpointslice.js';
import type { APIResourceSchema } from './kcp/apiresourceschema.js';
import type { ExportRef } from './kcp/paths.js';
import type { ResponseLimits } from './http/limits.js';
import type { Logger } from './logger.js';
import type { ConsumerList } from './consumers/list.js';
import type { ConsumerEvent, ConsumerOptions } from './consumers/types.js';
import type { ExportedResource } from './consumers/exported.js';
import type { ExportedObject, ExportedResourceName } from './kcp/exported.js';
import type { ProbeTarget } from './consumers/probe.js';
import type { ResourceClient } from './resource-client.js';
import type { WatchStatus } from './watch/status.js';
import type { WatchTuning } from './watch/tuning.js';

/**
 * Options of {@link createClient}: the connection options of the config layer (kubeconfig, context and
 * explicit overrides: `server`, `token`, `ca`, `cert`, `key`, `insecureSkipTlsVerify`, `tlsServerName`,
 * credential timings) plus client settings. Explicit connection fields override the kubeconfig.
 */
export interface ClientOptions extends ConnectionOptions {
  /** Workspace of the client. @default the `/clusters/<x>` segment of the server URL, else `root` */
  workspace?: string | undefined;
  /**
   * Injectable axios instance (tests, custom agents). Credentials are still added per request; TLS and proxy
   * settings are then up to the instance.
   */
  http?: AxiosInstance | undefined;
  /** Logging hook. @default no-op debug/info, console warn/error */
  logger?: Partial<Logger> | undefined;
  /** Watch timings and backoff. @default client-go's reflector defaults */
  watch?: WatchTuning | undefined;
  /** Per-request timeout for non-watch calls, in ms, covering the whole response body. @default 30000 */
  requestTimeoutMs?: number | undefined;
  /**
   * Caps on response bodies (64 MiB after decompression), watch event lines (16 Mi characters) and list
   * pagination (10,000 pages, 1,000,000 items); exceeding one is a `DecodeError` naming it.
   * @default see {@link ResponseLimits}
   */
  limits?: ResponseLimits | undefined;
  /**
   * Maps every published endpoint URL to the URL the client sends its requests to, before any request through
   * a virtual workspace (consumers): for shard URLs that are internal and not reachable from where the provider
   * runs (e.g. `(url) => url.replace('https://shard-1.internal:6443', 'https://127.0.0.1:16443')`). Must return
   * an absolute http(s) URL. Events and lists keep the published URL as `endpoint`; `url` fields use the
   * rewritten one. @default no rewrite
   */
  rewriteUrl?: ((url: string) => string) | undefined;
}

/** Options of `exported()`: which resource, how to find the export's endpoints, what to keep of objects. */
export interface ExportedOptions<T extends ExportedObject = ExportedObject>
  extends ResolveOptions, ExportedResourceName {
  /**
   * What the view keeps of each object: whole objects by default (writes that send an object back keep every
   * field, `metadata.managedFields` and the last-applied annotation included), or a function of your own.
   * @default whole objects
   */
  transform?: ((object: T) => T) | undefined;
  /**
   * Probe every endpoint before following it: `GET <url>/clusters/*\/apis/<group>/<version>` must list the
   * resource (see `WatchEndpointsOptions.probe`). An endpoint published before it serves is then followed from
   * when it serves, retried with backoff meanwhile, and does not hold back the first events of the others.
   * @default false
   */
  probe?: boolean | undefined;
}

/** Options of {@link KcpClient.watchEndpoints}: those of `resolveEndpoints`, and readiness probes. */
export interface WatchEndpointsOptions extends ResolveOptions {
  /**
   * Probe every endpoint URL before reporting it, and report in each change's `serving` whether it serves:
   * `true` asks for the API group list (`GET <url>/clusters/*\/apis` must answer an `APIGroupList`), a
   * {@link ProbeTarget} for one resource (`GET <url>/clusters/*\/apis/<group>/<version>` must list it). A
   * change that adds URLs comes once their first probes ended; a failing endpoint is probed again with
   * backoff, and each time an endpoint starts or stops serving another change comes. Probe outcomes also show
   * on `status$` (`probed`).
   * @default false
   */
  probe?: boolean | ProbeTarget | undefined;
}

/**
 * Connection lifecycle events of a client's shared watches (one per list+watch loop), discriminated on `type`:
 * `connecting`, `connected`, `retrying` (with the error and the delay), `relisting` (`expired` or after an
 * `error`) and `error` (a failure a consumer should see; retries go on); and `probed` (an endpoint's
 * readiness probe changed outcome: `serving`, and the `error` saying why not).
 */
export type ClientStatus = WatchStatus;

/**
 * A kcp client bound to one workspace, as returned by {@link createClient}: endpoint resolution and watches,
 * the slice nudge, connection status and typed access to the kcp objects. Cheap to derive with
 * `workspace()`; a derived client shares connections and watches with its parent.
 */
export interface KcpClient {
  /** The workspace path (or logical cluster name) this client addresses. */
  readonly workspacePath: string;
  /** A client for another workspace (validated, no I/O). */
  workspace(path: string): KcpClient;
  /** One-shot endpoint resolution. */
  resolveEndpoints(ref: ExportRef, options?: ResolveOptions): Promise<EndpointResolution>;
  /**
   * Endpoint changes as they happen; first emission after the initial sync. With `probe`, each change carries
   * `serving` (see {@link WatchEndpointsOptions}).
   */
  watchEndpoints(ref: ExportRef, options?: WatchEndpointsOptions): Observable<EndpointChange>;
  /**
   * Workaround for kcp's textual path matching: sets the annotation `kcp-endpoints.dev/nudged-at` (the
   * current time) on the endpoint slice with a merge patch, which makes kcp reconcile the slice again and
   * pick up (or drop) URLs it missed. Needs `patch` on apiexportendpointslices; the lasting fix is a slice
   * whose `spec.export.path` is the export's canonical path.
   */
  nudgeSlice(ref: ExportRef, options?: NudgeOptions): Promise<NudgeResult>;
  /**
   * The consumers of an export as they come and go: follows {@link watchEndpoints} and, behind each endpoint
   * URL, one shared wildcard list+watch of the APIBindings served by that virtual workspace. A consumer
   * (a logical cluster) is `engaged` when a binding of it is ready (`engage: 'any'`: any binding), `updated`
   * when that binding changes, and `disengaged` (with the reason) when its last binding goes or its endpoint
   * is removed. The first events come after every current endpoint synced. Never errors for healable states
   * (a failing endpoint is retried and shows on {@link status$}); completes like `watchEndpoints`.
   */
  watchConsumers(ref: ExportRef, options?: ConsumerOptions): Observable<ConsumerEvent>;
  /**
   * The consumers of an export now: resolves the endpoints once, then lists the APIBindings behind each
   * endpoint URL in parallel. An endpoint that cannot be listed is reported in `failures`.
   */
  listConsumers(ref: ExportRef, options?: ConsumerOptions): Promise<ConsumerList>;
  /**
   * An exported resource (`{ group, version, resource }`, e.g. `cowboys.wildwest.dev`) across every consumer
   * cluster of the export: `watch()` merges one list+watch of `<endpoint>/clusters/*` per endpoint URL and
   * follows endpoint changes; `list()` and `get()` read that view; `inCluster(cluster)` creates, updates,
   * patches and deletes objects of one consumer through the endpoint of the shard that hosts it. Objects are
   * keyed by (endpoint, cluster, namespace, name): objects of the same name in different clusters never
   * collide. No request is made until a method is called.
   * @throws InvalidArgumentError for an invalid group, version, resource or kind.
   */
  exported<T extends ExportedObject = ExportedObject>(
    ref: ExportRef,
    options: ExportedOptions<T>,
  ): ExportedResource<T>;
  /** Connection lifecycle of the shared watches. */
  readonly status$: Observable<ClientStatus>;
  /** APIExports of this workspace (served as `apis.kcp.io/v1alpha1`, which every kcp version serves). */
  readonly apiExports: ResourceClient<APIExportV1alpha1>;
  /** APIExportEndpointSlices of this workspace. */
  readonly apiExportEndpointSlices: ResourceClient<APIExportEndpointSlice>;
  /** APIBindings of this workspace (served as `apis.kcp.io/v1alpha1`, which every kcp version serves). */
  readonly apiBindings: ResourceClient<APIBindingV1alpha1>;
  /** APIResourceSchemas of this workspace. */
  readonly apiResourceSchemas: ResourceClient<APIResourceSchema>;
  /**
   * Closes this client and every client derived from it (`workspace()`): every `watchEndpoints` stream
   * completes, requests in flight reject with `AbortError`, and so do later calls. Resolves once every
   * list/watch loop has stopped and every socket is closed, and the family's secrets and exec-plugin
   * credentials are forgotten. Idempotent: every call returns the same promise.
   */
  close(): Promise<void>;
  /** Resolves when {@link close} has finished (it never rejects). */
  readonly closed: Promise<void>;
}
