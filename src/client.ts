import type { Observable } from 'rxjs';
import type { ClientOptions, ClientStatus, KcpClient } from './client-types.js';
import { loadConnection } from './config/load-connection.js';
import { nudgeOnce, type NudgeOptions, type NudgeResult } from './endpoints/nudge.js';
import { resolveOnce } from './endpoints/resolve.js';
import { resolveTarget } from './endpoints/refs.js';
import type { EndpointChange, EndpointResolution, ResolveOptions } from './endpoints/types.js';
import { watchResolution } from './endpoints/watch.js';
import { createTransport, type HttpTransport } from './http/transport.js';
import type { Transport } from './http/types.js';
import { APIBINDINGS_V1ALPHA1 } from './kcp/apibinding.js';
import { APIEXPORTS_V1ALPHA1 } from './kcp/apiexport.js';
import { APIEXPORTENDPOINTSLICES } from './kcp/apiexportendpointslice.js';
import { APIRESOURCESCHEMAS } from './kcp/apiresourceschema.js';
import { formatRef, parseWorkspacePath, type ExportRef } from './kcp/paths.js';
import { resolveLogger, type Logger } from './logger.js';
import { createResourceClient } from './resource-client.js';
import { InformerCache } from './watch/informer-cache.js';
import type { WatchTuning } from './watch/tuning.js';
import { checkDurationMs } from './timers.js';
import { releaseExecCredentials } from './config/exec-provider.js';
import { releaseSecrets, withSecretOwner, type SecretOwner } from './redact.js';

/** Every duration option is finite, non-negative and short enough for `setTimeout`. */
function checkDurations(options: ClientOptions): void {
  checkDurationMs(options.requestTimeoutMs, 'requestTimeoutMs');
  checkDurationMs(options.execTimeoutMs, 'execTimeoutMs');
  checkDurationMs(options.tokenFilePeriodMs, 'tokenFilePeriodMs');
  checkDurationMs(options.execExpirySkewMs, 'execExpirySkewMs');
  const w = options.watch ?? {};
  for (const key of [
    'backoffInitialMs',
    'backoffMaxMs',
    'backoffResetMs',
    'inactivitySlackMs',
    'connectTimeoutMs',
    'veryShortWatchMs',
  ] as const) {
    checkDurationMs(w[key], `watch.${key}`);
  }
  checkDurationMs(w.minWatchTimeoutSeconds, 'watch.minWatchTimeoutSeconds', 1_000);
}

/** State shared by a client and every client derived from it with `workspace()`. */
interface Family {
  transport: HttpTransport;
  cache: InformerCache;
  logger: Logger;
  tuning: WatchTuning | undefined;
  warnedFallback: Set<string>;
  /** Resolves when {@link close} has finished; `close` starts it. */
  closed: Promise<void>;
  /** Stops every loop, closes every socket, releases the family's secrets and exec credentials. */
  close: () => Promise<void>;
}

const transports = new WeakMap<KcpClient, Transport>();

/**
 * The transport behind a client made by {@link createClient} (internal: the CLI's `explain` reads objects the
 * public resource clients do not cover). Not exported from the package.
 */
export function clientTransport(client: KcpClient): Transport | undefined {
  return transports.get(client);
}

function makeClient(family: Family, workspacePath: string): KcpClient {
  const warnIfFallback = (r: EndpointResolution): void => {
    if (r.source !== 'virtualWorkspaces' || r.reason !== 'LegacyFallback') return;
    const key = formatRef(r.export);
    if (family.warnedFallback.has(key)) return;
    family.warnedFallback.add(key);
    family.logger.warn(`kcp-endpoints: using the deprecated APIExport.status.virtualWorkspaces for ${key}`, {
      export: key,
      phase: r.phase,
      message: r.message,
    });
  };
  const client: KcpClient = {
    workspacePath,
    workspace: (path: string) => makeClient(family, parseWorkspacePath(path)),
    resolveEndpoints(ref: ExportRef, options: ResolveOptions = {}): Promise<EndpointResolution> {
      // Validated before any promise exists, so invalid input throws synchronously at the call.
      const target = resolveTarget(ref, workspacePath, options);
      return resolveOnce(family.transport, target, { signal: options.signal, tuning: family.tuning }).then(
        (r) => {
          warnIfFallback(r);
          return r;
        },
      );
    },
    watchEndpoints(ref: ExportRef, options: ResolveOptions = {}): Observable<EndpointChange> {
      const target = resolveTarget(ref, workspacePath, options);
      return watchResolution(family.cache, target, { signal: options.signal, onChange: warnIfFallback });
    },
    nudgeSlice(ref: ExportRef, options: NudgeOptions = {}): Promise<NudgeResult> {
      const target = resolveTarget(ref, workspacePath, { slice: options.slice });
      return nudgeOnce(family.transport, target, { signal: options.signal });
    },
    get status$(): Observable<ClientStatus> {
      return family.cache.status$;
    },
    close: () => family.close(),
    get closed(): Promise<void> {
      return family.closed;
    },
    apiExports: createResourceClient(family.transport, APIEXPORTS_V1ALPHA1, workspacePath),
    apiExportEndpointSlices: createResourceClient(family.transport, APIEXPORTENDPOINTSLICES, workspacePath),
    apiBindings: createResourceClient(family.transport, APIBINDINGS_V1ALPHA1, workspacePath),
    apiResourceSchemas: createResourceClient(family.transport, APIRESOURCESCHEMAS, workspacePath),
  };
  transports.set(client, family.transport);
  return client;
}

/**
 * Creates a kcp client. Connection settings come from the kubeconfig (`$KUBECONFIG`, then `~/.kube/config`,
 * merged and selected the way kubectl does) unless given explicitly; files are read now, exec plugins run on
 * the first request. No request is made until a method is called.
 *
 * @example
 * ```ts
 * const client = createClient({ context: 'root' });
 * const r = await client.workspace('root:org:provider').resolveEndpoints('today-cowboys');
 * console.log(r.phase, r.urls);
 * ```
 * @throws KubeconfigError when the kubeconfig cannot be loaded; InvalidArgumentError for invalid options
 * (for example a negative duration, or one longer than a timer can wait: 2^31 − 1 ms).
 */
export function createClient(options: ClientOptions = {}): KcpClient {
  checkDurations(options);
  // the secrets this client family loads, and its exec-plugin credentials, are released by close()
  const owner: SecretOwner = {};
  const loaded = withSecretOwner(owner, () => loadConnection(options));
  const logger = resolveLogger(options.logger);
  for (const warning of loaded.warnings) logger.warn(warning, { notice: true });
  const transport = createTransport({
    connection: loaded.connection,
    http: options.http,
    logger,
    requestTimeoutMs: options.requestTimeoutMs,
    limits: options.limits,
  });
  const cache = new InformerCache({ transport, tuning: options.watch, logger });
  const workspace = parseWorkspacePath(options.workspace ?? loaded.workspace ?? 'root', {
    what: 'workspace',
  });
  let closing: Promise<void> | undefined;
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  const close = (): Promise<void> => {
    closing ??= (async () => {
      try {
        // Watch loops first (they stop their requests), then the sockets; secrets last, so that a loop
        // winding down can still redact what it logs.
        await cache.close();
        await transport.close();
      } finally {
        releaseSecrets(owner);
        releaseExecCredentials(owner);
        markClosed();
      }
    })();
    return closing;
  };
  return makeClient(
    { transport, cache, logger, tuning: options.watch, warnedFallback: new Set(), closed, close },
    workspace,
  );
}
