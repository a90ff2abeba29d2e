import { CLUSTER_ANNOTATION, PATH_ANNOTATION } from '../../kcp/meta.js';
import { timestamp, type SimulatorClock } from '../clock.js';
import {
  arrAt,
  clone,
  drop,
  deepEqual,
  isObject,
  meta,
  objAt,
  strAt,
  type Json,
  type JsonObject,
} from './json.js';
import { fieldsOf, mainFields, manage } from './managed-fields.js';
import { deterministicUid, sha256 } from './names.js';
import { apiVersionFor, type ResourceDef } from './resources.js';
import { alreadyExists, conflict, invalid, notFound } from './api-errors.js';
import { objectName, plainName, type Store, type WriteOrigin } from './store.js';
import type { WorkspaceInfo } from './topology.js';
import { prepareBuiltinCreate } from './kube.js';
import { immutableField } from './validation.js';

/** Finalizer kcp's admission puts on every APIBinding. */
export const BINDING_FINALIZER = 'apis.kcp.io/apibinding-finalizer';
/** Label kcp's admission puts on every APIBinding (hash of export cluster + name). */
export const BINDING_EXPORT_LABEL = 'internal.apis.kcp.io/export';

const MUTABLE_META = ['labels', 'annotations', 'finalizers', 'ownerReferences'];

/**
 * Object lifecycle shared by the REST layer, the controllers and the helpers: server-managed metadata,
 * kcp admission (annotations, binding finalizer), generation, optimistic concurrency, finalizer-aware
 * deletion. All inputs are in the storage version. Objects are addressed by their store key
 * (`<namespace>/<name>` for namespaced resources, see `objectName`).
 */
export class Objects {
  private uids = 0;
  private readonly store: Store;
  private readonly clock: SimulatorClock;
  private readonly seed: string;

  constructor(store: Store, clock: SimulatorClock, seed: string) {
    this.store = store;
    this.clock = clock;
    this.seed = seed;
  }

  /**
   * Creates an object (a namespaced one in `metadata.namespace`); status is dropped for resources with a
   * status subresource.
   */
  create(def: ResourceDef, ws: WorkspaceInfo, input: JsonObject, origin: WriteOrigin): JsonObject {
    const inMeta = objAt(input, 'metadata') ?? {};
    let name = strAt(inMeta, 'name') ?? '';
    if (name === '') {
      const prefix = strAt(inMeta, 'generateName') ?? '';
      name = `${prefix}${sha256(`${this.seed}\0gen\0${this.uids}`).slice(0, 5)}`;
    }
    const namespace = def.namespaced ? (strAt(inMeta, 'namespace') ?? '') : '';
    const key = namespace === '' ? name : `${namespace}/${name}`;
    if (this.store.get(def.key, ws.cluster, key) !== undefined) {
      throw alreadyExists(def.resource, def.group, name);
    }
    const obj: JsonObject = clone(input);
    obj['apiVersion'] = apiVersionFor(def.group, def.storage);
    obj['kind'] = def.kind;
    const m: JsonObject = namespace === '' ? { name } : { name, namespace };
    for (const k of MUTABLE_META) if (inMeta[k] !== undefined && inMeta[k] !== null) m[k] = clone(inMeta[k]);
    m['uid'] = deterministicUid(this.seed, ++this.uids);
    // kube-apiserver's built-in kinds here (Leases, Namespaces) keep no generation
    if (def.builtin !== true) m['generation'] = 1;
    m['creationTimestamp'] = timestamp(this.clock);
    obj['metadata'] = m;
    if (def.hasStatus) delete obj['status'];
    prepareBuiltinCreate(def, obj);
    this.admit(def, ws, obj);
    manage(
      obj,
      { manager: managerOf(origin), operation: 'Update', fields: mainFields(obj) },
      apiVersionOf(def),
      this.clock,
    );
    return this.store.put(def.key, ws.cluster, obj, origin).object;
  }

  /**
   * Replaces an object (main resource: metadata + spec; status subresource: status only).
   * @throws SimHttpError 404, 409 Conflict (stale resourceVersion), 422 (immutable field changed).
   */
  replace(
    def: ResourceDef,
    ws: WorkspaceInfo,
    name: string,
    input: JsonObject,
    options: { status?: boolean },
    origin: WriteOrigin,
  ): JsonObject {
    const existing = this.store.get(def.key, ws.cluster, name);
    if (existing === undefined) throw notFound(def.resource, def.group, plainName(name));
    const inMeta = objAt(input, 'metadata') ?? {};
    const rv = strAt(inMeta, 'resourceVersion');
    if (rv !== undefined && rv !== '' && rv !== strAt(meta(existing), 'resourceVersion')) {
      throw conflict(def.resource, def.group, plainName(name));
    }
    const next = clone(existing);
    if (options.status === true) {
      if (input['status'] === undefined || input['status'] === null) delete next['status'];
      else next['status'] = clone(input['status']);
    } else {
      const m = meta(next);
      for (const k of MUTABLE_META) {
        if (inMeta[k] === undefined || inMeta[k] === null) drop(m, k);
        else m[k] = clone(inMeta[k]);
      }
      for (const [k, v] of Object.entries(input)) {
        if (k === 'metadata' || k === 'apiVersion' || k === 'kind') continue;
        if (k === 'status' && def.hasStatus) continue;
        if (v !== undefined) next[k] = clone(v);
      }
      for (const k of Object.keys(next)) {
        if (!['metadata', 'apiVersion', 'kind', 'status'].includes(k) && input[k] === undefined)
          drop(next, k);
      }
      if (!def.hasStatus && input['status'] === undefined) delete next['status'];
      const imm = immutableField(def);
      if (imm !== undefined) {
        const before = dig(existing, imm.path);
        const after = dig(next, imm.path);
        if (!deepEqual(before, after)) {
          throw invalid(def.kind, def.group, plainName(name), [
            {
              field: imm.field,
              reason: 'FieldValueInvalid',
              message: imm.message,
            },
          ]);
        }
      }
      if (def.builtin !== true && !deepEqual(existing['spec'], next['spec'])) {
        m['generation'] = (typeof m['generation'] === 'number' ? m['generation'] : 1) + 1;
      }
      this.admit(def, ws, next);
    }
    if (!deepEqual(existing, next)) {
      const status = options.status === true;
      manage(
        next,
        status
          ? {
              manager: managerOf(origin),
              operation: 'Update',
              subresource: 'status',
              fields: { 'f:status': fieldsOf(next['status']) },
            }
          : { manager: managerOf(origin), operation: 'Update', fields: mainFields(next) },
        apiVersionOf(def),
        this.clock,
      );
    }
    return this.commit(def, ws, existing, next, origin);
  }

  /** Applies `mutate` to a copy of the object and writes it when something changed (controllers). */
  mutate(
    def: ResourceDef,
    ws: WorkspaceInfo,
    name: string,
    mutate: (draft: JsonObject) => void,
    origin: WriteOrigin = 'controller',
  ): JsonObject | undefined {
    const existing = this.store.get(def.key, ws.cluster, name);
    if (existing === undefined) return undefined;
    const next = clone(existing);
    mutate(next);
    if (!deepEqual(existing, next)) this.manageControllerWrite(def, existing, next, origin);
    return this.commit(def, ws, existing, next, origin);
  }

  /**
   * managedFields of a controller write like kcp's: `kcp` owns what it updates in spec/metadata and status;
   * each shard applies its own endpoint of a slice (server-side apply, field manager = shard name).
   */
  private manageControllerWrite(
    def: ResourceDef,
    before: JsonObject,
    next: JsonObject,
    origin: WriteOrigin,
  ): void {
    const v = apiVersionOf(def);
    const manager = managerOf(origin);
    const status = isObject(next['status']) ? next['status'] : {};
    const beforeStatus = isObject(before['status']) ? before['status'] : {};
    const { endpoints, ...rest } = status;
    const { endpoints: beforeEndpoints, ...beforeRest } = beforeStatus;
    if (!deepEqual(rest, beforeRest)) {
      manage(
        next,
        { manager, operation: 'Update', subresource: 'status', fields: { 'f:status': fieldsOf(rest) } },
        v,
        this.clock,
      );
    }
    const main = (o: JsonObject): JsonObject => ({ ...o, status: null });
    if (!deepEqual(main(before), main(next))) {
      manage(next, { manager, operation: 'Update', fields: mainFields(next) }, v, this.clock);
    }
    if (def.key !== 'apiexportendpointslices' || deepEqual(endpoints, beforeEndpoints)) return;
    const urls = (Array.isArray(endpoints) ? endpoints : [])
      .map((e) => (isObject(e) ? strAt(e, 'url') : undefined))
      .filter((u): u is string => u !== undefined);
    for (const shard of this.store.list('shards', 'root')) {
      const name = strAt(meta(shard), 'name') ?? '';
      const vw = (strAt(objAt(shard, 'spec'), 'virtualWorkspaceURL') ?? '').replace(/\/+$/, '');
      const own = urls.filter((u) => vw !== '' && u.startsWith(`${vw}/`));
      const had = (arrAt(meta(next), 'managedFields') ?? []).some(
        (e) => isObject(e) && e['manager'] === name,
      );
      if (own.length === 0 && !had) continue;
      const eps: JsonObject = {};
      for (const u of own) eps[`k:${JSON.stringify({ url: u })}`] = { '.': {}, 'f:url': {} };
      const fields: JsonObject =
        own.length === 0 ? { 'f:status': {} } : { 'f:status': { 'f:endpoints': eps } };
      manage(next, { manager: name, operation: 'Apply', subresource: 'status', fields }, v, this.clock);
    }
  }

  /**
   * Deletes an object: with finalizers it only gets a `deletionTimestamp`; otherwise it is removed.
   * @throws SimHttpError 404.
   */
  delete(def: ResourceDef, ws: WorkspaceInfo, name: string, origin: WriteOrigin): JsonObject {
    const existing = this.store.get(def.key, ws.cluster, name);
    if (existing === undefined) throw notFound(def.resource, def.group, plainName(name));
    if ((arrAt(meta(existing), 'finalizers') ?? []).length > 0) {
      if (meta(existing)['deletionTimestamp'] !== undefined) return existing;
      const next = clone(existing);
      meta(next)['deletionTimestamp'] = timestamp(this.clock);
      meta(next)['deletionGracePeriodSeconds'] = 0;
      return this.store.put(def.key, ws.cluster, next, origin).object;
    }
    return this.store.remove(def.key, ws.cluster, name, origin)?.object ?? existing;
  }

  private commit(
    def: ResourceDef,
    ws: WorkspaceInfo,
    existing: JsonObject,
    next: JsonObject,
    origin: WriteOrigin,
  ): JsonObject {
    const m = meta(next);
    if (m['deletionTimestamp'] !== undefined && (arrAt(m, 'finalizers') ?? []).length === 0) {
      return this.store.remove(def.key, ws.cluster, objectName(next), origin)?.object ?? next;
    }
    if (deepEqual(existing, next)) return existing;
    return this.store.put(def.key, ws.cluster, next, origin).object;
  }

  /** kcp admission: cluster/path annotations; binding finalizer and export label. */
  private admit(def: ResourceDef, ws: WorkspaceInfo, obj: JsonObject): void {
    const m = meta(obj);
    const ann = isObject(m['annotations']) ? m['annotations'] : {};
    ann[CLUSTER_ANNOTATION] = ws.cluster;
    if (def.pathAnnotation) ann[PATH_ANNOTATION] = ws.path;
    m['annotations'] = ann;
    if (def.key !== 'apibindings') return;
    if (m['deletionTimestamp'] === undefined) {
      const fin = (arrAt(m, 'finalizers') ?? []).filter((f): f is string => typeof f === 'string');
      if (!fin.includes(BINDING_FINALIZER)) m['finalizers'] = [...fin, BINDING_FINALIZER];
    }
    const ref = objAt(objAt(objAt(obj, 'spec'), 'reference'), 'export');
    const labels = isObject(m['labels']) ? m['labels'] : {};
    labels[BINDING_EXPORT_LABEL] = sha256(
      `${strAt(ref, 'path') ?? ws.path}:${strAt(ref, 'name') ?? ''}`,
    ).slice(0, 40);
    m['labels'] = labels;
  }
}

function managerOf(origin: WriteOrigin): string {
  // kcp names a client without a user agent `unknown`; its own controllers `kcp`
  return origin === 'client' ? 'unknown' : 'kcp';
}

function apiVersionOf(def: ResourceDef): string {
  return apiVersionFor(def.group, def.storage);
}

function dig(obj: JsonObject, path: string[]): Json | undefined {
  let cur: Json | undefined = obj;
  for (const p of path) cur = isObject(cur) ? cur[p] : undefined;
  return cur;
}
