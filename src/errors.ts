import { inspect } from 'node:util';
import { isSecretKey, redactText } from './redact.js';

/**
 * Stable machine-readable error codes. They never change meaning between releases.
 */
export type KcpErrorCode =
  | 'E_HTTP'
  | 'E_NETWORK'
  | 'E_TIMEOUT'
  | 'E_DECODE'
  | 'E_KUBECONFIG'
  | 'E_EXEC_CREDENTIAL'
  | 'E_INVALID_ARGUMENT'
  | 'E_WATCH_EXPIRED'
  | 'E_ABORTED';

const BRAND = Symbol.for('kcp-endpoints.error');

/** Options accepted by every {@link KcpError} constructor. */
export interface KcpErrorOptions {
  /** The underlying error. Secrets inside it are redacted when the error is serialised. */
  cause?: unknown;
}

/**
 * Base class of every error this package throws or emits.
 *
 * Each error carries a stable {@link KcpError.code}. Messages, `toJSON()` and `util.inspect` output are
 * passed through redaction so bearer tokens, client keys and exec-plugin output never leak.
 */
export class KcpError extends Error {
  override readonly name: string = 'KcpError';
  /** Stable machine-readable code. */
  readonly code: KcpErrorCode;

  constructor(code: KcpErrorCode, message: string, options?: KcpErrorOptions) {
    super(redactText(message), options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }

  /**
   * A JSON-safe, redacted view of the error (name, code, message and a redacted cause chain). Each string
   * value is redacted on its own before serialisation, so the result always serialises; never throws.
   */
  toJSON(): Record<string, unknown> {
    return errorJson(this, new Set());
  }

  /** Redacted output for `util.inspect` / `console.log`. Never throws. */
  [inspect.custom](): string {
    try {
      const described = this.cause === undefined ? undefined : describeCause(this.cause, new Set([this]));
      const message = described?.['message'];
      const cause = typeof message === 'string' ? ` [cause: ${message}]` : '';
      return redactText(`${this.stack ?? `${this.name}: ${this.message}`}${cause}`);
    } catch {
      return `${this.name} [${this.code}]`;
    }
  }
}

/** How deep nested values (details, causes) are copied into `toJSON()` output. */
const MAX_JSON_DEPTH = 8;

function errorJson(error: KcpError, seen: Set<unknown>): Record<string, unknown> {
  seen.add(error);
  const out: Record<string, unknown> = {
    name: redactText(error.name),
    code: error.code,
    message: redactText(error.message),
  };
  for (const [key, value] of Object.entries(error)) {
    if (key === 'code' || key === 'name' || key === 'message') continue;
    const safe = redactValue(value, 0, seen);
    if (safe !== undefined) out[key] = safe;
  }
  if (error.cause !== undefined) out['cause'] = describeCause(error.cause, seen);
  return out;
}

/** A JSON-safe copy of `value` with every string redacted; cycles, functions and symbols are dropped. */
function redactValue(value: unknown, depth: number, seen: Set<unknown>): unknown {
  switch (typeof value) {
    case 'string':
      return redactText(value);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object': {
      if (value === null) return null;
      if (seen.has(value) || depth >= MAX_JSON_DEPTH) return '[…]';
      if (value instanceof Error) return describeCause(value, seen);
      seen.add(value);
      try {
        if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, seen) ?? null);
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
          const safe =
            typeof v === 'string' && isSecretKey(k) ? '[REDACTED]' : redactValue(v, depth + 1, seen);
          if (safe !== undefined) out[redactText(k)] = safe;
        }
        return out;
      } finally {
        seen.delete(value);
      }
    }
    default:
      return undefined;
  }
}

function describeCause(cause: unknown, seen: Set<unknown>): Record<string, unknown> {
  if (seen.has(cause)) return { message: '[circular cause]' };
  if (cause instanceof KcpError) return errorJson(cause, seen);
  if (cause instanceof Error) {
    const out: Record<string, unknown> = { name: redactText(cause.name), message: redactText(cause.message) };
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') out['code'] = redactText(code);
    return out;
  }
  let text: string;
  try {
    text = String(cause);
  } catch {
    text = Object.prototype.toString.call(cause);
  }
  return { message: redactText(text) };
}

/** A Kubernetes `Status` body as far as errors need it. */
export interface StatusDetails {
  name?: string | undefined;
  group?: string | undefined;
  kind?: string | undefined;
  causes?:
    | Array<{ reason?: string | undefined; message?: string | undefined; field?: string | undefined }>
    | undefined;
  retryAfterSeconds?: number | undefined;
}

/** Fields of an {@link ApiStatusError}. */
export interface ApiStatusErrorInit {
  /** HTTP status code. */
  status: number;
  /** Kubernetes `Status.reason` (`NotFound`, `Forbidden`, `Expired`, …) or a reason derived from the HTTP code. */
  reason: string;
  /** Kubernetes `Status.details`, when the server sent one. */
  details?: StatusDetails | undefined;
  /** HTTP method of the failed request. */
  method?: string | undefined;
  /** URL of the failed request (query string kept, credentials never included). */
  url?: string | undefined;
  /** Seconds to wait before retrying (`Retry-After` header or `details.retryAfterSeconds`). */
  retryAfterSeconds?: number | undefined;
}

/** The server answered with an error `Status` (or a non-2xx response). */
export class ApiStatusError extends KcpError {
  override readonly name: string = 'ApiStatusError';
  /** HTTP status code (e.g. 403, 404, 410). */
  readonly status: number;
  /** Kubernetes reason (`NotFound`, `Forbidden`, `Expired`, `TooManyRequests`, …). */
  readonly reason: string;
  /** Kubernetes `Status.details`. */
  readonly details: StatusDetails | undefined;
  /** HTTP method. */
  readonly method: string | undefined;
  /** Request URL. */
  readonly url: string | undefined;
  /** Seconds to wait before retrying, when the server said so. */
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, init: ApiStatusErrorInit, options?: KcpErrorOptions) {
    super(init.status === 410 ? 'E_WATCH_EXPIRED' : 'E_HTTP', message, options);
    this.status = init.status;
    this.reason = init.reason;
    this.details = init.details;
    this.method = init.method;
    this.url = init.url === undefined ? undefined : redactText(init.url);
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/**
 * The server refused a write with 409 Conflict: an update or patch was based on an old resourceVersion (reason
 * `Conflict`), or a create named an object that exists (reason `AlreadyExists`). Writes through
 * `inCluster()` read the object again and set {@link ConflictError.currentResourceVersion}, so the caller can
 * re-read and retry without guessing. `isApiStatusError` is true for it too.
 */
export class ConflictError extends ApiStatusError {
  override readonly name: string = 'ConflictError';
  /** The object's resourceVersion on the server when the conflict was reported, when it could be read. */
  readonly currentResourceVersion: string | undefined;

  constructor(
    message: string,
    init: ApiStatusErrorInit & { currentResourceVersion?: string | undefined },
    options?: KcpErrorOptions,
  ) {
    super(message, init, options);
    this.currentResourceVersion = init.currentResourceVersion;
  }
}

/** The request never got an HTTP answer (connection refused, reset, DNS, TLS failure…). */
export class NetworkError extends KcpError {
  override readonly name: string = 'NetworkError';
  constructor(message: string, options?: KcpErrorOptions) {
    super('E_NETWORK', message, options);
  }
}

/** A connect, request or watch-inactivity timeout elapsed. */
export class TimeoutError extends KcpError {
  override readonly name: string = 'TimeoutError';
  /** The timeout that elapsed, in milliseconds. */
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number, options?: KcpErrorOptions) {
    super('E_TIMEOUT', message, options);
    this.timeoutMs = timeoutMs;
  }
}

/** The server answered, but the data does not have the expected shape. Never mixed with HTTP errors. */
export class DecodeError extends KcpError {
  override readonly name: string = 'DecodeError';
  /** The offending text, truncated to a few hundred characters. */
  readonly snippet: string | undefined;
  /** Where in the document the problem is (zod issue paths, e.g. `status.endpoints.0.url`). */
  readonly issues: string[];
  constructor(
    message: string,
    init?: { snippet?: string | undefined; issues?: string[] | undefined },
    options?: KcpErrorOptions,
  ) {
    super('E_DECODE', message, options);
    this.snippet = init?.snippet === undefined ? undefined : redactText(truncate(init.snippet, 200));
    this.issues = init?.issues ?? [];
  }
}

/** A kubeconfig could not be loaded or is inconsistent. Names the file and the field. */
export class KubeconfigError extends KcpError {
  override readonly name: string = 'KubeconfigError';
  /** The kubeconfig file, when known. */
  readonly file: string | undefined;
  /** The field (e.g. `users[0].user.client-certificate`), when known. */
  readonly field: string | undefined;
  constructor(
    message: string,
    init?: { file?: string | undefined; field?: string | undefined },
    options?: KcpErrorOptions,
  ) {
    super('E_KUBECONFIG', message, options);
    this.file = init?.file;
    this.field = init?.field;
  }
}

/** An exec credential plugin failed. Carries the command name, exit code and a redacted stderr tail. */
export class ExecCredentialError extends KcpError {
  override readonly name: string = 'ExecCredentialError';
  /** The plugin command (without arguments). */
  readonly command: string;
  /** Exit code, when the plugin exited. */
  readonly exitCode: number | undefined;
  /** The last lines of the plugin's stderr, redacted. */
  readonly stderrTail: string | undefined;
  constructor(
    message: string,
    init: { command: string; exitCode?: number | undefined; stderrTail?: string | undefined },
    options?: KcpErrorOptions,
  ) {
    super('E_EXEC_CREDENTIAL', message, options);
    this.command = init.command;
    this.exitCode = init.exitCode;
    this.stderrTail = init.stderrTail === undefined ? undefined : redactText(init.stderrTail);
  }
}

/** A caller passed an invalid argument (workspace path, export reference, option). Thrown synchronously. */
export class InvalidArgumentError extends KcpError {
  override readonly name: string = 'InvalidArgumentError';
  /** The argument or option that is wrong. */
  readonly argument: string | undefined;
  constructor(message: string, argument?: string, options?: KcpErrorOptions) {
    super('E_INVALID_ARGUMENT', message, options);
    this.argument = argument;
  }
}

/** The operation was cancelled through its `AbortSignal`. */
export class AbortError extends KcpError {
  override readonly name: string = 'AbortError';
  constructor(message = 'The operation was aborted', options?: KcpErrorOptions) {
    super('E_ABORTED', message, options);
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

function hasBrand(e: unknown, name?: string): e is KcpError {
  if (typeof e !== 'object' || e === null) return false;
  if (e instanceof KcpError) return name === undefined || e.name === name;
  const branded = (e as Record<symbol, unknown>)[BRAND] === true;
  const n = (e as { name?: unknown }).name;
  const code = (e as { code?: unknown }).code;
  if (!(branded || (typeof n === 'string' && typeof code === 'string' && code.startsWith('E_'))))
    return false;
  return name === undefined || n === name;
}

/** True for any error from this package, also across duplicate package copies. */
export const isKcpError = (e: unknown): e is KcpError => hasBrand(e);
/** True for an {@link ApiStatusError}, also across duplicate package copies. */
export const isApiStatusError = (e: unknown): e is ApiStatusError =>
  hasBrand(e, 'ApiStatusError') || hasBrand(e, 'ConflictError');
/** True for a {@link NetworkError}, also across duplicate package copies. */
export const isNetworkError = (e: unknown): e is NetworkError => hasBrand(e, 'NetworkError');
/** True for a {@link TimeoutError}, also across duplicate package copies. */
export const isTimeoutError = (e: unknown): e is TimeoutError => hasBrand(e, 'TimeoutError');
/** True for a {@link DecodeError}, also across duplicate package copies. */
export const isDecodeError = (e: unknown): e is DecodeError => hasBrand(e, 'DecodeError');
/** True for a {@link KubeconfigError}, also across duplicate package copies. */
export const isKubeconfigError = (e: unknown): e is KubeconfigError => hasBrand(e, 'KubeconfigError');
/** True for an {@link ExecCredentialError}, also across duplicate package copies. */
export const isExecCredentialError = (e: unknown): e is ExecCredentialError =>
  hasBrand(e, 'ExecCredentialError');
/** True for an {@link InvalidArgumentError}, also across duplicate package copies. */
export const isInvalidArgumentError = (e: unknown): e is InvalidArgumentError =>
  hasBrand(e, 'InvalidArgumentError');
/** True for an {@link AbortError}, also across duplicate package copies. */
export const isAbortError = (e: unknown): e is AbortError => hasBrand(e, 'AbortError');

// ---------------------------------------------------------------------------------------------------------
// What an error means. Every module that asks "was it a 404?", "may I retry?" asks one of these, so the HTTP
// meaning of an error is decided in one place. Each accepts anything (`unknown`) and never throws; errors
// from duplicate package copies match too.

/** The HTTP status of an {@link ApiStatusError}, else `undefined`. */
function statusOf(e: unknown): number | undefined {
  return isApiStatusError(e) ? e.status : undefined;
}

/**
 * True for the HTTP statuses with which a server asks the client to slow down: 429 Too Many Requests and
 * 503 Service Unavailable (the two that carry `Retry-After` in Kubernetes).
 */
export function isThrottlingStatus(status: number): boolean {
  return status === 429 || status === 503;
}

/**
 * True for an {@link ApiStatusError} with HTTP status 404 (the object, or its resource type, is not
 * served). Nothing else matches: a network failure or a 410 is not "not found".
 */
export const isNotFound = (e: unknown): e is ApiStatusError => statusOf(e) === 404;

/**
 * True for an {@link ApiStatusError} with HTTP status 401 (the credentials were rejected). A subset of
 * {@link isForbidden}, for the messages that tell "who are you?" from "you may not".
 */
export const isUnauthorized = (e: unknown): e is ApiStatusError => statusOf(e) === 401;

/**
 * True for an {@link ApiStatusError} with HTTP status 401 or 403: the server refused the caller, whether
 * it did not accept the credentials (401) or does not allow the verb (403). The resolution rules show both
 * as phase `Forbidden` and the CLI exits with 5 for both; use {@link isUnauthorized} to tell 401 apart.
 */
export const isForbidden = (e: unknown): e is ApiStatusError => {
  const status = statusOf(e);
  return status === 401 || status === 403;
};

/**
 * True for an {@link ApiStatusError} with HTTP status 410 Gone (reason `Expired`, code `E_WATCH_EXPIRED`):
 * the requested resourceVersion is too old, so the caller must list again.
 */
export const isExpired = (e: unknown): e is ApiStatusError => statusOf(e) === 410;

/**
 * True for a 409 Conflict ({@link ConflictError}): a write based on an old resourceVersion, or a create of an
 * object that exists. Every 409 this package reports is a `ConflictError`.
 */
export const isConflict = (e: unknown): e is ConflictError => statusOf(e) === 409;

/** True for an {@link ApiStatusError} with HTTP status 429 Too Many Requests. */
export const isTooManyRequests = (e: unknown): e is ApiStatusError => statusOf(e) === 429;

/**
 * True for a transient failure that the same request may get past when repeated: a {@link NetworkError}
 * (`E_NETWORK`), a {@link TimeoutError} (`E_TIMEOUT`), or an {@link ApiStatusError} with status 429 or
 * any status ≥ 500. Everything else is false, notably 4xx other than 429 (408 included), 410,
 * {@link DecodeError} (a malformed answer does not heal by asking again), {@link AbortError} and errors
 * that are not from this package.
 *
 * One-shot reads retry exactly these. A watch re-watches a subset and relists on the rest; see the
 * reflector's policy (`watchOutcomeOf`).
 */
export function isRetriable(e: unknown): boolean {
  if (!isKcpError(e)) return false;
  if (e.code === 'E_NETWORK' || e.code === 'E_TIMEOUT') return true;
  const status = statusOf(e);
  return status !== undefined && (status === 429 || status >= 500);
}

/**
 * True when the server asked the client to wait before retrying: an {@link ApiStatusError} with status
 * 429 or 503, or any {@link ApiStatusError} that carries a positive `retryAfterSeconds` (from the
 * `Retry-After` header or `Status.details.retryAfterSeconds`). Backoff honours such a delay as a floor.
 */
export function suggestsDelay(e: unknown): boolean {
  if (!isApiStatusError(e)) return false;
  if (isThrottlingStatus(e.status)) return true;
  const seconds = e.retryAfterSeconds ?? e.details?.retryAfterSeconds;
  return seconds !== undefined && Number.isFinite(seconds) && seconds > 0;
}
