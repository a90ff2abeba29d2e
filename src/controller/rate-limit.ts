/**
 * How long a failed key waits before it is retried: client-go's default controller rate limiter, the larger
 * of a per-key exponential backoff (5 ms, 10 ms, 20 ms, … up to 1000 s) and the wait for a token of one
 * bucket shared by every key (10 retries per second, bursts of 100), so that a few failing keys back off
 * quickly while a mass failure (a webhook down for every consumer) cannot retry faster than the bucket.
 */
import { InvalidArgumentError } from '../errors.js';
import { checkDurationMs } from '../timers.js';

/** First retry delay of a key (client-go `DefaultTypedControllerRateLimiter`). */
export const DEFAULT_RETRY_BASE_DELAY_MS = 5;
/** Longest retry delay of a key: 1000 s. */
export const DEFAULT_RETRY_MAX_DELAY_MS = 1_000_000;
/** Retries per second the shared token bucket allows, over all keys. */
export const DEFAULT_RETRY_QPS = 10;
/** Retries the shared token bucket allows at once. */
export const DEFAULT_RETRY_BURST = 100;

/** Retry timing of a work queue. Every field is optional; the defaults are client-go's. */
export interface RateLimitOptions {
  /** Delay of a key's first retry; each further failure doubles it. @default 5 */
  baseDelayMs?: number | undefined;
  /** Cap of a key's delay. @default 1000000 (1000 s) */
  maxDelayMs?: number | undefined;
  /** Retries per second over all keys; `Infinity` turns the bucket off. @default 10 */
  qps?: number | undefined;
  /** Retries the bucket lets through at once (its size). @default 100 */
  burst?: number | undefined;
}

/** The delay of a key's retry after `failures` earlier failures: `baseMs × 2^failures`, at most `maxMs`. */
export function backoffDelayMs(failures: number, baseMs: number, maxMs: number): number {
  const delay = baseMs * 2 ** failures;
  return delay > maxMs ? maxMs : delay;
}

/**
 * A token bucket (golang.org/x/time/rate's `Limiter.Reserve().Delay()`): it starts full, refills at `qps`
 * tokens per second up to `burst`, and every reservation takes one token, going into debt when none is
 * left. The delay of a reservation is the time until its token exists.
 */
export class TokenBucket {
  private readonly perMs: number;
  private readonly burst: number;
  private tokens: number;
  private last: number;

  constructor(qps: number, burst: number, now: number) {
    this.perMs = qps / 1000;
    this.burst = burst;
    this.tokens = burst;
    this.last = now;
  }

  /** Takes one token at time `now` (ms); returns how long to wait for it (0 while the bucket is not empty). */
  reserve(now: number): number {
    if (this.perMs === Infinity) return 0;
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.perMs);
      this.last = now;
    }
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : -this.tokens / this.perMs;
  }
}

/** {@link RateLimitOptions} with the defaults applied. */
export interface RateLimit {
  baseDelayMs: number;
  maxDelayMs: number;
  qps: number;
  burst: number;
}

/**
 * Checks `options` and fills in the defaults.
 * @throws InvalidArgumentError naming the option that is not a usable number.
 */
export function resolveRateLimit(options: RateLimitOptions = {}): RateLimit {
  checkDurationMs(options.baseDelayMs, 'rateLimit.baseDelayMs');
  checkDurationMs(options.maxDelayMs, 'rateLimit.maxDelayMs');
  const { qps = DEFAULT_RETRY_QPS, burst = DEFAULT_RETRY_BURST } = options;
  if (typeof qps !== 'number' || !(qps > 0)) {
    throw new InvalidArgumentError(
      `Option "rateLimit.qps" must be a positive number or Infinity (got ${String(qps)})`,
      'rateLimit.qps',
    );
  }
  if (!Number.isSafeInteger(burst) || burst < 1) {
    throw new InvalidArgumentError(
      `Option "rateLimit.burst" must be a positive integer (got ${String(burst)})`,
      'rateLimit.burst',
    );
  }
  return {
    baseDelayMs: options.baseDelayMs ?? DEFAULT_RETRY_BASE_DELAY_MS,
    maxDelayMs: options.maxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS,
    qps,
    burst,
  };
}
