/**
 * kcp server URLs: kcp's own kubeconfigs point at `https://host:6443/clusters/root`. The `/clusters/<x>`
 * segment names the workspace; the transport replaces that one segment to address another workspace.
 */
import { isValidWorkspacePath } from '../kcp/paths.js';

/** A server URL split into its base and the `/clusters/<x>` workspace segment. */
export interface ServerUrlParts {
  /** Scheme, host, port and any path prefix before `/clusters/<x>`, without a trailing slash. */
  baseUrl: string;
  /** The workspace path or logical cluster name of the `/clusters/<x>` segment, when present. */
  workspace: string | undefined;
}

const CLUSTERS_SUFFIX = /\/clusters\/([^/]+)\/?$/;

/**
 * Splits a server URL into base URL and workspace: `https://h:6443/clusters/root:org` →
 * `{ baseUrl: 'https://h:6443', workspace: 'root:org' }`. A `/clusters/<x>` segment whose value is not a
 * valid workspace path (or `*`) is left in the base URL.
 * @throws TypeError when `server` is not an absolute http(s) URL.
 */
export function splitServerUrl(server: string): ServerUrlParts {
  const url = new URL(server);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`unsupported scheme "${url.protocol}" (expected https: or http:)`);
  }
  url.search = '';
  url.hash = '';
  let path = url.pathname;
  let workspace: string | undefined;
  const m = CLUSTERS_SUFFIX.exec(path);
  const candidate = m?.[1] === undefined ? undefined : decodeURIComponent(m[1]);
  if (m !== null && candidate !== undefined && (candidate === '*' || isValidWorkspacePath(candidate))) {
    workspace = candidate;
    path = path.slice(0, m.index);
  }
  const base = `${url.protocol}//${url.host}${path}`.replace(/\/+$/, '');
  return { baseUrl: base, workspace };
}
