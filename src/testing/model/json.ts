/** Plain JSON values as the simulator stores and serves them. */
export type Json = string | number | boolean | null | Json[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: Json | undefined;
}

/** True for a non-null, non-array object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy of a JSON value. */
export function clone<T extends Json | JsonObject>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Structural equality of two JSON values (key order ignored, `undefined` members ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** The object at `obj[key]`, or a fresh empty one attached to `obj`. */
export function child(obj: JsonObject, key: string): JsonObject {
  const v = obj[key];
  if (isObject(v)) return v;
  const created: JsonObject = {};
  obj[key] = created;
  return created;
}

/** `obj[key]` when it is an object, else `undefined`. */
export function objAt(obj: JsonObject | undefined, key: string): JsonObject | undefined {
  const v = obj?.[key];
  return isObject(v) ? v : undefined;
}

/** `obj[key]` when it is a string, else `undefined`. */
export function strAt(obj: JsonObject | undefined, key: string): string | undefined {
  const v = obj?.[key];
  return typeof v === 'string' ? v : undefined;
}

/** `obj[key]` when it is an array, else `undefined`. */
export function arrAt(obj: JsonObject | undefined, key: string): Json[] | undefined {
  const v = obj?.[key];
  return Array.isArray(v) ? v : undefined;
}

/** `obj[key]` when it is a string→string record, else `{}`. */
export function recordAt(obj: JsonObject | undefined, key: string): Record<string, string> {
  const v = obj?.[key];
  const out: Record<string, string> = {};
  if (!isObject(v)) return out;
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

/** The `metadata` of an object (always present on stored objects). */
export function meta(obj: JsonObject): JsonObject {
  return child(obj, 'metadata');
}

/** `metadata.name` of an object. */
export function nameOf(obj: JsonObject): string {
  return strAt(objAt(obj, 'metadata'), 'name') ?? '';
}

/** Removes `obj[key]`. */
export function drop(obj: JsonObject, key: string): void {
  Reflect.deleteProperty(obj, key);
}

/** Applies an RFC 7386 JSON merge patch and returns the result (inputs untouched). */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) drop(out, key);
    else if (value !== undefined) out[key] = mergePatch(out[key], value);
  }
  return out;
}
