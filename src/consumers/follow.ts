import { Observable } from 'rxjs';
import type { EndpointChange } from '../endpoints/types.js';
import type { EndpointCaches, EndpointLease } from './endpoint-caches.js';

/**
 * Starts following one endpoint: `emit` sends an event to the subscriber (held back until the first events
 * may go), `ready` says the endpoint's first state is known (its informers synced, or failed in a way to
 * show). Returns the function that stops following: `removed` is true when the endpoint left the export (the
 * follower then emits what its leaving means, e.g. deletions), false when the subscriber went away (emit
 * nothing).
 */
export type EndpointFollower<E> = (
  lease: EndpointLease,
  emit: (event: E) => void,
  ready: () => void,
) => (removed: boolean) => void;

/** Options of {@link followEndpoints}. */
export interface FollowOptions {
  /** Called once, when the first events may go (every first endpoint ready, or none listed). */
  onSettled?: (() => void) | undefined;
}

/**
 * The events of `follow` over every endpoint of an export: follows `endpoints$` (the export's endpoint
 * changes), starts `follow` on each endpoint URL that appears (holding a lease on its cache) and stops it
 * when the URL goes. The first events come once every endpoint listed by the first endpoint change is ready,
 * or has failed once (retrying, or an error to show: a failing endpoint does not hold back the others);
 * later endpoints' events come as they happen.
 *
 * When the changes carry `serving` (probed endpoints, see `probeEndpoints`), an endpoint is followed from the
 * first change that reports it serving: until then it does not hold back the first events of the others.
 * Once followed, it stays followed when it stops serving (its watches retry and relist, so no event is lost).
 */
export function followEndpoints<E>(
  endpoints$: Observable<EndpointChange>,
  caches: EndpointCaches,
  follow: EndpointFollower<E>,
  options: FollowOptions = {},
): Observable<E> {
  return new Observable<E>((subscriber) => {
    const stops = new Map<string, (removed: boolean) => void>();
    /** Endpoints still to be ready before the first events; undefined once the gate is open. */
    let gate: Set<string> | undefined;
    let firstChange = true;
    const held: E[] = [];

    const open = (): void => {
      gate = undefined;
      for (const event of held.splice(0)) subscriber.next(event);
      options.onSettled?.();
    };
    const emit = (event: E): void => {
      if (gate === undefined) subscriber.next(event);
      else held.push(event);
    };
    const settle = (endpoint: string): void => {
      if (gate === undefined || !gate.delete(endpoint) || gate.size > 0) return;
      open();
    };

    const start = (endpoint: string): void => {
      const lease = caches.acquire(endpoint);
      const statuses = lease.cache.status$.subscribe((s) => {
        if (s.type === 'retrying' || s.type === 'error') settle(endpoint);
      });
      const stop = follow(lease, emit, () => {
        settle(endpoint);
      });
      stops.set(endpoint, (removed) => {
        statuses.unsubscribe();
        stop(removed);
        lease.release();
      });
    };

    const subscription = endpoints$.subscribe({
      next: (change) => {
        const current = new Set(change.urls);
        const first = firstChange;
        firstChange = false;
        if (first) gate = new Set(current);
        for (const [endpoint, stop] of [...stops]) {
          if (current.has(endpoint)) continue;
          stops.delete(endpoint);
          stop(true);
          settle(endpoint);
        }
        try {
          for (const endpoint of change.urls) {
            if (stops.has(endpoint)) continue;
            // With probing, an endpoint is followed from when it first serves, and holds no one back before.
            if (change.serving?.[endpoint] === false) settle(endpoint);
            else start(endpoint);
          }
        } catch (e) {
          // Only a caller's mistake gets here (a rewriteUrl that returns no URL): the stream errors with it.
          subscriber.error(e);
          return;
        }
        if (first && gate?.size === 0) open();
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
      for (const stop of stops.values()) stop(false);
      stops.clear();
    };
  });
}
