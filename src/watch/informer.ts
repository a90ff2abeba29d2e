import { Observable, Subject, type Subscriber, distinctUntilChanged, filter, map } from 'rxjs';
// eslint-disable-next-line no-restricted-imports -- fixed by the watch-stack rewrite
import type { ClientStatus } from '../client-types.js';
import type { KcpError } from '../errors.js';
import type { Transport } from '../http/types.js';
import { PATH_ANNOTATION } from '../kcp/meta.js';
import type { ResourceDescriptor } from '../kcp/resource.js';
import { Reflector } from './reflector.js';
import type { ReflectorEvent, ReflectorOptions } from './types.js';
import { NameDispatcher, type NameListener } from './name-dispatch.js';
import { type KubeObject, isEmptyDelta } from './store.js';

/** One consistent view of a shared informer's store. */
export interface InformerState<T> {
  /** True once the initial list completed (and from then on, also while reconnecting). */
  synced: boolean;
  /** The objects keyed `cluster|name`; an immutable snapshot. */
  items: ReadonlyMap<string, T>;
  /**
   * The last list failure a consumer should show (401/403/404, bad data), cleared by the next successful
   * list. Retries go on; transient failures (network, 5xx, 429) only appear on `status$`.
   */
  error?: KcpError | undefined;
  /** Increases with every emitted state. */
  version: number;
}

/** Options of a {@link SharedInformer}. */
export interface SharedInformerOptions extends ReflectorOptions {
  /** Receives every lifecycle event of the underlying reflector. */
  onStatus?: ((status: ClientStatus) => void) | undefined;
  /** Called when the first subscriber arrives (the reflector starts). */
  onActive?: (() => void) | undefined;
  /** Called when the last subscriber leaves (the reflector stopped). */
  onIdle?: (() => void) | undefined;
}

const EMPTY: ReadonlyMap<string, never> = new Map<string, never>();

function snapshotOf<T>(state: InformerState<T>): InformerState<T> {
  return { ...state, items: new Map(state.items) };
}

function sameObject<T extends KubeObject>(a: T | null, b: T | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const rv = a.metadata.resourceVersion;
  return rv !== undefined && rv === b.metadata.resourceVersion;
}

/**
 * A cold, ref-counted list+watch of one collection shared by every subscriber: the reflector starts with the
 * first subscription (to {@link state$} or any {@link object$}) and stops, aborting its requests, with the
 * last unsubscribe. Late subscribers get the latest state at once. Failures are states, never Observable
 * errors.
 */
export class SharedInformer<T extends KubeObject> {
  /** Store states; the first `synced` state arrives after the initial list. Replays the latest state. */
  readonly state$: Observable<InformerState<T>>;
  /** Lifecycle events while active (hot). */
  readonly status$: Observable<ClientStatus>;
  /** Handled degradations, e.g. a skipped undecodable watch event (hot). */
  readonly diagnostics$: Observable<KcpError>;
  private readonly statusSubject = new Subject<ClientStatus>();
  private readonly diagnosticsSubject = new Subject<KcpError>();
  private readonly subscribers = new Set<Subscriber<InformerState<T>>>();
  private reflector: Reflector<T> | undefined;
  private latest: InformerState<T> | undefined;
  private version = 0;
  private closed = false;
  private index: { version: number; byName: Map<string, T[]> } | undefined;
  private readonly names = new NameDispatcher<T>();

  constructor(
    private readonly transport: Transport,
    private readonly desc: ResourceDescriptor<T>,
    /** The requested cluster (workspace path, logical cluster name or `*`). */
    readonly cluster: string,
    private readonly options: SharedInformerOptions = {},
  ) {
    this.status$ = this.statusSubject.asObservable();
    this.diagnostics$ = this.diagnosticsSubject.asObservable();
    this.state$ = new Observable<InformerState<T>>((subscriber) => {
      if (this.closed) {
        subscriber.complete();
        return undefined;
      }
      this.subscribers.add(subscriber);
      if (this.reflector === undefined) this.activate();
      else if (this.latest !== undefined) subscriber.next(snapshotOf(this.latest));
      return () => {
        this.subscribers.delete(subscriber);
        this.releaseIfIdle();
      };
    });
  }

  /** Number of current subscriptions (state$, object$ and name listeners together). */
  get subscriberCount(): number {
    return this.subscribers.size + this.names.size;
  }

  /**
   * Calls `listener` with the snapshot of the object named `name` now (when the state is known) and then
   * whenever that object or the informer's sync/error state may have changed — other objects' events do not
   * reach it, so thousands of listeners on one informer cost O(1) per event each. Counts as a subscription
   * (starts the reflector; the last removal stops it). `onClose` runs when the informer is closed while the
   * listener is registered (or at once if it is closed already). Returns the removal function.
   */
  watchName(name: string, listener: NameListener<T>, onClose?: () => void): () => void {
    if (this.closed) {
      onClose?.();
      return () => undefined;
    }
    const remove = this.names.add(name, listener, onClose);
    if (this.reflector === undefined) this.activate();
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      remove();
      this.releaseIfIdle();
    };
  }

  /** True while the reflector runs. */
  get active(): boolean {
    return this.reflector !== undefined;
  }

  /**
   * One object, or `null` when absent, emitted after the initial list and then only when its
   * resourceVersion changes. `cluster` selects among objects of the same name in a wildcard list (matched
   * against `kcp.io/cluster`, `kcp.io/path`, or this informer's cluster); without it the first object of that
   * name is used.
   */
  object$(name: string, cluster?: string): Observable<T | null> {
    return this.state$.pipe(
      filter((s) => s.synced),
      map((s) => this.lookup(s, name, cluster)),
      distinctUntilChanged(sameObject),
    );
  }

  /** Stops the reflector and completes every subscriber; later subscriptions complete at once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const subs = [...this.subscribers];
    this.subscribers.clear();
    this.names.clear();
    this.deactivate();
    for (const s of subs) s.complete();
    this.statusSubject.complete();
    this.diagnosticsSubject.complete();
  }

  private releaseIfIdle(): void {
    if (this.subscribers.size === 0 && this.names.size === 0) this.deactivate();
  }

  private isClosed(): boolean {
    return this.closed;
  }

  private lookup(state: InformerState<T>, name: string, cluster: string | undefined): T | null {
    if (cluster !== undefined) {
      const direct = state.items.get(`${cluster}|${name}`);
      if (direct !== undefined) return direct;
    }
    const candidates = this.byName(state).get(name);
    if (candidates === undefined) return null;
    if (cluster === undefined) return candidates[0] ?? null;
    const byPath = candidates.find((o) => o.metadata.annotations?.[PATH_ANNOTATION] === cluster);
    if (byPath !== undefined) return byPath;
    return cluster === this.cluster && this.cluster !== '*' ? (candidates[0] ?? null) : null;
  }

  private byName(state: InformerState<T>): Map<string, T[]> {
    if (this.index?.version === state.version) return this.index.byName;
    const byName = new Map<string, T[]>();
    for (const obj of state.items.values()) {
      const list = byName.get(obj.metadata.name);
      if (list === undefined) byName.set(obj.metadata.name, [obj]);
      else list.push(obj);
    }
    this.index = { version: state.version, byName };
    return byName;
  }

  private activate(): void {
    this.options.onActive?.();
    // onActive may have closed this informer (its owner is closed): subscribers are completed already.
    if (this.isClosed()) return;
    const reflector = new Reflector<T>(this.transport, this.desc, this.cluster, this.options);
    this.reflector = reflector;
    reflector.events$.subscribe((e) => {
      this.onEvent(e);
    });
    reflector.start();
  }

  private deactivate(): void {
    const reflector = this.reflector;
    if (reflector === undefined) return;
    this.reflector = undefined;
    this.latest = undefined;
    this.index = undefined;
    this.names.reset();
    reflector.stop();
    this.options.onIdle?.();
  }

  private onEvent(e: ReflectorEvent<T>): void {
    switch (e.type) {
      case 'synced':
        if (this.latest?.synced === true && this.latest.error === undefined && isEmptyDelta(e.delta)) return;
        this.publish({ synced: true, items: e.items });
        this.names.listed(e.items, e.delta);
        return;
      case 'changed':
        this.publish({ synced: true, items: e.items });
        this.names.changed(e.items, e.key, e.event === 'DELETED');
        return;
      case 'failed':
        this.names.failed(e.error, this.latest?.synced ?? false);
        this.publish({
          synced: this.latest?.synced ?? false,
          items: this.latest?.items ?? EMPTY,
          error: e.error,
        });
        return;
      case 'diagnostic':
        this.diagnosticsSubject.next(e.error);
        return;
      case 'status':
        this.statusSubject.next(e.status);
        this.options.onStatus?.(e.status);
        return;
    }
  }

  private publish(state: Omit<InformerState<T>, 'version'>): void {
    this.version += 1;
    // `latest.items` is the reflector's live store; state$ subscribers get an immutable copy, made only
    // when someone subscribes to state$ (name listeners read the live store and need none).
    this.latest = { ...state, version: this.version };
    if (this.subscribers.size === 0) return;
    const snapshot = snapshotOf(this.latest);
    for (const s of [...this.subscribers]) s.next(snapshot);
  }
}
