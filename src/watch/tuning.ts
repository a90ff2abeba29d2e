import {
  type BackoffTuning,
  DEFAULT_BACKOFF_FACTOR,
  DEFAULT_BACKOFF_INITIAL_MS,
  DEFAULT_BACKOFF_JITTER,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_BACKOFF_RESET_MS,
} from '../http/backoff.js';

export {
  DEFAULT_BACKOFF_FACTOR,
  DEFAULT_BACKOFF_INITIAL_MS,
  DEFAULT_BACKOFF_JITTER,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_BACKOFF_RESET_MS,
};

/** Lower bound of the random watch `timeoutSeconds` (client-go `defaultMinWatchTimeout`, 5 min). */
export const DEFAULT_MIN_WATCH_TIMEOUT_SECONDS = 300;
/** Slack added to `timeoutSeconds` before the inactivity timer fires. */
export const DEFAULT_INACTIVITY_SLACK_MS = 30_000;
/** Time allowed for a list or watch request to receive response headers. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** Identical reflector warnings are logged at most once per this interval (repeats are counted). */
export const DEFAULT_REPEATED_WARNING_INTERVAL_MS = 60_000;
/** A watch closed cleanly this soon with no event counts as a "very short watch" and backs off (client-go). */
export const DEFAULT_VERY_SHORT_WATCH_MS = 1_000;

/**
 * Watch timings and backoff ({@link BackoffTuning}). Every field is optional; defaults follow client-go's
 * reflector.
 * Tests inject millisecond values.
 */
export interface WatchTuning extends BackoffTuning {
  /** Watch `timeoutSeconds` is uniform in `[min, 2 × min)`. @default 300 ({@link DEFAULT_MIN_WATCH_TIMEOUT_SECONDS}) */
  minWatchTimeoutSeconds?: number | undefined;
  /** No byte for `timeoutSeconds × 1000 + slack` ms → the watch is considered dead. @default 30000 */
  inactivitySlackMs?: number | undefined;
  /** @default 30000 ({@link DEFAULT_CONNECT_TIMEOUT_MS}) */
  connectTimeoutMs?: number | undefined;
  /**
   * A watch that the server closes cleanly within this many ms without delivering any event is a
   * "very short watch" (client-go `VeryShortWatchError`): the reflector backs off before re-watching.
   * @default 1000 ({@link DEFAULT_VERY_SHORT_WATCH_MS})
   */
  veryShortWatchMs?: number | undefined;
  /**
   * Identical warnings (the same failure, an undecodable event) are logged at most once per this many ms;
   * the next one says how many were suppressed.
   * @default 60000 ({@link DEFAULT_REPEATED_WARNING_INTERVAL_MS})
   */
  repeatedWarningIntervalMs?: number | undefined;
}

/** {@link WatchTuning} with every default filled in. */
export type ResolvedWatchTuning = { [K in keyof WatchTuning]-?: Exclude<WatchTuning[K], undefined> };

/** Fills every unset field of `tuning` with its default. */
export function resolveWatchTuning(tuning: WatchTuning = {}): ResolvedWatchTuning {
  return {
    backoffInitialMs: tuning.backoffInitialMs ?? DEFAULT_BACKOFF_INITIAL_MS,
    backoffMaxMs: tuning.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS,
    backoffFactor: tuning.backoffFactor ?? DEFAULT_BACKOFF_FACTOR,
    backoffJitter: tuning.backoffJitter ?? DEFAULT_BACKOFF_JITTER,
    backoffResetMs: tuning.backoffResetMs ?? DEFAULT_BACKOFF_RESET_MS,
    minWatchTimeoutSeconds: tuning.minWatchTimeoutSeconds ?? DEFAULT_MIN_WATCH_TIMEOUT_SECONDS,
    inactivitySlackMs: tuning.inactivitySlackMs ?? DEFAULT_INACTIVITY_SLACK_MS,
    connectTimeoutMs: tuning.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    veryShortWatchMs: tuning.veryShortWatchMs ?? DEFAULT_VERY_SHORT_WATCH_MS,
    repeatedWarningIntervalMs: tuning.repeatedWarningIntervalMs ?? DEFAULT_REPEATED_WARNING_INTERVAL_MS,
    random: tuning.random ?? Math.random,
  };
}
