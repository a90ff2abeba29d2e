import {
  AbortError,
  ApiStatusError,
  ConflictError,
  isKcpError,
  isThrottlingStatus,
  NetworkError,
  TimeoutError,
  type KcpError,
  type StatusDetails,
} from '../errors.js';
import { isStatus } from '../kcp/guards.generated.js';
import { statusReasonForCode, statusSchema, type Status } from '../kcp/meta.js';
import { redactText } from '../redact.js';
import { escapeControl } from '../text.js';

/** The request an error is about (never headers or credentials). */
export interface RequestInfo {
  /** HTTP method, upper case. */
  method: string;
  /** Full request URL. */
  url: string;
}

/** The Kubernetes reason for an HTTP status code when the server sent none (client-go's `reasonForCode`). */
export function reasonForStatus(code: number): string {
  return statusReasonForCode(code) ?? (code >= 500 ? 'InternalError' : 'Unknown');
}

/**
 * Parses a `Retry-After` header: delta seconds or an HTTP-date. Returns whole seconds (≥ 0) or undefined.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** A URL safe to show: no user-info. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * Upper bound, in characters, of the server text any error message is built from (bodies, Status messages).
 * Longer text is cut before any pattern runs over it.
 */
export const MAX_MESSAGE_SOURCE_CHARS = 64 * 1024;

/** Longest server-provided detail (Status message and causes) kept in an error message. */
const MAX_DETAIL_CHARS = 2000;

const RAW_TEXT_OPEN = /<(script|style)\b/iy;
const RAW_TEXT_CLOSE = /<\/(script|style)\b/gi;

/**
 * Removes HTML tags (and `script`/`style` contents) in one forward pass: every search starts where the
 * previous one ended, so the work is linear in the length of `text` whatever it contains.
 */
export function stripTags(text: string): string {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt === -1) break;
    out.push(text.slice(i, lt), ' ');
    RAW_TEXT_OPEN.lastIndex = lt;
    let end: number;
    if (RAW_TEXT_OPEN.test(text)) {
      RAW_TEXT_CLOSE.lastIndex = RAW_TEXT_OPEN.lastIndex;
      const close = RAW_TEXT_CLOSE.exec(text);
      end = close === null ? -1 : text.indexOf('>', RAW_TEXT_CLOSE.lastIndex);
    } else {
      end = text.indexOf('>', lt + 1);
    }
    // No closing '>' after this '<' means none after any later '<' either: the rest is an open tag.
    if (end === -1) return out.join('');
    i = end + 1;
  }
  out.push(text.slice(i));
  return out.join('');
}

/**
 * A short, single-line, redacted excerpt of a non-JSON body (HTML tags stripped). Reads at most
 * {@link MAX_MESSAGE_SOURCE_CHARS} characters of `body`, in linear time.
 */
export function excerpt(body: string, max = 160): string {
  const text = stripTags(body.slice(0, MAX_MESSAGE_SOURCE_CHARS))
    .replace(/[^\S ]|\p{Cc}/gu, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  // Redact before cutting, so a secret cut in half cannot escape the patterns.
  const safe = redactText(text);
  return safe.length > max ? `${safe.slice(0, max)}…` : safe;
}

function parseStatus(body: string): Status | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  let s: Status;
  if (isStatus(json)) s = json;
  else {
    const parsed = statusSchema.safeParse(json);
    if (!parsed.success) return undefined;
    s = parsed.data;
  }
  return s.kind === 'Status' || s.message !== undefined || s.reason !== undefined ? s : undefined;
}

/** A redirect's `Location` for a message: resolved against the request URL, without user info, one line. */
function redirectTarget(requestUrl: string, location: string): string {
  let target = location;
  try {
    target = displayUrl(new URL(location, requestUrl).href);
  } catch {
    // not a URL: shown as sent, escaped below
  }
  return escapeControl(target.length > 300 ? `${target.slice(0, 300)}…` : target);
}

/**
 * Builds the {@link ApiStatusError} for a non-2xx answer from its (text) body and headers. Reads at most
 * {@link MAX_MESSAGE_SOURCE_CHARS} of `body`; the server's detail is cut to a couple of thousand characters.
 */
export function statusError(
  req: RequestInfo,
  status: number,
  body: string,
  headers: { retryAfter?: string | undefined; location?: string | undefined } = {},
): ApiStatusError {
  const s = parseStatus(
    body.length > MAX_MESSAGE_SOURCE_CHARS ? body.slice(0, MAX_MESSAGE_SOURCE_CHARS) : body,
  );
  const reason = s?.reason !== undefined && s.reason !== '' ? s.reason : reasonForStatus(status);
  let detail: string;
  if (status >= 300 && status < 400) {
    // Redirects are never followed (credentials would go to another host); say where it pointed.
    const to =
      headers.location === undefined ? 'no Location header' : redirectTarget(req.url, headers.location);
    detail = `redirect to ${to} not followed`;
  } else if (s !== undefined) {
    detail = s.message ?? '';
    const causes = s.details?.causes ?? [];
    if (causes.length > 0) {
      const list = causes
        .map((c) => [c.field, c.message ?? c.reason].filter((x) => x !== undefined && x !== '').join(': '))
        .filter((x) => x !== '')
        .join('; ');
      if (list !== '' && !detail.includes(list)) detail = detail === '' ? list : `${detail} (${list})`;
    }
  } else {
    const text = excerpt(body);
    detail = text === '' ? 'empty response body' : `unexpected non-Status response: ${text}`;
  }
  if (detail.length > MAX_DETAIL_CHARS) detail = `${detail.slice(0, MAX_DETAIL_CHARS)}…`;
  const retryAfterSeconds = parseRetryAfter(headers.retryAfter) ?? s?.details?.retryAfterSeconds;
  const url = displayUrl(req.url);
  let message = `${req.method} ${url}: ${status} ${reason}`;
  if (detail !== '') message += `: ${detail}`;
  if (retryAfterSeconds !== undefined && isThrottlingStatus(status)) {
    message += ` (retry after ${retryAfterSeconds}s)`;
  }
  const details: StatusDetails | undefined = s?.details;
  return new (status === 409 ? ConflictError : ApiStatusError)(message, {
    status,
    reason,
    details,
    method: req.method,
    url,
    retryAfterSeconds,
  });
}

/** Turns a watch `ERROR` event's `Status` into a typed {@link ApiStatusError} (410 → `E_WATCH_EXPIRED`). */
export function statusToError(status: Status, url?: string): ApiStatusError {
  const code = status.code ?? 500;
  const reason = status.reason ?? (code === 410 ? 'Expired' : 'InternalError');
  const message = `watch error ${code} ${reason}: ${status.message ?? 'no message'}`;
  return new (code === 409 ? ConflictError : ApiStatusError)(message, {
    status: code,
    reason,
    details: status.details,
    method: 'GET',
    url,
    retryAfterSeconds: status.details?.retryAfterSeconds,
  });
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

const NETWORK_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running and the address right?)',
  ECONNRESET: 'connection reset by the server or a proxy',
  ENOTFOUND: 'host not found (DNS lookup failed)',
  EAI_AGAIN: 'temporary DNS failure',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  ERR_STREAM_PREMATURE_CLOSE: 'connection closed before the response was complete',
};

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  name?: unknown;
}

function errorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && typeof cur === 'object' && cur !== null; i++) {
    const code = (cur as ErrorLike).code;
    if (typeof code === 'string' && code !== 'ERR_BAD_RESPONSE' && code !== 'ERR_BAD_REQUEST') return code;
    cur = (cur as ErrorLike).cause;
  }
  return undefined;
}

function innerKcpError(e: unknown): KcpError | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && typeof cur === 'object' && cur !== null; i++) {
    if (isKcpError(cur)) return cur;
    cur = (cur as ErrorLike).cause;
  }
  return undefined;
}

/** `String(value)`, or its type tag when it has no string form (a null-prototype object, a throwing `toString`). */
function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** A plain, redacted stand-in for an error, so no request config or headers travel along as `cause`. */
export function safeCause(e: unknown): Error {
  const src = (typeof e === 'object' && e !== null ? e : {}) as ErrorLike;
  const msg = typeof src.message === 'string' ? src.message : describe(e);
  const out = new Error(redactText(msg));
  if (typeof src.name === 'string') out.name = src.name;
  const code = errorCode(e);
  if (code !== undefined) Object.assign(out, { code });
  return out;
}

/** Options for {@link mapRequestError}. */
export interface MapErrorOptions {
  /** The caller's signal; when aborted, any failure becomes `AbortError`. */
  signal?: AbortSignal | undefined;
  /** The request timeout in ms, for the `TimeoutError`. */
  timeoutMs?: number | undefined;
}

/**
 * Maps anything a request can throw (axios errors, socket errors, TLS errors, aborts) to a {@link KcpError}.
 * The result never references the request configuration or its headers.
 */
export function mapRequestError(e: unknown, req: RequestInfo, options: MapErrorOptions = {}): KcpError {
  const where = `${req.method} ${displayUrl(req.url)}`;
  const inner = innerKcpError(e);
  if (options.signal?.aborted === true) {
    return inner?.name === 'AbortError' ? inner : new AbortError(`${where}: aborted`);
  }
  if (inner !== undefined) return inner;
  const code = errorCode(e);
  const name = (e as ErrorLike | null)?.name;
  if (code === 'ERR_CANCELED' || name === 'CanceledError' || name === 'AbortError') {
    return new AbortError(`${where}: aborted`);
  }
  if (code === 'ECONNABORTED' || (code === 'ETIMEDOUT' && options.timeoutMs !== undefined)) {
    const ms = options.timeoutMs ?? 0;
    return new TimeoutError(`${where}: no response within ${ms} ms`, ms, { cause: safeCause(e) });
  }
  if (
    code !== undefined &&
    (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_'))
  ) {
    return new NetworkError(
      `${where}: TLS error ${code}: the server certificate is not trusted or does not match the host. ` +
        'Set certificate-authority (or certificate-authority-data) to the CA that signed it, or, for testing only, insecure-skip-tls-verify.',
      { cause: safeCause(e) },
    );
  }
  const text = code === undefined ? undefined : NETWORK_TEXT[code];
  const msg = (e as ErrorLike | null)?.message;
  const fallback = typeof msg === 'string' && msg !== '' ? msg : 'request failed';
  return new NetworkError(`${where}: ${text ?? fallback}${code !== undefined ? ` (${code})` : ''}`, {
    cause: safeCause(e),
  });
}
