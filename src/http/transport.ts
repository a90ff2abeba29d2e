import type { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import type { Connection, Credentials } from '../config/connection.js';
import {
  AbortError,
  DecodeError,
  InvalidArgumentError,
  isDecodeError,
  isKcpError,
  TimeoutError,
} from '../errors.js';
import { guardOf } from '../kcp/guards.js';
import type { List } from '../kcp/meta.js';
import { isValidWorkspacePath, WILDCARD_CLUSTER } from '../kcp/paths.js';
import { apiVersionOf, type ResourceDescriptor } from '../kcp/resource.js';
import { resolveLogger, type Logger } from '../logger.js';
import { AgentPool } from './agents.js';
import { decodeListPage, decodeResponse, parseJson } from './decode.js';
import { displayUrl, mapRequestError, statusError, type RequestInfo } from './errors.js';
import { formatBytes, resolveLimits, type ResponseLimits } from './limits.js';
import type {
  CallOptions,
  ListOptions,
  ObjectOptions,
  PatchOptions,
  Transport,
  WatchItem,
  WatchOptions,
} from './types.js';
import { resourceUrl, splitServerUrl } from './url.js';
import { WatchDecoder } from './watch-decoder.js';
import {
  flattenBatches,
  iterateWatchBatches,
  MAX_ERROR_BODY_BYTES,
  readBody,
  readCapped,
} from './watch-stream.js';

/** Options of {@link createTransport}. */
export interface TransportOptions {
  /** Server, TLS, proxy and credentials (from the config layer). */
  connection: Connection;
  /** An axios instance to use as is (no agents, proxy or TLS settings applied); credentials are still added. */
  http?: AxiosInstance | undefined;
  /** Receives one debug line per request (method, URL, status, duration); never headers. */
  logger?: Partial<Logger> | undefined;
  /**
   * Timeout of non-watch requests in ms (0 = none): covers the whole exchange, from sending the request to
   * the last byte of the body. Watches use `connectTimeoutMs`/`inactivityTimeoutMs`.
   * @default 30000
   */
  requestTimeoutMs?: number | undefined;
  /** Caps on response bodies, watch event lines and list pagination. @default see {@link ResponseLimits} */
  limits?: ResponseLimits | undefined;
  /**
   * `User-Agent` header.
   * @default 'kcp-endpoints'
   */
  userAgent?: string | undefined;
}

/** A {@link Transport} that owns connection pools; `close()` ends it. */
export interface HttpTransport extends Transport {
  /** See {@link Transport.watchBatches}: always there on the HTTP transport. */
  watchBatches<T>(
    desc: ResourceDescriptor<T>,
    cluster: string,
    options?: WatchOptions,
  ): Promise<AsyncIterable<ReadonlyArray<WatchItem<T>>>>;
  /**
   * Aborts every request in flight (they reject with `AbortError`), destroys the agents and their sockets,
   * and resolves once every socket has closed. Later requests reject with `AbortError`. Idempotent.
   */
  close(): Promise<void>;
  /** Closes idle keep-alive sockets (e.g. when the last watch ended); requests in flight are not affected. */
  releaseIdle(): void;
}

/** Default timeout of non-watch requests. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

const PATCH_TYPES = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
} as const;

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

function checkName(name: string, what: 'name' | 'namespace' = 'name'): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/')) {
    const label = what === 'name' ? 'object name' : 'namespace';
    throw new InvalidArgumentError(`Invalid ${label} ${JSON.stringify(name)}`, what);
  }
}

/** The request deadline of one exchange. */
interface Deadline {
  /** The caller's signal combined with the deadline. */
  readonly signal: AbortSignal;
  /** (Re)starts the timer: called just before each request is sent. */
  arm(): void;
}

function isStream(data: unknown): data is Readable {
  return data !== null && typeof data === 'object' && 'pipe' in data;
}

/** JSON text of an already-parsed body (a custom adapter), cut to `max` characters; never throws. */
function safeJson(data: unknown, max: number): string {
  try {
    const text = JSON.stringify(data) as string | undefined;
    return (text ?? '').slice(0, max);
  } catch {
    return '';
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
  const limits = resolveLimits(options.limits);

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
      // Always a stream: the body is read here, with a size cap and under the request deadline.
      responseType: 'stream',
      transformResponse: [(d: unknown) => d],
      validateStatus: () => true,
      decompress: true,
    };
    if (ex.body !== undefined) config.data = JSON.stringify(ex.body);
    if (signal !== undefined) config.signal = signal;
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

  /**
   * Sends `ex` with credentials, refreshing them once on a 401. Credentials are fetched under the caller's
   * `signal` only (an exec plugin has its own timeout); the requests run under `deadline`, armed just before
   * each one is sent.
   */
  async function send(
    ex: Exchange,
    signal: AbortSignal | undefined,
    deadline?: Deadline,
  ): Promise<AxiosResponse<unknown>> {
    const info: RequestInfo = { method: ex.method, url: ex.url };
    const requestSignal = deadline?.signal ?? signal;
    const fail = (e: unknown): never => {
      throw mapRequestError(e, info, { signal: requestSignal, timeoutMs });
    };
    if (signal?.aborted === true) throw new AbortError(`${ex.method} ${displayUrl(ex.url)}: aborted`);
    let creds = await connection.credentials.get(signal).catch(fail);
    deadline?.arm();
    let res = await once(ex, creds, requestSignal).catch(fail);
    if (res.status !== 401) return res;
    await discard(res, requestSignal);
    const refreshed = await connection.credentials.refresh(creds).catch(fail);
    if (!refreshed) return res;
    log.debug('http retry after 401 with refreshed credentials', {
      method: ex.method,
      url: displayUrl(ex.url),
    });
    creds = await connection.credentials.get(signal).catch(fail);
    deadline?.arm();
    res = await once(ex, creds, requestSignal).catch(fail);
    return res;
  }

  /** The body of an error answer, for its message: at most {@link MAX_ERROR_BODY_BYTES}. */
  async function errorText(res: AxiosResponse<unknown>, signal?: AbortSignal): Promise<string> {
    if (typeof res.data === 'string') return res.data.slice(0, MAX_ERROR_BODY_BYTES);
    if (isStream(res.data)) return readCapped(res.data, MAX_ERROR_BODY_BYTES, signal);
    return res.data === undefined || res.data === null ? '' : safeJson(res.data, MAX_ERROR_BODY_BYTES);
  }

  /** The whole body of a successful answer, at most `limits.maxResponseBytes`. */
  async function bodyText(res: AxiosResponse<unknown>, what: string, signal?: AbortSignal): Promise<string> {
    if (isStream(res.data)) return readBody(res.data, limits.maxResponseBytes, what, signal);
    const text =
      typeof res.data === 'string'
        ? res.data
        : res.data === undefined || res.data === null
          ? ''
          : safeJson(res.data, limits.maxResponseBytes + 1);
    if (Buffer.byteLength(text) > limits.maxResponseBytes) {
      throw new DecodeError(
        `${what}: response body is larger than ${formatBytes(limits.maxResponseBytes)} (limits.maxResponseBytes)`,
      );
    }
    return text;
  }

  async function discard(res: AxiosResponse<unknown>, signal: AbortSignal | undefined): Promise<void> {
    const text = await errorText(res, signal);
    res.data = text;
  }

  /**
   * Runs one exchange under the request deadline: when `requestTimeoutMs` passes between sending the request
   * and `fn` settling (body included), the deadline's signal aborts and the call rejects with `TimeoutError`.
   */
  async function withDeadline<R>(
    info: RequestInfo,
    signal: AbortSignal | undefined,
    fn: (deadline: Deadline | undefined) => Promise<R>,
  ): Promise<R> {
    if (timeoutMs <= 0) return fn(undefined);
    const timer = new AbortController();
    let handle: ReturnType<typeof setTimeout> | undefined;
    const deadline: Deadline = {
      signal: signal === undefined ? timer.signal : AbortSignal.any([signal, timer.signal]),
      arm: () => {
        clearTimeout(handle);
        handle = setTimeout(() => {
          timer.abort();
        }, timeoutMs);
      },
    };
    try {
      return await fn(deadline);
    } catch (e) {
      if (timer.signal.aborted && signal?.aborted !== true) {
        throw new TimeoutError(
          `${info.method} ${displayUrl(info.url)}: no complete response within ${timeoutMs} ms`,
          timeoutMs,
        );
      }
      throw e;
    } finally {
      clearTimeout(handle);
    }
  }

  /** Sends `ex` and reads its whole body: the text of a 2xx answer, else the `ApiStatusError`. */
  async function exchange(ex: Exchange, signal: AbortSignal | undefined): Promise<string> {
    const info: RequestInfo = { method: ex.method, url: ex.url };
    const what = `${ex.method} ${displayUrl(ex.url)}`;
    return withDeadline(info, signal, async (deadline) => {
      const s = deadline?.signal ?? signal;
      const res = await send(ex, signal, deadline);
      if (res.status < 200 || res.status >= 300) {
        const text = await errorText(res, s);
        if (s?.aborted === true) throw new AbortError(`${what}: aborted`);
        throw statusError(info, res.status, text, {
          retryAfter: header(res, 'retry-after'),
          location: header(res, 'location'),
        });
      }
      try {
        return await bodyText(res, what, s);
      } catch (e) {
        throw isDecodeError(e) ? e : mapRequestError(e, info, { signal: s, timeoutMs });
      }
    });
  }

  async function json(ex: Exchange, signal: AbortSignal | undefined): Promise<unknown> {
    const text = await exchange(ex, signal);
    return parseJson(text, `${ex.method} ${displayUrl(ex.url)}`);
  }

  function objectUrl(
    desc: ResourceDescriptor<unknown>,
    cluster: string,
    name?: string,
    place: Omit<ObjectOptions, 'signal'> = {},
  ): string {
    checkCluster(cluster);
    if (name !== undefined) checkName(name);
    if (place.namespace !== undefined) checkName(place.namespace, 'namespace');
    if (place.subresource !== undefined && name === undefined) {
      throw new InvalidArgumentError('A subresource needs an object name', 'subresource');
    }
    return resourceUrl(server, desc, cluster, name, {}, place);
  }

  async function call<T>(
    desc: ResourceDescriptor<T>,
    ex: Omit<Exchange, 'url'>,
    cluster: string,
    name: string | undefined,
    o: ObjectOptions,
  ): Promise<T> {
    const url = objectUrl(desc, cluster, name, o);
    const signal = within(o.signal);
    const value = await json({ ...ex, url }, signal);
    return decodeResponse(desc, value, `${ex.method} ${displayUrl(url)}`, name);
  }

  async function list<T>(
    desc: ResourceDescriptor<T>,
    cluster: string,
    opts: ListOptions = {},
  ): Promise<List<T>> {
    checkCluster(cluster);
    if (opts.namespace !== undefined) checkName(opts.namespace, 'namespace');
    const items: T[] = [];
    let resourceVersion: string;
    let token: string | undefined;
    const seen = new Set<string>();
    let pages = 0;
    do {
      const url = resourceUrl(
        server,
        desc,
        cluster,
        undefined,
        {
          fieldSelector: opts.fieldSelector,
          labelSelector: opts.labelSelector,
          resourceVersion: token === undefined ? opts.resourceVersion : undefined,
          limit: opts.limit,
          continue: token,
        },
        { namespace: opts.namespace },
      );
      const value = await json({ method: 'GET', url }, opts.signal);
      const page = decodeListPage(desc, value, `GET ${displayUrl(url)}`, items.length);
      pages += 1;
      if (items.length + page.items.length > limits.maxListItems) {
        throw new DecodeError(
          `GET ${displayUrl(url)}: the list has more than ${limits.maxListItems} items (limits.maxListItems); stopped after ${pages} pages`,
        );
      }
      for (const item of page.items) items.push(item);
      resourceVersion = page.resourceVersion;
      token = page.continue === '' ? undefined : page.continue;
      if (token !== undefined) {
        if (seen.has(token)) {
          const shown = token.length > 100 ? `${token.slice(0, 100)}…` : token;
          throw new DecodeError(`GET ${displayUrl(url)}: the server repeated continue token ${shown}`);
        }
        seen.add(token);
        if (pages >= limits.maxListPages) {
          throw new DecodeError(
            `GET ${displayUrl(url)}: the list did not end after ${pages} pages (limits.maxListPages); the server keeps sending continue tokens`,
          );
        }
      }
    } while (token !== undefined);
    return { resourceVersion, items };
  }

  async function watchBatches<T>(
    desc: ResourceDescriptor<T>,
    cluster: string,
    opts: WatchOptions = {},
  ): Promise<AsyncIterable<ReadonlyArray<WatchItem<T>>>> {
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
      const text = await errorText(res, opts.signal);
      throw statusError(info, res.status, text, {
        retryAfter: header(res, 'retry-after'),
        location: header(res, 'location'),
      });
    }
    const stream = res.data as Readable;
    const request = res.request as { destroy?: unknown } | undefined;
    const decoder = new WatchDecoder(desc.schema, desc.kind, {
      apiVersion: apiVersionOf(desc),
      maxLineChars: limits.maxWatchEventChars,
      guard: guardOf(desc),
      label: desc.plural,
    });
    return iterateWatchBatches(stream, decoder, {
      info,
      signal: opts.signal,
      inactivityTimeoutMs: opts.inactivityTimeoutMs,
      request: typeof request?.destroy === 'function' ? (request as { destroy(): unknown }) : undefined,
    });
  }

  // close() aborts every request in flight and refuses later ones (AbortError).
  const closer = new AbortController();
  let closing: Promise<void> | undefined;
  const within = (signal: AbortSignal | undefined): AbortSignal =>
    signal === undefined ? closer.signal : AbortSignal.any([signal, closer.signal]);

  return {
    baseUrl,
    url: (desc, cluster, name, place) => objectUrl(desc, cluster, name, place),
    get: (desc, cluster, name, o: ObjectOptions = {}) => call(desc, { method: 'GET' }, cluster, name, o),
    list: (desc, cluster, o = {}) => list(desc, cluster, { ...o, signal: within(o.signal) }),
    create: (desc, cluster, body, o: ObjectOptions = {}) =>
      call(desc, { method: 'POST', body, contentType: 'application/json' }, cluster, undefined, o),
    update: (desc, cluster, name, body, o: ObjectOptions = {}) =>
      call(desc, { method: 'PUT', body, contentType: 'application/json' }, cluster, name, o),
    patch: async (desc, cluster, name, patch, o: PatchOptions = {}) => {
      const type = o.patchType ?? 'merge';
      if (!Object.hasOwn(PATCH_TYPES, type)) {
        throw new InvalidArgumentError(
          `patchType must be "merge" or "json", got ${JSON.stringify(type)}`,
          'patchType',
        );
      }
      if (type === 'json' && !Array.isArray(patch)) {
        throw new InvalidArgumentError('A JSON patch is an array of operations', 'patch');
      }
      return call(desc, { method: 'PATCH', body: patch, contentType: PATCH_TYPES[type] }, cluster, name, o);
    },
    delete: async (desc, cluster, name, o: ObjectOptions = {}) => {
      await exchange({ method: 'DELETE', url: objectUrl(desc, cluster, name, o) }, within(o.signal));
    },
    watch: async (desc, cluster, o = {}) =>
      flattenBatches(await watchBatches(desc, cluster, { ...o, signal: within(o.signal) })),
    watchBatches: (desc, cluster, o = {}) => watchBatches(desc, cluster, { ...o, signal: within(o.signal) }),
    raw: async (path: string, o: CallOptions = {}) => {
      if (!path.startsWith('/'))
        throw new InvalidArgumentError(`raw path must start with "/": ${path}`, 'path');
      return json({ method: 'GET', url: `${baseUrl}${path}` }, within(o.signal));
    },
    close: () => {
      if (closing === undefined) {
        closer.abort();
        closing = pool?.destroy() ?? Promise.resolve();
      }
      return closing;
    },
    releaseIdle: () => pool?.releaseIdle(),
  };
}
