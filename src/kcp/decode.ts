import type { z } from 'zod';
import { DecodeError } from '../errors.js';
import { CLUSTER_ANNOTATION, PATH_ANNOTATION } from './meta.js';
import type { ResourceDescriptor } from './resource.js';

/** The result of {@link safeDecode}: the decoded value, or the {@link DecodeError} that decoding would throw. */
export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: DecodeError };

const MAX_LISTED = 3;

/**
 * Validates `value` against `schema`. Unknown fields pass through untouched.
 * @param what the kind, used in the message, e.g. `APIExportEndpointSlice`.
 * @throws DecodeError with `issues` as dotted paths (`status.endpoints`) and a message like
 *   `APIExportEndpointSlice "x" is malformed: status.endpoints must be an array`.
 */
export function decodeObject<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = safeDecode(schema, value, what);
  if (!r.ok) throw r.error;
  return r.value;
}

/** Like {@link decodeObject}, but returns `{ ok: false, error }` instead of throwing. */
export function safeDecode<T>(schema: z.ZodType<T>, value: unknown, what: string): DecodeResult<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues;
  const name = nameOf(value);
  const subject = name === undefined ? what : `${what} ${JSON.stringify(name)}`;
  const sentences = issues.slice(0, MAX_LISTED).map((i) => describeIssue(i, value));
  const more = issues.length > MAX_LISTED ? ` (and ${issues.length - MAX_LISTED} more)` : '';
  const first = issues[0];
  const offending = first === undefined ? value : valueAt(value, first.path);
  const error = new DecodeError(`${subject} is malformed: ${sentences.join('; ')}${more}`, {
    issues: issues.map((i) => dotted(i.path)),
    snippet: offending === undefined ? undefined : safeStringify(offending),
  });
  return { ok: false, error };
}

/** {@link decodeObject} with the schema and kind of a {@link ResourceDescriptor}. */
export function decodeResource<T>(descriptor: ResourceDescriptor<T>, value: unknown): T {
  return decodeObject(descriptor.schema, value, descriptor.kind);
}

/** The logical cluster name of an object (annotation `kcp.io/cluster`), if set. */
export function clusterOf(obj: AnnotatedObject): string | undefined {
  return annotation(obj, CLUSTER_ANNOTATION);
}

/** The canonical workspace path of an object (annotation `kcp.io/path`, set on exports and bindings), if set. */
export function pathOf(obj: AnnotatedObject): string | undefined {
  return annotation(obj, PATH_ANNOTATION);
}

/** Anything with (optional) Kubernetes metadata annotations. */
export interface AnnotatedObject {
  /** Object metadata. */
  metadata?: { annotations?: Readonly<Record<string, string>> | null | undefined } | undefined;
}

function annotation(obj: AnnotatedObject, key: string): string | undefined {
  const value = obj.metadata?.annotations?.[key];
  return value === undefined || value === '' ? undefined : value;
}

function dotted(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function nameOf(value: unknown): string | undefined {
  const name = valueAt(value, ['metadata', 'name']);
  return typeof name === 'string' && name !== '' ? name : undefined;
}

const ARTICLE: Record<string, string> = {
  array: 'an array',
  object: 'an object',
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  record: 'an object',
};

function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  const where = issue.path.length === 0 ? 'the document' : dotted(issue.path);
  if (issue.code === 'invalid_type') {
    const got = valueAt(root, issue.path);
    if (got === undefined && issue.path.length > 0) return `${where} is required`;
    const expected = ARTICLE[issue.expected] ?? issue.expected;
    return `${where} must be ${expected}, got ${kindOf(got)}`;
  }
  return `${where}: ${issue.message}`;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

function safeStringify(v: unknown): string | undefined {
  try {
    return JSON.stringify(v);
  } catch {
    return undefined;
  }
}
