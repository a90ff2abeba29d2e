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

/** A JSON patch that is not a list of operations (malformed), or an operation that does not apply. */
export class JsonPatchError extends Error {
  /** True when the patch itself is malformed (not an array of operations), not merely inapplicable. */
  readonly malformed: boolean;

  constructor(message: string, malformed = false) {
    super(message);
    this.name = 'JsonPatchError';
    this.malformed = malformed;
  }
}

function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer: "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(arr: Json[], token: string, forInsert: boolean, op: string, path: string): number {
  if (forInsert && token === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(token))
    throw new JsonPatchError(`${op} operation does not apply: doc is missing path: "${path}"`);
  const i = Number(token);
  if (i > arr.length || (!forInsert && i === arr.length)) {
    throw new JsonPatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  return i;
}

/** The container of the last token of `path` in `doc`, and that token. */
function parentOf(doc: Json, path: string, op: string): { parent: Json; token: string } {
  const tokens = pointerTokens(path);
  const last = tokens.pop();
  if (last === undefined)
    throw new JsonPatchError(`${op} operation does not apply: cannot ${op} the whole document`);
  let cur: Json = doc;
  for (const t of tokens) {
    let next: Json | undefined;
    if (Array.isArray(cur)) next = cur[arrayIndex(cur, t, false, op, path)];
    else if (isObject(cur)) next = cur[t];
    if (next === undefined) {
      throw new JsonPatchError(
        `${op} operation does not apply: doc is missing path: "${path}": missing value`,
      );
    }
    cur = next;
  }
  return { parent: cur, token: last };
}

function getAt(doc: Json, path: string, op: string): Json {
  if (path === '') return doc;
  const { parent, token } = parentOf(doc, path, op);
  const v = Array.isArray(parent)
    ? parent[arrayIndex(parent, token, false, op, path)]
    : isObject(parent)
      ? parent[token]
      : undefined;
  if (v === undefined)
    throw new JsonPatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  return v;
}

function addAt(doc: Json, path: string, value: Json, op: string): Json {
  if (path === '') return value;
  const { parent, token } = parentOf(doc, path, op);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, token, true, op, path), 0, value);
  else if (isObject(parent)) parent[token] = value;
  else throw new JsonPatchError(`${op} operation does not apply: doc is missing path: "${path}"`);
  return doc;
}

function removeAt(doc: Json, path: string, op: string): Json {
  const { parent, token } = parentOf(doc, path, op);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, token, false, op, path), 1);
  else if (isObject(parent) && parent[token] !== undefined) drop(parent, token);
  else
    throw new JsonPatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  return doc;
}

/**
 * Applies an RFC 6902 JSON patch (`add`, `remove`, `replace`, `move`, `copy`, `test`) and returns the result
 * (inputs untouched).
 * @throws JsonPatchError for a malformed patch or an operation that does not apply.
 */
export function jsonPatch(target: Json, patch: Json): Json {
  if (!Array.isArray(patch)) throw new JsonPatchError('the JSON patch must be an array of operations', true);
  let doc: Json = clone(target);
  for (const raw of patch) {
    if (!isObject(raw))
      throw new JsonPatchError(`malformed JSON patch operation: ${JSON.stringify(raw)}`, true);
    const op = raw['op'];
    const path = raw['path'];
    if (typeof op !== 'string') throw new JsonPatchError('operation missing op field');
    if (typeof path !== 'string') throw new JsonPatchError(`${op} operation missing path field`);
    const value = raw['value'];
    const from = raw['from'];
    switch (op) {
      case 'add':
      case 'replace':
        if (value === undefined) throw new JsonPatchError(`${op} operation missing value field`);
        if (op === 'replace') getAt(doc, path, op);
        doc =
          op === 'replace' && path !== ''
            ? addAt(removeAt(doc, path, op), path, clone(value), op)
            : addAt(doc, path, clone(value), op);
        break;
      case 'remove':
        doc = removeAt(doc, path, op);
        break;
      case 'move':
      case 'copy': {
        if (typeof from !== 'string') throw new JsonPatchError(`${op} operation missing from field`);
        const moved = clone(getAt(doc, from, op));
        if (op === 'move') doc = removeAt(doc, from, op);
        doc = addAt(doc, path, moved, op);
        break;
      }
      case 'test':
        if (!deepEqual(getAt(doc, path, op), value)) {
          throw new JsonPatchError(`testing value ${path} failed: test failed`);
        }
        break;
      default:
        throw new JsonPatchError(`Unexpected kind: ${op}`);
    }
  }
  return doc;
}
