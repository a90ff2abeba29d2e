import { merge, type Observable } from 'rxjs';
import { oneShotClient, openFamily, type ClientFamily } from './client-family.js';
import type { ClientOptions, ClientStatus, KcpClient, WatchEndpointsOptions } from './client-types.js';
import { resolveTarget } from './endpoints/refs.js';
import type { EndpointChange } from './endpoints/types.js';
import { watchResolution } from './endpoints/watch.js';
import type { Transport } from './http/types.js';
import { APIBINDINGS_V1ALPHA1 } from './kcp/apibinding.js';
import { APIEXPORTS_V1ALPHA1 } from './kcp/apiexport.js';
import { APIEXPORTENDPOINTSLICES } from './kcp/apiexportendpointslice.js';
import { APIRESOURCESCHEMAS } from './kcp/apiresourceschema.js';
import { parseWorkspacePath, type ExportRef } from './kcp/paths.js';
import { createResourceClient } from './resource-client.js';
import { InformerCache } from './watch/informer-cache.js';
import { EndpointCaches } from './consumers/endpoint-caches.js';
import { listConsumers, type ConsumerList } from './consumers/list.js';
import type { ConsumerEvent, ConsumerOptions } from './consumers/types.js';
import { watchConsumers } from './consumers/watch.js';
import { exportedResource } from './consumers/exported.js';
import { exportedDescriptor } from './kcp/exported.js';
import { APIBINDINGS_PROBE, probeOption } from './consumers/probe.js';
import { probeEndpoints } from './consumers/probe-stage.js';
import { resolveOnce } from './endpoints/resolve.js';
import { InvalidArgumentError } from './errors.js';
import { displayUrl } from './http/errors.js';

/** A client family with its watch machinery (shared by every client derived with `workspace()`). */
interface WatchingFamily extends ClientFamily {
  /** Informers of the family's workspaces. */
  cache: InformerCache;
  /** One transport and informer cache per virtual-workspace endpoint (consumers). */
  endpoints: EndpointCaches;
  /** Status of every watch of the family: workspaces and endpoints. */
  status$: Observable<ClientStatus>;
}

function checkEngage(engage: unknown): 'ready' | 'any' {
  if (engage === undefined || engage === 'ready') return 'ready';
  if (engage === 'any') return 'any';
  throw new InvalidArgumentError(`engage must be "ready" or "any", got ${JSON.stringify(engage)}`, 'engage');
}

/** Wraps `rewriteUrl` so that what it returns is checked: an absolute http(s) URL. */
function checkedRewrite(
  rewrite: ((url: string) => string) | undefined,
): ((url: string) => string) | undefined {
  if (rewrite === undefined) return undefined;
  if (typeof rewrite !== 'function')
    throw new InvalidArgumentError('rewriteUrl must be a function', 'rewriteUrl');
  return (url) => {
    const out: unknown = rewrite(url);
    if (typeof out !== 'string' || !/^https?:\/\//.test(out) || !URL.canParse(out)) {
      throw new InvalidArgumentError(
        `rewriteUrl returned ${JSON.stringify(out)} for ${displayUrl(url)}: expected an absolute http(s) URL`,
        'rewriteUrl',
      );
    }
    return out.replace(/\/+$/, '');
  };
}

const transports = new WeakMap<KcpClient, Transport>();
const endpointCaches = new WeakMap<KcpClient, EndpointCaches>();

/**
 * The transport behind a client made by {@link createClient} (internal: the CLI's `explain` reads objects the
 * public resource clients do not cover). Not exported from the package.
 */
export function clientTransport(client: KcpClient): Transport | undefined {
  return transports.get(client);
}

/**
 * The endpoint caches behind a client made by {@link createClient}: one transport per virtual-workspace URL,
 * `rewriteUrl` applied (internal: the CLI's `explain` probes each endpoint URL through them). Not exported
 * from the package.
 */
export function clientEndpoints(client: KcpClient): EndpointCaches | undefined {
  return endpointCaches.get(client);
}

function makeClient(family: WatchingFamily, workspacePath: string): KcpClient {
  const { resolveEndpoints, nudgeSlice, close, closed } = oneShotClient(family, workspacePath);
  const client: KcpClient = {
    workspacePath,
    workspace: (path: string) => makeClient(family, parseWorkspacePath(path)),
    resolveEndpoints,
    watchEndpoints(ref: ExportRef, options: WatchEndpointsOptions = {}): Observable<EndpointChange> {
      const target = resolveTarget(ref, workspacePath, options);
      const probe = probeOption(options.probe, undefined);
      const endpoints$ = watchResolution(family.cache, target, {
        signal: options.signal,
        onChange: (r) => {
          family.warnIfFallback(r);
        },
      });
      return probe === undefined
        ? endpoints$
        : probeEndpoints(endpoints$, family.endpoints, probe.target, family.tuning);
    },
    watchConsumers(ref: ExportRef, options: ConsumerOptions = {}): Observable<ConsumerEvent> {
      const target = resolveTarget(ref, workspacePath, options);
      const engage = checkEngage(options.engage);
      const probe = probeOption(options.probe, APIBINDINGS_PROBE);
      const endpoints$ = watchResolution(family.cache, target, {
        signal: options.signal,
        onChange: (r) => {
          family.warnIfFallback(r);
        },
      });
      const followed =
        probe === undefined
          ? endpoints$
          : probeEndpoints(endpoints$, family.endpoints, probe.target, family.tuning);
      return watchConsumers(followed, family.endpoints, engage);
    },
    listConsumers(ref: ExportRef, options: ConsumerOptions = {}): Promise<ConsumerList> {
      const target = resolveTarget(ref, workspacePath, options);
      const engage = checkEngage(options.engage);
      return resolveOnce(family.transport, target, { signal: options.signal, tuning: family.tuning }).then(
        (r) => {
          family.warnIfFallback(r);
          return listConsumers(r, family.endpoints, engage, options.signal);
        },
      );
    },
    exported(ref, options) {
      const target = resolveTarget(ref, workspacePath, options);
      const desc = exportedDescriptor<never>(options);
      if (options.transform !== undefined && typeof options.transform !== 'function')
        throw new InvalidArgumentError('transform must be a function', 'transform');
      const probe = options.probe ?? false;
      if (typeof probe !== 'boolean')
        throw new InvalidArgumentError(`probe must be true or false, got ${String(probe)}`, 'probe');
      const probeTarget = { group: desc.group, version: desc.version, resource: desc.plural };
      return exportedResource({
        desc,
        caches: family.endpoints,
        transform: options.transform ?? false,
        exportName: `export ${target.export.path}:${target.export.name}`,
        endpoints: () => {
          const endpoints$ = watchResolution(family.cache, target, {
            signal: options.signal,
            onChange: (r) => {
              family.warnIfFallback(r);
            },
          });
          return probe
            ? probeEndpoints(endpoints$, family.endpoints, probeTarget, family.tuning)
            : endpoints$;
        },
        resolve: (signal) =>
          resolveOnce(family.transport, target, { signal: signal ?? options.signal, tuning: family.tuning }),
      });
    },
    nudgeSlice,
    get status$(): Observable<ClientStatus> {
      return family.status$;
    },
    close,
    closed,
    apiExports: createResourceClient(family.transport, APIEXPORTS_V1ALPHA1, workspacePath),
    apiExportEndpointSlices: createResourceClient(family.transport, APIEXPORTENDPOINTSLICES, workspacePath),
    apiBindings: createResourceClient(family.transport, APIBINDINGS_V1ALPHA1, workspacePath),
    apiResourceSchemas: createResourceClient(family.transport, APIRESOURCESCHEMAS, workspacePath),
  };
  transports.set(client, family.transport);
  endpointCaches.set(client, family.endpoints);
  return client;
}

/**
 * Adds the informer cache and the streaming methods to an open family: the family's client in its own
 * workspace. Internal (the CLI's `wait` answers from a one-shot read first and watches only when it must).
 */
export function watchingClient(family: ClientFamily): KcpClient {
  const cache = new InformerCache({
    transport: family.transport,
    tuning: family.tuning,
    logger: family.logger,
  });
  const endpoints = new EndpointCaches({
    open: (url) => family.endpointTransport(url),
    rewriteUrl: checkedRewrite(family.rewriteUrl),
    tuning: family.tuning,
    logger: family.logger,
  });
  family.attach({
    close: async () => {
      await Promise.all([cache.close(), endpoints.close()]);
    },
  });
  return makeClient(
    { ...family, cache, endpoints, status$: merge(cache.status$, endpoints.status$) },
    family.workspace,
  );
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
  return watchingClient(openFamily(options));
}
