import {
  type KcpError,
  NetworkError,
  isApiStatusError,
  isDecodeError,
  isKcpError,
  isNetworkError,
  isTimeoutError,
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
  if (!isApiStatusError(error)) return false;
  return error.status >= 400 && error.status < 500 && ![408, 410, 429].includes(error.status);
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
 */
export function classify(error: KcpError): WatchOutcome {
  if (isApiStatusError(error)) {
    if (error.status === 410) return { kind: 'relist', error, reason: 'expired' };
    if (error.status === 429) return { kind: 'rewatch', error };
    return { kind: 'relist', error, reason: 'error' };
  }
  if (isNetworkError(error) || isTimeoutError(error) || isDecodeError(error))
    return { kind: 'rewatch', error };
  return { kind: 'relist', error, reason: 'error' };
}
