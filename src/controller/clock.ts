/**
 * The time source of the controller runtime. The work queue, its rate limiter, the health server and the
 * lease loops (leader election, fencing) read time and set timers only through a {@link Clock}, so tests
 * drive them with a manually advanced clock.
 */

/** A time source and a timer API. */
export interface Clock {
  /** Milliseconds from an arbitrary origin; never goes backwards. */
  now(): number;
  /** Runs `callback` after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer created by {@link Clock.setTimeout}; a handle that already fired is ignored. */
  clearTimeout(handle: unknown): void;
  /**
   * Milliseconds since the Unix epoch, for timestamps written to the server (a Lease's `renewTime`); never
   * used to measure durations.
   * @default Date.now
   */
  wallTime?(): number;
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
  wallTime: () => Date.now(),
};

/** `clock.wallTime()`, or `Date.now()` for a clock without one. */
export function wallTime(clock: Clock): number {
  return clock.wallTime?.() ?? Date.now();
}
