import { inspect } from 'node:util';
import { redactText } from './redact.js';

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

  /** A JSON-safe, redacted view of the error (name, code, message and a redacted cause chain). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (key === 'code' || key === 'name' || key === 'message') continue;
      out[key] = value;
    }
    if (this.cause !== undefined) out['cause'] = describeCause(this.cause);
    return JSON.parse(redactText(JSON.stringify(out))) as Record<string, unknown>;
  }

  /** Redacted output for `util.inspect` / `console.log`. */
  [inspect.custom](): string {
    const message = this.cause === undefined ? undefined : describeCause(this.cause)['message'];
    const cause = typeof message === 'string' ? ` [cause: ${redactText(message)}]` : '';
    return redactText(`${this.stack ?? `${this.name}: ${this.message}`}${cause}`);
  }
}

function describeCause(cause: unknown): Record<string, unknown> {
  if (cause instanceof KcpError) return cause.toJSON();
  if (cause instanceof Error) {
    const out: Record<string, unknown> = { name: cause.name, message: redactText(cause.message) };
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') out['code'] = code;
    return out;
  }
  return { message: redactText(String(cause)) };
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
export const isApiStatusError = (e: unknown): e is ApiStatusError => hasBrand(e, 'ApiStatusError');
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
