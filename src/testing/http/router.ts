import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Auth } from '../harness/auth.js';
import { forbidden, forbiddenPath, unauthorized } from '../harness/auth.js';
import type { Scheduler, SimulatorClock } from '../clock.js';
import type { ChosenFault, FaultInjector } from '../harness/faults.js';
import type { JsonObject } from '../model/json.js';
import type { WorkspaceInfo } from '../model/topology.js';
import { boundDefinitions, findDefinition } from '../model/bound.js';
import { RESOURCES, type KcpProfile, type ResourceDef } from '../model/resources.js';
import { SimHttpError } from '../model/api-errors.js';
import { KUBE_RESOURCES } from '../model/kube.js';
import { answerAccessReview, isAccessReviewPath } from './access-review.js';
import { readJson, readJsonBody } from './body.js';
import {
  matchVirtualWorkspace,
  authorizeVirtualWorkspace,
  openVirtualWorkspace,
  visibilityInVirtualWorkspace,
  vwNotFound,
  type ServeWindow,
  type VirtualWorkspaceResourceRequest,
} from './vw.js';
import { apiGroupDoc, coreVersionsDoc, groupListDoc, resourceListDoc, versionDoc } from './discovery.js';
import { openApiGroupVersion, openApiIndex } from './openapi.js';
import { parseFilters, intParam } from './query.js';
import { sendError, sendJson } from './respond.js';
import * as rest from './rest.js';
import type { WatchHub } from './watch.js';

/** Everything the router needs. */
export interface RouterDeps extends rest.RestServices {
  auth: Auth;
  faults: FaultInjector;
  watches: WatchHub;
  scheduler: Scheduler;
  clock: SimulatorClock;
  profile: KcpProfile;
  /** Sockets held open by `stall` faults, destroyed on close. */
  stalled: Set<ServerResponse>;
  /** The simulator's base URL (known once listening). */
  baseUrl: () => string;
  /** Requests without credentials act as the admin. */
  anonymousAdmin: boolean;
  /** The "not serving yet" window of virtual-workspace URLs. */
  serveWindow: ServeWindow;
}

const NOT_FOUND = (): SimHttpError =>
  new SimHttpError(404, 'the server could not find the requested resource');

function verbOf(method: string, name: string | undefined, query: URLSearchParams): string {
  switch (method) {
    case 'GET': {
      if (name !== undefined) return 'get';
      const w = query.get('watch');
      return w === 'true' || w === '1' ? 'watch' : 'list';
    }
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return 'unknown';
  }
}

/** Creates the request handler of a simulator. Never throws; every error becomes a `Status`. */
export function createRouter(deps: RouterDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      sendError(res, error);
    });
  };
}

function applyFault(deps: RouterDeps, fault: ChosenFault, res: ServerResponse, isWatch: boolean): boolean {
  switch (fault.kind) {
    case 'http': {
      const code = fault.status ?? 500;
      const retry = code === 429 || code === 503 ? (fault.retryAfterSeconds ?? 1) : fault.retryAfterSeconds;
      const message =
        code === 410
          ? 'too old resource version: injected (fault)'
          : code === 429
            ? 'Too many requests, please try again later.'
            : `injected fault: HTTP ${code}`;
      throw new SimHttpError(code, message, retry === undefined ? {} : { retryAfterSeconds: retry });
    }
    case 'stall': {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.flushHeaders();
      deps.stalled.add(res);
      res.on('close', () => deps.stalled.delete(res));
      if (fault.stallMs !== undefined) {
        const t = deps.clock.setTimeout(() => res.socket?.destroy(), fault.stallMs);
        res.on('close', () => {
          deps.clock.clearTimeout(t);
        });
      }
      return true;
    }
    case 'drop':
      if (isWatch) return false;
      res.socket?.destroy();
      return true;
    default:
      return false;
  }
}

/** A parsed resource path: `/apis/<group>/<version>[/namespaces/<ns>]/<resource>[/<name>[/<subresource>]]`. */
interface ResourcePath {
  group: string;
  version: string;
  namespace: string | undefined;
  resource: string;
  name: string | undefined;
  subresource: string | undefined;
}

function parseResourcePath(seg: readonly string[]): ResourcePath | undefined {
  let group: string;
  let version: string;
  let rest: string[];
  if (seg[0] === 'apis' && seg.length >= 4) {
    group = seg[1] ?? '';
    version = seg[2] ?? '';
    rest = seg.slice(3);
  } else if (seg[0] === 'api' && seg.length >= 3) {
    // the core group: /api/v1/…
    group = '';
    version = seg[1] ?? '';
    rest = seg.slice(2);
  } else return undefined;
  let namespace: string | undefined;
  const namespaceSubresource =
    group === '' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize');
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSubresource) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length > 3) return undefined;
  const [resource = '', name, subresource] = rest;
  return { group, version, namespace, resource, name, subresource };
}

/** The resources bound in the workspace a non-virtual-workspace address names (none for `*`). */
function workspaceBoundDefs(deps: RouterDeps, clusterSeg: string | undefined): ResourceDef[] {
  const ws = clusterSeg === undefined || clusterSeg === '*' ? undefined : deps.topology.resolve(clusterSeg);
  return ws === undefined ? [] : boundDefinitions(deps.store, ws.cluster);
}

async function handle(deps: RouterDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sim.invalid');
  const vw = matchVirtualWorkspace(deps.store, deps.baseUrl(), url.pathname);
  let path = vw?.rest ?? url.pathname;
  let clusterSeg: string | undefined;
  const cm = /^\/clusters\/([^/]+)(\/.*)?$/.exec(path);
  if (cm !== null) {
    clusterSeg = safeDecode(cm[1] ?? '');
    path = cm[2] ?? '/';
  }
  if (path === '/version' || path === '/version/') {
    sendJson(res, 200, versionDoc(deps.profile));
    return;
  }
  if (path === '/healthz' || path === '/readyz' || path === '/livez') {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    return;
  }
  const header = req.headers.authorization;
  const user = header === undefined && deps.anonymousAdmin ? 'kcp-admin' : deps.auth.authenticate(header);
  if (user === undefined) throw unauthorized();
  const seg = path.split('/').filter((s) => s !== '');
  const method = req.method ?? 'GET';
  const rp = parseResourcePath(seg);
  const vwReq =
    vw === undefined ? undefined : { user, method, path: url.pathname, cluster: clusterSeg ?? '*' };
  // what the address serves: a virtual workspace's API set, or kcp's own resources and (computed only when
  // needed: discovery, or a group kcp does not serve) those bound in the workspace
  let vwDefs: ResourceDef[] | undefined;
  if (vw !== undefined && vwReq !== undefined) {
    const verb = rp === undefined ? 'get' : verbOf(method, rp.name, url.searchParams);
    vwDefs = openVirtualWorkspace(deps, vw, vwReq, verb, () =>
      rp === undefined
        ? forbiddenPath(user, method.toLowerCase(), url.pathname, 'access denied')
        : forbidden(user, verb, rp.resource, rp.group, rp.name, { namespace: rp.namespace }),
    );
  }
  const allDefs = (): ResourceDef[] =>
    vwDefs ?? [...RESOURCES, ...KUBE_RESOURCES, ...workspaceBoundDefs(deps, clusterSeg)];
  const discovery = discoveryDoc(deps.profile, seg, allDefs, vw !== undefined);
  if (discovery !== undefined) {
    const fault = deps.faults.take({
      verb: 'get',
      resource: undefined,
      cluster: clusterSeg,
      path: url.pathname,
      isResource: false,
    });
    if (fault !== undefined && applyFault(deps, fault, res, false)) return;
    sendJson(res, 200, discovery);
    return;
  }
  if (isAccessReviewPath(seg) && vw === undefined) {
    await answerAccessReview(deps, req, res, user, clusterSeg ?? 'root');
    return;
  }
  // in a virtual workspace, what no handler serves reaches kcp's plain-text 404 (see vw.ts)
  if (rp === undefined) throw vw === undefined ? NOT_FOUND() : vwNotFound();
  const { name, subresource, version } = rp;
  const verb = verbOf(method, name, url.searchParams);
  let vwResource: VirtualWorkspaceResourceRequest | undefined;
  let vwWorkspace: WorkspaceInfo | undefined;
  if (vwReq !== undefined && vw !== undefined) {
    vwResource = { ...vwReq, ...rp, verb };
    vwWorkspace = authorizeVirtualWorkspace(deps, vw, vwResource);
  }
  const def =
    vwDefs === undefined
      ? (findDefinition(RESOURCES, deps.profile, rp) ??
        findDefinition(KUBE_RESOURCES, deps.profile, rp) ??
        findDefinition(workspaceBoundDefs(deps, clusterSeg), deps.profile, rp))
      : findDefinition(vwDefs, deps.profile, rp);
  if (def === undefined && vw !== undefined) throw vwNotFound();
  if (
    def === undefined ||
    (rp.subresource !== undefined && (rp.subresource !== 'status' || !def.hasStatus)) ||
    (rp.namespace !== undefined && !def.namespaced) ||
    (def.namespaced && rp.namespace === undefined && rp.name !== undefined)
  ) {
    throw NOT_FOUND();
  }
  if (def.namespaced && rp.namespace === undefined && method === 'POST') {
    // the collection of every namespace serves list and watch only
    throw new SimHttpError(405, `the server does not allow this method on the requested resource`);
  }
  if (
    verb === 'unknown' ||
    (verb === 'create' && name !== undefined) ||
    (name === undefined && verb !== 'create' && verb !== 'list' && verb !== 'watch')
  ) {
    throw new SimHttpError(405, `the server does not allow this method on the requested resource`);
  }
  const authzResource = subresource === undefined ? def.resource : `${def.resource}/${subresource}`;
  const cluster = clusterSeg ?? 'root';
  let ws = cluster === '*' ? undefined : deps.topology.resolve(cluster);
  let visible: ((obj: JsonObject) => boolean) | undefined;
  if (vw !== undefined && vwResource !== undefined) {
    ws = vwWorkspace;
    visible = visibilityInVirtualWorkspace(deps, vw, def, vwResource);
  } else if (cluster === '*') {
    if (verb !== 'list' && verb !== 'watch') throw forbidden(user, verb, authzResource, def.group, name);
    if (!deps.auth.allowed(user, '*', authzResource, verb))
      throw forbidden(user, verb, authzResource, def.group, name);
  } else if (ws === undefined) {
    throw new SimHttpError(
      403,
      `${def.resource}.${def.group} is forbidden: User "${user}" cannot ${verb} resource "${authzResource}" in API group "${def.group}" at the cluster scope: workspace access not permitted`,
    );
  } else if (!deps.auth.allowed(user, ws.path, authzResource, verb)) {
    throw forbidden(user, verb, authzResource, def.group, name, { namespace: rp.namespace });
  }
  const fault = deps.faults.take({
    verb,
    resource: def.resource,
    cluster: clusterSeg,
    path: url.pathname,
    isResource: true,
  });
  if (fault !== undefined && applyFault(deps, fault, res, verb === 'watch')) return;
  const r: rest.RestRequest = {
    def,
    version,
    ws,
    cluster: ws?.cluster ?? '*',
    namespace: rp.namespace,
    name,
    subresource,
    query: url.searchParams,
    canBind: (p) => deps.auth.allowed(user, p, 'apiexports', 'bind'),
    visible,
  };
  let result: rest.RestResult;
  switch (verb) {
    case 'watch': {
      const filters = parseFilters(url.searchParams);
      deps.watches.open(res, {
        def,
        version,
        cluster: r.cluster,
        filters: { ...filters, namespace: rp.namespace ?? filters.namespace, visible },
        resourceVersion: url.searchParams.get('resourceVersion') ?? undefined,
        bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
        timeoutSeconds: intParam(url.searchParams, 'timeoutSeconds'),
        fault,
      });
      return;
    }
    case 'list':
      result = rest.listObjects(deps, r);
      break;
    case 'get':
      result = rest.getObject(deps, r);
      break;
    case 'create': {
      const body = await readJsonBody(req);
      result = deps.scheduler.batch(() => rest.createObject(deps, r, body));
      break;
    }
    case 'update': {
      const body = await readJsonBody(req);
      result = deps.scheduler.batch(() => rest.updateObject(deps, r, body));
      break;
    }
    case 'patch': {
      const type = patchTypeOf(req.headers['content-type'], def);
      const body = await readJson(req);
      result = deps.scheduler.batch(() => rest.patchObject(deps, r, body, type));
      break;
    }
    default:
      await readJson(req).catch(() => ({}));
      result = deps.scheduler.batch(() => rest.deleteObject(deps, r));
  }
  const warnings = result.warnings?.map((w) => `299 - ${JSON.stringify(w)}`);
  sendJson(res, result.code, result.body, warnings === undefined ? {} : { Warning: warnings });
}

/**
 * The patch type of a PATCH request.
 * @throws SimHttpError 415 for other types (server-side apply is not supported; strategic merge patch only
 * for kube's built-in kinds, like kube-apiserver, which refuses it for custom resources).
 */
function patchTypeOf(contentType: string | undefined, def: ResourceDef): rest.PatchType {
  const type = (contentType ?? '').split(';')[0]?.trim() ?? '';
  if (type === 'application/merge-patch+json') return 'merge';
  if (type === 'application/json-patch+json') return 'json';
  const builtin = def.builtin === true;
  if (builtin && type === 'application/strategic-merge-patch+json') return 'strategic';
  throw new SimHttpError(
    415,
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json${builtin ? ', application/strategic-merge-patch+json' : ''}`,
  );
}

function discoveryDoc(
  profile: KcpProfile,
  seg: string[],
  served: () => readonly ResourceDef[],
  virtual: boolean,
): JsonObject | undefined {
  const p = seg.join('/');
  const isDiscovery =
    p === 'api' ||
    (seg[0] === 'api' && seg.length === 2) ||
    (seg[0] === 'apis' && seg.length <= 3) ||
    (!virtual && seg[0] === 'openapi' && seg[1] === 'v3');
  if (!isDiscovery) return undefined;
  const defs = served();
  // a virtual workspace serves no legacy core group (`/api` is 404 here; see vw.ts for what kcp answers)
  // and no OpenAPI documents
  if (p === 'api') return virtual ? undefined : coreVersionsDoc(defs, profile);
  if (seg[0] === 'api' && seg.length === 2) {
    return virtual ? undefined : resourceListDoc('', seg[1] ?? '', defs, profile);
  }
  if (p === 'apis') return groupListDoc(defs, profile);
  if (seg[0] === 'apis' && seg.length === 2) return apiGroupDoc(seg[1] ?? '', defs, profile);
  if (seg[0] === 'apis' && seg.length === 3)
    return resourceListDoc(seg[1] ?? '', seg[2] ?? '', defs, profile);
  if (virtual) return undefined;
  if (p === 'openapi/v3') return openApiIndex(defs, profile);
  if (seg[0] === 'openapi' && seg[1] === 'v3' && seg[2] === 'apis' && seg.length === 5) {
    return openApiGroupVersion(seg[3] ?? '', seg[4] ?? '', defs, profile);
  }
  if (seg[0] === 'openapi' && seg[1] === 'v3' && seg[2] === 'api' && seg.length === 4) {
    return openApiGroupVersion('', seg[3] ?? '', defs, profile);
  }
  return undefined;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new SimHttpError(400, `malformed URL segment "${text}"`);
  }
}
