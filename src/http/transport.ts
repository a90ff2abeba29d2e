import type { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import type { Connection, Credentials } from '../config/connection.js';
import { AbortError, DecodeError, InvalidArgumentError, isKcpError, TimeoutError } from '../errors.js';
import type { List } from '../kcp/meta.js';
import { isValidWorkspacePath, WILDCARD_CLUSTER } from '../kcp/paths.js';
import type { ResourceDescriptor } from '../kcp/resource.js';
import { resolveLogger, type Logger } from '../logger.js';
import { AgentPool } from './agents.js';
import { decodeListPage, decodeObject, parseJson } from './decode.js';
import { displayUrl, mapRequestError, statusError, type RequestInfo } from './errors.js';
import type { CallOptions, ListOptions, Transport, WatchItem, WatchOptions } from './types.js';
import { resourceUrl, splitServerUrl } from './url.js';
import { WatchDecoder } from './watch-decoder.js';
import { iterateWatch, readCapped } from './watch-stream.js';

/** Options of {@link createTransport}. */
export interface TransportOptions {
  /** Server, TLS, proxy and credentials (from the config layer). */
  connection: Connection;
  /** An axios instance to use as is (no agents, proxy or TLS settings applied); credentials are still added. */
  http?: AxiosInstance | undefined;
  /** Receives one debug line per request (method, URL, status, duration); never headers. */
  logger?: Partial<Logger> | undefined;
  /**
   * Timeout of non-watch requests in ms (0 = none). Watches use `connectTimeoutMs`/`inactivityTimeoutMs`.
   * @default 30000
   */
  requestTimeoutMs?: number | undefined;
  /**
   * `User-Agent` header.
   * @default 'kcp-endpoints'
   */
  userAgent?: string | undefined;
}

/** A {@link Transport} that owns connection pools; `close()` destroys them. */
export interface HttpTransport extends Transport {
  /** Destroys the agents and their idle sockets. Requests after `close()` still work (new sockets). */
  close(): void;
  /** Closes idle keep-alive sockets (e.g. when the last watch ended); requests in flight are not affected. */
  releaseIdle(): void;
}

/** Default timeout of non-watch requests. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

const MERGE_PATCH = 'application/merge-patch+json';

interface Exchange {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
  contentType?: string;
  stream?: boolean;
}

function checkCluster(cluster: string): void {
  if (cluster !== WILDCARD_CLUSTER && !isValidWorkspacePath(cluster)) {
    throw new InvalidArgumentError(
      `Invalid cluster ${JSON.stringify(cluster)}: expected a workspace path like "root:org:ws", a logical cluster name, or "*"`,
      'cluster',
    );
  }
}

function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/')) {
    throw new InvalidArgumentError(`Invalid object name ${JSON.stringify(name)}`, 'name');
  }
}

function header(res: AxiosResponse, name: string): string | undefined {
  const v: unknown = (res.headers as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Creates the HTTP transport for one connection: typed calls under `/clusters/<cluster>`, credentials per
 * request with one refresh-and-retry on 401, TLS and proxy agents, streaming watches.
 * @throws InvalidArgumentError for an invalid server or proxy URL.
 */
export function createTransport(options: TransportOptions): HttpTransport {
  const { connection } = options;
  const server = connection.server;
  const { baseUrl } = splitServerUrl(server);
  const pool = options.http === undefined ? new AgentPool(connection.tls, connection.proxyUrl) : undefined;
  const http: AxiosInstance = options.http ?? axios.create();
  const log = resolveLogger(options.logger);
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const userAgent = options.userAgent ?? 'kcp-endpoints';

  async function once(
    ex: Exchange,
    creds: Credentials,
    signal: AbortSignal | undefined,
  ): Promise<AxiosResponse<unknown>> {
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': userAgent };
    if (ex.contentType !== undefined) headers['Content-Type'] = ex.contentType;
    Object.assign(headers, creds.headers);
    const config: AxiosRequestConfig = {
      url: ex.url,
      method: ex.method,
      headers,
      responseType: ex.stream === true ? 'stream' : 'text',
      transformResponse: [(d: unknown) => d],
      validateStatus: () => true,
      decompress: true,
    };
    if (ex.body !== undefined) config.data = JSON.stringify(ex.body);
    if (signal !== undefined) config.signal = signal;
    if (ex.stream !== true && timeoutMs > 0) config.timeout = timeoutMs;
    if (pool !== undefined) {
      Object.assign(config, pool.forRequest(ex.url, creds.cert, creds.key), { maxRedirects: 0 });
    }
    const started = Date.now();
    const res = await http.request<unknown>(config);
    log.debug('http response', {
      method: ex.method,
      url: displayUrl(ex.url),
      status: res.status,
      ms: Date.now() - started,
    });
    return res;
  }

  async function send(ex: Exchange, signal: AbortSignal | undefined): Promise<AxiosResponse<unknown>> {
    const info: RequestInfo = { method: ex.method, url: ex.url };
    const fail = (e: unknown): never => {
      throw mapRequestError(e, info, { signal, timeoutMs });
    };
    if (signal?.aborted === true) throw new AbortError(`${ex.method} ${displayUrl(ex.url)}: aborted`);
    let creds = await connection.credentials.get(signal).catch(fail);
    let res = await once(ex, creds, signal).catch(fail);
    if (res.status !== 401) return res;
    await discard(res);
    const refreshed = await connection.credentials.refresh(creds).catch(fail);
    if (!refreshed) return res;
    log.debug('http retry after 401 with refreshed credentials', {
      method: ex.method,
      url: displayUrl(ex.url),
    });
    creds = await connection.credentials.get(signal).catch(fail);
    res = await once(ex, creds, signal).catch(fail);
    return res;
  }

  async function bodyText(res: AxiosResponse<unknown>): Promise<string> {
    if (typeof res.data === 'string') return res.data;
    if (res.data !== null && typeof res.data === 'object' && 'pipe' in res.data) {
      return readCapped(res.data as Readable);
    }
    return res.data === undefined || res.data === null ? '' : JSON.stringify(res.data);
  }

  async function discard(res: AxiosResponse<unknown>): Promise<void> {
    const text = await bodyText(res);
    res.data = text;
  }

  async function json(ex: Exchange, signal: AbortSignal | undefined): Promise<unknown> {
    const res = await send(ex, signal);
    const info: RequestInfo = { method: ex.method, url: ex.url };
    const text = await bodyText(res);
    if (res.status < 200 || res.status >= 300) {
      throw statusError(info, res.status, text, {
        retryAfter: header(res, 'retry-after'),
        location: header(res, 'location'),
      });
    }
    return parseJson(text, `${ex.method} ${displayUrl(ex.url)}`);
  }

  function objectUrl(desc: ResourceDescriptor<unknown>, cluster: string, name?: string): string {
    checkCluster(cluster);
    if (name !== undefined) checkName(name);
    return resourceUrl(server, desc, cluster, name);
  }

  async function call<T>(
    desc: ResourceDescriptor<T>,
    ex: Omit<Exchange, 'url'>,
    cluster: string,
    name: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    const url = objectUrl(desc, cluster, name);
    const value = await json({ ...ex, url }, signal);
    return decodeObject(desc, value, `${ex.method} ${displayUrl(url)}`);
  }

  async function list<T>(
    desc: ResourceDescriptor<T>,
    cluster: string,
    opts: ListOptions = {},
  ): Promise<List<T>> {
    checkCluster(cluster);
    const items: T[] = [];
    let resourceVersion: string;
    let token: string | undefined;
    const seen = new Set<string>();
    do {
      const url = resourceUrl(server, desc, cluster, undefined, {
        fieldSelector: opts.fieldSelector,
        labelSelector: opts.labelSelector,
        resourceVersion: token === undefined ? opts.resourceVersion : undefined,
        limit: opts.limit,
        continue: token,
      });
      const value = await json({ method: 'GET', url }, opts.signal);
      const page = decodeListPage(desc, value, `GET ${displayUrl(url)}`, items.length);
      for (const item of page.items) items.push(item);
      resourceVersion = page.resourceVersion;
      token = page.continue === '' ? undefined : page.continue;
      if (token !== undefined) {
        if (seen.has(token)) {
          throw new DecodeError(`GET ${displayUrl(url)}: the server repeated continue token ${token}`);
        }
        seen.add(token);
      }
    } while (token !== undefined);
    return { resourceVersion, items };
  }

  async function watch<T>(
    desc: ResourceDescriptor<T>,
    cluster: string,
    opts: WatchOptions = {},
  ): Promise<AsyncIterable<WatchItem<T>>> {
    checkCluster(cluster);
    const url = resourceUrl(server, desc, cluster, undefined, {
      fieldSelector: opts.fieldSelector,
      labelSelector: opts.labelSelector,
      resourceVersion: opts.resourceVersion,
      allowWatchBookmarks: opts.allowWatchBookmarks,
      timeoutSeconds: opts.timeoutSeconds,
      watch: true,
    });
    const info: RequestInfo = { method: 'GET', url };
    const connectMs = opts.connectTimeoutMs;
    const timer = new AbortController();
    const signals = [opts.signal, timer.signal].filter((s) => s !== undefined);
    const handle =
      connectMs !== undefined && connectMs > 0
        ? setTimeout(() => {
            timer.abort();
          }, connectMs)
        : undefined;
    let res: AxiosResponse<unknown>;
    try {
      res = await send({ method: 'GET', url, stream: true }, AbortSignal.any(signals));
    } catch (e) {
      if (timer.signal.aborted && opts.signal?.aborted !== true) {
        throw new TimeoutError(
          `GET ${displayUrl(url)}: no response headers within ${connectMs ?? 0} ms`,
          connectMs ?? 0,
        );
      }
      throw isKcpError(e) ? e : mapRequestError(e, info, { signal: opts.signal });
    } finally {
      clearTimeout(handle);
    }
    if (res.status < 200 || res.status >= 300) {
      const text = await bodyText(res);
      throw statusError(info, res.status, text, {
        retryAfter: header(res, 'retry-after'),
        location: header(res, 'location'),
      });
    }
    const stream = res.data as Readable;
    const request = res.request as { destroy?: unknown } | undefined;
    return iterateWatch(stream, new WatchDecoder(desc.schema, desc.kind), {
      info,
      signal: opts.signal,
      inactivityTimeoutMs: opts.inactivityTimeoutMs,
      request: typeof request?.destroy === 'function' ? (request as { destroy(): unknown }) : undefined,
    });
  }

  return {
    baseUrl,
    url: (desc, cluster, name) => objectUrl(desc, cluster, name),
    get: (desc, cluster, name, o: CallOptions = {}) => call(desc, { method: 'GET' }, cluster, name, o.signal),
    list,
    create: (desc, cluster, body, o: CallOptions = {}) =>
      call(desc, { method: 'POST', body, contentType: 'application/json' }, cluster, undefined, o.signal),
    update: (desc, cluster, name, body, o: CallOptions = {}) =>
      call(desc, { method: 'PUT', body, contentType: 'application/json' }, cluster, name, o.signal),
    patch: (desc, cluster, name, patch, o: CallOptions = {}) =>
      call(desc, { method: 'PATCH', body: patch, contentType: MERGE_PATCH }, cluster, name, o.signal),
    delete: async (desc, cluster, name, o: CallOptions = {}) => {
      const url = objectUrl(desc, cluster, name);
      const res = await send({ method: 'DELETE', url }, o.signal);
      const text = await bodyText(res);
      if (res.status < 200 || res.status >= 300) {
        throw statusError({ method: 'DELETE', url }, res.status, text, {
          retryAfter: header(res, 'retry-after'),
          location: header(res, 'location'),
        });
      }
    },
    watch,
    raw: async (path: string, o: CallOptions = {}) => {
      if (!path.startsWith('/'))
        throw new InvalidArgumentError(`raw path must start with "/": ${path}`, 'path');
      return json({ method: 'GET', url: `${baseUrl}${path}` }, o.signal);
    },
    close: () => pool?.destroy(),
    releaseIdle: () => pool?.releaseIdle(),
  };
}
