/**
 * The time source of the controller runtime's timing loops (leader election, lease renewal), so tests can run
 * them on a fake clock.
 */
import { delay } from '../timers.js';

/** Time as the controller loops read it and wait on it. */
export interface Clock {
  /**
   * Milliseconds on a monotonic clock (never goes back; unrelated to the date). Every duration and expiry is
   * measured on it.
   */
  now(): number;
  /** Milliseconds since the Unix epoch: what is written into timestamps (a Lease's `renewTime`). */
  wallTime(): number;
  /**
   * Resolves after `ms` milliseconds of {@link Clock.now}; rejects with `AbortError` as soon as `signal`
   * aborts, leaving no timer behind.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The process's clocks: `performance.now()`, `Date.now()` and real timers. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  wallTime: () => Date.now(),
  sleep: delay,
});
