import type { z } from 'zod';
import { DecodeError } from '../errors.js';
import { CLUSTER_ANNOTATION, PATH_ANNOTATION } from './meta.js';
import type { ResourceDescriptor } from './resource.js';

/** The result of {@link safeDecode}: the decoded value, or the {@link DecodeError} that decoding would throw. */
export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: DecodeError };

/** How many problems a message lists before `(and N more)`. */
const MAX_LISTED = 3;

/**
 * Where a document was read, for the message of a {@link DecodeError} about it. Every decode failure of
 * the package has one grammar: `[<context>: ]<subject> is malformed: <problem>[; <problem>…][ (and N more)]`,
 * where the subject is `<what> "<metadata.name>"` (or just `<what>` without a name) and each problem starts
 * with the dotted path it is about (`status.endpoints must be an array, got string`).
 */
export interface DecodeWhere {
  /** What was being read, first in the message: `GET https://…/apiexports/x`, `watch ADDED event`. */
  context?: string | undefined;
  /** Dotted path of the document inside what was read (`items.2`, `object`); prefixes every issue path. */
  at?: string | undefined;
  /** The subject instead of `<what> "<name>"`, e.g. `Widget list item 2 "bad"`. */
  subject?: string | undefined;
  /** The snippet instead of the offending value, e.g. the whole watch line. */
  snippet?: string | undefined;
}

/** One problem in a document: the path it is about (relative to the document) and what is wrong there. */
export interface DecodeProblem {
  /** Path of the offending field inside the document; empty for the document itself. */
  path: readonly PropertyKey[];
  /** The rest of the sentence after the path, with its leading space or colon: ` is required`. */
  says: string;
}

/**
 * Validates `value` against `schema`. Unknown fields pass through untouched.
 * @param what the kind, used in the message, e.g. `APIExportEndpointSlice`.
 * @param where where the document was read, for the message ({@link DecodeWhere}).
 * @throws DecodeError with `issues` as dotted paths (`status.endpoints`) and a message like
 *   `APIExportEndpointSlice "x" is malformed: status.endpoints must be an array, got string`.
 */
export function decodeObject<T>(schema: z.ZodType<T>, value: unknown, what: string, where?: DecodeWhere): T {
  const r = safeDecode(schema, value, what, where);
  if (!r.ok) throw r.error;
  return r.value;
}

/** Like {@link decodeObject}, but returns `{ ok: false, error }` instead of throwing. */
export function safeDecode<T>(
  schema: z.ZodType<T>,
  value: unknown,
  what: string,
  where?: DecodeWhere,
): DecodeResult<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: schemaError(parsed.error, value, what, where) };
}

/** The {@link DecodeError} for a failed zod parse of `value`, in the grammar of {@link DecodeWhere}. */
export function schemaError(
  error: z.ZodError,
  value: unknown,
  what: string,
  where?: DecodeWhere,
): DecodeError {
  const problems = error.issues.map((issue) => ({ path: issue.path, says: describeIssue(issue, value) }));
  return malformed(what, value, problems, where);
}

/**
 * The {@link DecodeError} for `problems` found in `value` (a `what`), in the grammar of {@link DecodeWhere}:
 * `issues` are the problems' dotted paths (under `where.at`); the snippet is the value at the first
 * problem unless `where.snippet` says otherwise.
 */
export function malformed(
  what: string,
  value: unknown,
  problems: readonly DecodeProblem[],
  where: DecodeWhere = {},
): DecodeError {
  const name = nameOf(value);
  const subject = where.subject ?? (name === undefined ? what : `${what} ${JSON.stringify(name)}`);
  const paths = problems.map((p) => dotted(where.at, p.path));
  const sentences = problems
    .slice(0, MAX_LISTED)
    .map((p, i) => `${paths[i] === '' ? 'the document' : (paths[i] ?? '')}${p.says}`);
  const more = problems.length > MAX_LISTED ? ` (and ${problems.length - MAX_LISTED} more)` : '';
  const context = where.context === undefined ? '' : `${where.context}: `;
  const first = problems[0];
  const offending = first === undefined ? value : valueAt(value, first.path);
  return new DecodeError(`${context}${subject} is malformed: ${sentences.join('; ')}${more}`, {
    issues: paths,
    snippet: where.snippet ?? safeStringify(offending),
  });
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

function dotted(at: string | undefined, path: readonly PropertyKey[]): string {
  const tail = path.map(String).join('.');
  if (at === undefined || at === '') return tail;
  return tail === '' ? at : `${at}.${tail}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** The `metadata.name` of an object, when it is a non-empty string. */
export function nameOf(value: unknown): string | undefined {
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

/** The sentence of one zod issue, after its path: ` is required`, ` must be an array, got string`, `: …`. */
function describeIssue(issue: z.core.$ZodIssue, root: unknown): string {
  if (issue.code === 'invalid_type') {
    const got = valueAt(root, issue.path);
    if (got === undefined && issue.path.length > 0) return ' is required';
    const expected = ARTICLE[issue.expected] ?? issue.expected;
    return ` must be ${expected}, got ${kindOf(got)}`;
  }
  return `: ${issue.message}`;
}

/** What a value is, for messages: `null`, `an array`, or its `typeof`. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}

/** `JSON.stringify` cut to `max` characters; `undefined` when the value has no JSON form (never throws). */
export function safeStringify(value: unknown, max = 1000): string | undefined {
  try {
    const json = JSON.stringify(value) as string | undefined;
    return json === undefined || json.length <= max ? json : json.slice(0, max);
  } catch {
    return undefined;
  }
}
