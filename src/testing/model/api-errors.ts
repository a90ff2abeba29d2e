import { statusReasonForCode } from '../../kcp/meta.js';
import type { JsonObject } from './json.js';

/** One field error, as in `Status.details.causes`. */
export interface FieldCause {
  field: string;
  reason: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueForbidden';
  message: string;
}

/** The Kubernetes reason for an HTTP status code. */
export function reasonFor(code: number): string {
  // A server says Expired for a too-old resourceVersion, where clients only know the code (Gone).
  if (code === 410) return 'Expired';
  return statusReasonForCode(code) ?? (code >= 500 ? 'InternalError' : 'BadRequest');
}

/** An API error the router turns into a `Status` response (or a plain-text one, see `text`). */
export class SimHttpError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: JsonObject | undefined;
  readonly retryAfterSeconds: number | undefined;
  /** When set, the whole body, sent as `text/plain` instead of a `Status` (what Go's `http.NotFound` writes). */
  readonly text: string | undefined;

  constructor(
    code: number,
    message: string,
    init: { reason?: string; details?: JsonObject; retryAfterSeconds?: number; text?: string } = {},
  ) {
    super(message);
    this.code = code;
    this.reason = init.reason ?? reasonFor(code);
    this.details = init.details;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.text = init.text;
  }

  /** The `Status` body for this error. */
  toStatus(): JsonObject {
    const body = statusBody(this.code, this.message, this.reason, this.details);
    if (this.retryAfterSeconds !== undefined) {
      const details = (body['details'] as JsonObject | undefined) ?? {};
      details['retryAfterSeconds'] = this.retryAfterSeconds;
      body['details'] = details;
    }
    return body;
  }
}

/** A `metav1.Status` failure body. */
export function statusBody(code: number, message: string, reason?: string, details?: JsonObject): JsonObject {
  const body: JsonObject = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: reason ?? reasonFor(code),
    code,
  };
  if (details !== undefined) body['details'] = details;
  return body;
}

/** `<resource>.<group>` as kube names a resource in messages (`<resource>` alone for the core group). */
export function qualified(resource: string, group: string): string {
  return group === '' ? resource : `${resource}.${group}`;
}

/** `details` of a Status about one object (no `group` for the core group). */
function objectDetails(resource: string, group: string, name: string): JsonObject {
  return group === '' ? { name, kind: resource } : { name, group, kind: resource };
}

/** `<resource>.<group> "<name>" not found` (404). */
export function notFound(resource: string, group: string, name: string): SimHttpError {
  return new SimHttpError(404, `${qualified(resource, group)} "${name}" not found`, {
    details: objectDetails(resource, group, name),
  });
}

/** `<resource>.<group> "<name>" already exists` (409 AlreadyExists). */
export function alreadyExists(resource: string, group: string, name: string): SimHttpError {
  return new SimHttpError(409, `${qualified(resource, group)} "${name}" already exists`, {
    reason: 'AlreadyExists',
    details: objectDetails(resource, group, name),
  });
}

/** Optimistic-concurrency conflict (409 Conflict). */
export function conflict(resource: string, group: string, name: string): SimHttpError {
  return new SimHttpError(
    409,
    `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { details: objectDetails(resource, group, name) },
  );
}

/** 422 Invalid naming every offending field, like kube-apiserver. */
export function invalid(kind: string, group: string, name: string, causes: FieldCause[]): SimHttpError {
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  const list = causes.length > 1 ? `[${text}]` : text;
  return new SimHttpError(422, `${qualified(kind, group)} "${name}" is invalid: ${list}`, {
    details: {
      ...objectDetails(kind, group, name),
      causes: causes.map((c) => ({ reason: c.reason, message: c.message, field: c.field })),
    },
  });
}

/** 410 Expired for a resourceVersion older than the retained history. */
export function expired(rv: number | string, current: number): SimHttpError {
  return new SimHttpError(410, `too old resource version: ${rv} (${current})`);
}
