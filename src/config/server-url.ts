/**
 * kcp server URLs: kcp's own kubeconfigs point at `https://host:6443/clusters/root`. The `/clusters/<x>`
 * segment names the workspace; the transport replaces that one segment to address another workspace.
 */
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../errors.js';
import { isValidWorkspacePath } from '../kcp/paths.js';

/** A server URL split into its base and the logical cluster it already targets (if any). */
export interface ServerUrlParts {
  /** Scheme, host, port and any path prefix before `/clusters/<x>`, without a trailing slash. */
  baseUrl: string;
  /** The decoded `<x>` of a `/clusters/<x>` segment in the server URL, when there is one. */
  cluster?: string;
  /** Path after the `/clusters/<x>` segment (rare; kept when retargeting), without a trailing slash. */
  suffix?: string;
}

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

/**
 * The workspace a server URL targets through its `/clusters/<x>` segment (`https://h:6443/clusters/root:org`
 * → `root:org`), or `undefined` when it has none or the segment is not a workspace path.
 * @throws InvalidArgumentError when the URL is not http(s) or has more than one `/clusters/<x>` segment.
 */
export function workspaceOfServer(server: string): string | undefined {
  const { cluster } = splitServerUrl(server);
  return cluster !== undefined && isValidWorkspacePath(cluster) ? cluster : undefined;
}

/**
 * True when `hostname` (as `URL.hostname` gives it) is a loopback address: `localhost`, `127.0.0.0/8` or
 * `::1`. Names other than `localhost` are not resolved, so `*.localhost` does not count.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (host.toLowerCase() === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) !== 6) return false;
  // The URL parser compresses every spelling of ::1 to `[::1]`.
  return new URL(`http://[${host}]/`).hostname === '[::1]';
}
