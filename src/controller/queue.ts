/**
 * The work queue of the controller runtime: client-go's rate-limited work queue (`util/workqueue`), fair
 * across logical clusters.
 *
 * What it guarantees, as client-go's queue does:
 * - **Dedupe while queued.** A key added again before a worker took it is queued once.
 * - **One worker per key.** A key handed to a worker is not handed out again until the worker calls
 *   {@link WorkQueue.done}.
 * - **Re-run after.** A key added while a worker processes it is queued again when that worker is done, so the
 *   change that caused the add is never missed.
 * - **Delays and retries.** {@link WorkQueue.addAfter} queues a key later (one timer for the whole queue, on a
 *   heap of due times; a key already waiting keeps the earlier time); {@link WorkQueue.addRateLimited} waits
 *   the larger of the key's exponential backoff and the shared token bucket (see `rate-limit.ts`), and
 *   {@link WorkQueue.forget} resets the key's backoff.
 *
 * What differs from client-go:
 * - **Fair across clusters.** Keys are queued per logical cluster, and the clusters are served round-robin:
 *   one key of each cluster that has keys queued, in turn. A cluster with 100,000 queued keys delays a key of
 *   another cluster by at most one round (one key of every other cluster), never by its backlog. Within a
 *   cluster, keys are served in the order they were queued.
 * - {@link WorkQueue.dropCluster} forgets everything about a cluster that disengaged: its queued and delayed
 *   keys and their backoff.
 * - **Shutting down drops the queued keys.** client-go hands out what is still queued before it tells workers
 *   to stop; here {@link WorkQueue.shutDown} drops queued and delayed keys at once (a controller lists
 *   everything again when it starts), stops every timer and tells waiting workers to stop. Keys being
 *   processed finish; {@link WorkQueue.shutDownWithDrain} waits for them, up to a timeout.
 * - {@link WorkQueue.get} is asynchronous: a worker awaits it.
 *
 * The queue holds no timer while no key is delayed, and none at all after shut down.
 */
import { InvalidArgumentError } from '../errors.js';
import { checkDurationMs, timerDelay } from '../timers.js';
import { storeKey } from '../watch/keys.js';
import { systemClock, type Clock } from './clock.js';
import { Fifo, TimerHeap, type Timed } from './collections.js';
import {
  backoffDelayMs,
  resolveRateLimit,
  TokenBucket,
  type RateLimit,
  type RateLimitOptions,
} from './rate-limit.js';

/**
 * A unit of work: one object in one logical cluster. Controllers extend it with what a reconcile needs
 * (the endpoint, the workspace path); the queue reads only `cluster` and the identity {@link WorkQueueOptions.keyOf}
 * gives.
 */
export interface QueueKey {
  /** The logical cluster of the object. */
  readonly cluster: string;
  /** The object's namespace; absent for a cluster-scoped object. */
  readonly namespace?: string | undefined;
  /** The object's name. */
  readonly name: string;
}

/** The identity of a key by default: `cluster|name` or `cluster|namespace/name` (the informer cache's key). */
export function queueKeyId(key: QueueKey): string {
  return storeKey(key.cluster, key.namespace, key.name);
}

/** A snapshot of the queue, read when metrics are collected. */
export interface QueueStats {
  /** Keys queued, waiting for a worker. */
  depth: number;
  /** Keys queued so far that were not queued already (client-go's adds). */
  adds: number;
  /** Keys added with a delay so far (retries and requeues after a time). */
  retries: number;
  /** Time the keys being processed have been processed for, added up (ms). */
  unfinishedWorkMs: number;
  /** Time the longest-running key has been processed for (ms); 0 when none is. */
  longestRunningMs: number;
}

/**
 * What a queue reports as it works (see `metrics.ts`), besides its {@link QueueStats}. Every method must be
 * cheap and must not throw.
 */
export interface QueueObserver {
  /** A worker took a key that had been queued for `queuedMs`. */
  started(queuedMs: number): void;
  /** A worker was done with a key after `workMs`. */
  finished(workMs: number): void;
  /** The queue is shut down and idle: its stats change no more. */
  close(): void;
}

/** Where a queue reports: called once per queue with its name and a way to read its {@link QueueStats}. */
export interface QueueMetrics {
  /** Registers the queue `name`; returns where it reports. */
  queue(name: string, stats: () => QueueStats): QueueObserver;
}

/** Options of a {@link WorkQueue}. */
export interface WorkQueueOptions<K extends QueueKey> {
  /** Name of the queue, used by metrics (`name` and `controller` attributes). @default 'workqueue' */
  name?: string | undefined;
  /**
   * The identity of a key within its cluster: keys with equal identities are one item. When a key is added
   * again under an identity, the queue keeps the latest key object and hands that one out.
   * @default queueKeyId (`name` or `namespace/name`, with the cluster)
   */
  keyOf?: ((key: K) => string) | undefined;
  /** Retry timing of {@link WorkQueue.addRateLimited}. */
  rateLimit?: RateLimitOptions | undefined;
  /** Time source and timers. @default systemClock */
  clock?: Clock | undefined;
  /** Where the queue reports its metrics. @default none */
  metrics?: QueueMetrics | undefined;
}

/** Options of {@link WorkQueue.shutDownWithDrain}. */
export interface DrainOptions {
  /** How long to wait for keys being processed. @default no limit */
  timeoutMs?: number | undefined;
}

/** One identity's state. While it waits for its due time it sits in the queue's heap (`index` ≥ 0). */
interface Entry<K> extends Timed {
  key: K;
  readonly id: string;
  readonly cluster: ClusterQueue<K>;
  /** Needs a run: queued, or queued again once the worker processing it is done. */
  dirty: boolean;
  /** The key object a worker holds while it processes this entry. */
  held: K | undefined;
  /** Retries since the last {@link WorkQueue.forget}. */
  failures: number;
  /** When it became dirty (ms), for the queue-duration metric. */
  queuedAt: number;
  /** When a worker took it (ms). */
  startedAt: number;
}

/** One cluster's keys. It is in the round-robin ring (`inRing`) exactly while `fifo` is not empty. */
interface ClusterQueue<K> {
  readonly name: string;
  fifo: Fifo<Entry<K>>;
  readonly entries: Map<string, Entry<K>>;
  inRing: boolean;
}

const NO_METRICS: QueueObserver = {
  started: () => undefined,
  finished: () => undefined,
  close: () => undefined,
};

/** client-go's rate-limited work queue, fair across logical clusters (see the top of this file). */
export class WorkQueue<K extends QueueKey = QueueKey> {
  private readonly keyOf: (key: K) => string;
  private readonly clock: Clock;
  private readonly limit: RateLimit;
  private readonly bucket: TokenBucket;
  private readonly observer: QueueObserver;
  private readonly clusters = new Map<string, ClusterQueue<K>>();
  /** Clusters with queued keys, in serving order. */
  private ring = new Fifo<ClusterQueue<K>>();
  private queued = 0;
  /** Entries being processed, by the key object their worker holds (so `done` needs no string key). */
  private readonly processing = new Map<K, Entry<K>>();
  private readonly delayed = new TimerHeap<Entry<K>>();
  private seq = 0;
  private adds = 0;
  private retries = 0;
  private timer: unknown;
  private timerAt: number | undefined;
  private waiters: Array<(key: K | undefined) => void> = [];
  private readonly drainWaiters = new Set<() => void>();
  private shut = false;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.keyOf = options.keyOf ?? queueKeyId;
    this.clock = options.clock ?? systemClock;
    this.limit = resolveRateLimit(options.rateLimit);
    this.bucket = new TokenBucket(this.limit.qps, this.limit.burst, this.clock.now());
    this.observer = options.metrics?.queue(options.name ?? 'workqueue', () => this.stats()) ?? NO_METRICS;
  }

  /** Keys queued, waiting for a worker (client-go's `Len`). */
  get length(): number {
    return this.queued;
  }

  /** Keys handed to workers and not yet {@link WorkQueue.done}. */
  get inFlight(): number {
    return this.processing.size;
  }

  /** Keys waiting for their time ({@link WorkQueue.addAfter}, {@link WorkQueue.addRateLimited}). */
  get delayedCount(): number {
    return this.delayed.length;
  }

  /** True once {@link WorkQueue.shutDown} or {@link WorkQueue.shutDownWithDrain} was called. */
  get shuttingDown(): boolean {
    return this.shut;
  }

  /** Queues `key` unless it is queued already. After shut down, does nothing. */
  add(key: K): void {
    if (this.shut) return;
    this.enqueue(this.entry(key));
  }

  /**
   * Queues `key` after `delayMs` (at once when `delayMs` ≤ 0). A key already waiting keeps the earlier of its
   * two times. After shut down, does nothing.
   * @throws InvalidArgumentError when `delayMs` is not a finite number.
   */
  addAfter(key: K, delayMs: number): void {
    if (!Number.isFinite(delayMs)) {
      throw new InvalidArgumentError(
        `A delay must be a finite number of ms (got ${String(delayMs)})`,
        'delayMs',
      );
    }
    if (this.shut) return;
    const entry = this.entry(key);
    if (delayMs > 0) this.delay(entry, delayMs);
    else this.enqueue(entry);
  }

  /**
   * Queues `key` after its retry delay: the larger of its exponential backoff (which doubles with each call
   * until {@link WorkQueue.forget}) and the wait for a token of the bucket shared by all keys. After shut
   * down, does nothing.
   */
  addRateLimited(key: K): void {
    if (this.shut) return;
    const entry = this.entry(key);
    const { baseDelayMs, maxDelayMs } = this.limit;
    const own = backoffDelayMs(entry.failures, baseDelayMs, maxDelayMs);
    const shared = this.bucket.reserve(this.clock.now());
    entry.failures += 1;
    this.delay(entry, Math.max(own, shared));
  }

  /** Resets the backoff of `key` (call it when a reconcile succeeded). Does not remove a queued key. */
  forget(key: K): void {
    const entry = this.processing.get(key) ?? this.find(key);
    if (entry === undefined) return;
    entry.failures = 0;
    this.release(entry);
  }

  /** How many times `key` was {@link WorkQueue.addRateLimited} since it was last forgotten. */
  numRequeues(key: K): number {
    return this.find(key)?.failures ?? 0;
  }

  /**
   * The next key to process, from the next cluster in turn. Waits while none is queued; resolves `undefined`
   * once the queue is shut down (the worker should stop). The caller must call {@link WorkQueue.done} with the
   * key when it has finished with it.
   */
  get(): Promise<K | undefined> {
    const entry = this.next();
    if (entry !== undefined) return Promise.resolve(entry.key);
    if (this.shut) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Marks `key` as processed. If it was added while it was processed, it is queued again. A key that is not
   * being processed is ignored.
   */
  done(key: K): void {
    const entry = this.processing.get(key) ?? this.find(key);
    if (entry?.held === undefined) return;
    this.processing.delete(entry.held);
    entry.held = undefined;
    this.observer.finished(this.clock.now() - entry.startedAt);
    if (entry.dirty) this.push(entry);
    else this.release(entry);
    if (this.shut && this.processing.size === 0) this.idle();
  }

  /**
   * Forgets the queued and delayed keys of `cluster` and their backoff (the cluster disengaged). Keys of it
   * being processed finish, but are not queued again even if they were added meanwhile.
   */
  dropCluster(cluster: string): void {
    const c = this.clusters.get(cluster);
    if (c === undefined) return;
    if (c.inRing) {
      c.inRing = false;
      const ring = new Fifo<ClusterQueue<K>>();
      for (const other of this.ring) if (other !== c) ring.push(other);
      this.ring = ring;
    }
    this.queued -= c.fifo.length;
    c.fifo = new Fifo();
    for (const entry of c.entries.values()) {
      entry.dirty = false;
      entry.failures = 0;
      if (entry.index >= 0) this.delayed.remove(entry);
      this.release(entry);
    }
    this.arm();
  }

  /**
   * Stops the queue: later adds are ignored, queued and delayed keys are dropped, the timer is cleared, and
   * every waiting and later {@link WorkQueue.get} resolves `undefined`. Keys being processed may still be
   * {@link WorkQueue.done}. A second call does nothing.
   */
  shutDown(): void {
    if (this.shut) return;
    this.shut = true;
    this.delayed.clear();
    this.arm();
    for (const c of this.clusters.values()) {
      c.fifo = new Fifo();
      c.inRing = false;
      for (const entry of c.entries.values()) {
        entry.dirty = false;
        entry.failures = 0;
        this.release(entry);
      }
    }
    this.ring = new Fifo();
    this.queued = 0;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve(undefined);
    if (this.processing.size === 0) this.idle();
  }

  /**
   * {@link WorkQueue.shutDown}, then waits until every key being processed is done, or `timeoutMs` passed.
   * Resolves `true` when they all finished, `false` on the timeout.
   * @throws InvalidArgumentError when `timeoutMs` is not a usable duration.
   */
  shutDownWithDrain(options: DrainOptions = {}): Promise<boolean> {
    const { timeoutMs } = options;
    checkDurationMs(timeoutMs, 'timeoutMs');
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: unknown;
      const finish = (drained: boolean): void => {
        this.drainWaiters.delete(onIdle);
        if (timer !== undefined) this.clock.clearTimeout(timer);
        resolve(drained);
      };
      const onIdle = (): void => {
        finish(true);
      };
      this.drainWaiters.add(onIdle);
      if (timeoutMs !== undefined) {
        timer = this.clock.setTimeout(() => {
          timer = undefined;
          finish(false);
        }, timeoutMs);
      }
    });
  }

  /** What the queue holds now (its metrics read this). */
  stats(): QueueStats {
    const now = this.clock.now();
    let unfinishedWorkMs = 0;
    let longestRunningMs = 0;
    for (const entry of this.processing.values()) {
      const ms = now - entry.startedAt;
      unfinishedWorkMs += ms;
      if (ms > longestRunningMs) longestRunningMs = ms;
    }
    const { queued: depth, adds, retries } = this;
    return { depth, adds, retries, unfinishedWorkMs, longestRunningMs };
  }

  /** The entry of `key`, created when missing; it keeps `key` as its latest key object. */
  private entry(key: K): Entry<K> {
    let c = this.clusters.get(key.cluster);
    if (c === undefined) {
      c = { name: key.cluster, fifo: new Fifo(), entries: new Map(), inRing: false };
      this.clusters.set(key.cluster, c);
    }
    const id = this.keyOf(key);
    let entry = c.entries.get(id);
    if (entry === undefined) {
      entry = {
        key,
        id,
        cluster: c,
        dirty: false,
        held: undefined,
        failures: 0,
        queuedAt: 0,
        startedAt: 0,
        at: 0,
        seq: 0,
        index: -1,
      };
      c.entries.set(id, entry);
    } else entry.key = key;
    return entry;
  }

  private find(key: K): Entry<K> | undefined {
    return this.clusters.get(key.cluster)?.entries.get(this.keyOf(key));
  }

  /** Marks `entry` dirty; queues it unless it is queued already or being processed (then `done` queues it). */
  private enqueue(entry: Entry<K>): void {
    if (entry.dirty) return;
    entry.dirty = true;
    entry.queuedAt = this.clock.now();
    this.adds += 1;
    if (entry.held === undefined) this.push(entry);
  }

  /** Puts `entry` at the tail of its cluster's keys, then hands keys to waiting workers. */
  private push(entry: Entry<K>): void {
    const c = entry.cluster;
    c.fifo.push(entry);
    this.queued += 1;
    if (!c.inRing) {
      c.inRing = true;
      this.ring.push(c);
    }
    while (this.waiters.length > 0) {
      const next = this.next();
      if (next === undefined) break;
      (this.waiters.shift() as (key: K) => void)(next.key);
    }
  }

  /** Takes the next key in turn and marks it processing, or returns `undefined` when none is queued. */
  private next(): Entry<K> | undefined {
    const c = this.ring.shift();
    if (c === undefined) return undefined;
    const entry = c.fifo.shift() as Entry<K>; // a cluster is in the ring exactly while it has queued keys
    if (c.fifo.length > 0) this.ring.push(c);
    else c.inRing = false;
    this.queued -= 1;
    entry.dirty = false;
    entry.held = entry.key;
    this.processing.set(entry.key, entry);
    entry.startedAt = this.clock.now();
    this.observer.started(entry.startedAt - entry.queuedAt);
    return entry;
  }

  /** Puts `entry` on the heap, due `delayMs` from now, unless it is already due sooner. */
  private delay(entry: Entry<K>, delayMs: number): void {
    this.retries += 1;
    const at = this.clock.now() + delayMs;
    if (entry.index >= 0) {
      if (at >= entry.at) return;
      entry.at = at;
      this.delayed.decreased(entry);
    } else {
      entry.at = at;
      entry.seq = this.seq++;
      this.delayed.push(entry);
    }
    this.arm();
  }

  /** Sets the one timer for the earliest due entry (or clears it when none is delayed). */
  private arm(): void {
    const head = this.delayed.peek();
    if (head?.at === this.timerAt) return; // `timerAt` is set exactly while the timer is
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = head?.at;
    if (head === undefined) return;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = undefined;
        this.fire();
      },
      timerDelay(head.at - this.clock.now()),
    );
  }

  /** Queues every entry that is due, then sets the timer for the next one. */
  private fire(): void {
    const now = this.clock.now();
    for (let head = this.delayed.peek(); head !== undefined && head.at <= now; head = this.delayed.peek()) {
      this.delayed.pop();
      this.enqueue(head);
    }
    this.arm();
  }

  /** Deletes `entry` once nothing refers to it any more (and its cluster once that holds no entry). */
  private release(entry: Entry<K>): void {
    if (entry.dirty || entry.held !== undefined || entry.failures > 0 || entry.index >= 0) return;
    const c = entry.cluster;
    c.entries.delete(entry.id);
    if (c.entries.size === 0 && c.fifo.length === 0 && this.clusters.get(c.name) === c) {
      this.clusters.delete(c.name);
    }
  }

  /** The queue is shut down and nothing is processed any more. */
  private idle(): void {
    this.observer.close();
    for (const onIdle of [...this.drainWaiters]) onIdle();
  }
}
