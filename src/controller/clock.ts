/**
 * The time source of the controller runtime. The work queue, its rate limiter and the health server read
 * time and set timers only through a {@link Clock}, so tests drive them with a manually advanced clock.
 */

/** A time source and a timer API. */
export interface Clock {
  /** Milliseconds from an arbitrary origin; never goes backwards. */
  now(): number;
  /** Runs `callback` after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer created by {@link Clock.setTimeout}; a handle that already fired is ignored. */
  clearTimeout(handle: unknown): void;
}

/**
 * The real clock: `performance.now()` (monotonic: a change of the wall clock does not move it) and the
 * global timers, which keep the process alive while they are pending.
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
