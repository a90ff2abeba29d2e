import {
  clone,
  isObject,
  jsonPatch,
  meta,
  JsonPatchError,
  mergePatch,
  objAt,
  strAt,
  type Json,
  type JsonObject,
} from '../model/json.js';
import type { Objects } from '../model/objects.js';
import { timestamp, type SimulatorClock } from '../clock.js';
import {
  admitInNamespace,
  checkNamespaceDelete,
  decodeBuiltin,
  deletedStatus,
  requireResourceVersion,
} from '../model/kube.js';
import { apiVersionFor, convert, type ResourceDef } from '../model/resources.js';
import { strategicMergePatch } from '../model/strategic.js';
import { invalid, notFound, SimHttpError } from '../model/api-errors.js';
import { objectName, type Store } from '../model/store.js';
import type { Topology, WorkspaceInfo } from '../model/topology.js';
import { validateObject, validateStatus } from '../model/validation.js';
import { decodeContinue, encodeContinue, intParam, parseFilters, passes } from './query.js';

/** What a REST handler needs about the request. */
export interface RestRequest {
  def: ResourceDef;
  version: string;
  /** The target workspace (`undefined` only for wildcard lists). */
  ws: WorkspaceInfo | undefined;
  cluster: string;
  /** Namespace of the request path (namespaced resources only; `undefined` = all namespaces). */
  namespace?: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  query: URLSearchParams;
  /** May the user `bind` the given export (slice admission)? */
  canBind: (exportWorkspacePath: string) => boolean;
  /** Extra visibility rule (virtual workspaces). */
  visible?: ((obj: JsonObject) => boolean) | undefined;
}

/** Shared services of the REST handlers. */
export interface RestServices {
  store: Store;
  objects: Objects;
  topology: Topology;
  clock: SimulatorClock;
}

/** A JSON answer. */
export interface RestResult {
  code: number;
  body: JsonObject;
  /** `Warning` headers (`299 - "<text>"`): unknown fields dropped from a built-in kind. */
  warnings?: string[] | undefined;
}

/**
 * Decodes a posted body of a built-in kind (see `kube.ts`) under the request's `fieldValidation`: unknown
 * fields are dropped with a warning (`Warn`, the default), silently (`Ignore`), or refused (`Strict`).
 * @throws SimHttpError 400 for a field of the wrong type, or an unknown field under `Strict`.
 */
function decoded(r: RestRequest, body: JsonObject): { body: JsonObject; warnings: string[] | undefined } {
  if (r.def.builtin !== true) return { body, warnings: undefined };
  const { object, unknown } = decodeBuiltin(r.def, r.version, body);
  const mode = r.query.get('fieldValidation') ?? 'Warn';
  if (unknown.length === 0 || mode === 'Ignore') return { body: object, warnings: undefined };
  const texts = unknown.map((f) => `unknown field ${JSON.stringify(f)}`);
  if (mode === 'Strict') {
    throw new SimHttpError(
      400,
      `${r.def.kind} in version ${JSON.stringify(r.version)} cannot be handled as a ${r.def.kind}: strict decoding error: ${texts.join(', ')}`,
    );
  }
  return { body: object, warnings: texts };
}

function requireWs(r: RestRequest): WorkspaceInfo {
  if (r.ws === undefined) throw new SimHttpError(400, 'a workspace is required for this request');
  return r.ws;
}

function checkTypeMeta(r: RestRequest, body: JsonObject): void {
  const expected = apiVersionFor(r.def.group, r.version);
  const apiVersion = body['apiVersion'];
  if (apiVersion !== undefined && apiVersion !== expected) {
    throw new SimHttpError(
      400,
      `the API version in the data (${JSON.stringify(apiVersion)}) does not match the expected API version (${expected})`,
    );
  }
  const kind = body['kind'];
  if (kind !== undefined && kind !== r.def.kind) {
    throw new SimHttpError(
      400,
      `the kind in the data (${JSON.stringify(kind)}) does not match the expected kind (${r.def.kind})`,
    );
  }
}

function nameInBody(body: JsonObject): string {
  return strAt(objAt(body, 'metadata'), 'name') ?? '';
}

/** The store key of the request's object: `<namespace>/<name>` for namespaced resources. */
function keyOfRequest(r: RestRequest): string {
  const name = r.name ?? '';
  return r.namespace === undefined ? name : `${r.namespace}/${name}`;
}

/**
 * Puts the request's namespace into a body for a namespaced resource, as kube-apiserver does.
 * @throws SimHttpError 400 when the body names another namespace.
 */
function withNamespace(r: RestRequest, body: JsonObject): JsonObject {
  if (!r.def.namespaced || r.namespace === undefined) return body;
  const inBody = strAt(objAt(body, 'metadata'), 'namespace') ?? '';
  if (inBody !== '' && inBody !== r.namespace) {
    throw new SimHttpError(
      400,
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  const copy = clone(body);
  const m = isObject(copy['metadata']) ? copy['metadata'] : {};
  m['namespace'] = r.namespace;
  copy['metadata'] = m;
  return copy;
}

function toStorage(r: RestRequest, body: JsonObject): JsonObject {
  const copy = clone(body);
  copy['apiVersion'] = apiVersionFor(r.def.group, r.version);
  return convert(r.def, copy, r.def.storage);
}

function validated(r: RestRequest, body: JsonObject, status: boolean): void {
  const causes = status ? validateStatus(r.def, body['status']) : validateObject(r.def, r.version, body);
  if (causes.length > 0) throw invalid(r.def.kind, r.def.group, nameInBody(body) || (r.name ?? ''), causes);
}

/** GET of one object. */
export function getObject(s: RestServices, r: RestRequest): RestResult {
  const ws = requireWs(r);
  const obj = s.store.get(r.def.key, ws.cluster, keyOfRequest(r));
  if (obj === undefined || (r.visible !== undefined && !r.visible(obj))) {
    throw notFound(r.def.resource, r.def.group, r.name ?? '');
  }
  return { code: 200, body: convert(r.def, obj, r.version) };
}

/** GET of a collection, with selectors and `limit`/`continue`. */
export function listObjects(s: RestServices, r: RestRequest): RestResult {
  const parsed = parseFilters(r.query);
  const filters = { ...parsed, namespace: r.namespace ?? parsed.namespace, visible: r.visible };
  const limit = intParam(r.query, 'limit');
  const token = r.query.get('continue');
  let rv = s.store.resourceVersion;
  let start: string | undefined;
  if (token !== null && token !== '') {
    const c = decodeContinue(token);
    if (s.store.isExpired(c.rv)) {
      throw new SimHttpError(
        410,
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
      );
    }
    rv = c.rv;
    start = c.start;
  }
  const keyOf = (o: JsonObject): string =>
    `${strAt(objAt(objAt(o, 'metadata'), 'annotations'), 'kcp.io/cluster') ?? ''}/${objectName(o)}`;
  let items = s.store.list(r.def.key, r.cluster).filter((o) => passes(filters, o));
  if (start !== undefined) {
    const after = start;
    items = items.filter((o) => keyOf(o) > after);
  }
  const metadata: JsonObject = { resourceVersion: String(rv) };
  if (limit !== undefined && limit > 0 && items.length > limit) {
    const last = items[limit - 1];
    metadata['continue'] = encodeContinue(rv, last === undefined ? '' : keyOf(last));
    metadata['remainingItemCount'] = items.length - limit;
    items = items.slice(0, limit);
  }
  return {
    code: 200,
    body: {
      kind: `${r.def.kind}List`,
      apiVersion: apiVersionFor(r.def.group, r.version),
      metadata,
      items: items.map((o) => convert(r.def, o, r.version)),
    },
  };
}

/** POST to a collection. */
export function createObject(s: RestServices, r: RestRequest, posted: JsonObject): RestResult {
  const ws = requireWs(r);
  const typed = decoded(r, posted);
  const body = withNamespace(r, typed.body);
  checkTypeMeta(r, body);
  validated(r, body, false);
  if (r.def.namespaced && r.namespace !== undefined) {
    const ns = s.store.get('namespaces', ws.cluster, r.namespace);
    admitInNamespace(r.def, nameInBody(body), r.namespace, ns);
  }
  if (r.def.key === 'apiexportendpointslices') {
    const ref = objAt(objAt(body, 'spec'), 'export') ?? {};
    const path = strAt(ref, 'path') ?? '';
    const target = s.topology.resolve(path === '' ? ws.cluster : path);
    const exists =
      target !== undefined &&
      s.store.get('apiexports', target.cluster, strAt(ref, 'name') ?? '') !== undefined;
    if (!exists || !r.canBind(target.path)) {
      throw new SimHttpError(
        403,
        `unable to create APIExportEndpointSlice: no permission to bind to export ${path === '' ? ws.path : path}:${strAt(ref, 'name') ?? ''}`,
      );
    }
  }
  const created = s.objects.create(r.def, ws, toStorage(r, body), 'client');
  return { code: 201, body: convert(r.def, created, r.version), warnings: typed.warnings };
}

/** PUT of an object or its status. */
export function updateObject(s: RestServices, r: RestRequest, put: JsonObject): RestResult {
  const ws = requireWs(r);
  const typed = decoded(r, put);
  const body = withNamespace(r, typed.body);
  checkTypeMeta(r, body);
  const name = r.name ?? '';
  const inBody = nameInBody(body);
  if (inBody !== '' && inBody !== name) {
    throw new SimHttpError(
      400,
      `the name of the object (${inBody}) does not match the name on the URL (${name})`,
    );
  }
  const withName = clone(body);
  const m = isObject(withName['metadata']) ? withName['metadata'] : {};
  m['name'] = name;
  withName['metadata'] = m;
  const status = r.subresource === 'status';
  if (r.def.key === 'leases') {
    // kube's Lease strategy: an update of a missing Lease creates it; an update needs a resourceVersion
    if (s.store.get(r.def.key, ws.cluster, keyOfRequest(r)) === undefined)
      return createObject(s, r, withName);
    requireResourceVersion(r.def, name, strAt(objAt(withName, 'metadata'), 'resourceVersion'));
  }
  validated(r, withName, status);
  const updated = s.objects.replace(r.def, ws, keyOfRequest(r), toStorage(r, withName), { status }, 'client');
  return { code: 200, body: convert(r.def, updated, r.version), warnings: typed.warnings };
}

/** The patch formats the simulator applies (`strategic` for built-in kinds only). */
export type PatchType = 'merge' | 'json' | 'strategic';

/**
 * PATCH of an object or its status: a JSON merge patch (RFC 7386), a JSON patch (RFC 6902), or (built-in
 * kinds) a strategic merge patch.
 * @throws SimHttpError 404 for a missing object, 400 for a malformed JSON patch, 422 for one that does not
 * apply (kube-apiserver's answers).
 */
export function patchObject(s: RestServices, r: RestRequest, patch: Json, type: PatchType): RestResult {
  const ws = requireWs(r);
  const name = r.name ?? '';
  const existing = s.store.get(r.def.key, ws.cluster, keyOfRequest(r));
  if (existing === undefined) throw notFound(r.def.resource, r.def.group, name);
  const current = convert(r.def, existing, r.version);
  let patched: Json;
  if (type === 'strategic') {
    patched = strategicMergePatch(current, patch);
  } else if (type === 'merge') {
    if (!isObject(patch)) throw new SimHttpError(400, 'the body of the request must be a JSON object');
    patched = mergePatch(current, patch);
  } else {
    try {
      patched = jsonPatch(current, patch);
    } catch (e) {
      if (!(e instanceof JsonPatchError)) throw e;
      if (e.malformed) throw new SimHttpError(400, e.message);
      throw new SimHttpError(422, 'the server rejected our request due to an error in our request', {
        details: { causes: [{ reason: 'UnexpectedServerResponse', message: e.message }] },
      });
    }
  }
  if (!isObject(patched)) throw new SimHttpError(400, 'the patch did not produce an object');
  return updateObject(s, r, patched);
}

/**
 * DELETE of an object (returns the object, a Status for a Lease; with finalizers it is only marked for
 * deletion; a Namespace turns Terminating until the namespace controller has emptied it).
 */
export function deleteObject(s: RestServices, r: RestRequest): RestResult {
  const ws = requireWs(r);
  if (r.def.key === 'namespaces') {
    // kube marks the namespace Terminating; its controller deletes the content, then the namespace
    const name = r.name ?? '';
    const existing = s.store.get(r.def.key, ws.cluster, name);
    if (existing === undefined) throw notFound(r.def.resource, r.def.group, name);
    checkNamespaceDelete(name);
    // (a Namespace's finalizer is in spec.finalizers: the generic finalizer-aware delete would remove it)
    const next = clone(existing);
    meta(next)['deletionTimestamp'] ??= timestamp(s.clock);
    next['status'] = { ...(isObject(next['status']) ? next['status'] : {}), phase: 'Terminating' };
    const terminating = s.store.put(r.def.key, ws.cluster, next, 'client').object;
    return { code: 200, body: convert(r.def, terminating, r.version) };
  }
  const obj = s.objects.delete(r.def, ws, keyOfRequest(r), 'client');
  // kube answers a Lease's DELETE with a Status; CRDs (kcp's resources) and Namespaces with the object
  const body = r.def.key === 'leases' ? deletedStatus(r.def, obj) : convert(r.def, obj, r.version);
  return { code: 200, body };
}
