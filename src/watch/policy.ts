import {
  type KcpError,
  NetworkError,
  isApiStatusError,
  isDecodeError,
  isExpired,
  isKcpError,
  isRetriable,
  isTooManyRequests,
} from '../errors.js';

/** How one watch ended, and what the reflector does next. */
export type WatchOutcome =
  | { kind: 'closed'; events: number; undecodable: number; durationMs: number }
  | { kind: 'rewatch'; error: KcpError }
  | { kind: 'relist'; error: KcpError; reason: 'expired' | 'error' };

/**
 * True for a list failure a consumer should see as state (not just a retry): a 4xx other than
 * 408/410/429 (e.g. 401/403 while RBAC propagates, 404 when the resource is not served), or a {@link DecodeError}.
 */
export function isReportableError(error: unknown): boolean {
  if (isDecodeError(error)) return true;
  if (!isApiStatusError(error) || error.status < 400 || error.status >= 500) return false;
  return error.status !== 408 && !isExpired(error) && !isTooManyRequests(error);
}

/** Passes a KcpError through; wraps anything else (a bug, a foreign transport) in a {@link NetworkError}. */
export function toKcpError(e: unknown): KcpError {
  if (isKcpError(e)) return e;
  return new NetworkError(`unexpected transport failure: ${e instanceof Error ? e.message : String(e)}`, {
    cause: e,
  });
}

/**
 * client-go's policy for a failed watch: 410 → relist (`expired`); 429, network, timeout and stream decode
 * failures → re-watch from the last RV (`isWatchErrorRetriable`); anything else → relist (`error`).
 * The caller backs off first in every case.
 *
 * This differs from {@link isRetriable} (the policy of one-shot reads) on purpose, in two places:
 * - a 5xx relists instead of re-watching: client-go re-watches only on 429, and a server that fails a
 *   watch may have lost the state the resourceVersion points at, so a fresh list is the safe way back;
 * - a {@link DecodeError} re-watches: on a stream it means one garbled line or a cut connection, which a new
 *   watch from the last good resourceVersion heals (a one-shot read would get the same bad body again).
 */
export function watchOutcomeOf(error: KcpError): WatchOutcome {
  if (isExpired(error)) return { kind: 'relist', error, reason: 'expired' };
  if (isTooManyRequests(error)) return { kind: 'rewatch', error };
  if (isApiStatusError(error)) return { kind: 'relist', error, reason: 'error' };
  if (isRetriable(error) || isDecodeError(error)) return { kind: 'rewatch', error };
  return { kind: 'relist', error, reason: 'error' };
}
