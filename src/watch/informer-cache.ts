import { Subject, type Observable } from 'rxjs';
// eslint-disable-next-line no-restricted-imports -- fixed by the watch-stack rewrite
import type { ClientStatus } from '../client-types.js';
import type { Transport } from '../http/types.js';
import type { ResourceDescriptor } from '../kcp/resource.js';
import type { Logger } from '../logger.js';
import { SharedInformer } from './informer.js';
import type { KubeObject } from './store.js';
import type { WatchTuning } from './tuning.js';

/** Options of an {@link InformerCache}. */
export interface InformerCacheOptions {
  /** The transport informers list and watch through. */
  transport: Transport;
  /**
   * Who the transport authenticates as (e.g. the kubeconfig context or user name; never a secret). Two caches
   * or transports with the same base URL and identity may share informers' keys.
   * @default a unique id per transport instance
   */
  identity?: string | undefined;
  /** Timings and backoff of every reflector. @default client-go's defaults */
  tuning?: WatchTuning | undefined;
  /** Logging hook. @default silent */
  logger?: Logger | undefined;
  /** Called when the last active informer stopped (nothing is watched any more), e.g. to drop idle sockets. */
  onEmpty?: (() => void) | undefined;
}

/** Selectors that make an informer distinct from another on the same collection. */
export interface AcquireOptions {
  /** Kubernetes field selector. */
  fieldSelector?: string | undefined;
  /** Kubernetes label selector. */
  labelSelector?: string | undefined;
}

const transportIds = new WeakMap<Transport, number>();
let nextTransportId = 1;

function transportId(t: Transport): number {
  let id = transportIds.get(t);
  if (id === undefined) {
    id = nextTransportId++;
    transportIds.set(t, id);
  }
  return id;
}

/**
 * Shares one {@link SharedInformer} per (server + identity, cluster, group/version/plural, selectors), so any
 * number of subscriptions to objects of one kind in one workspace cost one list+watch. Informers are cold
 * and ref-counted: the list+watch runs while someone is subscribed. {@link status$} merges the lifecycle
 * events of every informer of this cache.
 */
export class InformerCache {
  /** Lifecycle events of every active reflector (hot). Completes on {@link close}. */
  readonly status$: Observable<ClientStatus>;
  private readonly statusSubject = new Subject<ClientStatus>();
  private readonly informers = new Map<string, SharedInformer<KubeObject>>();
  private readonly prefix: string;
  private closed = false;

  constructor(private readonly options: InformerCacheOptions) {
    this.status$ = this.statusSubject.asObservable();
    const identity = options.identity ?? `#${transportId(options.transport)}`;
    this.prefix = `${options.transport.baseUrl}\u0000${identity}`;
  }

  /** Number of informers currently held (active, or acquired and not yet subscribed). */
  get size(): number {
    return this.informers.size;
  }

  /** The cache key of an informer (exposed for diagnostics and tests). */
  keyOf(desc: ResourceDescriptor<unknown>, cluster: string, options: AcquireOptions = {}): string {
    return [
      this.prefix,
      cluster,
      `${desc.group}/${desc.version}/${desc.plural}`,
      options.fieldSelector ?? '',
      options.labelSelector ?? '',
    ].join('\u0000');
  }

  /**
   * The shared informer of a collection. Subscribe to its `state$` or `object$()`; it runs while subscribed
   * and is dropped from the cache with its last subscriber. After {@link close} the returned informer is
   * closed (its streams complete at once).
   */
  acquire<T extends KubeObject>(
    desc: ResourceDescriptor<T>,
    cluster: string,
    options: AcquireOptions = {},
  ): SharedInformer<T> {
    const key = this.keyOf(desc, cluster, options);
    const existing = this.informers.get(key);
    // Safe: the key includes group/version/plural, so an entry under it was created for this descriptor's T.
    if (existing !== undefined) return existing as unknown as SharedInformer<T>;
    const informer: SharedInformer<T> = new SharedInformer<T>(this.options.transport, desc, cluster, {
      fieldSelector: options.fieldSelector,
      labelSelector: options.labelSelector,
      tuning: this.options.tuning,
      logger: this.options.logger,
      onStatus: (s) => {
        this.statusSubject.next(s);
      },
      onActive: () => {
        if (this.closed) informer.close();
        else if (!this.informers.has(key))
          this.informers.set(key, informer as unknown as SharedInformer<KubeObject>);
      },
      onIdle: () => {
        if (this.informers.get(key) === (informer as unknown as SharedInformer<KubeObject>))
          this.informers.delete(key);
        if (![...this.informers.values()].some((i) => i.active)) this.options.onEmpty?.();
      },
    });
    if (this.closed) informer.close();
    else this.informers.set(key, informer as unknown as SharedInformer<KubeObject>);
    return informer;
  }

  /** Stops every informer (their subscribers complete) and completes {@link status$}. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.informers.values()];
    this.informers.clear();
    for (const informer of all) informer.close();
    this.statusSubject.complete();
  }
}
