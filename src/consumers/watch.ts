import type { Observable } from 'rxjs';
import type { EndpointChange } from '../endpoints/types.js';
import { APIBINDINGS_V1ALPHA1, type APIBinding } from '../kcp/apibinding.js';
import { WILDCARD_CLUSTER } from '../kcp/paths.js';
import type { CollectionChange } from '../watch/informer.js';
import type { EndpointCaches } from './endpoint-caches.js';
import { followEndpoints } from './follow.js';
import { byCluster, consumerState, sameConsumerState } from './state.js';
import type { ConsumerEvent, ConsumerState } from './types.js';

/**
 * Consumer events of one export: follows `endpoints$` (the export's endpoint changes, see
 * {@link followEndpoints} for when the first events come and how probed endpoints are followed) and, for each
 * endpoint URL, one shared wildcard list+watch of APIBindings through that virtual workspace
 * (`<url>/clusters/*\/apis/apis.kcp.io/v1alpha1/apibindings`). A cluster is engaged when one of its bindings
 * engages (see {@link consumerState}), updated when the deciding binding changes, and disengaged when its
 * last engaging binding goes or when its endpoint is removed. Failures of an endpoint's watch are retried and
 * reported on the client's `status$`.
 */
export function watchConsumers(
  endpoints$: Observable<EndpointChange>,
  caches: EndpointCaches,
  engage: 'ready' | 'any',
): Observable<ConsumerEvent> {
  return followEndpoints<ConsumerEvent>(endpoints$, caches, (lease, emit, ready) => {
    const { endpoint } = lease;
    const bindings = lease.cache.acquire(APIBINDINGS_V1ALPHA1, WILDCARD_CLUSTER);
    /** Engaged consumers by cluster. */
    const engaged = new Map<string, ConsumerState>();
    const keysByCluster = new Map<string, Set<string>>();
    const onChange = (change: CollectionChange<APIBinding>): void => {
      const affected = new Set<string>();
      for (const key of change.changed) {
        const cluster = key.slice(0, key.indexOf('|'));
        // A binding without its kcp.io/cluster annotation names no consumer (kcp always sets it).
        if (cluster === WILDCARD_CLUSTER) continue;
        affected.add(cluster);
        let keys = keysByCluster.get(cluster);
        if (change.items.has(key)) {
          if (keys === undefined) keysByCluster.set(cluster, (keys = new Set()));
          keys.add(key);
        } else if (keys !== undefined) {
          keys.delete(key);
          if (keys.size === 0) keysByCluster.delete(cluster);
        }
      }
      const where = { endpoint, url: lease.url };
      for (const cluster of [...affected].sort()) {
        const keys = keysByCluster.get(cluster) ?? new Set<string>();
        const objects = [...keys].flatMap((k) => {
          const b = change.items.get(k);
          return b === undefined ? [] : [b];
        });
        const next = consumerState(objects, { ...where, cluster }, engage);
        const previous = engaged.get(cluster);
        if (next === undefined) {
          if (previous === undefined) continue;
          engaged.delete(cluster);
          const reason = objects.length === 0 ? 'BindingDeleted' : 'BindingNotReady';
          emit({ ...previous, type: 'disengaged', reason });
        } else if (previous === undefined) {
          engaged.set(cluster, next);
          emit({ ...next, type: 'engaged' });
        } else if (!sameConsumerState(previous, next)) {
          engaged.set(cluster, next);
          emit({ ...next, type: 'updated' });
        }
      }
      if (change.synced || change.error !== undefined) ready();
    };
    const registration = bindings.informer.watchAll(onChange);
    return (removed) => {
      registration.release();
      bindings.release();
      if (!removed) return;
      for (const state of [...engaged.values()].sort(byCluster))
        emit({ ...state, type: 'disengaged', reason: 'EndpointRemoved' });
    };
  });
}
