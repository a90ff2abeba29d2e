import { splitServerUrl, type ServerUrlParts } from '../config/server-url.js';
import { InvalidArgumentError } from '../errors.js';

export { splitServerUrl, type ServerUrlParts };
import type { ResourceDescriptor } from '../kcp/resource.js';

/** Query parameters the transport sends (Kubernetes list/watch options). */
export interface QueryParams {
  fieldSelector?: string | undefined;
  labelSelector?: string | undefined;
  resourceVersion?: string | undefined;
  allowWatchBookmarks?: boolean | undefined;
  timeoutSeconds?: number | undefined;
  limit?: number | undefined;
  continue?: string | undefined;
  watch?: boolean | undefined;
}

const QUERY_ORDER = [
  'fieldSelector',
  'labelSelector',
  'resourceVersion',
  'allowWatchBookmarks',
  'timeoutSeconds',
  'limit',
  'continue',
  'watch',
] as const;

/** Percent-encodes a cluster path or name for a URL segment, keeping `:` and `*` literal as kubectl does. */
export function encodeCluster(cluster: string): string {
  return encodeURIComponent(cluster).replace(/%3A/gi, ':').replace(/%2A/gi, '*');
}

/**
 * The URL of `rest` (a path starting with `/`, e.g. `/apis/…`) in logical cluster `cluster` on `server`.
 * An existing `/clusters/<x>` segment in `server` is replaced, never doubled.
 * @throws InvalidArgumentError for an invalid server URL or an empty cluster.
 */
export function clusterUrl(server: string, cluster: string, rest = ''): string {
  if (cluster === '') throw new InvalidArgumentError('Invalid cluster: it is empty', 'cluster');
  const parts = splitServerUrl(server);
  const path = rest === '' || rest.startsWith('/') || rest.startsWith('?') ? rest : `/${rest}`;
  return `${parts.baseUrl}/clusters/${encodeCluster(cluster)}${parts.suffix ?? ''}${path}`;
}

/** Where in a resource an object call goes, besides its name. */
export interface ObjectPlace {
  /** The namespace of a namespaced object (or of a namespaced collection). */
  namespace?: string | undefined;
  /** A subresource of the object, e.g. `status`. */
  subresource?: string | undefined;
}

/**
 * The path of a resource collection or object: `/apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>[/<sub>]]`
 * (`/api/<version>/…` for the core group).
 */
export function resourcePath(
  desc: ResourceDescriptor<unknown>,
  name?: string,
  place: ObjectPlace = {},
): string {
  const e = encodeURIComponent;
  const prefix = desc.group === '' ? `/api/${e(desc.version)}` : `/apis/${e(desc.group)}/${e(desc.version)}`;
  const ns = place.namespace === undefined ? '' : `/namespaces/${e(place.namespace)}`;
  const collection = `${prefix}${ns}/${e(desc.plural)}`;
  if (name === undefined) return collection;
  const sub = place.subresource === undefined ? '' : `/${e(place.subresource)}`;
  return `${collection}/${e(name)}${sub}`;
}

/** Encodes Kubernetes query parameters in a stable order; undefined values are left out. */
export function buildQuery(params: QueryParams): string {
  const q = new URLSearchParams();
  for (const key of QUERY_ORDER) {
    const value = params[key];
    if (value === undefined) continue;
    q.set(key, String(value));
  }
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/** Full URL of a resource collection or object in `cluster`, with optional query parameters. */
export function resourceUrl(
  server: string,
  desc: ResourceDescriptor<unknown>,
  cluster: string,
  name?: string,
  query: QueryParams = {},
  place: ObjectPlace = {},
): string {
  return clusterUrl(server, cluster, resourcePath(desc, name, place) + buildQuery(query));
}
