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
 * - **What is kept.** Objects pass through the informer's transform before they are stored and shown to
 *   listeners: by default `metadata.managedFields` and the `kubectl.kubernetes.io/last-applied-configuration`
 *   annotation are dropped ({@link stripForCache}); `transform: false` keeps objects whole.
 * - **Close.** {@link SharedInformer.close} stops the reflector, calls every registered `onClose`, refuses new
 *   registrations (their `onClose` runs at once) and resolves when the list/watch loop has exited.
 */
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

  constructor(
    private readonly transport: Transport,
    private readonly desc: ResourceDescriptor<T>,
    /** The requested cluster (workspace path, logical cluster name or `*`). */
    readonly cluster: string,
    private readonly options: SharedInformerOptions<T> = {},
  ) {}

  /** Number of registered listeners. */
  get registrations(): number {
    return this.names.size;
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
    if (this.names.size === 0) this.deactivate();
  }

  /** Stops the reflector and ends every registration; resolves when the loop has exited. Idempotent. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.deactivate();
      this.names.clear();
    }
    return this.loops;
  }

  private activate(): void {
    const names = this.names;
    const status = this.options.status;
    const sink: ReflectorSink<T> = {
      replace: (items, delta) => {
        names.listed(items, delta);
      },
      apply: (event, key, _object, items) => {
        names.changed(items, key, event === 'DELETED');
      },
      failed: (error) => {
        names.failed(error, names.synced);
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

  private deactivate(): void {
    const reflector = this.reflector;
    if (reflector === undefined) return;
    this.reflector = undefined;
    this.names.reset();
    reflector.stop();
    const previous = this.loops;
    this.loops = Promise.all([previous, reflector.join()]).then(() => undefined);
  }
}
