/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) as kube-apiserver applies it to the
 * built-in kinds the simulator serves (Namespaces, Leases): a JSON merge patch, except that
 * `metadata.finalizers` is merged as a set, `metadata.ownerReferences` by `uid`, and the directives kubectl
 * sends (`$patch`, `$retainKeys`, `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`) are obeyed.
 * Other lists are replaced, as their Go types declare no merge strategy.
 */
import { clone, drop, isObject, type Json, type JsonObject } from './json.js';
import { SimHttpError } from './api-errors.js';

/** Lists merged rather than replaced: path → the key of their items (`''` for a list of plain values). */
const MERGED_LISTS: Record<string, string> = {
  'metadata.finalizers': '',
  'metadata.ownerReferences': 'uid',
};

const invalid = (message: string): SimHttpError => new SimHttpError(400, message);

/**
 * Applies a strategic merge patch to `target` and returns the result (inputs untouched).
 * @throws SimHttpError 400 for a malformed patch (not an object, an unknown `$patch` directive).
 */
export function strategicMergePatch(target: JsonObject, patch: Json): JsonObject {
  if (!isObject(patch)) throw invalid('the body of the request must be a JSON object');
  return mergeObject(target, patch, '');
}

function mergeObject(target: JsonObject | undefined, patch: JsonObject, path: string): JsonObject {
  const directive = patch['$patch'];
  if (directive === 'delete') return {};
  const base: JsonObject = directive === 'replace' || target === undefined ? {} : clone(target);
  if (directive !== undefined && directive !== 'replace' && directive !== 'merge') {
    // kube-apiserver answers this one with a 500
    throw new SimHttpError(500, `unknown patch type: ${goText(directive)} in map: ${goText(patch)}`);
  }
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/')) continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = base[field];
      if (Array.isArray(current) && Array.isArray(value)) {
        base[field] = current.filter((x) => !value.some((v) => v === x));
      }
      continue;
    }
    const at = path === '' ? key : `${path}.${key}`;
    if (value === null) {
      drop(base, key);
    } else if (isObject(value)) {
      const current = base[key];
      const merged = mergeObject(isObject(current) ? current : undefined, value, at);
      if (value['$patch'] === 'delete') drop(base, key);
      else base[key] = merged;
    } else if (Array.isArray(value) && MERGED_LISTS[at] !== undefined) {
      base[key] = mergeList(base[key], value, MERGED_LISTS[at]);
    } else {
      base[key] = clone(value);
    }
  }
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) {
    for (const k of Object.keys(base)) if (!retain.includes(k)) drop(base, k);
  }
  return base;
}

/** A JSON value as Go's `%v` prints the decoded value (`map[k:v]` with sorted keys, `[a b]`). */
function goText(v: Json | undefined): string {
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goText(v[k])}`).join(' ')}]`;
  }
  if (Array.isArray(v)) return `[${v.map(goText).join(' ')}]`;
  return v === null || v === undefined ? '<nil>' : String(v);
}

function mergeList(current: Json | undefined, patch: Json[], key: string): Json[] {
  const out: Json[] = Array.isArray(current) ? clone(current) : [];
  for (const item of patch) {
    if (key === '') {
      if (!out.some((x) => x === item)) out.push(clone(item));
      continue;
    }
    if (!isObject(item)) continue;
    const id = item[key];
    const i = out.findIndex((x) => isObject(x) && x[key] === id);
    if (item['$patch'] === 'delete') {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) {
      const existing = out[i];
      out[i] = mergeObject(isObject(existing) ? existing : undefined, item, '');
    } else {
      const { $patch: _ignored, ...rest } = item;
      out.push(clone(rest));
    }
  }
  return out;
}
