import type { AxiosInstance } from 'axios';
import type { Observable } from 'rxjs';
import type { KcpError } from './errors.js';
import type { EndpointChange, EndpointResolution, ResolveOptions } from './endpoints/types.js';
import type { ExportRef } from './kcp/paths.js';
import type { Logger } from './logger.js';
import type { WatchTuning } from './watch/tuning.js';

/** Options of {@link createClient}. Explicit connection fields override the kubeconfig. */
export interface ClientOptions {
  /**
   * Kubeconfig file path or an already-parsed kubeconfig object.
   * @default `$KUBECONFIG` (several files, merged like kubectl), then `~/.kube/config`
   */
  kubeconfig?: string | Record<string, unknown> | undefined;
  /** Kubeconfig context. @default the kubeconfig's `current-context` */
  context?: string | undefined;
  /** Server URL; may end in `/clusters/<workspace>`. Overrides the kubeconfig. */
  server?: string | undefined;
  /** Bearer token. Overrides the kubeconfig user. */
  token?: string | undefined;
  /** PEM CA bundle (contents, not a path). */
  ca?: string | undefined;
  /** PEM client certificate (contents). */
  cert?: string | undefined;
  /** PEM client key (contents). */
  key?: string | undefined;
  /** Skip TLS verification. @default false */
  insecureSkipTlsVerify?: boolean | undefined;
  /** TLS server name (SNI and verification). */
  tlsServerName?: string | undefined;
  /** Workspace of the client. @default the `/clusters/<x>` segment of the server URL, else `root` */
  workspace?: string | undefined;
  /** Injectable axios instance (tests, custom agents). Auth and TLS options are then up to the instance. */
  http?: AxiosInstance | undefined;
  /** Logging hook. @default no-op debug/info, console warn/error */
  logger?: Partial<Logger> | undefined;
  /** Watch timings and backoff. @default client-go's reflector defaults */
  watch?: WatchTuning | undefined;
  /** Per-request timeout for non-watch calls, in ms. @default 30000 */
  requestTimeoutMs?: number | undefined;
}

/** Connection lifecycle events of a client's shared watches, discriminated on `type`. */
export type ClientStatus =
  | { type: 'connecting'; resource: string; workspace: string }
  | { type: 'connected'; resource: string; workspace: string; resourceVersion: string }
  | {
      type: 'retrying';
      resource: string;
      workspace: string;
      attempt: number;
      delayMs: number;
      error: KcpError;
    }
  | { type: 'relisting'; resource: string; workspace: string; reason: 'expired' | 'error' }
  | { type: 'error'; resource: string; workspace: string; error: KcpError };

/** A kcp client bound to one workspace. Cheap to derive; shares connections and watches with its parent. */
export interface KcpClient {
  /** The workspace path (or logical cluster name) this client addresses. */
  readonly workspacePath: string;
  /** A client for another workspace (validated, no I/O). */
  workspace(path: string): KcpClient;
  /** One-shot endpoint resolution. */
  resolveEndpoints(ref: ExportRef, options?: ResolveOptions): Promise<EndpointResolution>;
  /** Endpoint changes as they happen; first emission after the initial sync. */
  watchEndpoints(ref: ExportRef, options?: ResolveOptions): Observable<EndpointChange>;
  /** Connection lifecycle of the shared watches. */
  readonly status$: Observable<ClientStatus>;
  /** Tears down every shared watch of this client family. */
  close(): void;
}
