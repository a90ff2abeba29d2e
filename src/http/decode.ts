import type { z } from 'zod';
import { DecodeError } from '../errors.js';
import {
  decodeObject,
  malformed,
  nameOf,
  safeStringify,
  schemaError,
  type DecodeProblem,
} from '../kcp/decode.js';
import { guardOf } from '../kcp/guards.js';
import { isListEnvelope } from '../kcp/guards.generated.js';
import { listEnvelopeSchema, type List } from '../kcp/meta.js';
import { apiVersionOf, type ResourceDescriptor } from '../kcp/resource.js';

/** Parses a response body as JSON. @throws DecodeError for anything else. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new DecodeError(`${what}: response is not JSON (${(e as Error).message})`, { snippet: text });
  }
}

/** `value[key]` when `value` is an object and that field a string (called per watch event: no rest array). */
function stringField(value: unknown, key: string, inner?: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const field = (value as Record<string, unknown>)[key];
  if (inner === undefined) return typeof field === 'string' ? field : undefined;
  return stringField(field, inner);
}

/**
 * Checks that an object is what was asked for: its `kind` and `apiVersion`, when it names them (list items
 * and some servers omit them), and its `metadata.name`, when a name was requested. Returns the first
 * mismatch as a problem for {@link malformed}, e.g. `kind` ` is "Secret", expected Widget`.
 */
export function identityProblem(
  value: unknown,
  kind: string,
  apiVersion: string | undefined,
  name?: string,
): DecodeProblem | undefined {
  const k = stringField(value, 'kind');
  if (kind !== '' && k !== undefined && k !== '' && k !== kind) {
    return { path: ['kind'], says: ` is ${JSON.stringify(k)}, expected ${kind}` };
  }
  const v = stringField(value, 'apiVersion');
  if (apiVersion !== undefined && v !== undefined && v !== '' && v !== apiVersion) {
    return { path: ['apiVersion'], says: ` is ${JSON.stringify(v)}, expected ${apiVersion}` };
  }
  if (name !== undefined) {
    const n = stringField(value, 'metadata', 'name');
    if (n !== name) {
      return {
        path: ['metadata', 'name'],
        says: ` is ${n === undefined ? 'missing' : JSON.stringify(n)}, expected ${JSON.stringify(name)} (the name that was requested)`,
      };
    }
  }
  return undefined;
}

/** The kind to name in messages: the descriptor's, or its resource when it accepts any kind (`kind: ''`). */
function kindLabel(desc: ResourceDescriptor<unknown>): string {
  return desc.kind === '' ? desc.plural : desc.kind;
}

/**
 * Decodes one object of a response: validates it with the descriptor's schema (the package's one decoder,
 * `decodeObject` of the kcp layer), after checking that it is the kind, apiVersion and (when given) name
 * that was asked for.
 * @param context the request, first in the message (`GET https://…`).
 * @throws DecodeError `<context>: <Kind> "<name>" is malformed: <path> …`, naming the issue paths.
 */
export function decodeResponse<T>(
  desc: ResourceDescriptor<T>,
  value: unknown,
  context: string,
  name?: string,
): T {
  const wrong = identityProblem(value, desc.kind, apiVersionOf(desc), name);
  if (wrong === undefined && guardOf(desc)?.(value) === true) return value;
  const where = { context, snippet: safeStringify(value) };
  const kind = kindLabel(desc);
  if (wrong !== undefined) throw malformed(kind, value, [wrong], where);
  return decodeObject(desc.schema, value, kind, where);
}

/** One page of a list: its items (validated), resourceVersion and continue token. */
export interface ListPage<T> extends List<T> {
  /** The `continue` token, empty or undefined on the last page. */
  continue: string | undefined;
}

/**
 * Validates a list page: the envelope, then each item. A bad envelope fails as `<context>: <Kind>List is
 * malformed: …`, a bad item as `<context>: <Kind> list item <index> "<name>" is malformed: items.<index>.…`.
 */
export function decodeListPage<T>(
  desc: ResourceDescriptor<T>,
  value: unknown,
  context: string,
  firstIndex = 0,
): ListPage<T> {
  const kind = kindLabel(desc);
  const listKind = `${kind}List`;
  let env: ListEnvelope;
  if (isListEnvelope(value)) env = value;
  else {
    const parsed = listEnvelopeSchema.safeParse(value);
    if (!parsed.success) {
      throw schemaError(parsed.error, value, listKind, { context, snippet: safeStringify(value) });
    }
    env = parsed.data;
  }
  const apiVersion = apiVersionOf(desc);
  // `List` (apiVersion `v1`) is the generic list kind some aggregated servers answer with; its items are
  // still checked one by one below.
  const generic = stringField(value, 'kind') === 'List';
  const wrongList = identityProblem(
    value,
    generic ? 'List' : desc.kind === '' ? '' : listKind,
    generic ? undefined : apiVersion,
  );
  if (wrongList !== undefined) {
    throw malformed(listKind, value, [wrongList], { context, snippet: safeStringify(value) });
  }
  const guard = guardOf(desc);
  const items: T[] = [];
  for (const [i, item] of (env.items ?? []).entries()) {
    const wrong = identityProblem(item, desc.kind, apiVersion);
    // The fast path keeps the parsed item; the message (and zod) only for an item that fails.
    if (wrong === undefined && guard?.(item) === true) {
      items.push(item);
      continue;
    }
    const index = firstIndex + i;
    const name = nameOf(item);
    const where = {
      context,
      at: `items.${index}`,
      subject: `${kind} list item ${index}${name === undefined ? '' : ` ${JSON.stringify(name)}`}`,
      snippet: safeStringify(item),
    };
    if (wrong !== undefined) throw malformed(kind, item, [wrong], where);
    items.push(decodeObject(desc.schema, item, kind, where));
  }
  return {
    items,
    resourceVersion: env.metadata?.resourceVersion ?? '',
    continue: env.metadata?.continue,
  };
}

/** A list envelope as {@link listEnvelopeSchema} outputs it. */
type ListEnvelope = z.infer<typeof listEnvelopeSchema>;
