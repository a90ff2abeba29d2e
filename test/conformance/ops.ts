/**
 * The writes of the conformance scenarios, as plain REST calls that both backends serve the same way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { apiPath, RestError } from '../realkcp/rest.js';
import type { ConformanceBackend, Selector } from './backend.js';

/** A finalizer the scenarios put on a binding to keep it terminating. */
export const HOLD_FINALIZER = 'kcp-endpoints.test/hold';

type Obj = Record<string, unknown> & {
  metadata?: { annotations?: Record<string, string>; finalizers?: string[]; deletionTimestamp?: string };
  status?: Record<string, unknown>;
};

const apis = (ws: string, resource: string, name?: string): string =>
  apiPath(ws, 'apis.kcp.io', 'v1alpha1', resource, name);

/** Creates an APIExport (v1alpha1); returns its logical cluster (`kcp.io/cluster`). */
export async function createExport(
  b: ConformanceBackend,
  path: string,
  name: string,
  options: { skipEndpointSlice?: boolean } = {},
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
    spec: {},
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
