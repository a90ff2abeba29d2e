import { isAbortError, isKcpError, NetworkError, type KcpError } from '../errors.js';
import type { EndpointResolution } from '../endpoints/types.js';
import { APIBINDINGS_V1ALPHA1, type APIBinding } from '../kcp/apibinding.js';
import { clusterOf } from '../kcp/decode.js';
import { WILDCARD_CLUSTER } from '../kcp/paths.js';
import type { EndpointCaches } from './endpoint-caches.js';
import { byCluster, consumerState } from './state.js';
import type { ConsumerState } from './types.js';

/** The consumers of an export at one moment: what `listConsumers` resolves to. */
export interface ConsumerList {
  /** The endpoint resolution the list was made from. */
  resolution: EndpointResolution;
  /** Engaged consumers of every endpoint that answered, by endpoint (in `resolution.urls` order), then cluster. */
  consumers: ConsumerState[];
  /** Endpoints whose APIBindings could not be listed, with the error; their consumers are missing. */
  failures: Array<{ endpoint: string; error: KcpError }>;
}

/**
 * Lists the consumers behind every endpoint of `resolution` once: one wildcard list of APIBindings per
 * endpoint URL, in parallel. An endpoint that fails is reported in `failures`, not thrown.
 */
export async function listConsumers(
  resolution: EndpointResolution,
  caches: EndpointCaches,
  engage: 'ready' | 'any',
  signal?: AbortSignal,
): Promise<ConsumerList> {
  const results = await Promise.all(
    resolution.urls.map(async (endpoint) => {
      const lease = caches.acquire(endpoint);
      try {
        const list = await lease.transport.list(APIBINDINGS_V1ALPHA1, WILDCARD_CLUSTER, { signal });
        const byClusterName = new Map<string, APIBinding[]>();
        for (const binding of list.items) {
          const cluster = clusterOf(binding);
          if (cluster === undefined) continue;
          const bindings = byClusterName.get(cluster) ?? [];
          bindings.push(binding);
          byClusterName.set(cluster, bindings);
        }
        const states = [...byClusterName].flatMap(([cluster, bindings]) => {
          const state = consumerState(bindings, { endpoint, url: lease.url, cluster }, engage);
          return state === undefined ? [] : [state];
        });
        return { endpoint, states: states.sort(byCluster) };
      } catch (e) {
        if (isAbortError(e)) throw e;
        const error = isKcpError(e)
          ? e
          : new NetworkError(`listing consumers failed: ${String(e)}`, { cause: e });
        return { endpoint, error };
      } finally {
        lease.release();
      }
    }),
  );
  const consumers: ConsumerState[] = [];
  const failures: ConsumerList['failures'] = [];
  for (const r of results) {
    if ('error' in r) failures.push({ endpoint: r.endpoint, error: r.error });
    else consumers.push(...r.states);
  }
  return { resolution, consumers, failures };
}
