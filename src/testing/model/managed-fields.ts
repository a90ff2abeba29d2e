import { timestamp, type SimulatorClock } from '../clock.js';
import { arrAt, isObject, meta, type Json, type JsonObject } from './json.js';

/**
 * `metadata.managedFields` as kcp writes them (seen on kcp 0.28.0): one entry per (manager, operation,
 * subresource). Client writes without a user agent are managed by `unknown`, kcp's controllers by `kcp`, and
 * each shard applies its own endpoint of a slice with server-side apply under the shard's name. The simulator
 * keeps them so objects have the size and shape of real ones; nothing reads them.
 */
export interface ManagedEntry {
  manager: string;
  operation: 'Update' | 'Apply';
  subresource?: 'status';
  fields: JsonObject;
}

const MANAGED_META = ['labels', 'annotations', 'finalizers', 'ownerReferences'];

/** The FieldsV1 set of a JSON value: `f:<key>` for fields, `k:{...}` for keyed list items, `v:` for values. */
export function fieldsOf(value: Json | undefined): JsonObject {
  if (isObject(value)) {
    const out: JsonObject = { '.': {} };
    for (const [k, v] of Object.entries(value)) out[`f:${k}`] = fieldsOf(v);
    return out;
  }
  if (Array.isArray(value)) {
    const out: JsonObject = { '.': {} };
    for (const item of value) {
      if (isObject(item)) {
        const key = ['url', 'uid', 'type', 'name'].find((k) => typeof item[k] === 'string');
        if (key !== undefined) out[`k:${JSON.stringify({ [key]: item[key] })}`] = fieldsOf(item);
      } else out[`v:${JSON.stringify(item)}`] = {};
    }
    return out;
  }
  return {};
}

/** The fields a write of the main resource manages (metadata that clients set, and spec). */
export function mainFields(obj: JsonObject): JsonObject {
  const m = meta(obj);
  const managedMeta: JsonObject = {};
  for (const k of MANAGED_META) {
    const v = m[k];
    if (v === undefined) continue;
    if (k === 'annotations' && isObject(v)) {
      const own = Object.entries(v).filter(([a]) => !a.startsWith('kcp.io/'));
      if (own.length > 0) managedMeta[k] = Object.fromEntries(own);
    } else managedMeta[k] = v;
  }
  const fields: JsonObject = {};
  if (Object.keys(managedMeta).length > 0) {
    const f = fieldsOf(managedMeta);
    delete f['.'];
    fields['f:metadata'] = f;
  }
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'metadata' || k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    fields[`f:${k}`] = fieldsOf(v);
  }
  return fields;
}

/** Sets (or replaces) one managedFields entry of `obj`, stamped now in `apiVersion`. */
export function manage(
  obj: JsonObject,
  entry: ManagedEntry,
  apiVersion: string,
  clock: SimulatorClock,
): void {
  const m = meta(obj);
  const list = (arrAt(m, 'managedFields') ?? []).filter(
    (e) =>
      !(
        isObject(e) &&
        e['manager'] === entry.manager &&
        e['operation'] === entry.operation &&
        (e['subresource'] ?? undefined) === entry.subresource
      ),
  );
  list.push({
    apiVersion,
    fieldsType: 'FieldsV1',
    fieldsV1: entry.fields,
    manager: entry.manager,
    operation: entry.operation,
    ...(entry.subresource === undefined ? {} : { subresource: entry.subresource }),
    time: timestamp(clock),
  });
  m['managedFields'] = list;
}
