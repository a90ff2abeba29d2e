/**
 * Timer bounds: Node's `setTimeout` takes a signed 32-bit delay, and anything larger (or negative, or NaN)
 * fires after 1 ms instead of waiting. Every duration accepted from a caller is checked against
 * {@link MAX_TIMER_MS}; every delay computed from several of them is clamped.
 */
import { AbortError, InvalidArgumentError } from './errors.js';

/** The longest delay `setTimeout` honours: 2^31 − 1 ms (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` clamped into `[0, MAX_TIMER_MS]` (NaN → 0), safe to pass to `setTimeout`. */
export function timerDelay(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}

/**
 * Checks a duration option: a finite, non-negative number of milliseconds no longer than
 * {@link MAX_TIMER_MS}. `undefined` passes (the default applies).
 * @throws InvalidArgumentError naming the option otherwise.
 */
export function checkDurationMs(value: number | undefined, name: string, scale = 1): void {
  if (value === undefined) return;
  const unit = scale === 1 ? 'ms' : 's';
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new InvalidArgumentError(`Option "${name}" must be a number of ${unit}`, name);
  }
  if (value < 0) throw new InvalidArgumentError(`Option "${name}" must not be negative (got ${value})`, name);
  if (value * scale > MAX_TIMER_MS) {
    throw new InvalidArgumentError(
      `Option "${name}" is too long (${value} ${unit}): the maximum is ${Math.floor(MAX_TIMER_MS / scale)} ${unit} (about 24.8 days)`,
      name,
    );
  }
}

/** The timer functions {@link delay} waits with: the global ones, or a clock's (a fake one in tests). */
export interface TimerSource {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const globalTimers: TimerSource = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/**
 * Waits `ms` milliseconds (clamped with {@link timerDelay}). Rejects with {@link AbortError} as soon as
 * `signal` aborts, at once when it already has; either way the timer is cleared and the abort listener
 * removed, so nothing is left behind. The one abortable sleep of the package: retries, backoff, the reflector
 * and the controller's lease loops (on their clock's timers) all wait through it.
 */
export function delay(ms: number, signal?: AbortSignal, timers: TimerSource = globalTimers): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new AbortError());
      return;
    }
    const onAbort = (): void => {
      timers.clearTimeout(timer);
      reject(new AbortError());
    };
    const timer = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, timerDelay(ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
