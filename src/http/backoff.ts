import { isApiStatusError, suggestsDelay } from '../errors.js';

/** Default initial backoff after a failed list/watch (client-go `defaultBackoffInit`). */
export const DEFAULT_BACKOFF_INITIAL_MS = 800;
/** Default backoff cap (client-go `defaultBackoffMax`). */
export const DEFAULT_BACKOFF_MAX_MS = 30_000;
/** Default backoff growth factor. */
export const DEFAULT_BACKOFF_FACTOR = 2;
/** Default jitter: a delay `d` becomes a sleep in `[d, d * (1 + jitter))`. */
export const DEFAULT_BACKOFF_JITTER = 1;
/** The backoff resets after this long without a failure (client-go `defaultBackoffReset`). */
export const DEFAULT_BACKOFF_RESET_MS = 120_000;

/**
 * Backoff timings. Every field is optional; defaults follow client-go's reflector. The watch tuning
 * (`WatchTuning`) extends this, so one tuning object configures the backoff of watches and one-shot reads.
 */
export interface BackoffTuning {
  /** @default 800 ({@link DEFAULT_BACKOFF_INITIAL_MS}) */
  backoffInitialMs?: number | undefined;
  /** @default 30000 ({@link DEFAULT_BACKOFF_MAX_MS}) */
  backoffMaxMs?: number | undefined;
  /** @default 2 ({@link DEFAULT_BACKOFF_FACTOR}) */
  backoffFactor?: number | undefined;
  /** @default 1 ({@link DEFAULT_BACKOFF_JITTER}) */
  backoffJitter?: number | undefined;
  /** @default 120000 ({@link DEFAULT_BACKOFF_RESET_MS}) */
  backoffResetMs?: number | undefined;
  /** Source of randomness in [0, 1), for reproducible tests. @default Math.random */
  random?: (() => number) | undefined;
}

/** Upper bound applied to a server's `Retry-After`, so a bogus header cannot freeze a stream for hours. */
export const MAX_RETRY_AFTER_MS = 600_000;

/** One backoff decision. */
export interface BackoffStep {
  /** How long to sleep before the next attempt, in ms. */
  delayMs: number;
  /** 1-based number of consecutive failures since the last reset. */
  attempt: number;
}

/**
 * Jittered exponential backoff in the style of client-go's reflector
 * (`wait.Backoff{…}.DelayWithReset(clock, 2m)`).
 *
 * The nominal duration starts at `backoffInitialMs` and is multiplied by `backoffFactor` after every step
 * until it reaches `backoffMaxMs`. Each sleep is `d + random() × jitter × d`, i.e. in `[d, d × (1 + jitter))`.
 * When more than `backoffResetMs` passed between the end of the previous sleep and the next failure
 * (a healthy period), the sequence starts over. A `retryAfterSeconds` on an {@link ApiStatusError}
 * (429/503) is honoured as a floor, capped at {@link MAX_RETRY_AFTER_MS}.
 *
 * Pure apart from `random`: time is passed in, so tests are exact.
 */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly resetMs: number;
  private readonly random: () => number;
  private nominalMs: number;
  private attempts = 0;
  private healthySince: number | undefined;

  constructor(tuning: BackoffTuning = {}) {
    this.initialMs = tuning.backoffInitialMs ?? DEFAULT_BACKOFF_INITIAL_MS;
    this.maxMs = tuning.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS;
    this.factor = tuning.backoffFactor ?? DEFAULT_BACKOFF_FACTOR;
    this.jitter = tuning.backoffJitter ?? DEFAULT_BACKOFF_JITTER;
    this.resetMs = tuning.backoffResetMs ?? DEFAULT_BACKOFF_RESET_MS;
    this.random = tuning.random ?? Math.random;
    this.nominalMs = this.initialMs;
  }

  /**
   * The delay before retrying after a failure at time `now` (ms, any monotonic origin).
   * @param error the failure; its `retryAfterSeconds` (if any) is a lower bound for the delay.
   */
  next(now: number, error?: unknown): BackoffStep {
    if (this.healthySince !== undefined && now - this.healthySince > this.resetMs) this.reset();
    const d = this.nominalMs;
    let delayMs = d + this.random() * this.jitter * d;
    const floor = retryAfterMs(error);
    if (floor !== undefined && floor > delayMs) delayMs = floor;
    this.nominalMs = Math.min(d * this.factor, this.maxMs);
    this.attempts += 1;
    this.healthySince = now + delayMs;
    return { delayMs: Math.round(delayMs), attempt: this.attempts };
  }

  /** Starts the sequence over at `backoffInitialMs`. */
  reset(): void {
    this.nominalMs = this.initialMs;
    this.attempts = 0;
    this.healthySince = undefined;
  }
}

/** The server-requested retry delay of `error` in ms (capped), or `undefined`. */
export function retryAfterMs(error: unknown): number | undefined {
  if (!suggestsDelay(error) || !isApiStatusError(error)) return undefined;
  const seconds = error.retryAfterSeconds ?? error.details?.retryAfterSeconds;
  if (seconds === undefined || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  return Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
}
