import { CLUSTER_ANNOTATION } from '../../kcp/meta.js';
import type { SimulatorClock } from '../clock.js';
import { refOf, resolveRef } from '../controllers/context.js';
import { exportUrl } from '../controllers/slices.js';
import { forbidden, forbiddenPath, type Auth } from '../harness/auth.js';
import { SimHttpError } from '../model/api-errors.js';
import { bindingOfExport, exportedDefinitions } from '../model/bound.js';
import { arrAt, isObject, objAt, strAt, type JsonObject } from '../model/json.js';
import { resourceDef, type KcpProfile, type ResourceDef } from '../model/resources.js';
import type { Store, StoreEvent } from '../model/store.js';
import type { Topology, WorkspaceInfo } from '../model/topology.js';

// The APIExport virtual workspace as kcp serves it (read in kcp v0.26.1–v0.28.0 and main):
// - pkg/virtual/apiexport/builder/build.go: `digestUrl` accepts `/clusters/*` or a single logical cluster
//   name; a multi-segment workspace path is not resolved by any virtual workspace, so the request reaches
//   the root handler chain, whose authorizer (pkg/virtual/framework/authorization/authorizer.go) has no
//   opinion ("Path not resolved to a valid virtual workspace") and the request is refused with 403.
// - pkg/virtual/apiexport/authorizer/content.go: every request needs the request's verb on
//   `apiexports/content` (resourceNames = export) in the export's workspace.
// - pkg/virtual/apiexport/authorizer/binding.go (kcp ≥ 0.27): a concrete cluster needs an APIBinding to the
//   export (`spec.reference.export.name` and `status.apiExportClusterName`) in that cluster, and the resource
//   among its `status.boundResources`; APIBindings themselves are readable but never writable; everything
//   else is denied. The decorator in build.go anonymizes the reason to "access denied".
// - pkg/virtual/apiexport/controllers/apireconciler/apiexport_apireconciler_reconcile.go: the API set of an
//   export (its exported resources, plus `apibindings` v1alpha1 and, from 0.28, v1alpha2) exists once the
//   export has an identity hash; without it, or for an unknown resource, the handler falls through to 404
//   (pkg/virtual/framework/dynamic/apiserver/handler.go and discovery.go). That 404 is the delegate's: the
//   virtual-workspace servers are chained on `genericapiserver.NewEmptyDelegate()` (pkg/server/virtual.go), so
//   it ends in Go's `http.NotFoundHandler()`, a plain-text `404 page not found`, not a Status. The same
//   delegate answers discovery of a group or group/version the API set lacks.
// - Discovery under `/clusters/*` or `/clusters/<logical cluster>` (discovery.go): `/apis` is an APIGroupList
//   of the API set, `/apis/<group>` an APIGroup, `/apis/<group>/<version>` an APIResourceList (with
//   `<plural>/status` for a status subresource). Discovery is a non-resource request: it needs `get` on `apiexports/content`, and the binding authorizer
//   (authorizer/binding.go) skips it, so a concrete cluster needs no binding. Not modelled: kcp's dynamic
//   apiserver also installs the generic legacy `/api` handler (`APIVersions` with `versions: ["v1"]`) and
//   OpenAPI v3; here `/api` is a 404, which keeps kubectl from asking for a core group the set lacks.
// - pkg/virtual/apiexport/builder/forwarding.go and pkg/virtual/framework/forwardingregistry/store.go:
//   wildcard list/watch goes to the shard across all its logical clusters (objects stored under the
//   export's identity); a wildcard list scoped to a namespace is a 400; APIBindings are served read-only,
//   filtered by the export label.

/** kcp's 404 where the virtual workspace has no handler (no API set, an API it does not serve): plain text. */
export function vwNotFound(): SimHttpError {
  return new SimHttpError(404, '404 page not found', { text: '404 page not found\n' });
}

/** A request addressed to an APIExport virtual workspace served by the simulator. */
export interface VirtualWorkspaceTarget {
  /** Shard whose `virtualWorkspaceURL` the request used. */
  shard: string;
  /** That shard's `virtualWorkspaceURL` (absolute, without a trailing slash). */
  shardUrl: string;
  /** Logical cluster name of the export. */
  exportCluster: string;
  /** Export name. */
  exportName: string;
  /** The rest of the path, starting with `/clusters/<x>`. */
  rest: string;
}

const VW_RE = /^(.*?)\/services\/apiexport\/([^/]+)\/([^/]+)(\/clusters\/[^/]+(?:\/.*)?)$/;

/**
 * Recognises `<shard VW URL>/services/apiexport/<cluster>/<export>/clusters/<x>/…` for shards whose
 * `virtualWorkspaceURL` points at this simulator (the root shard's does).
 */
export function matchVirtualWorkspace(
  store: Store,
  baseUrl: string,
  path: string,
): VirtualWorkspaceTarget | undefined {
  const m = VW_RE.exec(path);
  if (m === null) return undefined;
  const want = `${baseUrl}${m[1] ?? ''}`.replace(/\/+$/, '');
  const shard = store
    .list('shards', 'root')
    .find((s) => (strAt(objAt(s, 'spec'), 'virtualWorkspaceURL') ?? '').replace(/\/+$/, '') === want);
  if (shard === undefined) return undefined;
  return {
    shard: strAt(objAt(shard, 'metadata'), 'name') ?? '',
    shardUrl: want,
    exportCluster: m[2] ?? '',
    exportName: m[3] ?? '',
    rest: m[4] ?? '',
  };
}

/** True when an APIBinding is visible in the virtual workspace: it binds that export and lives on that shard. */
export function visibleInVirtualWorkspace(
  topology: Topology,
  vw: VirtualWorkspaceTarget,
  binding: JsonObject,
): boolean {
  const cluster = clusterOf(binding);
  const ref = resolveRef(topology, cluster, refOf(binding));
  return (
    ref.cluster === vw.exportCluster &&
    ref.name === vw.exportName &&
    topology.resolve(cluster)?.shard === vw.shard
  );
}

function clusterOf(obj: JsonObject): string {
  return strAt(objAt(objAt(obj, 'metadata'), 'annotations'), CLUSTER_ANNOTATION) ?? '';
}

/** APIBindings as every export's virtual workspace serves them: read-only, without a status subresource. */
function vwBindingsDef(): ResourceDef {
  return { ...resourceDef('apibindings'), hasStatus: false, verbs: ['get', 'list', 'watch'] };
}

/**
 * What an export's virtual workspace serves: its exported resources and APIBindings (v1alpha1, and v1alpha2
 * on kcp ≥ 0.28 through the profile), or `undefined` while kcp has no API set for it (no export, or no
 * identity hash yet).
 */
export function virtualWorkspaceDefs(store: Store, vw: VirtualWorkspaceTarget): ResourceDef[] | undefined {
  const exported = exportedDefinitions(store, vw.exportCluster, vw.exportName);
  return exported === undefined ? undefined : [...exported, vwBindingsDef()];
}

/**
 * The "not serving yet" window: with a delay, a virtual-workspace URL answers 404 (what kcp answers while
 * its virtual workspace has no API set for the export: {@link vwNotFound}) for `delayMs` after it first appears in a slice's
 * `status.endpoints` or an export's `status.virtualWorkspaces`.
 */
export class ServeWindow {
  private readonly readyAt = new Map<string, number>();
  private readonly clock: SimulatorClock;
  private readonly delayMs: number;

  constructor(clock: SimulatorClock, delayMs: number) {
    this.clock = clock;
    this.delayMs = Math.max(0, delayMs);
  }

  /** Records the publication time of every URL a committed slice or export lists. */
  observe(event: StoreEvent): void {
    if (this.delayMs === 0 || event.type === 'DELETED') return;
    const status = objAt(event.object, 'status');
    let entries;
    if (event.resource === 'apiexportendpointslices') entries = arrAt(status, 'endpoints');
    else if (event.resource === 'apiexports') entries = arrAt(status, 'virtualWorkspaces');
    else return;
    for (const e of entries ?? []) {
      const url = isObject(e) ? strAt(e, 'url') : undefined;
      if (url === undefined) continue;
      const key = url.replace(/\/+$/, '');
      if (!this.readyAt.has(key)) this.readyAt.set(key, this.clock.now() + this.delayMs);
    }
  }

  /** False while the URL is inside its window. */
  serving(url: string): boolean {
    const at = this.readyAt.get(url);
    return at === undefined || this.clock.now() >= at;
  }
}

/** What the virtual-workspace gate needs. */
export interface VirtualWorkspaceDeps {
  store: Store;
  topology: Topology;
  auth: Auth;
  profile: KcpProfile;
  serveWindow: ServeWindow;
}

/** One request to a virtual workspace, as the gate sees it. */
export interface VirtualWorkspaceRequest {
  user: string;
  /** HTTP method (for the non-resource 403). */
  method: string;
  /** Path as requested (for the non-resource 403). */
  path: string;
  /** The `/clusters/<x>` segment. */
  cluster: string;
}

/** The URL of the virtual workspace a request addresses. */
function urlOf(vw: VirtualWorkspaceTarget): string {
  return exportUrl(vw.shardUrl, vw.exportCluster, vw.exportName);
}

/**
 * Checks what kcp checks before any handler runs, and returns the resources served: the "not serving yet"
 * window (404), the cluster segment (a workspace path → 403, as no virtual workspace resolves it),
 * `apiexports/content` in the export's workspace (403), and that kcp has an API set for the export (404).
 * Both 404s are kcp's plain-text one ({@link vwNotFound}).
 * @throws SimHttpError
 */
export function openVirtualWorkspace(
  deps: VirtualWorkspaceDeps,
  vw: VirtualWorkspaceTarget,
  req: VirtualWorkspaceRequest,
  contentVerb: string,
  attributes: () => SimHttpError,
): ResourceDef[] {
  if (!deps.serveWindow.serving(urlOf(vw))) throw vwNotFound();
  if (req.cluster !== '*' && req.cluster.includes(':')) {
    throw forbiddenPath(
      req.user,
      req.method.toLowerCase(),
      req.path,
      'Path not resolved to a valid virtual workspace',
    );
  }
  const exportWs = deps.topology.resolve(vw.exportCluster);
  if (
    exportWs === undefined ||
    !deps.auth.allowed(req.user, exportWs.path, 'apiexports/content', contentVerb)
  ) {
    throw attributes();
  }
  const defs = virtualWorkspaceDefs(deps.store, vw);
  if (defs === undefined) throw vwNotFound();
  return defs;
}

/** A resource request to a virtual workspace, after {@link openVirtualWorkspace}. */
export interface VirtualWorkspaceResourceRequest extends VirtualWorkspaceRequest {
  verb: string;
  group: string;
  resource: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

const READ_VERBS = new Set(['get', 'list', 'watch']);

/**
 * Authorizes a resource request to a virtual workspace as kcp's bound-API authorizer does (before any
 * handler, so before an unknown resource is a 404): a concrete logical cluster on this shard needs a binding
 * to the export that has bound the resource; APIBindings (group `apis.kcp.io`) are readable with a binding
 * but never writable; anything else is 403. `/clusters/*` passes. On kcp 0.26, which has no such authorizer,
 * the request is forwarded into the consumer workspace, which does not serve an unbound resource (404), and
 * APIBindings are read-only storage (405). Returns the consumer workspace (`undefined` for `*`).
 * @throws SimHttpError
 */
export function authorizeVirtualWorkspace(
  deps: VirtualWorkspaceDeps,
  vw: VirtualWorkspaceTarget,
  req: VirtualWorkspaceResourceRequest,
): WorkspaceInfo | undefined {
  if (req.cluster === '*') return undefined;
  const isBindings = req.group === 'apis.kcp.io' && req.resource === 'apibindings';
  const found = deps.topology.resolve(req.cluster);
  // the shard's informers only know its own logical clusters
  const ws = found?.shard === vw.shard ? found : undefined;
  const binding =
    ws === undefined ? undefined : bindingOfExport(deps.store, ws.cluster, vw.exportCluster, vw.exportName);
  const bound = boundHere(binding, req.group, req.resource);
  if (deps.profile === '0.26') {
    if (ws === undefined || (!isBindings && !bound)) {
      throw new SimHttpError(404, 'the server could not find the requested resource');
    }
    if (isBindings && !READ_VERBS.has(req.verb)) {
      throw new SimHttpError(
        405,
        `${req.verb} is not supported on resources of kind "${req.resource}.${req.group}"`,
      );
    }
    return ws;
  }
  if (ws === undefined || binding === undefined || (isBindings ? !READ_VERBS.has(req.verb) : !bound)) {
    throw forbidden(
      req.user,
      req.verb,
      req.subresource === undefined ? req.resource : `${req.resource}/${req.subresource}`,
      req.group,
      req.name,
      { namespace: req.namespace },
    );
  }
  return ws;
}

/**
 * What a virtual-workspace request may see, once its resource is known: `/clusters/*` lists and watches the
 * objects of every consumer on this shard (other verbs: 405, as kcp's wildcard guard answers; a namespace:
 * 400); APIBindings are those that bind the export, on this shard.
 * @throws SimHttpError
 */
export function visibilityInVirtualWorkspace(
  deps: VirtualWorkspaceDeps,
  vw: VirtualWorkspaceTarget,
  def: ResourceDef,
  req: VirtualWorkspaceResourceRequest,
): ((obj: JsonObject) => boolean) | undefined {
  const isBindings = def.key === 'apibindings';
  if (req.cluster === '*') {
    if (req.verb !== 'list' && req.verb !== 'watch') {
      throw new SimHttpError(
        405,
        `${req.verb} is not supported on resources of kind "${def.resource}.${def.group}" in the \`*\` logical cluster`,
      );
    }
    if (def.namespaced && req.namespace !== undefined) {
      throw new SimHttpError(
        400,
        `cross-cluster LIST and WATCH are required to be cross-namespace, not scoped to namespace ${req.namespace}`,
      );
    }
    if (!isBindings) return (obj) => deps.topology.resolve(clusterOf(obj))?.shard === vw.shard;
  }
  return isBindings ? (obj) => visibleInVirtualWorkspace(deps.topology, vw, obj) : undefined;
}

/** True when a binding lists `<group>/<resource>` in `status.boundResources`. */
function boundHere(binding: JsonObject | undefined, group: string, resource: string): boolean {
  return (arrAt(objAt(binding, 'status'), 'boundResources') ?? []).some(
    (b) => isObject(b) && b['group'] === group && b['resource'] === resource,
  );
}
