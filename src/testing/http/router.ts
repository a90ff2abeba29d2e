import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Auth } from '../harness/auth.js';
import { forbidden, unauthorized } from '../harness/auth.js';
import type { Scheduler, SimulatorClock } from '../clock.js';
import type { ChosenFault, FaultInjector } from '../harness/faults.js';
import type { JsonObject } from '../model/json.js';
import { findResource, type KcpProfile } from '../model/resources.js';
import { SimHttpError } from '../model/api-errors.js';
import { answerAccessReview, isAccessReviewPath } from './access-review.js';
import { readJsonBody } from './body.js';
import { matchVirtualWorkspace, visibleInVirtualWorkspace } from './vw.js';
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
  const discovery = discoveryDoc(deps.profile, seg);
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
  if (seg[0] !== 'apis' || seg.length < 4 || seg.length > 6) throw NOT_FOUND();
  const [, group = '', version = '', resource = '', name, subresource] = seg;
  const def = findResource(group, version, resource, deps.profile);
  if (def === undefined || (subresource !== undefined && (subresource !== 'status' || !def.hasStatus)))
    throw NOT_FOUND();
  const verb = verbOf(req.method ?? 'GET', name, url.searchParams);
  if (
    verb === 'unknown' ||
    (verb === 'create' && name !== undefined) ||
    (name === undefined && verb !== 'create' && verb !== 'list' && verb !== 'watch')
  ) {
    throw new SimHttpError(405, `the server does not allow this method on the requested resource`);
  }
  const authzResource = subresource === undefined ? def.resource : `${def.resource}/${subresource}`;
  const cluster = clusterSeg ?? 'root';
  const ws = cluster === '*' ? undefined : deps.topology.resolve(cluster);
  let visible: ((obj: JsonObject) => boolean) | undefined;
  if (vw !== undefined) {
    if (def.resource !== 'apibindings' || subresource !== undefined) throw NOT_FOUND();
    if (verb !== 'get' && verb !== 'list' && verb !== 'watch') {
      throw new SimHttpError(405, 'the virtual workspace only serves get, list and watch');
    }
    const exportWs = deps.topology.resolve(vw.exportCluster);
    if (exportWs === undefined || !deps.auth.allowed(user, exportWs.path, 'apiexports/content', verb)) {
      throw forbidden(user, verb, 'apiexports/content', 'apis.kcp.io', vw.exportName);
    }
    if (cluster !== '*' && (ws === undefined || cluster.includes(':'))) throw NOT_FOUND();
    visible = (obj) => visibleInVirtualWorkspace(deps.topology, vw, obj);
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
    throw forbidden(user, verb, authzResource, def.group, name);
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
    name,
    subresource,
    query: url.searchParams,
    canBind: (p) => deps.auth.allowed(user, p, 'apiexports', 'bind'),
    visible,
  };
  let result: rest.RestResult;
  switch (verb) {
    case 'watch':
      deps.watches.open(res, {
        def,
        version,
        cluster: r.cluster,
        filters: { ...parseFilters(url.searchParams), visible },
        resourceVersion: url.searchParams.get('resourceVersion') ?? undefined,
        bookmarks: url.searchParams.get('allowWatchBookmarks') === 'true',
        timeoutSeconds: intParam(url.searchParams, 'timeoutSeconds'),
        fault,
      });
      return;
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
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
      if (type !== 'application/merge-patch+json') {
        throw new SimHttpError(
          415,
          `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json`,
        );
      }
      const body = await readJsonBody(req);
      result = deps.scheduler.batch(() => rest.patchObject(deps, r, body));
      break;
    }
    default:
      await readJsonBody(req).catch(() => ({}));
      result = deps.scheduler.batch(() => rest.deleteObject(deps, r));
  }
  sendJson(res, result.code, result.body);
}

function discoveryDoc(profile: KcpProfile, seg: string[]): JsonObject | undefined {
  const p = seg.join('/');
  if (p === 'api') return coreVersionsDoc();
  if (p === 'apis') return groupListDoc(profile);
  if (seg[0] === 'apis' && seg.length === 2) return apiGroupDoc(seg[1] ?? '', profile);
  if (seg[0] === 'apis' && seg.length === 3) return resourceListDoc(seg[1] ?? '', seg[2] ?? '', profile);
  if (p === 'openapi/v3') return openApiIndex(profile);
  if (seg[0] === 'openapi' && seg[1] === 'v3' && seg[2] === 'apis' && seg.length === 5) {
    return openApiGroupVersion(seg[3] ?? '', seg[4] ?? '', profile);
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
