import type { KcpError } from '../errors.js';
import { type KubeObject, type StoreDelta, nameOfKey } from './keys.js';

/** What a name listener sees: the informer's sync/error state and the object of that name (or null). */
export interface NameSnapshot<T> {
  /** True once the informer's initial list completed. */
  synced: boolean;
  /** The object of that name, or `null` when absent (or not synced yet). */
  object: T | null;
  /** The last list failure to show (401/403/404, bad data), cleared by the next successful list. */
  error: KcpError | undefined;
}

/** Called with a fresh snapshot whenever the object of its name, or the informer state, may have changed. */
export type NameListener<T> = (snapshot: NameSnapshot<T>) => void;

/**
 * Routes store changes to listeners by object name, so that one watch event costs O(listeners of that name)
 * instead of O(all subscribers): with thousands of watched objects on one informer, each event touches only
 * the few subscribers that care. Keeps an incremental name → keys index.
 */
export class NameDispatcher<T extends KubeObject> {
  /** Listeners by name: one listener as itself, several in a Set (most names have one; a Set costs ~150 B). */
  private readonly listeners = new Map<string, NameListener<T> | Set<NameListener<T>>>();
  private readonly closers = new Map<NameListener<T>, () => void>();
  private count = 0;
  /** Store keys by name: one key as itself, several (a wildcard list) in a Set. */
  private readonly keysByName = new Map<string, string | Set<string>>();
  private items: ReadonlyMap<string, T> = new Map();
  private known = false;
  private listedOnce = false;
  private error: KcpError | undefined;

  /** Number of registered listeners. */
  get size(): number {
    return this.count;
  }

  /** True once a list completed since the last {@link reset}. */
  get synced(): boolean {
    return this.listedOnce;
  }

  /**
   * Registers a listener; it gets the current snapshot at once when the state is known. `onClose` runs if
   * the dispatcher is cleared (its informer closed) while the listener is registered. Returns the removal.
   */
  add(name: string, listener: NameListener<T>, onClose?: () => void): () => void {
    this.register(name, listener, onClose);
    return () => {
      this.remove(name, listener);
    };
  }

  /** {@link add} without the removal function (for callers that keep name and listener anyway). */
  register(name: string, listener: NameListener<T>, onClose?: () => void): void {
    if (onClose !== undefined) this.closers.set(listener, onClose);
    const current = this.listeners.get(name);
    if (current === undefined) {
      this.listeners.set(name, listener);
      this.count += 1;
    } else if (typeof current === 'function') {
      if (current !== listener) {
        this.listeners.set(name, new Set([current, listener]));
        this.count += 1;
      }
    } else if (!current.has(listener)) {
      current.add(listener);
      this.count += 1;
    }
    if (this.known) listener(this.snapshot(name));
  }

  /** Removes a listener of `name` (no-op when it is not registered). */
  remove(name: string, listener: NameListener<T>): void {
    const now = this.listeners.get(name);
    if (now === listener) this.listeners.delete(name);
    else if (typeof now !== 'object' || !now.delete(listener)) return;
    else if (now.size === 0) this.listeners.delete(name);
    this.count -= 1;
    this.closers.delete(listener);
  }

  /** The current snapshot for `name`. */
  snapshot(name: string): NameSnapshot<T> {
    const keys = this.keysByName.get(name);
    let object: T | null = null;
    if (typeof keys === 'string') object = this.items.get(keys) ?? null;
    else if (keys !== undefined) {
      for (const key of keys) {
        object = this.items.get(key) ?? null;
        if (object !== null) break;
      }
    }
    return { synced: this.listedOnce, object, error: this.error };
  }

  /** A complete list arrived: rebuilds the index and notifies every name in `delta` (everyone if `all`). */
  listed(items: ReadonlyMap<string, T>, delta: StoreDelta | 'all'): void {
    const wasHealthy = this.known && this.listedOnce && this.error === undefined;
    this.items = items;
    this.keysByName.clear();
    for (const key of items.keys()) this.index(key);
    this.known = true;
    this.listedOnce = true;
    this.error = undefined;
    if (delta === 'all' || !wasHealthy) {
      this.notifyAll();
      return;
    }
    const names = new Set<string>();
    for (const key of [...delta.added, ...delta.modified, ...delta.deleted]) names.add(nameOfKey(key));
    for (const name of names) this.notify(name);
  }

  /** One watch event changed `key`. */
  changed(items: ReadonlyMap<string, T>, key: string, deleted: boolean): void {
    this.items = items;
    if (deleted) this.unindex(key);
    else this.index(key);
    this.notify(nameOfKey(key));
  }

  /** A list failed in a way consumers should show; everyone is told (once per distinct error). */
  failed(error: KcpError, synced: boolean): void {
    if (this.known && this.error === error) return;
    this.known = true;
    this.error = error;
    this.listedOnce = synced;
    this.notifyAll();
  }

  /** Forgets the state (the informer stopped); listeners stay registered. */
  reset(): void {
    this.items = new Map();
    this.keysByName.clear();
    this.known = false;
    this.listedOnce = false;
    this.error = undefined;
  }

  /** Drops every listener, calling their `onClose`. */
  clear(): void {
    const closers = [...this.closers.values()];
    this.listeners.clear();
    this.closers.clear();
    this.count = 0;
    this.reset();
    for (const close of closers) close();
  }

  private index(key: string): void {
    const name = nameOfKey(key);
    const keys = this.keysByName.get(name);
    if (keys === undefined) this.keysByName.set(name, key);
    else if (typeof keys === 'string') {
      if (keys !== key) this.keysByName.set(name, new Set([keys, key]));
    } else keys.add(key);
  }

  private unindex(key: string): void {
    const name = nameOfKey(key);
    const keys = this.keysByName.get(name);
    if (keys === key) this.keysByName.delete(name);
    else if (typeof keys === 'object') {
      keys.delete(key);
      if (keys.size === 0) this.keysByName.delete(name);
    }
  }

  private notify(name: string): void {
    const entry = this.listeners.get(name);
    if (entry === undefined) return;
    const snap = this.snapshot(name);
    if (typeof entry === 'function') entry(snap);
    else for (const l of [...entry]) l(snap);
  }

  private notifyAll(): void {
    for (const name of [...this.listeners.keys()]) this.notify(name);
  }
}
