import * as z from 'zod';
import { redactUrlUserinfo } from '../redact.js';
import { escapeControl, hasControl } from '../text.js';
import type { Guard } from './guards.js';
import { isEndpointSelector } from './guards.generated.js';
import { labelSelectorProblem, labelSelectorSchema } from './labels.js';

/**
 * `shards` of an endpoint (kcp main only, `corev1alpha1.EndpointSelector`): `matchAll` (the URL serves every
 * shard) or a label `selector` over Shard labels; absent or `{}` means "one shard, matched by URL prefix".
 */
export const endpointSelectorSchema = z.looseObject({
  matchAll: z.boolean().optional(),
  selector: labelSelectorSchema.optional(),
});
/** Which shards an endpoint serves (kcp main only). */
export type EndpointSelector = z.infer<typeof endpointSelectorSchema>;

/** One `APIExportEndpointSlice.status.endpoints[]` item: `{ url, shards? }`. Unknown fields are kept. */
export const sliceEndpointSchema = z.looseObject({
  url: z.string(),
  shards: endpointSelectorSchema.optional(),
});
/** One endpoint as kcp lists it in a slice: the virtual-workspace base URL and, on kcp main, `shards`. */
export type SliceEndpoint = z.infer<typeof sliceEndpointSchema>;

/** One legacy `APIExport.status.virtualWorkspaces[]` item: `{ url }`. Unknown fields are kept. */
export const virtualWorkspaceSchema = z.looseObject({ url: z.string() });
/** One legacy `APIExport.status.virtualWorkspaces[]` entry. */
export type VirtualWorkspace = z.infer<typeof virtualWorkspaceSchema>;

/** A list item that was skipped because it is not usable. */
export interface InvalidEndpoint {
  /** Position in the list as kcp returned it. */
  index: number;
  /** The item as received. */
  value: unknown;
  /** What is wrong, in plain words. */
  problem: string;
}

/** The usable items of a URL list and the ones that were skipped. */
export interface EndpointList<T> {
  /** Valid items, in kcp's order. */
  endpoints: T[];
  /** Items that were skipped, with the reason. */
  invalid: InvalidEndpoint[];
}

/** Quotes a server string for a message: JSON-style quotes, every control character escaped. */
function quote(text: string): string {
  return `"${escapeControl(redactUrlUserinfo(text).replace(/\\/g, '\\\\').replace(/"/g, '\\"'))}"`;
}

/**
 * Says why `url` is not a usable virtual-workspace URL (not an absolute `http:`/`https:` URL with a host,
 * containing whitespace or a control character, or carrying a user name or password), or `undefined` when it
 * is fine. The URL parser silently drops tabs and newlines and encodes other controls, so such a URL is
 * rejected rather than repaired: the raw string could otherwise reach a terminal or a `while read` loop.
 */
export function endpointUrlProblem(url: string): string | undefined {
  if (url === '') return 'url is empty';
  if (url.trim() !== url) return `url ${quote(url)} has leading or trailing whitespace`;
  if (hasControl(url) || /\s/.test(url)) {
    return `url ${quote(url)} contains whitespace or a control character`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `url ${quote(url)} is not an absolute URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `url ${quote(url)} must use http or https, not ${escapeControl(parsed.protocol.slice(0, -1))}`;
  }
  if (parsed.hostname === '') return `url ${quote(url)} has no host`;
  if (parsed.username !== '' || parsed.password !== '') {
    parsed.username = '';
    parsed.password = '';
    return `url ${quote(parsed.href)} must not carry a user name or password`;
  }
  return undefined;
}

/**
 * The canonical spelling of a valid endpoint URL, used for de-duplication and output: scheme and host in
 * lower case, default port dropped, path percent-encoded by the URL parser, and no trailing slashes
 * (`https://d.example`, `https://d.example/` and `HTTPS://D.EXAMPLE/` are one URL).
 */
export function normaliseEndpointUrl(url: string): string {
  const u = new URL(url);
  const href = u.href;
  if (u.search !== '' || u.hash !== '') return href;
  let end = href.length;
  while (end > 0 && href[end - 1] === '/') end -= 1;
  return href.slice(0, end);
}

function itemProblem(value: unknown, withShards: boolean): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `expected an object with a "url", got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`;
  }
  const url = (value as { url?: unknown }).url;
  if (typeof url !== 'string') {
    return url === undefined ? 'url is missing' : `url must be a string, got ${typeof url}`;
  }
  const urlProblem = endpointUrlProblem(url);
  if (urlProblem !== undefined) return urlProblem;
  if (!withShards) return undefined;
  const shards = (value as { shards?: unknown }).shards;
  if (shards === undefined) return undefined;
  let selector: EndpointSelector;
  if (isEndpointSelector(shards)) selector = shards;
  else {
    const parsed = endpointSelectorSchema.safeParse(shards);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = issue === undefined ? '' : ['shards', ...issue.path.map(String)].join('.');
      return `${at === '' ? 'shards' : at} is malformed: ${issue?.message ?? 'invalid'}`;
    }
    selector = parsed.data;
  }
  if (selector.matchAll === true && selector.selector !== undefined) {
    return 'shards.matchAll and shards.selector are mutually exclusive';
  }
  if (selector.selector !== undefined) {
    const p = labelSelectorProblem(selector.selector);
    if (p !== undefined) return `shards.selector is invalid: ${p}`;
  }
  return undefined;
}

/**
 * Validates a raw URL list item by item: one bad item is reported in `invalid` and never fails the others.
 * Valid URLs are returned in their canonical spelling ({@link normaliseEndpointUrl}).
 * `raw` absent or `null` (kcp 0.27–0.29 write `"endpoints": null`) is an empty list; a non-array is one
 * invalid entry at index -1. `options.guard` is the schema's generated guard: an item it accepts is read
 * without zod.
 */
export function readEndpointItems<T extends { url: string }>(
  raw: unknown,
  schema: z.ZodType<T>,
  options: { withShards: boolean; guard?: Guard<T> | undefined },
): EndpointList<T> {
  const out: EndpointList<T> = { endpoints: [], invalid: [] };
  if (raw === undefined || raw === null) return out;
  if (!Array.isArray(raw)) {
    out.invalid.push({ index: -1, value: raw, problem: `expected a list, got ${typeof raw}` });
    return out;
  }
  raw.forEach((value: unknown, index) => {
    const problem = itemProblem(value, options.withShards);
    const parsed =
      problem !== undefined
        ? undefined
        : options.guard?.(value) === true
          ? { success: true as const, data: value }
          : schema.safeParse(value);
    if (parsed?.success === true)
      out.endpoints.push({ ...parsed.data, url: normaliseEndpointUrl(parsed.data.url) });
    else out.invalid.push({ index, value, problem: problem ?? 'item does not match the expected shape' });
  });
  return out;
}
