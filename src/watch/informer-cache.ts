import { Subject, type Observable } from 'rxjs';
import type { Transport } from '../http/types.js';
import type { ResourceDescriptor } from '../kcp/resource.js';
import type { Logger } from '../logger.js';
import { SharedInformer } from './informer.js';
import type { KubeObject } from './keys.js';
import type { WatchStatus } from './status.js';
import type { WatchTuning } from './tuning.js';

/** The part of a transport an {@link InformerCache} uses: requests, and dropping idle sockets. */
export type CacheTransport = Transport & { releaseIdle(): void };

/** Options of an {@link InformerCache}. */
export interface InformerCacheOptions {
  /** The transport informers list and watch through; its idle sockets are released when nothing is watched. */
  transport: CacheTransport;
  /** Timings and backoff of every reflector. @default client-go's defaults */
  tuning?: WatchTuning | undefined;
  /** Logging hook. @default silent */
  logger?: Logger | undefined;
  /** Names the endpoint (a virtual-workspace URL) in every status event, when the transport talks to one. */
  endpoint?: string | undefined;
  /** Also receives every status event (besides {@link InformerCache.status$}). */
  status?: ((status: WatchStatus) => void) | undefined;
}

/** Selectors and the transform: what makes an informer distinct from another on the same collection. */
export interface AcquireOptions<T extends KubeObject = KubeObject> {
  /** Kubernetes field selector. */
  fieldSelector?: string | undefined;
  /** Kubernetes label selector. */
  labelSelector?: string | undefined;
  /**
   * What the informer keeps of each object (`SharedInformerOptions.transform`): by default without
   * `metadata.managedFields` and the last-applied annotation; `false` for whole objects. Leases with different
   * transforms (compared by identity) get different informers.
   * @default stripForCache
   */
  transform?: ((object: T) => T) | false | undefined;
}

/** A hold on a shared informer; release it when done (the last release closes the informer). */
export interface InformerLease<T extends KubeObject> {
  /** The shared informer: register name listeners on it. */
  readonly informer: SharedInformer<T>;
  /** Gives the hold back. Idempotent. */
  release(): void;
}

interface Entry {
  /** The cache key of the informer (held here, not by each lease). */
  key: string;
  informer: SharedInformer<KubeObject>;
  leases: number;
}

/** What a lease needs of its cache to give itself back. */
interface CacheState {
  readonly entries: Map<string, Entry>;
  /** Loops of informers closed by their last release, still winding down. */
  readonly retiring: Set<Promise<void>>;
  readonly transport: CacheTransport;
}

/** A lease: a small object (no closures), since there are two per `watchEndpoints` subscription. */
class Lease<T extends KubeObject> implements InformerLease<T> {
  private released = false;

  constructor(
    private readonly state: CacheState | undefined,
    private readonly entry: Entry | undefined,
    readonly informer: SharedInformer<T>,
  ) {}

  release(): void {
    const { state, entry } = this;
    if (this.released || state === undefined || entry === undefined) return;
    this.released = true;
    entry.leases -= 1;
    if (entry.leases > 0 || state.entries.get(entry.key) !== entry) return;
    state.entries.delete(entry.key);
    const loop = entry.informer.close();
    state.retiring.add(loop);
    void loop.then(() => state.retiring.delete(loop));
    if (state.entries.size === 0) state.transport.releaseIdle();
  }
}

/**
 * Shares one {@link SharedInformer} per (cluster, group/version/plural, selectors) of one transport, so any
 * number of subscriptions to objects of one kind in one workspace cost one list+watch. Callers hold an
 * informer through a lease; the last release closes it and drops it from the cache, and when the cache holds
 * nothing any more it releases the transport's idle sockets. {@link status$} merges the lifecycle events of
 * every informer of this cache.
 */
export class InformerCache {
  /** Lifecycle events of every active reflector (hot). Completes on {@link close}. */
  readonly status$: Observable<WatchStatus>;
  private readonly statusSubject = new Subject<WatchStatus>();
  private readonly entries = new Map<string, Entry>();
  /** Loops of informers closed by their last release, still winding down. */
  private readonly retiring = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;
  /** Numbers of the transform functions passed to {@link acquire}, for informer keys. */
  private readonly transformIds = new WeakMap<(object: never) => unknown, number>();
  private transformCount = 0;

  /** The same maps, as the leases see them. */
  private readonly state: CacheState;

  constructor(private readonly options: InformerCacheOptions) {
    this.status$ = this.statusSubject.asObservable();
    this.state = { entries: this.entries, retiring: this.retiring, transport: options.transport };
  }

  /** Number of informers currently held. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * A lease on the shared informer of a collection. After {@link close} the leased informer is closed
   * (registrations end at once).
   */
  acquire<T extends KubeObject>(
    desc: ResourceDescriptor<T>,
    cluster: string,
    options: AcquireOptions<T> = {},
  ): InformerLease<T> {
    const key = [
      cluster,
      `${desc.group}/${desc.version}/${desc.plural}`,
      options.fieldSelector ?? '',
      options.labelSelector ?? '',
      this.transformKey(options.transform),
    ].join('\u0000');
    let entry = this.entries.get(key);
    if (entry === undefined) {
      const informer = new SharedInformer<T>(this.options.transport, desc, cluster, {
        fieldSelector: options.fieldSelector,
        labelSelector: options.labelSelector,
        transform: options.transform,
        tuning: this.options.tuning,
        logger: this.options.logger,
        status: (s) => {
          const event = this.options.endpoint === undefined ? s : { ...s, endpoint: this.options.endpoint };
          this.statusSubject.next(event);
          this.options.status?.(event);
        },
      });
      if (this.closing !== undefined) {
        void informer.close();
        return new Lease(undefined, undefined, informer);
      }
      // Safe: the key includes group/version/plural, so an entry under it was created for this descriptor's T.
      entry = { key, informer: informer as unknown as SharedInformer<KubeObject>, leases: 0 };
      this.entries.set(key, entry);
    }
    entry.leases += 1;
    return new Lease(this.state, entry, entry.informer as unknown as SharedInformer<T>);
  }

  /** The part of an informer's key that tells transforms apart: default, whole, or the function's number. */
  private transformKey(transform: ((object: never) => unknown) | false | undefined): string {
    if (transform === undefined) return '';
    if (transform === false) return 'whole';
    let id = this.transformIds.get(transform);
    if (id === undefined) {
      this.transformCount += 1;
      id = this.transformCount;
      this.transformIds.set(transform, id);
    }
    return `fn${id}`;
  }

  /**
   * Closes every informer (their registrations end) and completes {@link status$}; resolves when every
   * list/watch loop, including those of informers released earlier, has exited. Idempotent.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const all = [...this.entries.values()].map((e) => e.informer.close());
    this.entries.clear();
    this.statusSubject.complete();
    this.closing = Promise.all([...all, ...this.retiring]).then(() => undefined);
    return this.closing;
  }
}
