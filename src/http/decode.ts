import type { z } from 'zod';
import { DecodeError } from '../errors.js';
import { listEnvelopeSchema, type List } from '../kcp/meta.js';
import { apiVersionOf, type ResourceDescriptor } from '../kcp/resource.js';

/** Dotted paths (`status.endpoints.0.url`) of zod issues, optionally under a prefix. */
export function issuePaths(error: z.ZodError, prefix?: string): string[] {
  return error.issues.map((i) => {
    const path = i.path.map(String).join('.');
    return [prefix, path].filter((p) => p !== undefined && p !== '').join('.');
  });
}

/** `path: message` pairs of the first few zod issues, for error messages. */
export function issueSummary(error: z.ZodError, prefix?: string, max = 3): string {
  const paths = issuePaths(error, prefix);
  const parts = error.issues.slice(0, max).map((i, n) => {
    const p = paths[n] ?? '';
    return p === '' ? i.message : `${p}: ${i.message}`;
  });
  const more = error.issues.length > max ? ` (+${error.issues.length - max} more)` : '';
  return parts.join('; ') + more;
}

/** Parses a response body as JSON. @throws DecodeError for anything else. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new DecodeError(`${what}: response is not JSON (${(e as Error).message})`, { snippet: text });
  }
}

/** Where an object's identity differs from what was asked for, and how. */
export interface IdentityProblem {
  /** Dotted path of the offending field (`kind`, `apiVersion`, `metadata.name`). */
  path: string;
  /** e.g. `kind is "Secret", expected Widget`. */
  message: string;
}

function stringField(value: unknown, ...path: string[]): string | undefined {
  let cur = value;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return typeof cur === 'string' ? cur : undefined;
}

/**
 * Checks that an object is what was asked for: its `kind` and `apiVersion`, when it names them (list items
 * and some servers omit them), and its `metadata.name`, when a name was requested.
 */
export function identityProblem(
  value: unknown,
  kind: string,
  apiVersion: string | undefined,
  name?: string,
): IdentityProblem | undefined {
  const k = stringField(value, 'kind');
  if (k !== undefined && k !== '' && k !== kind) {
    return { path: 'kind', message: `kind is ${JSON.stringify(k)}, expected ${kind}` };
  }
  const v = stringField(value, 'apiVersion');
  if (apiVersion !== undefined && v !== undefined && v !== '' && v !== apiVersion) {
    return { path: 'apiVersion', message: `apiVersion is ${JSON.stringify(v)}, expected ${apiVersion}` };
  }
  if (name !== undefined) {
    const n = stringField(value, 'metadata', 'name');
    if (n !== name) {
      return {
        path: 'metadata.name',
        message: `metadata.name is ${n === undefined ? 'missing' : JSON.stringify(n)}, expected ${JSON.stringify(name)} (the name that was requested)`,
      };
    }
  }
  return undefined;
}

/**
 * Validates one object with the descriptor's schema, and that it is the kind, apiVersion and (when given)
 * name that was asked for.
 * @throws DecodeError naming the issue paths.
 */
export function decodeObject<T>(desc: ResourceDescriptor<T>, value: unknown, what: string, name?: string): T {
  const wrong = identityProblem(value, desc.kind, apiVersionOf(desc), name);
  if (wrong !== undefined) {
    throw new DecodeError(`${what}: not a valid ${desc.kind}: ${wrong.message}`, {
      snippet: safeStringify(value),
      issues: [wrong.path],
    });
  }
  const parsed = desc.schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new DecodeError(`${what}: not a valid ${desc.kind}: ${issueSummary(parsed.error)}`, {
    snippet: safeStringify(value),
    issues: issuePaths(parsed.error),
  });
}

/** One page of a list: its items (validated), resourceVersion and continue token. */
export interface ListPage<T> extends List<T> {
  /** The `continue` token, empty or undefined on the last page. */
  continue: string | undefined;
}

/** Validates a list page: the envelope, then each item (a bad item → DecodeError naming its index). */
export function decodeListPage<T>(
  desc: ResourceDescriptor<T>,
  value: unknown,
  what: string,
  firstIndex = 0,
): ListPage<T> {
  const env = listEnvelopeSchema.safeParse(value);
  if (!env.success) {
    throw new DecodeError(`${what}: not a ${desc.kind} list: ${issueSummary(env.error)}`, {
      snippet: safeStringify(value),
      issues: issuePaths(env.error),
    });
  }
  const apiVersion = apiVersionOf(desc);
  // `List` (apiVersion `v1`) is the generic list kind some aggregated servers answer with; its items are
  // still checked one by one below.
  const generic = stringField(value, 'kind') === 'List';
  const wrongList = identityProblem(
    value,
    generic ? 'List' : `${desc.kind}List`,
    generic ? undefined : apiVersion,
  );
  if (wrongList !== undefined) {
    throw new DecodeError(`${what}: not a ${desc.kind} list: ${wrongList.message}`, {
      snippet: safeStringify(value),
      issues: [wrongList.path],
    });
  }
  const items: T[] = [];
  (env.data.items ?? []).forEach((item, i) => {
    const index = firstIndex + i;
    const wrong = identityProblem(item, desc.kind, apiVersion);
    if (wrong !== undefined) {
      throw new DecodeError(`${what}: list item ${index} is not a ${desc.kind}: ${wrong.message}`, {
        snippet: safeStringify(item),
        issues: [`items.${index}.${wrong.path}`],
      });
    }
    const parsed = desc.schema.safeParse(item);
    if (!parsed.success) {
      const name = nameOf(item);
      throw new DecodeError(
        `${what}: list item ${index}${name === undefined ? '' : ` (${name})`} is not a valid ${desc.kind}: ${issueSummary(parsed.error, `items.${index}`)}`,
        { snippet: safeStringify(item), issues: issuePaths(parsed.error, `items.${index}`) },
      );
    }
    items.push(parsed.data);
  });
  return {
    items,
    resourceVersion: env.data.metadata?.resourceVersion ?? '',
    continue: env.data.metadata?.continue,
  };
}

function nameOf(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const meta = (item as { metadata?: unknown }).metadata;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const name = (meta as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

/** JSON.stringify that never throws, cut to a bounded length. */
export function safeStringify(value: unknown, max = 1000): string {
  try {
    const json = JSON.stringify(value) as string | undefined;
    const s = json ?? String(value);
    return s.length > max ? s.slice(0, max) : s;
  } catch {
    return String(value);
  }
}
