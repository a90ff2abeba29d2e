/**
 * Proxy selection from the environment, as client-go does (Go's `http.ProxyFromEnvironment`) when the
 * kubeconfig sets no `proxy-url`: `HTTPS_PROXY` for https servers, `HTTP_PROXY` for http servers (upper case
 * first, then lower case), `NO_PROXY` exclusions, and never a proxy for localhost or loopback addresses.
 */
import { BlockList, isIP } from 'node:net';

/** The environment variables read by {@link proxyFromEnvironment}. */
export interface ProxyEnv {
  HTTPS_PROXY?: string | undefined;
  https_proxy?: string | undefined;
  HTTP_PROXY?: string | undefined;
  http_proxy?: string | undefined;
  NO_PROXY?: string | undefined;
  no_proxy?: string | undefined;
}

function pick(...values: Array<string | undefined>): string | undefined {
  return values.find((v) => v !== undefined && v.trim() !== '')?.trim();
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return isIP(host) === 6 && (host === '::1' || host === '0:0:0:0:0:0:0:1');
}

/** Splits `host[:port]` / `[v6]:port` of a NO_PROXY entry. */
function splitEntry(entry: string): { host: string; port: string | undefined } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (v6 !== null) return { host: v6[1] ?? '', port: v6[2] };
  const i = entry.lastIndexOf(':');
  if (i > 0 && isIP(entry) !== 6 && /^\d+$/.test(entry.slice(i + 1))) {
    return { host: entry.slice(0, i), port: entry.slice(i + 1) };
  }
  return { host: entry, port: undefined };
}

function excluded(host: string, port: string, noProxy: string): boolean {
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    if (entry.includes('/')) {
      const [net, bits] = entry.split('/');
      const family = isIP(net ?? '');
      const ipFamily = isIP(host);
      if (family === 0 || ipFamily === 0 || family !== ipFamily) continue;
      const list = new BlockList();
      try {
        list.addSubnet(net ?? '', Number(bits), family === 4 ? 'ipv4' : 'ipv6');
      } catch {
        continue;
      }
      if (list.check(host, ipFamily === 4 ? 'ipv4' : 'ipv6')) return true;
      continue;
    }
    const { host: h, port: p } = splitEntry(entry);
    if (p !== undefined && p !== port) continue;
    if (h.startsWith('.')) {
      if (host.endsWith(h)) return true;
    } else if (host === h || host.endsWith(`.${h}`)) {
      return true;
    }
  }
  return false;
}

/**
 * The proxy URL to use for `server` according to the environment, or `undefined` for a direct connection.
 * A proxy value without a scheme is taken as `http://`.
 */
export function proxyFromEnvironment(server: string, env: ProxyEnv): string | undefined {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return undefined;
  }
  const https = url.protocol === 'https:';
  const proxy = https ? pick(env.HTTPS_PROXY, env.https_proxy) : pick(env.HTTP_PROXY, env.http_proxy);
  if (proxy === undefined) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopback(host)) return undefined;
  const port = url.port !== '' ? url.port : https ? '443' : '80';
  const noProxy = pick(env.NO_PROXY, env.no_proxy);
  if (noProxy !== undefined && excluded(host, port, noProxy)) return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}
