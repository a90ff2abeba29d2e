import { meta, nameOf, objAt, strAt, type JsonObject } from './json.js';

/** Who made a write: a client (HTTP or helper) or a simulated kcp controller. */
export type WriteOrigin = 'client' | 'controller';

/** One committed change. Objects are never mutated after commit. */
export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  rv: number;
  /** Store key of the resource (`ResourceDef.key`: the plural, or `<plural>.<group>:<identity>`). */
  resource: string;
  cluster: string;
  object: JsonObject;
  previous: JsonObject | undefined;
  origin: WriteOrigin;
  /** Serialised watch lines per API version, filled lazily by the watch server. */
  lines: Map<string, string>;
}

/**
 * Key of an object within its resource and cluster: `<namespace>/<name>` for namespaced objects, the name
 * otherwise (names cannot contain `/`).
 */
export function objectName(obj: JsonObject): string {
  const ns = strAt(objAt(obj, 'metadata'), 'namespace');
  return ns === undefined || ns === '' ? nameOf(obj) : `${ns}/${nameOf(obj)}`;
}

/** The plain name of an {@link objectName} key. */
export function plainName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** Receives committed events. */
export type StoreListener = (event: StoreEvent) => void;

/**
 * The simulator's object store: per resource, per logical cluster, per name. One monotonically increasing
 * resourceVersion per simulator; a bounded history of events for watch resumption.
 */
export class Store {
  private rv = 0;
  private readonly data = new Map<string, Map<string, Map<string, JsonObject>>>();
  private history: StoreEvent[] = [];
  private head = 0;
  private compacted = 0;
  private readonly retained: number;
  private readonly watchers = new Map<string, Set<StoreListener>>();
  private readonly listeners: StoreListener[] = [];

  constructor(retainedEvents: number) {
    this.retained = Math.max(0, retainedEvents);
  }

  /** The current (latest committed) resourceVersion. */
  get resourceVersion(): number {
    return this.rv;
  }

  /** The highest resourceVersion no longer in the history; watches from older versions get 410. */
  get compactedResourceVersion(): number {
    return this.compacted;
  }

  /**
   * A stored object, or `undefined`; `name` is its {@link objectName} (`<namespace>/<name>` when
   * namespaced). Do not mutate the result.
   */
  get(resource: string, cluster: string, name: string): JsonObject | undefined {
    return this.data.get(resource)?.get(cluster)?.get(name);
  }

  /** Objects of a resource in one cluster, or in all clusters with `*`, sorted by cluster and name. */
  list(resource: string, cluster: string): JsonObject[] {
    const byCluster = this.data.get(resource);
    if (byCluster === undefined) return [];
    const clusters = cluster === '*' ? [...byCluster.keys()].sort() : [cluster];
    const out: JsonObject[] = [];
    for (const c of clusters) {
      const objs = byCluster.get(c);
      if (objs === undefined) continue;
      const names = [...objs.keys()].sort();
      for (const n of names) {
        const o = objs.get(n);
        if (o !== undefined) out.push(o);
      }
    }
    return out;
  }

  /** Number of objects of a resource in a cluster. */
  count(resource: string, cluster: string): number {
    return this.data.get(resource)?.get(cluster)?.size ?? 0;
  }

  /** Stores `object` (a fresh object owned by the store from now on) and emits ADDED or MODIFIED. */
  put(resource: string, cluster: string, object: JsonObject, origin: WriteOrigin): StoreEvent {
    const name = objectName(object);
    let byCluster = this.data.get(resource);
    if (byCluster === undefined) {
      byCluster = new Map();
      this.data.set(resource, byCluster);
    }
    let objs = byCluster.get(cluster);
    if (objs === undefined) {
      objs = new Map();
      byCluster.set(cluster, objs);
    }
    const previous = objs.get(name);
    const rv = ++this.rv;
    meta(object)['resourceVersion'] = String(rv);
    objs.set(name, object);
    return this.commit({
      type: previous === undefined ? 'ADDED' : 'MODIFIED',
      rv,
      resource,
      cluster,
      object,
      previous,
      origin,
      lines: new Map(),
    });
  }

  /** Removes an object and emits DELETED (with the new resourceVersion); `undefined` when absent. */
  remove(resource: string, cluster: string, name: string, origin: WriteOrigin): StoreEvent | undefined {
    const objs = this.data.get(resource)?.get(cluster);
    const previous = objs?.get(name);
    if (objs === undefined || previous === undefined) return undefined;
    objs.delete(name);
    const rv = ++this.rv;
    const object: JsonObject = { ...previous, metadata: { ...meta(previous), resourceVersion: String(rv) } };
    return this.commit({
      type: 'DELETED',
      rv,
      resource,
      cluster,
      object,
      previous,
      origin,
      lines: new Map(),
    });
  }

  /** Events with resourceVersion greater than `rv`, oldest first. */
  since(rv: number): StoreEvent[] {
    let lo = this.head;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.history[mid]?.rv ?? 0) <= rv) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  /** True when events after `rv` are no longer all retained (a watch from there must get 410 Expired). */
  isExpired(rv: number): boolean {
    return rv < this.compacted;
  }

  /** Forgets the whole history: every resourceVersion before now becomes expired. */
  compact(): void {
    this.history = [];
    this.head = 0;
    this.compacted = this.rv;
  }

  /** Subscribes to events of one resource in one cluster (or `*` for all clusters). */
  watch(resource: string, cluster: string, listener: StoreListener): () => void {
    const key = `${resource}|${cluster}`;
    let set = this.watchers.get(key);
    if (set === undefined) {
      set = new Set();
      this.watchers.set(key, set);
    }
    set.add(listener);
    return () => {
      const s = this.watchers.get(key);
      s?.delete(listener);
      if (s?.size === 0) this.watchers.delete(key);
    };
  }

  /** Adds a listener for every committed event (controllers), called before watchers. */
  onCommit(listener: StoreListener): void {
    this.listeners.push(listener);
  }

  private commit(event: StoreEvent): StoreEvent {
    if (this.retained > 0) {
      this.history.push(event);
      while (this.history.length - this.head > this.retained) {
        this.compacted = this.history[this.head]?.rv ?? this.compacted;
        this.head++;
      }
      if (this.head > 1024 && this.head * 2 > this.history.length) {
        this.history = this.history.slice(this.head);
        this.head = 0;
      }
    } else {
      this.compacted = event.rv;
    }
    for (const l of this.listeners) l(event);
    for (const key of [`${event.resource}|${event.cluster}`, `${event.resource}|*`]) {
      const set = this.watchers.get(key);
      if (set !== undefined) for (const w of [...set]) w(event);
    }
    return event;
  }
}
