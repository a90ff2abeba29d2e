import type { z } from 'zod';
import { DecodeError } from '../errors.js';
import { listEnvelopeSchema, type List } from '../kcp/meta.js';
import type { ResourceDescriptor } from '../kcp/resource.js';

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

/** Validates one object with the descriptor's schema. @throws DecodeError naming the issue paths. */
export function decodeObject<T>(desc: ResourceDescriptor<T>, value: unknown, what: string): T {
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
  const items: T[] = [];
  (env.data.items ?? []).forEach((item, i) => {
    const parsed = desc.schema.safeParse(item);
    if (!parsed.success) {
      const index = firstIndex + i;
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
