import { Observable } from 'rxjs';
import type { EndpointChange } from '../endpoints/types.js';
import { APIBINDINGS_V1ALPHA1, type APIBinding } from '../kcp/apibinding.js';
import { WILDCARD_CLUSTER } from '../kcp/paths.js';
import type { CollectionChange } from '../watch/informer.js';
import type { EndpointCaches } from './endpoint-caches.js';
import { byCluster, consumerState, sameConsumerState } from './state.js';
import type { ConsumerEvent, ConsumerState, DisengageReason } from './types.js';

/** Follows the consumers behind one endpoint. */
interface Tracker {
  /** Engaged consumers by cluster. */
  engaged: Map<string, ConsumerState>;
  /** Stops following; emits nothing. */
  release(): void;
}

/**
 * Consumer events of one export: follows `endpoints$` (the export's endpoint changes) and, for each endpoint
 * URL, one shared wildcard list+watch of APIBindings through that virtual workspace
 * (`<url>/clusters/*\/apis/apis.kcp.io/v1alpha1/apibindings`). A cluster is engaged when one of its bindings
 * engages (see {@link consumerState}), updated when the deciding binding changes, and disengaged when its
 * last engaging binding goes or when its endpoint is removed. The first events come once every endpoint
 * listed by the first endpoint change has synced (or failed in a way to show); later endpoints' events come
 * as they sync. Failures of an endpoint's watch are retried and reported on the client's `status$`.
 *
 * When the changes carry `serving` (probed endpoints, see `probeEndpoints`), an endpoint is followed from the
 * first change that reports it serving: until then it does not hold back the first events of the others.
 * Once followed, it stays followed when it stops serving (its watch retries and relists, so no event is lost).
 */
export function watchConsumers(
  endpoints$: Observable<EndpointChange>,
  caches: EndpointCaches,
  engage: 'ready' | 'any',
): Observable<ConsumerEvent> {
  return new Observable<ConsumerEvent>((subscriber) => {
    const trackers = new Map<string, Tracker>();
    /** Endpoints still to sync before the first events; undefined once the gate is open. */
    let gate: Set<string> | undefined;
    let firstChange = true;
    const held: ConsumerEvent[] = [];

    const emit = (event: ConsumerEvent): void => {
      if (gate === undefined) subscriber.next(event);
      else held.push(event);
    };
    const settle = (endpoint: string): void => {
      if (gate === undefined || !gate.delete(endpoint) || gate.size > 0) return;
      gate = undefined;
      for (const event of held.splice(0)) subscriber.next(event);
    };
    const disengage = (state: ConsumerState, reason: DisengageReason): void => {
      emit({ ...state, type: 'disengaged', reason });
    };

    const start = (endpoint: string): void => {
      const lease = caches.acquire(endpoint);
      const bindings = lease.cache.acquire(APIBINDINGS_V1ALPHA1, WILDCARD_CLUSTER);
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
            disengage(previous, objects.length === 0 ? 'BindingDeleted' : 'BindingNotReady');
          } else if (previous === undefined) {
            engaged.set(cluster, next);
            emit({ ...next, type: 'engaged' });
          } else if (!sameConsumerState(previous, next)) {
            engaged.set(cluster, next);
            emit({ ...next, type: 'updated' });
          }
        }
        if (change.synced || change.error !== undefined) settle(endpoint);
      };
      // An endpoint that fails (unreachable, refusing) no longer holds back the first events of the others.
      const statuses = lease.cache.status$.subscribe((s) => {
        if (s.type === 'retrying' || s.type === 'error') settle(endpoint);
      });
      const registration = bindings.informer.watchAll(onChange);
      trackers.set(endpoint, {
        engaged,
        release: () => {
          statuses.unsubscribe();
          registration.release();
          bindings.release();
          lease.release();
        },
      });
    };

    const stop = (endpoint: string): void => {
      const tracker = trackers.get(endpoint);
      if (tracker === undefined) return;
      trackers.delete(endpoint);
      tracker.release();
      for (const state of [...tracker.engaged.values()].sort(byCluster)) disengage(state, 'EndpointRemoved');
      settle(endpoint);
    };

    const subscription = endpoints$.subscribe({
      next: (change) => {
        const current = new Set(change.urls);
        if (firstChange) {
          firstChange = false;
          if (current.size > 0) gate = new Set(current);
        }
        for (const endpoint of [...trackers.keys()]) if (!current.has(endpoint)) stop(endpoint);
        try {
          for (const endpoint of change.urls) {
            if (trackers.has(endpoint)) continue;
            // With probing, an endpoint is followed from when it first serves, and holds no one back before.
            if (change.serving?.[endpoint] === false) settle(endpoint);
            else start(endpoint);
          }
        } catch (e) {
          // Only a caller's mistake gets here (a rewriteUrl that returns no URL): the stream errors with it.
          subscriber.error(e);
        }
      },
      error: (e: unknown) => {
        subscriber.error(e);
      },
      complete: () => {
        subscriber.complete();
      },
    });
    return () => {
      subscription.unsubscribe();
      for (const tracker of trackers.values()) tracker.release();
      trackers.clear();
    };
  });
}
