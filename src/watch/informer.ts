/**
 * A shared informer: one list+watch of a collection ({@link Reflector}) whose store is read by name.
 *
 * Contract (what every subscriber of the SDK relies on):
 * - **Start and stop.** The reflector starts with the first registration ({@link SharedInformer.watchName})
 *   and stops, aborting its requests, when the last registration is released; a later registration starts
 *   from scratch (a fresh list, no stale state).
 * - **First emission.** A listener is first called once the state is known: after the initial list, or after
 *   a list failure a consumer should see (401/403/404, bad data; the snapshot then carries `error` and
 *   `synced: false`). A listener registered later is called at once with the current snapshot.
 * - **Then.** A listener is called again only when an object of its name is added, modified or deleted (by a
 *   watch event or by the difference a relist finds), when a list fails in a way to show, or when the next
 *   successful list clears that failure. Other objects' events never reach it.
 * - **Ordering per object.** Calls for one object follow the server's order of events for it; a relist
 *   delivers only the net difference. Transient failures (network, 5xx, 429, 410) are retried silently: they
 *   only appear as {@link WatchStatus} events.
 * - **Deletes.** After a `DELETED` event, or a relist that no longer lists the object, the snapshot's `object`
 *   is `null`; a deletion of an object never seen is ignored.
 * - **Names.** Name watching is meant for an informer of one cluster, where names are unique. In a wildcard
 *   (`*`) list one name can exist in several clusters; a listener then sees one of them.
 * - **Whole collection.** A {@link SharedInformer.watchAll} listener follows the same rules but is told about
 *   every object: each call names the store keys that changed (every key on its first call, and after a
 *   failure healed), so a listener over a wildcard list can keep per-cluster state.
 * - **What is kept.** Objects pass through the informer's transform before they are stored and shown to
 *   listeners: by default `metadata.managedFields` and the `kubectl.kubernetes.io/last-applied-configuration`
 *   annotation are dropped ({@link stripForCache}); `transform: false` keeps objects whole.
 * - **Close.** {@link SharedInformer.close} stops the reflector, calls every registered `onClose`, refuses new
 *   registrations (their `onClose` runs at once) and resolves when the list/watch loop has exited.
 */
import type { KcpError } from '../errors.js';
import type { Transport } from '../http/types.js';
import type { ResourceDescriptor } from '../kcp/resource.js';
import type { KubeObject } from './keys.js';
import { NameDispatcher, type NameListener } from './name-dispatch.js';
import { Reflector, type ReflectorOptions, type ReflectorSink } from './reflector.js';
import type { WatchStatus } from './status.js';
import { stripForCache } from './transform.js';

/** Options of a {@link SharedInformer}. */
export interface SharedInformerOptions<T extends KubeObject = KubeObject> extends Omit<
  ReflectorOptions<T>,
  'transform'
> {
  /** Receives every lifecycle event of the underlying reflector. */
  status?: ((status: WatchStatus) => void) | undefined;
  /**
   * What the informer keeps of each object (see {@link ReflectorOptions.transform}): by default
   * {@link stripForCache} (no `metadata.managedFields`, no last-applied annotation); `false` keeps objects
   * whole, for readers of the whole object; or a function of your own.
   * @default stripForCache
   */
  transform?: ((object: T) => T) | false | undefined;
}

/** A registered name listener; release it to stop listening. */
export interface Registration {
  /** True once the informer's initial list completed (and from then on, also while reconnecting). */
  readonly synced: boolean;
  /** Removes the listener; the last removal stops the reflector. Idempotent. */
  release(): void;
}

/** What a {@link SharedInformer.watchAll} listener is told. */
export interface CollectionChange<T> {
  /** True once the initial list completed (and from then on, also while reconnecting). */
  synced: boolean;
  /** The whole store (the reflector's live map: read it during the call, copy it to keep it). */
  items: ReadonlyMap<string, T>;
  /** Store keys added, modified or deleted since the previous call (look them up in `items`). */
  changed: readonly string[];
  /** The last list failure to show (401/403/404, bad data), cleared by the next successful list. */
  error: KcpError | undefined;
}

/** Called whenever objects of the collection, or the informer's sync/error state, changed. */
export type CollectionListener<T> = (change: CollectionChange<T>) => void;

const RELEASED: Registration = { synced: false, release: () => undefined };

/** One name listener of an informer: a small object (no closures), since there is one per subscription. */
class NameRegistration<T extends KubeObject> implements Registration {
  private released = false;

  constructor(
    private readonly informer: SharedInformer<T>,
    private readonly names: NameDispatcher<T>,
    private readonly name: string,
    private readonly listener: NameListener<T>,
  ) {}

  get synced(): boolean {
    return !this.released && this.names.synced;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.informer.unregister(this.name, this.listener);
  }
}

/** A cold, ref-counted list+watch of one collection read by name; see the contract at the top of this file. */
export class SharedInformer<T extends KubeObject> {
  private reflector: Reflector<T> | undefined;
  private closed = false;
  /** Every reflector loop started so far has exited once this resolves. */
  private loops: Promise<void> = Promise.resolve();
  private readonly names = new NameDispatcher<T>();
  private readonly collections = new Map<CollectionListener<T>, (() => void) | undefined>();
  /** The last state told to collection listeners; undefined until the first list or failure. */
  private view: CollectionChange<T> | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly desc: ResourceDescriptor<T>,
    /** The requested cluster (workspace path, logical cluster name or `*`). */
    readonly cluster: string,
    private readonly options: SharedInformerOptions<T> = {},
  ) {}

  /** Number of registered listeners. */
  get registrations(): number {
    return this.names.size + this.collections.size;
  }

  /** True while the reflector runs. */
  get active(): boolean {
    return this.reflector !== undefined;
  }

  /** True once {@link close} was called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Calls `listener` with the snapshot of the object named `name` (see the contract above); thousands of
   * listeners on one informer cost O(1) per event each. Starts the reflector if it is the first registration.
   * `onClose` runs when the informer is closed while the listener is registered (or at once if it is closed).
   */
  watchName(name: string, listener: NameListener<T>, onClose?: () => void): Registration {
    if (this.closed) {
      onClose?.();
      return RELEASED;
    }
    this.names.register(name, listener, onClose);
    if (this.reflector === undefined) this.activate();
    return new NameRegistration(this, this.names, name, listener);
  }

  /** Removes a listener of `name` (what {@link Registration.release} does); the last removal stops the reflector. */
  unregister(name: string, listener: NameListener<T>): void {
    this.names.remove(name, listener);
    if (this.registrations === 0) this.deactivate();
  }

  /**
   * Calls `listener` with every change of the whole collection (see the contract above): at once with every
   * key when the state is known, then with the keys each list or event changed. Starts the reflector if it is
   * the first registration. `onClose` runs when the informer is closed while the listener is registered (or at
   * once if it is closed).
   */
  watchAll(listener: CollectionListener<T>, onClose?: () => void): Registration {
    if (this.closed) {
      onClose?.();
      return RELEASED;
    }
    const fresh = !this.collections.has(listener);
    this.collections.set(listener, onClose);
    if (this.reflector === undefined) this.activate();
    else if (fresh && this.view !== undefined)
      listener({ ...this.view, changed: [...this.view.items.keys()] });
    let released = false;
    const isSynced = (): boolean => this.view?.synced === true;
    return {
      get synced() {
        return !released && isSynced();
      },
      release: () => {
        if (released) return;
        released = true;
        this.collections.delete(listener);
        if (this.registrations === 0) this.deactivate();
      },
    };
  }

  /** Stops the reflector and ends every registration; resolves when the loop has exited. Idempotent. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.deactivate();
      this.names.clear();
      const closers = [...this.collections.values()];
      this.collections.clear();
      for (const close of closers) close?.();
    }
    return this.loops;
  }

  private activate(): void {
    const names = this.names;
    const status = this.options.status;
    const sink: ReflectorSink<T> = {
      replace: (items, delta) => {
        names.listed(items, delta);
        const before = this.view;
        const healthy = before !== undefined && before.synced && before.error === undefined;
        const changed = healthy ? [...delta.added, ...delta.modified, ...delta.deleted] : [...items.keys()];
        if (healthy && changed.length === 0) {
          this.view = { ...before, items };
          return;
        }
        if (!healthy && before !== undefined)
          changed.push(...[...before.items.keys()].filter((k) => !items.has(k)));
        this.tellCollections({ synced: true, items, changed, error: undefined });
      },
      apply: (event, key, _object, items) => {
        names.changed(items, key, event === 'DELETED');
        this.tellCollections({ synced: true, items, changed: [key], error: undefined });
      },
      failed: (error) => {
        names.failed(error, names.synced);
        const before = this.view;
        if (before?.error === error) return;
        this.tellCollections({
          synced: before?.synced ?? false,
          items: before?.items ?? new Map<string, T>(),
          changed: [],
          error,
        });
      },
      status: (s) => {
        status?.(s);
      },
    };
    const { transform, ...options } = this.options;
    const reflector = new Reflector<T>(this.transport, this.desc, this.cluster, sink, {
      ...options,
      transform: transform === false ? undefined : (transform ?? stripForCache),
    });
    this.reflector = reflector;
    reflector.start();
  }

  private tellCollections(change: CollectionChange<T>): void {
    this.view = change;
    for (const listener of [...this.collections.keys()]) listener(change);
  }

  private deactivate(): void {
    const reflector = this.reflector;
    if (reflector === undefined) return;
    this.reflector = undefined;
    this.names.reset();
    this.view = undefined;
    reflector.stop();
    const previous = this.loops;
    this.loops = Promise.all([previous, reflector.join()]).then(() => undefined);
  }
}
