/**
 * The part of a client family that needs no watch machinery: the connection, the transport, the logger,
 * one-shot resolution, the nudge and `close()`. It loads neither rxjs nor the informer cache. `createClient`
 * (`client.ts`) attaches the informer cache and adds the streaming methods; the CLI's one-shot commands use
 * this part alone, so they start without loading the watch machinery.
 *
 * @module
 */
import type { ClientOptions, KcpClient } from './client-types.js';
import { anonymousCredentials, type Connection } from './config/connection.js';
import { releaseExecCredentials } from './config/exec-provider.js';
import { isLoopbackHost } from './config/server-url.js';
import { displayUrl } from './http/errors.js';
import { loadConnection } from './config/load-connection.js';
import { nudgeOnce, type NudgeOptions, type NudgeResult } from './endpoints/nudge.js';
import { resolveTarget } from './endpoints/refs.js';
import { resolveOnce } from './endpoints/resolve.js';
import type { EndpointResolution, ResolveOptions } from './endpoints/types.js';
import { createTransport, type HttpTransport } from './http/transport.js';
import { formatRef, parseWorkspacePath, type ExportRef } from './kcp/paths.js';
import { resolveLogger, type Logger } from './logger.js';
import { releaseSecrets, withSecretOwner, type SecretOwner } from './redact.js';
import { checkDurationMs } from './timers.js';
import type { WatchTuning } from './watch/tuning.js';

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

/** The connection to a virtual-workspace endpoint (see {@link ClientFamily.endpointTransport}). */
function endpointConnection(connection: Connection, url: string, logger: Logger): Connection {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    logger.warn(
      `credentials withheld from the endpoint ${displayUrl(url)}: it is plain http:// on a non-loopback host`,
      { endpoint: displayUrl(url) },
    );
    return { ...connection, server: url, credentials: anonymousCredentials };
  }
  return { ...connection, server: url };
}

/** Something that runs on a family's transport and must stop before it closes (the informer cache). */
export interface FamilyAttachment {
  /** Stops every loop; resolves once they have stopped. */
  close(): Promise<void>;
}

/** State shared by a client and every client derived from it with `workspace()`. */
export interface ClientFamily {
  /** The one transport of the family. */
  readonly transport: HttpTransport;
  /** The family's logger (the option's functions over the defaults). */
  readonly logger: Logger;
  /** Watch timings and backoff, also used for the retries of one-shot reads. */
  readonly tuning: WatchTuning | undefined;
  /** The workspace of the first client: the option, else the kubeconfig's, else `root`. */
  readonly workspace: string;
  /** Logs the deprecated-fallback warning once per export. */
  warnIfFallback(r: EndpointResolution): void;
  /** The `rewriteUrl` option, unchecked. */
  readonly rewriteUrl: ((url: string) => string) | undefined;
  /**
   * A transport to a virtual-workspace endpoint URL (already rewritten): the family's TLS, proxy and
   * credentials with that URL as server. Credentials are withheld from a plain `http://` endpoint on a
   * non-loopback host (the URL comes from the server), with a warning, as they are for the configured server.
   */
  endpointTransport(url: string): HttpTransport;
  /**
   * Registers watch machinery that {@link close} stops before it closes the transport. Once per family;
   * throws after `close()` has started.
   */
  attach(attachment: FamilyAttachment): void;
  /** Resolves when {@link close} has finished; `close` starts it. */
  readonly closed: Promise<void>;
  /**
   * Stops the attachment's loops, closes every socket, releases the family's secrets and exec credentials.
   * Idempotent: every call returns the same promise.
   */
  close(): Promise<void>;
}

/**
 * Opens a client family: checks the options, loads the connection (files are read now, exec plugins run on
 * the first request) and creates the transport. No request is made.
 * @throws KubeconfigError when the kubeconfig cannot be loaded; InvalidArgumentError for invalid options.
 */
export function openFamily(options: ClientOptions = {}): ClientFamily {
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
  const workspace = parseWorkspacePath(options.workspace ?? loaded.workspace ?? 'root', {
    what: 'workspace',
  });
  const warnedFallback = new Set<string>();
  let attached: FamilyAttachment | undefined;
  let closing: Promise<void> | undefined;
  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  return {
    transport,
    logger,
    tuning: options.watch,
    workspace,
    rewriteUrl: options.rewriteUrl,
    endpointTransport(url) {
      return createTransport({
        connection: endpointConnection(loaded.connection, url, logger),
        http: options.http,
        logger,
        requestTimeoutMs: options.requestTimeoutMs,
        limits: options.limits,
      });
    },
    warnIfFallback(r) {
      if (r.source !== 'virtualWorkspaces' || r.reason !== 'LegacyFallback') return;
      const key = formatRef(r.export);
      if (warnedFallback.has(key)) return;
      warnedFallback.add(key);
      logger.warn(`kcp-endpoints: using the deprecated APIExport.status.virtualWorkspaces for ${key}`, {
        export: key,
        phase: r.phase,
        message: r.message,
      });
    },
    attach(attachment) {
      if (closing !== undefined) throw new Error('attach: the client family is closed');
      if (attached !== undefined) throw new Error('attach: the client family already has watches');
      attached = attachment;
    },
    closed,
    close() {
      closing ??= (async () => {
        try {
          // Watch loops first (they stop their requests), then the sockets; secrets last, so that a loop
          // winding down can still redact what it logs.
          await attached?.close();
          await transport.close();
        } finally {
          releaseSecrets(owner);
          releaseExecCredentials(owner);
          markClosed();
        }
      })();
      return closing;
    },
  };
}

/** The methods of a client that make one-shot requests, and its lifecycle. */
export type OneShotClient = Pick<
  KcpClient,
  'workspacePath' | 'resolveEndpoints' | 'nudgeSlice' | 'close' | 'closed'
>;

/** The one-shot methods of a client of `family` in `workspacePath` (shared by {@link KcpClient}). */
export function oneShotClient(family: ClientFamily, workspacePath: string): OneShotClient {
  return {
    workspacePath,
    resolveEndpoints(ref: ExportRef, options: ResolveOptions = {}): Promise<EndpointResolution> {
      // Validated before any promise exists, so invalid input throws synchronously at the call.
      const target = resolveTarget(ref, workspacePath, options);
      return resolveOnce(family.transport, target, { signal: options.signal, tuning: family.tuning }).then(
        (r) => {
          family.warnIfFallback(r);
          return r;
        },
      );
    },
    nudgeSlice(ref: ExportRef, options: NudgeOptions = {}): Promise<NudgeResult> {
      const target = resolveTarget(ref, workspacePath, { slice: options.slice });
      return nudgeOnce(family.transport, target, { signal: options.signal });
    },
    close: () => family.close(),
    closed: family.closed,
  };
}

/**
 * A client with only the one-shot methods (`resolveEndpoints`, `nudgeSlice`) of {@link KcpClient}: the same
 * options, the same results, without loading the watch machinery. Internal (the CLI's `get` and `nudge`).
 * @throws KubeconfigError when the kubeconfig cannot be loaded; InvalidArgumentError for invalid options.
 */
export function createOneShotClient(options: ClientOptions = {}): OneShotClient {
  const family = openFamily(options);
  return oneShotClient(family, family.workspace);
}
