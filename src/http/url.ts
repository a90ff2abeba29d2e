import { InvalidArgumentError } from '../errors.js';
import type { ResourceDescriptor } from '../kcp/resource.js';

/** A server URL split into its base and the logical cluster it already targets (if any). */
export interface ServerUrlParts {
  /** Scheme, host, port and any path prefix before `/clusters/<x>`, without a trailing slash. */
  baseUrl: string;
  /** The decoded `<x>` of a `/clusters/<x>` segment in the server URL, when there is one. */
  cluster?: string;
  /** Path after the `/clusters/<x>` segment (rare; kept when retargeting), without a trailing slash. */
  suffix?: string;
}

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

function parseServer(server: string): URL {
  try {
    const url = new URL(server);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('unsupported scheme');
    return url;
  } catch {
    throw new InvalidArgumentError(
      `Invalid server URL ${JSON.stringify(server)}: expected an absolute http(s) URL such as "https://host:6443" or "https://host:6443/clusters/root"`,
      'server',
    );
  }
}

/**
 * Splits a server URL into its base and the `/clusters/<x>` segment it may carry (kcp kubeconfigs look like
 * `https://host:6443/clusters/root`; a path prefix before `/clusters` is kept in the base).
 * @throws InvalidArgumentError when the URL is not http(s) or has more than one `/clusters/<x>` segment.
 */
export function splitServerUrl(server: string): ServerUrlParts {
  const url = parseServer(server);
  const nonEmpty = url.pathname.split('/').filter((s) => s !== '');
  const hits: number[] = [];
  nonEmpty.forEach((s, i) => {
    if (s === 'clusters' && i + 1 < nonEmpty.length) hits.push(i);
  });
  if (hits.length > 1) {
    throw new InvalidArgumentError(
      `Invalid server URL ${JSON.stringify(server)}: it has more than one "/clusters/<name>" segment`,
      'server',
    );
  }
  const origin = url.origin;
  const [hit] = hits;
  if (hit === undefined) {
    const path = nonEmpty.join('/');
    return { baseUrl: path === '' ? origin : `${origin}/${path}` };
  }
  const prefix = nonEmpty.slice(0, hit).join('/');
  const suffix = nonEmpty.slice(hit + 2).join('/');
  const parts: ServerUrlParts = {
    baseUrl: prefix === '' ? origin : `${origin}/${prefix}`,
    cluster: decodeURIComponent(nonEmpty[hit + 1] ?? ''),
  };
  if (suffix !== '') parts.suffix = `/${suffix}`;
  return parts;
}

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

/** The path of a resource collection or object: `/apis/<group>/<version>/<plural>[/<name>]` (`/api/<version>/…` for core). */
export function resourcePath(desc: ResourceDescriptor<unknown>, name?: string): string {
  const e = encodeURIComponent;
  const prefix = desc.group === '' ? `/api/${e(desc.version)}` : `/apis/${e(desc.group)}/${e(desc.version)}`;
  const collection = `${prefix}/${e(desc.plural)}`;
  return name === undefined ? collection : `${collection}/${e(name)}`;
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
): string {
  return clusterUrl(server, cluster, resourcePath(desc, name) + buildQuery(query));
}
