import { isRetriable } from '../errors.js';
import { delay } from '../timers.js';
import { Backoff, type BackoffTuning } from './backoff.js';

/**
 * How failed requests are retried: which failures are worth another attempt, and how long to wait
 * before it. One-shot reads follow it as is ({@link withRetries}); the reflector draws its backoff from
 * it and decides re-watch versus relist with its own watch policy.
 */
export interface RetryPolicy {
  /** A fresh backoff sequence: one per operation (a read with its retries, a reflector). */
  backoff(): Backoff;
  /** Whether a failure is worth another attempt ({@link isRetriable}: network, timeout, 429, 5xx). */
  isRetriable(e: unknown): boolean;
}

/** The retry policy for `tuning`: {@link isRetriable} failures, with client-go style jittered backoff. */
export function retryPolicy(tuning: BackoffTuning = {}): RetryPolicy {
  return { backoff: () => new Backoff(tuning), isRetriable };
}

/** Options of {@link withRetries}. */
export interface RetryOptions {
  /** Attempts in all (the first one included); at least 1. */
  attempts: number;
  /** Cancels the waits between attempts (rejects with `AbortError`); pass it to `op` too. */
  signal?: AbortSignal | undefined;
  /** Clock for the backoff's reset window. @default Date.now */
  now?: () => number;
}

/**
 * Runs `op` until it succeeds, fails with an error `policy` does not retry, or has run `attempts` times;
 * waits the policy's backoff (abortably) between attempts. Rejects with the last failure.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  op: () => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const backoff = policy.backoff();
  const now = options.now ?? Date.now;
  for (let attempt = 1; ; attempt++) {
    try {
      return await op();
    } catch (e) {
      if (!policy.isRetriable(e) || attempt >= options.attempts) throw e;
      await delay(backoff.next(now(), e).delayMs, options.signal);
    }
  }
}
