/**
 * The writes of the conformance scenarios, as plain REST calls that both backends serve the same way.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiPath, Rest, RestError } from '../realkcp/rest.js';
import type { ConformanceBackend, Selector } from './backend.js';

/** A finalizer the scenarios put on a binding to keep it terminating. */
export const HOLD_FINALIZER = 'kcp-endpoints.test/hold';

/** An object as the server returns it. */
export type Obj = Record<string, unknown> & {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

const apis = (ws: string, resource: string, name?: string): string =>
  apiPath(ws, 'apis.kcp.io', 'v1alpha1', resource, name);

/** Creates an APIExport (v1alpha1, every kcp version serves it); returns its logical cluster (`kcp.io/cluster`). */
export async function createExport(
  b: ConformanceBackend,
  path: string,
  name: string,
  options: { skipEndpointSlice?: boolean; latestResourceSchemas?: string[] } = {},
): Promise<string> {
  const created = await b.rest.ok<Obj>('POST', apis(path, 'apiexports'), {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIExport',
    metadata: {
      name,
      ...(options.skipEndpointSlice === true
        ? { annotations: { 'apiexports.apis.kcp.io/skip-endpointslice': 'true' } }
        : {}),
    },
    spec:
      options.latestResourceSchemas === undefined
        ? {}
        : { latestResourceSchemas: options.latestResourceSchemas },
  });
  return created.metadata?.annotations?.['kcp.io/cluster'] ?? '';
}

/** Deletes an APIExport. */
export async function deleteExport(b: ConformanceBackend, path: string, name: string): Promise<void> {
  await b.rest.ok('DELETE', apis(path, 'apiexports', name));
}

/** Creates an APIExportEndpointSlice for `export` (path may be a logical cluster name or empty). */
export async function createSlice(
  b: ConformanceBackend,
  path: string,
  name: string,
  exp: { path: string; name: string },
  partition?: string,
): Promise<void> {
  // kcp's admission checks `bind` on the export; right after the export's workspace is created the
  // authorizer may not know it yet (seen on kcp 0.27.1: 403 "no permission to bind"), so retry that
  const until = Date.now() + b.timing.reactMs;
  for (;;) {
    const r = await b.rest.send(
      'POST',
      apis(path, 'apiexportendpointslices'),
      sliceBody(name, exp, partition),
    );
    if (r.status >= 200 && r.status < 300) return;
    const message = JSON.stringify(r.body);
    if (r.status !== 403 || !message.includes('no permission to bind') || Date.now() > until) {
      throw new RestError(r.status, r.body, `POST ${apis(path, 'apiexportendpointslices')}`);
    }
    await sleep(500);
  }
}

function sliceBody(name: string, exp: { path: string; name: string }, partition?: string): unknown {
  return {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIExportEndpointSlice',
    metadata: { name },
    spec: {
      export: exp.path === '' ? { name: exp.name } : { path: exp.path, name: exp.name },
      ...(partition === undefined ? {} : { partition }),
    },
  };
}

/** Deletes an endpoint slice. */
export async function deleteSlice(b: ConformanceBackend, path: string, name: string): Promise<void> {
  await b.rest.ok('DELETE', apis(path, 'apiexportendpointslices', name));
}

/** The raw slice as the server returns it, or undefined. */
export function getSlice(b: ConformanceBackend, path: string, name: string): Promise<Obj | undefined> {
  return b.rest.find<Obj>(apis(path, 'apiexportendpointslices', name));
}

/** `status.endpoints[].url` of a slice as the server stores it. */
export async function sliceUrls(b: ConformanceBackend, path: string, name: string): Promise<string[]> {
  const s = await getSlice(b, path, name);
  const eps = (s?.status?.['endpoints'] ?? []) as Array<{ url?: string }>;
  return eps.map((e) => e.url ?? '').sort();
}

/** Sets an annotation on a slice (a slice event: kcp re-reconciles it). */
export async function annotateSlice(b: ConformanceBackend, path: string, name: string): Promise<void> {
  await b.rest.ok(
    'PATCH',
    apis(path, 'apiexportendpointslices', name),
    { metadata: { annotations: { 'kcp-endpoints.test/touched': String(Date.now()) } } },
    'application/merge-patch+json',
  );
}

/** Creates an APIBinding in `consumer` to `exp` (named like the export unless `name` is given). */
export async function bind(
  b: ConformanceBackend,
  consumer: string,
  exp: { path: string; name: string },
  name = exp.name,
): Promise<void> {
  await b.rest.ok('POST', apis(consumer, 'apibindings'), {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIBinding',
    metadata: { name },
    spec: { reference: { export: { path: exp.path, name: exp.name } } },
  });
}

/** The binding, or undefined. */
export function getBinding(b: ConformanceBackend, consumer: string, name: string): Promise<Obj | undefined> {
  return b.rest.find<Obj>(apis(consumer, 'apibindings', name));
}

/** Polls until `check` holds (or throws after the backend's reaction time). */
export async function eventually<T>(
  b: ConformanceBackend,
  what: string,
  fn: () => Promise<T>,
  check: (v: T) => boolean,
): Promise<T> {
  const until = Date.now() + b.timing.reactMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (check(last)) return last;
    if (Date.now() > until)
      throw new Error(`${what}: still not so after ${b.timing.reactMs} ms: ${JSON.stringify(last)}`);
    await sleep(b.kind === 'kcp' ? 250 : 10);
  }
}

/** Waits until a binding's phase is Bound. */
export async function waitBound(b: ConformanceBackend, consumer: string, name: string): Promise<void> {
  await eventually(
    b,
    `APIBinding ${consumer}:${name} Bound`,
    () => getBinding(b, consumer, name),
    (x) => x?.status?.['phase'] === 'Bound',
  );
}

/** Adds {@link HOLD_FINALIZER} to a binding so that a delete leaves it terminating. */
export async function holdBinding(b: ConformanceBackend, consumer: string, name: string): Promise<void> {
  const cur = await getBinding(b, consumer, name);
  const fins = cur?.metadata?.finalizers ?? [];
  await b.rest.ok(
    'PATCH',
    apis(consumer, 'apibindings', name),
    { metadata: { finalizers: [...fins.filter((f) => f !== HOLD_FINALIZER), HOLD_FINALIZER] } },
    'application/merge-patch+json',
  );
}

/** Removes {@link HOLD_FINALIZER} from a binding. */
export async function releaseBinding(b: ConformanceBackend, consumer: string, name: string): Promise<void> {
  const cur = await getBinding(b, consumer, name);
  if (cur === undefined) return;
  const fins = (cur.metadata?.finalizers ?? []).filter((f) => f !== HOLD_FINALIZER);
  await b.rest.ok(
    'PATCH',
    apis(consumer, 'apibindings', name),
    { metadata: { finalizers: fins.length === 0 ? null : fins } },
    'application/merge-patch+json',
  );
}

/** Deletes a binding (it may stay while finalizers remain). */
export async function unbind(b: ConformanceBackend, consumer: string, name: string): Promise<void> {
  await b.rest.ok('DELETE', apis(consumer, 'apibindings', name));
}

/** Waits until a binding is gone. */
export async function waitGone(b: ConformanceBackend, consumer: string, name: string): Promise<void> {
  await eventually(
    b,
    `APIBinding ${consumer}:${name} gone`,
    () => getBinding(b, consumer, name),
    (x) => x === undefined,
  );
}

const partitions = (ws: string, name?: string): string =>
  apiPath(ws, 'topology.kcp.io', 'v1alpha1', 'partitions', name);

/** Creates a Partition. */
export async function createPartition(
  b: ConformanceBackend,
  path: string,
  name: string,
  selector: Selector,
): Promise<void> {
  await b.rest.ok('POST', partitions(path), {
    apiVersion: 'topology.kcp.io/v1alpha1',
    kind: 'Partition',
    metadata: { name },
    spec: { selector },
  });
}

/** Replaces a Partition's selector (merge patch; arrays are replaced whole). */
export async function setPartitionSelector(
  b: ConformanceBackend,
  path: string,
  name: string,
  selector: Selector,
): Promise<void> {
  await b.rest.ok(
    'PATCH',
    partitions(path, name),
    { spec: { selector: { matchLabels: null, matchExpressions: null, ...selector } } },
    'application/merge-patch+json',
  );
}

/** Name of the APIResourceSchema of {@link createCowboysSchema}. */
export const COWBOYS_SCHEMA = 'today.cowboys.wildwest.dev';

/**
 * Creates the APIResourceSchema of kcp's e2e fixture (`test/e2e/virtual/apiexport/apiresourceschema_cowboys
 * .yaml` in kcp): namespaced `cowboys.wildwest.dev` v1alpha1 with `spec.intent`, `status.result` and a status
 * subresource. Real kcp prunes fields outside the schema, so the scenarios use only these two.
 */
export async function createCowboysSchema(b: ConformanceBackend, path: string): Promise<void> {
  await b.rest.ok('POST', apis(path, 'apiresourceschemas'), {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIResourceSchema',
    metadata: { name: COWBOYS_SCHEMA },
    spec: {
      group: 'wildwest.dev',
      names: { kind: 'Cowboy', listKind: 'CowboyList', plural: 'cowboys', singular: 'cowboy' },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            type: 'object',
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: { type: 'object', properties: { intent: { type: 'string' } } },
              status: { type: 'object', properties: { result: { type: 'string' } } },
            },
          },
        },
      ],
    },
  });
}

/** Path of the cowboys of namespace `default` in a workspace (or in a logical cluster under a VW URL). */
export function cowboysPath(cluster: string, name?: string): string {
  return `/clusters/${cluster}/apis/wildwest.dev/v1alpha1/namespaces/default/cowboys${name === undefined ? '' : `/${name}`}`;
}

/** A Cowboy. */
export function cowboy(name: string, intent: string): Obj {
  return {
    apiVersion: 'wildwest.dev/v1alpha1',
    kind: 'Cowboy',
    metadata: { name },
    spec: { intent },
  };
}

/**
 * Creates a Cowboy in a consumer workspace through its normal REST, retrying while the bound resource is not
 * served yet (kcp establishes the bound CRD shortly after the binding is Bound).
 */
export async function createCowboy(
  b: ConformanceBackend,
  consumer: string,
  name: string,
  intent = 'ride',
): Promise<Obj> {
  const until = Date.now() + b.timing.reactMs;
  for (;;) {
    const r = await b.rest.send('POST', cowboysPath(consumer), cowboy(name, intent));
    if (r.status === 201) return r.body as Obj;
    if ((r.status !== 404 && r.status !== 403) || Date.now() > until) {
      throw new RestError(r.status, r.body, `POST ${cowboysPath(consumer)}`);
    }
    await sleep(b.kind === 'kcp' ? 250 : 10);
  }
}

/** A REST client for a virtual-workspace URL (paths start with `/clusters/<x>`), with the admin credentials. */
export function vwRest(b: ConformanceBackend, url: string): Rest {
  return new Rest({ ...b.rest.config, base: url.replace(/\/+$/, '') });
}

/** One watch event. */
export interface WatchEvent {
  type: string;
  object: Obj;
}

/**
 * Watches `path` (with `watch=true`, the given query, and a server-side timeout) until `done` holds for the
 * events so far; resolves with them, or rejects after `ms`.
 */
export function watchUntil(
  rest: Rest,
  path: string,
  done: (events: WatchEvent[]) => boolean,
  ms: number,
): Promise<WatchEvent[]> {
  const c = rest.config;
  const sep = path.includes('?') ? '&' : '?';
  const url = new URL(`${c.base}${path}${sep}watch=true&timeoutSeconds=${Math.ceil(ms / 1000) + 5}`);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (c.token !== undefined) headers['Authorization'] = `Bearer ${c.token}`;
  const tls =
    url.protocol === 'https:'
      ? {
          ...(c.ca === undefined ? {} : { ca: c.ca }),
          ...(c.cert === undefined ? {} : { cert: c.cert }),
          ...(c.key === undefined ? {} : { key: c.key }),
        }
      : {};
  const fn = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<WatchEvent[]>((resolve, reject) => {
    const events: WatchEvent[] = [];
    let buffer = '';
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      if (error === undefined) resolve(events);
      else reject(error);
    };
    const timer = setTimeout(() => {
      finish(new Error(`watch ${path}: condition not met after ${ms} ms: ${JSON.stringify(events)}`));
    }, ms);
    const req = fn(url, { method: 'GET', headers, ...tls }, (res) => {
      if (res.statusCode !== 200) {
        finish(new Error(`watch ${path}: HTTP ${String(res.statusCode)}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let i;
        while ((i = buffer.indexOf('\n')) !== -1) {
          const line = buffer.slice(0, i).trim();
          buffer = buffer.slice(i + 1);
          if (line !== '') events.push(JSON.parse(line) as WatchEvent);
        }
        if (done(events)) finish();
      });
      res.on('end', () => {
        finish(new Error(`watch ${path} ended: ${JSON.stringify(events)}`));
      });
    });
    req.on('error', (e) => {
      finish(e);
    });
    req.end();
  });
}
