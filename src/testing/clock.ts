/**
 * Time source and timer API of a simulator. Inject one to drive the simulator with fake time; the default
 * uses `Date.now` and the global timers.
 */
export interface SimulatorClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` after `ms` milliseconds; returns a handle for {@link SimulatorClock.clearTimeout}. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer created by {@link SimulatorClock.setTimeout}. */
  clearTimeout(handle: unknown): void;
}

/** The real clock: `Date.now` and unref'd global timers. */
export const realClock: SimulatorClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const t = setTimeout(callback, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** RFC 3339 timestamp truncated to seconds, as Kubernetes writes them. */
export function timestamp(clock: SimulatorClock): string {
  return new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const MAX_DRAIN = 1_000_000;

/**
 * Runs controller work. Work scheduled with a delay of 0 inside a {@link Scheduler.batch} runs at the end of
 * the outermost batch, synchronously, so a write and all its consequences are visible together; positive
 * delays use the clock's timers. A key scheduled twice runs once.
 */
export class Scheduler {
  private readonly clock: SimulatorClock;
  private readonly pending = new Map<string, { fn: () => void; handle?: unknown }>();
  private readonly queue: string[] = [];
  private depth = 0;
  private idleWaiters: Array<() => void> = [];
  private closed = false;
  /** Called with errors thrown by scheduled work (the simulator never crashes on them). */
  onError: (error: unknown) => void = () => undefined;

  constructor(clock: SimulatorClock) {
    this.clock = clock;
  }

  /** Schedules `fn` under `key` after `delayMs` unless that key is already pending. */
  schedule(key: string, delayMs: number, fn: () => void): void {
    if (this.closed || this.pending.has(key)) return;
    if (delayMs <= 0) {
      this.pending.set(key, { fn });
      this.queue.push(key);
      if (this.depth === 0) this.batch(() => undefined);
      return;
    }
    const entry: { fn: () => void; handle?: unknown } = { fn };
    entry.handle = this.clock.setTimeout(() => {
      this.batch(() => {
        this.run(key);
      });
    }, delayMs);
    this.pending.set(key, entry);
  }

  /** Runs `fn`, then (for the outermost batch) all zero-delay work it caused. */
  batch<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) this.drain();
    }
  }

  /** Number of pending work items. */
  get size(): number {
    return this.pending.size;
  }

  /** Resolves once no work is pending (immediately when idle). */
  idle(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels all pending work; later schedules are ignored. */
  close(): void {
    this.closed = true;
    for (const entry of this.pending.values()) {
      if (entry.handle !== undefined) this.clock.clearTimeout(entry.handle);
    }
    this.pending.clear();
    this.queue.length = 0;
    this.notifyIdle();
  }

  private run(key: string): void {
    const entry = this.pending.get(key);
    if (entry === undefined) return;
    this.pending.delete(key);
    try {
      entry.fn();
    } catch (error) {
      this.onError(error);
    }
  }

  private drain(): void {
    this.depth++;
    try {
      let n = 0;
      while (this.queue.length > 0) {
        if (++n > MAX_DRAIN) throw new Error('kcp simulator: controller work did not settle');
        const key = this.queue.shift();
        if (key !== undefined) this.run(key);
      }
    } finally {
      this.depth--;
    }
    if (this.pending.size === 0) this.notifyIdle();
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
