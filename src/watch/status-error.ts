import { ApiStatusError } from '../errors.js';
import type { Status } from '../kcp/meta.js';

/** Turns a watch `ERROR` event's `Status` into a typed {@link ApiStatusError} (410 → `E_WATCH_EXPIRED`). */
export function statusToError(status: Status, url?: string): ApiStatusError {
  const code = status.code ?? 500;
  const reason = status.reason ?? (code === 410 ? 'Expired' : 'InternalError');
  const message = `watch error ${code} ${reason}: ${status.message ?? 'no message'}`;
  return new ApiStatusError(message, {
    status: code,
    reason,
    details: status.details,
    method: 'GET',
    url,
    retryAfterSeconds: status.details?.retryAfterSeconds,
  });
}
