/**
 * A multi-cluster informer over an exported resource: the objects of every consumer cluster, behind every
 * endpoint (virtual-workspace URL) of an export, in one view keyed by (endpoint, cluster, namespace, name),
 * and writes routed to the endpoint of the shard that hosts a cluster.
 */
import { Observable, type Subscription } from 'rxjs';
import type { EndpointChange, EndpointResolution } from '../endpoints/types.js';
import {
  AbortError,
  ApiStatusError,
  ConflictError,
  InvalidArgumentError,
  isConflict,
  isForbidden,
  isNotFound,
} from '../errors.js';
import type { ObjectOptions, PatchOptions, Transport } from '../http/types.js';
import type { ExportedObject } from '../kcp/exported.js';
import { isLogicalClusterName, WILDCARD_CLUSTER } from '../kcp/paths.js';
import type { ResourceDescriptor } from '../kcp/resource.js';
import type { EndpointCaches, EndpointLease } from './endpoint-caches.js';
import { followEndpoints } from './follow.js';
import { listConsumers } from './list.js';

/** One object of the view: where it lives and the object itself. */
export interface ExportedItem<T> {
  /** The published endpoint URL (as in `EndpointChange.urls`) the object was read through. */
  endpoint: string;
  /** The consumer's logical cluster (`kcp.io/cluster`). */
  cluster: string;
  /** The object as the server sent it (whole, unless a `transform` was given). */
  object: T;
}

/**
 * A change of the view, discriminated on `type`: `added` (also for every object present when a subscription
 * starts), `modified`, `deleted` (also for each object of an endpoint that leaves the export).
 */
export interface ExportedEvent<T> extends ExportedItem<T> {
  type: 'added' | 'modified' | 'deleted';
}

/** Options of a call through `inCluster()`. */
export interface ExportedCallOptions {
  /** The namespace of a namespaced object (for `create`/`update`, the object's own namespace is the default). */
  namespace?: string | undefined;
  /** Cancels the call (it then rejects with `AbortError`). */
  signal?: AbortSignal | undefined;
}

/** Options of a patch through `inCluster()`. */
export interface ExportedPatchOptions extends ExportedCallOptions {
  /**
   * `merge`: JSON merge patch (an object); `json`: JSON patch (an array of operations, RFC 6902).
   * @default 'merge'
   */
  patchType?: 'merge' | 'json' | undefined;
}

/**
 * Reads and writes of one consumer cluster, sent through the endpoint URL of the shard that hosts it (the
 * endpoint is known from the view, else looked up from the consumers' APIBindings). A 409 rejects with a
 * `ConflictError` that carries the object's current resourceVersion.
 */
export interface ClusterObjects<T> {
  /** The consumer's logical cluster. */
  readonly cluster: string;
  /** GETs one object (a live read, not the view). Rejects with a 404 `ApiStatusError` when it is absent. */
  get(name: string, options?: ExportedCallOptions): Promise<T>;
  /** Creates `object` (in `metadata.namespace`, or `options.namespace`). */
  create(object: T, options?: ExportedCallOptions): Promise<T>;
  /** Replaces the object named by `object.metadata` (its `resourceVersion` guards against lost updates). */
  update(object: T, options?: ExportedCallOptions): Promise<T>;
  /** Replaces the `status` of the object named by `object.metadata`. */
  updateStatus(object: T, options?: ExportedCallOptions): Promise<T>;
  /** Patches the object (merge patch by default). */
  patch(name: string, patch: unknown, options?: ExportedPatchOptions): Promise<T>;
  /** Patches the object's `status` (merge patch by default). */
  patchStatus(name: string, patch: unknown, options?: ExportedPatchOptions): Promise<T>;
  /** Deletes the object. */
  delete(name: string, options?: ExportedCallOptions): Promise<void>;
}

/** Options of `list()` and `get()` of an {@link ExportedResource}. */
export interface ExportedReadOptions {
  /** Cancels the read (it then rejects with `AbortError`). */
  signal?: AbortSignal | undefined;
}

/**
 * An exported resource across every consumer cluster of an export. `watch()` streams the merged view;
 * `list()` and `get()` read it once every endpoint synced (sharing the watches of running subscriptions);
 * `inCluster()` writes to one consumer.
 */
export interface ExportedResource<T> {
  /**
   * Events of every object behind every endpoint, following endpoint changes: one shared list+watch of
   * `<endpoint>/clusters/*` per endpoint, whatever the number of subscribers. The first events (an `added`
   * per object) come once every current endpoint synced or failed once; failures are retried and reported on
   * the client's `status$`.
   */
  watch(): Observable<ExportedEvent<T>>;
  /** The objects of the view, by endpoint, cluster, namespace and name. */
  list(options?: ExportedReadOptions): Promise<Array<ExportedItem<T>>>;
  /** One object of the view (`namespace` is `undefined` for cluster-scoped objects), or `undefined`. */
  get(
    cluster: string,
    namespace: string | undefined,
    name: string,
    options?: ExportedReadOptions,
  ): Promise<ExportedItem<T> | undefined>;
  /** Reads and writes of one consumer cluster, through the endpoint of its shard. */
  inCluster(cluster: string): ClusterObjects<T>;
}

/** What an {@link exportedResource} needs of its client. */
export interface ExportedDeps<T> {
  /** The resource. */
  desc: ResourceDescriptor<T>;
  /** A fresh stream of the export's endpoint changes (cold; one per view). */
  endpoints: () => Observable<EndpointChange>;
  /** Resolves the export's endpoints once (to find a cluster's endpoint when no view knows it). */
  resolve: (signal: AbortSignal | undefined) => Promise<EndpointResolution>;
  /** The client's endpoint caches. */
  caches: EndpointCaches;
  /** What the informers keep of each object. */
  transform: ((object: T) => T) | false;
  /** The export, for messages. */
  exportName: string;
}

const sep = '\u0000';

function compareItems<T>(a: ExportedItem<T> & { key: string }, b: ExportedItem<T> & { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** The store key's cluster (`cluster|…`). */
function clusterOfKey(key: string): string {
  return key.slice(0, key.indexOf('|'));
}

/** Makes an {@link ExportedResource}. */
export function exportedResource<T extends ExportedObject>(deps: ExportedDeps<T>): ExportedResource<T> {
  const { desc, caches } = deps;
  /** The endpoint of each cluster seen by a running view (a hint: a stale one is corrected on use). */
  const routes = new Map<string, string>();

  /** One view's events: per endpoint, one shared wildcard informer; deletions when an endpoint leaves. */
  const view = (onSettled?: () => void): Observable<ExportedEvent<T>> =>
    followEndpoints<ExportedEvent<T>>(
      deps.endpoints(),
      caches,
      (lease, emit, ready) => {
        const { endpoint } = lease;
        const informer = lease.cache.acquire(desc, WILDCARD_CLUSTER, { transform: deps.transform });
        const seen = new Map<string, T>();
        const registration = informer.informer.watchAll((change) => {
          for (const key of change.changed) {
            const cluster = clusterOfKey(key);
            // An object without its kcp.io/cluster annotation cannot be placed (kcp always sets it).
            if (cluster === WILDCARD_CLUSTER) continue;
            const now = change.items.get(key);
            const before = seen.get(key);
            if (now === undefined) {
              if (before === undefined) continue;
              seen.delete(key);
              emit({ type: 'deleted', endpoint, cluster, object: before });
            } else {
              routes.set(cluster, endpoint);
              if (before === now) continue;
              seen.set(key, now);
              // A relist after a failure lists every object again: only a new resourceVersion is a change.
              if (before !== undefined && before.metadata.resourceVersion === now.metadata.resourceVersion)
                continue;
              emit({ type: before === undefined ? 'added' : 'modified', endpoint, cluster, object: now });
            }
          }
          if (change.synced || change.error !== undefined) ready();
        });
        return (removed) => {
          registration.release();
          informer.release();
          if (!removed) return;
          for (const [cluster, at] of routes) if (at === endpoint) routes.delete(cluster);
          for (const [key, object] of [...seen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
            emit({ type: 'deleted', endpoint, cluster: clusterOfKey(key), object });
          seen.clear();
        };
      },
      { onSettled },
    );

  /** The view once settled: every object of every endpoint that synced (or failed once). */
  const snapshot = (signal: AbortSignal | undefined): Promise<Array<ExportedItem<T> & { key: string }>> =>
    new Promise((resolve, reject) => {
      const aborted = (): AbortError =>
        new AbortError(`reading ${desc.plural} of ${deps.exportName}: aborted`);
      if (signal?.aborted === true) {
        reject(aborted());
        return;
      }
      const items = new Map<string, ExportedItem<T> & { key: string }>();
      // Written by callbacks that may run while subscribing: kept in one object.
      const state: { subscription?: Subscription; settled: boolean; done: boolean } = {
        settled: false,
        done: false,
      };
      const end = (outcome: () => void): void => {
        if (state.done) return;
        state.done = true;
        state.subscription?.unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const finish = (): void => {
        end(() => {
          resolve([...items.values()].sort(compareItems));
        });
      };
      const onAbort = (): void => {
        end(() => {
          reject(aborted());
        });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      state.subscription = view(() => {
        state.settled = true;
        if (state.subscription !== undefined) finish();
      }).subscribe({
        next: (event) => {
          const { namespace, name } = event.object.metadata;
          const key = [event.endpoint, event.cluster, namespace ?? '', name].join(sep);
          if (event.type === 'deleted') items.delete(key);
          else
            items.set(key, { endpoint: event.endpoint, cluster: event.cluster, object: event.object, key });
        },
        error: (e: unknown) => {
          end(() => {
            reject(e instanceof Error ? e : new Error(String(e)));
          });
        },
        complete: finish,
      });
      // The first events may all have come while subscribing (informers already synced by a running watch).
      if (state.settled) finish();
      else if (state.done) state.subscription.unsubscribe();
    });

  /** The endpoint hosting `cluster`: from a running view, else from the consumers' APIBindings. */
  const lookup = async (cluster: string, signal: AbortSignal | undefined): Promise<string> => {
    const resolution = await deps.resolve(signal);
    const consumers = await listConsumers(resolution, caches, 'any', signal);
    const found = consumers.consumers.find((c) => c.cluster === cluster);
    if (found !== undefined) {
      routes.set(cluster, found.endpoint);
      return found.endpoint;
    }
    const failed =
      consumers.failures.length === 0
        ? ''
        : ` (${consumers.failures.length} of ${resolution.urls.length} endpoints could not be read: ${consumers.failures[0]?.error.message ?? ''})`;
    throw new ApiStatusError(
      `cluster ${JSON.stringify(cluster)} has no APIBinding to ${deps.exportName} behind any of its ${resolution.urls.length} endpoints${failed}`,
      { status: 404, reason: 'NotFound' },
    );
  };

  const inCluster = (cluster: string): ClusterObjects<T> => {
    if (typeof cluster !== 'string' || !isLogicalClusterName(cluster)) {
      throw new InvalidArgumentError(
        `Invalid cluster ${JSON.stringify(cluster)}: expected a logical cluster name (the kcp.io/cluster annotation, e.g. "2hwz9858ph0d4yx5"); a virtual workspace does not resolve workspace paths`,
        'cluster',
      );
    }
    /** Runs `op` through the cluster's endpoint; a stale route is looked up again once. */
    const through = async <R>(
      signal: AbortSignal | undefined,
      op: (transport: Transport) => Promise<R>,
    ): Promise<R> => {
      const known = routes.get(cluster);
      const endpoint = known ?? (await lookup(cluster, signal));
      try {
        return await withLease(caches.acquire(endpoint), op);
      } catch (e) {
        // A cluster that moved away from an endpoint is refused (403) or not served (404) there.
        if (known === undefined || !(isForbidden(e) || isNotFound(e))) throw e;
        routes.delete(cluster);
        const fresh = await lookup(cluster, signal);
        if (fresh === endpoint) throw e;
        return withLease(caches.acquire(fresh), op);
      }
    };
    /** A write; a 409 is reported with the object's current resourceVersion. */
    const write = (name: string, o: ObjectOptions, op: (transport: Transport) => Promise<T>): Promise<T> =>
      through(o.signal, async (transport) => {
        try {
          return await op(transport);
        } catch (e) {
          if (!isConflict(e) || e.currentResourceVersion !== undefined || name === '') throw e;
          let current: string | undefined;
          try {
            current = (await transport.get(desc, cluster, name, o)).metadata.resourceVersion;
          } catch {
            throw e;
          }
          throw new ConflictError(
            `${e.message} (current resourceVersion ${current ?? 'unknown'})`,
            {
              status: e.status,
              reason: e.reason,
              details: e.details,
              method: e.method,
              url: e.url,
              retryAfterSeconds: e.retryAfterSeconds,
              currentResourceVersion: current,
            },
            { cause: e },
          );
        }
      });
    const place = (object: T, o: ExportedCallOptions, subresource?: 'status'): ObjectOptions => ({
      namespace: o.namespace ?? object.metadata.namespace,
      subresource,
      signal: o.signal,
    });
    const patchPlace = (o: ExportedPatchOptions, subresource?: 'status'): PatchOptions => ({
      namespace: o.namespace,
      subresource,
      patchType: o.patchType,
      signal: o.signal,
    });
    return {
      cluster,
      get: (name, o = {}) => through(o.signal, (t) => t.get(desc, cluster, name, o)),
      create: (object, o = {}) =>
        write(object.metadata.name, place(object, o), (t) =>
          t.create(desc, cluster, object, place(object, o)),
        ),
      update: (object, o = {}) =>
        write(objectName(object), place(object, o), (t) =>
          t.update(desc, cluster, objectName(object), object, place(object, o)),
        ),
      updateStatus: (object, o = {}) =>
        write(objectName(object), place(object, o), (t) =>
          t.update(desc, cluster, objectName(object), object, place(object, o, 'status')),
        ),
      patch: (name, patch, o = {}) =>
        write(name, patchPlace(o), (t) => t.patch(desc, cluster, name, patch, patchPlace(o))),
      patchStatus: (name, patch, o = {}) =>
        write(name, patchPlace(o), (t) => t.patch(desc, cluster, name, patch, patchPlace(o, 'status'))),
      delete: (name, o = {}) => through(o.signal, (t) => t.delete(desc, cluster, name, o)),
    };
  };

  return {
    watch: () => view(),
    list: async (o = {}) =>
      (await snapshot(o.signal)).map(({ endpoint, cluster, object }) => ({ endpoint, cluster, object })),
    get: async (cluster, namespace, name, o = {}) => {
      const items = await snapshot(o.signal);
      const found = items.find(
        (i) =>
          i.cluster === cluster &&
          i.object.metadata.name === name &&
          (i.object.metadata.namespace ?? undefined) === (namespace === '' ? undefined : namespace),
      );
      return found === undefined ? undefined : { endpoint: found.endpoint, cluster, object: found.object };
    },
    inCluster,
  };
}

/** The name of an object to write, checked. */
function objectName(object: ExportedObject): string {
  const name: unknown = (object as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  if (typeof name !== 'string' || name === '') {
    throw new InvalidArgumentError('The object has no metadata.name', 'object');
  }
  return name;
}

async function withLease<R>(lease: EndpointLease, op: (transport: Transport) => Promise<R>): Promise<R> {
  try {
    return await op(lease.transport);
  } finally {
    lease.release();
  }
}
