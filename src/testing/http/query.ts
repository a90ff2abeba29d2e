import { objAt, recordAt, strAt, type JsonObject } from '../model/json.js';
import { matches, parseSelectorString, type Selector } from '../model/selectors.js';
import { SimHttpError } from '../model/api-errors.js';

/** The list/watch filters of a request. */
export interface Filters {
  /** `metadata.name` from `fieldSelector`. */
  name: string | undefined;
  /** `metadata.namespace` from `fieldSelector`, or the namespace of the request path. */
  namespace?: string | undefined;
  /** Parsed `labelSelector`. */
  labels: Selector;
  /** Extra visibility rule (virtual workspaces). */
  visible?: ((obj: JsonObject) => boolean) | undefined;
}

/**
 * Parses `fieldSelector` (only `metadata.name` and `metadata.namespace` are supported, like CRDs) and
 * `labelSelector`.
 * @throws SimHttpError 400 for unsupported or malformed selectors.
 */
export function parseFilters(query: URLSearchParams): Filters {
  let name: string | undefined;
  let namespace: string | undefined;
  const fs = query.get('fieldSelector') ?? '';
  for (const part of fs
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (m === null) throw new SimHttpError(400, `invalid selector: '${fs}'; can't understand '${part}'`);
    const field = m[1] ?? '';
    if (field !== 'metadata.name' && field !== 'metadata.namespace') {
      throw new SimHttpError(
        400,
        `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
    if (m[2] === '!=')
      throw new SimHttpError(400, `field selector operator "!=" is not supported by the simulator`);
    if (field === 'metadata.name') name = m[3] ?? '';
    else if ((m[3] ?? '') !== '') namespace = m[3];
  }
  let labels: Selector;
  try {
    labels = parseSelectorString(query.get('labelSelector') ?? '');
  } catch (e) {
    throw new SimHttpError(400, `unable to parse requirement: ${(e as Error).message}`);
  }
  return { name, namespace, labels };
}

/** True when an object passes the filters. */
export function passes(filters: Filters, obj: JsonObject): boolean {
  const m = objAt(obj, 'metadata');
  if (filters.name !== undefined && strAt(m, 'name') !== filters.name) return false;
  if (filters.namespace !== undefined && strAt(m, 'namespace') !== filters.namespace) return false;
  if (filters.visible !== undefined && !filters.visible(obj)) return false;
  return filters.labels.length === 0 || matches(filters.labels, recordAt(m, 'labels'));
}

/**
 * Parses a non-negative integer query parameter.
 * @throws SimHttpError 400 when present but not a non-negative integer.
 */
export function intParam(query: URLSearchParams, key: string): number | undefined {
  const raw = query.get(key);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw))
    throw new SimHttpError(400, `${key}: Invalid value: "${raw}": must be a non-negative integer`);
  return Number(raw);
}

/** Encodes a list continue token. */
export function encodeContinue(rv: number, after: string): string {
  return Buffer.from(JSON.stringify({ rv, start: after }), 'utf8').toString('base64url');
}

/**
 * Decodes a list continue token.
 * @throws SimHttpError 400 for a malformed token.
 */
export function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      rv?: unknown;
      start?: unknown;
    };
    if (typeof v.rv === 'number' && typeof v.start === 'string') return { rv: v.rv, start: v.start };
  } catch {
    // fall through
  }
  throw new SimHttpError(400, 'continue key is not valid: malformed continue token');
}
