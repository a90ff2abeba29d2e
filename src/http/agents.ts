import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { TlsConfig } from '../config/connection.js';
import { InvalidArgumentError, NetworkError } from '../errors.js';

/** TCP keep-alive probe delay and HTTP keep-alive idle time (client-go uses 30 s). */
export const KEEP_ALIVE_MS = 30_000;
/** How many agents for distinct exec-plugin client certificates are kept. */
const MAX_CERT_AGENTS = 4;

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

function enableTcpKeepAlive(socket: unknown, ms: number): void {
  const s = socket as Partial<Socket> | null;
  if (typeof s?.setKeepAlive === 'function') s.setKeepAlive(true, ms);
}

/** Resolves when `socket` has emitted `close` (at once if it already has). */
function socketClosed(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) =>
    socket.once('close', () => {
      resolve();
    }),
  );
}

/** An `http.Agent` that turns on TCP keep-alive probes on every socket it opens. */
export class KeepAliveHttpAgent extends http.Agent {
  override createConnection(
    options: http.ClientRequestArgs,
    callback?: ConnectCallback,
  ): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    enableTcpKeepAlive(socket, KEEP_ALIVE_MS);
    return socket;
  }
}

/** An `https.Agent` that turns on TCP keep-alive probes on every socket it opens. */
export class KeepAliveHttpsAgent extends https.Agent {
  override createConnection(
    options: https.RequestOptions,
    callback?: ConnectCallback,
  ): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    enableTcpKeepAlive(socket, KEEP_ALIVE_MS);
    return socket;
  }
}

/** A parsed `http://` proxy URL. */
export interface ProxyTarget {
  host: string;
  port: number;
  /** `Basic …` value for `Proxy-Authorization`, when the URL carries user-info. */
  authorization?: string | undefined;
}

/**
 * Parses a `proxy-url`. Only `http://` proxies are supported (CONNECT for https targets, absolute-URI
 * requests for http targets).
 * @throws InvalidArgumentError for other schemes or an unparsable URL.
 */
export function parseProxyUrl(proxyUrl: string): ProxyTarget {
  let u: URL;
  try {
    u = new URL(proxyUrl);
  } catch {
    throw new InvalidArgumentError('Invalid proxy-url: not an absolute URL', 'proxyUrl');
  }
  if (u.protocol !== 'http:') {
    throw new InvalidArgumentError(
      `Unsupported proxy-url scheme "${u.protocol}": only http:// proxies are supported`,
      'proxyUrl',
    );
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const target: ProxyTarget = { host, port: u.port === '' ? 80 : Number(u.port) };
  if (u.username !== '' || u.password !== '') {
    const creds = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
    target.authorization = `Basic ${Buffer.from(creds).toString('base64')}`;
  }
  return target;
}

/**
 * An `https.Agent` that reaches its targets through an HTTP proxy: `CONNECT host:port` on the proxy, then
 * TLS over the tunnelled socket (with the agent's CA, client certificate and verification settings).
 */
export class TunnelingHttpsAgent extends https.Agent {
  readonly #proxy: ProxyTarget;

  constructor(proxy: ProxyTarget, options: https.AgentOptions) {
    super(options);
    this.#proxy = proxy;
  }

  override createConnection(options: https.RequestOptions, callback?: ConnectCallback): undefined {
    const cb: ConnectCallback = callback ?? (() => undefined);
    const host = (options.hostname ?? options.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
    const port = Number(options.port ?? 443);
    const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const headers: Record<string, string> = { Host: authority };
    if (this.#proxy.authorization !== undefined) headers['Proxy-Authorization'] = this.#proxy.authorization;
    const req = http.request({
      host: this.#proxy.host,
      port: this.#proxy.port,
      method: 'CONNECT',
      path: authority,
      headers,
      agent: false,
    });
    req.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        cb(
          new NetworkError(
            `proxy ${this.#proxy.host}:${this.#proxy.port} refused CONNECT to ${authority}: ${res.statusCode ?? 0} ${res.statusMessage ?? ''}`.trim(),
          ),
          socket,
        );
        return;
      }
      enableTcpKeepAlive(socket, KEEP_ALIVE_MS);
      const { servername } = options as { servername?: string };
      const tlsSocket = tls.connect({
        ...(options as tls.ConnectionOptions),
        socket,
        servername: servername ?? (host.includes(':') ? '' : host),
      });
      cb(null, tlsSocket);
    });
    req.once('error', (err) => {
      // Node ignores the stream when an error is passed.
      cb(err, req.socket as Duplex);
    });
    req.end();
    return undefined;
  }
}

/** Agents and proxy settings for one request. */
export interface RequestAgents {
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
  /** axios `proxy` option: absolute-URI requests to the proxy for http targets, else `false`. */
  proxy:
    false | { protocol: 'http'; host: string; port: number; auth?: { username: string; password: string } };
}

/** Creates and caches the agents of one transport. */
export class AgentPool {
  readonly #tls: TlsConfig;
  readonly #proxy: ProxyTarget | undefined;
  readonly #proxyAuth: { username: string; password: string } | undefined;
  readonly #http: http.Agent;
  readonly #https: https.Agent;
  readonly #byCert = new Map<string, https.Agent>();

  constructor(tlsConfig: TlsConfig, proxyUrl?: string) {
    this.#tls = tlsConfig;
    if (proxyUrl !== undefined && proxyUrl !== '') {
      this.#proxy = parseProxyUrl(proxyUrl);
      const u = new URL(proxyUrl);
      if (u.username !== '' || u.password !== '') {
        this.#proxyAuth = {
          username: decodeURIComponent(u.username),
          password: decodeURIComponent(u.password),
        };
      }
    }
    this.#http = new KeepAliveHttpAgent({ keepAlive: true, keepAliveMsecs: KEEP_ALIVE_MS });
    this.#https = this.#makeHttps(tlsConfig.cert, tlsConfig.key);
  }

  #makeHttps(cert: string | undefined, key: string | undefined): https.Agent {
    const t = this.#tls;
    const options: https.AgentOptions = {
      keepAlive: true,
      keepAliveMsecs: KEEP_ALIVE_MS,
      rejectUnauthorized: !t.insecureSkipTlsVerify,
    };
    if (t.ca !== undefined) options.ca = t.ca;
    if (cert !== undefined) options.cert = cert;
    if (key !== undefined) options.key = key;
    if (t.serverName !== undefined && t.serverName !== '') options.servername = t.serverName;
    return this.#proxy === undefined
      ? new KeepAliveHttpsAgent(options)
      : new TunnelingHttpsAgent(this.#proxy, options);
  }

  /** The https agent to use: the transport's, or a cached one for an exec-plugin client certificate. */
  httpsAgentFor(cert?: string, key?: string): https.Agent {
    if (cert === undefined || key === undefined) return this.#https;
    const id = createHash('sha256').update(cert).update('\0').update(key).digest('hex');
    const hit = this.#byCert.get(id);
    if (hit !== undefined) {
      this.#byCert.delete(id);
      this.#byCert.set(id, hit);
      return hit;
    }
    const agent = this.#makeHttps(cert, key);
    this.#byCert.set(id, agent);
    if (this.#byCert.size > MAX_CERT_AGENTS) {
      const [oldest] = this.#byCert.keys();
      if (oldest !== undefined) {
        this.#byCert.get(oldest)?.destroy();
        this.#byCert.delete(oldest);
      }
    }
    return agent;
  }

  /** Number of cached exec-certificate agents (for tests). */
  get certAgentCount(): number {
    return this.#byCert.size;
  }

  /** Agents and proxy settings for a request to `url`, with optional exec-plugin certificate/key. */
  forRequest(url: string, cert?: string, key?: string): RequestAgents {
    if (url.startsWith('https:')) return { httpsAgent: this.httpsAgentFor(cert, key), proxy: false };
    if (this.#proxy === undefined) return { httpAgent: this.#http, proxy: false };
    const proxy: RequestAgents['proxy'] = {
      protocol: 'http',
      host: this.#proxy.host,
      port: this.#proxy.port,
    };
    if (this.#proxyAuth !== undefined) proxy.auth = this.#proxyAuth;
    return { httpAgent: this.#http, proxy };
  }

  /** Closes the idle keep-alive sockets of every agent; sockets in use are left alone. */
  releaseIdle(): void {
    for (const agent of [this.#http, this.#https, ...this.#byCert.values()]) {
      for (const sockets of Object.values(agent.freeSockets)) {
        for (const socket of sockets ?? []) socket.destroy();
      }
    }
  }

  /** Destroys every agent and its sockets; resolves once every socket has closed. */
  destroy(): Promise<void> {
    const agents = [this.#http, this.#https, ...this.#byCert.values()];
    const sockets = new Set<Socket>();
    for (const agent of agents) {
      for (const group of [agent.sockets, agent.freeSockets]) {
        for (const list of Object.values(group)) for (const socket of list ?? []) sockets.add(socket);
      }
    }
    for (const agent of agents) agent.destroy();
    this.#byCert.clear();
    return Promise.all([...sockets].map((socket) => socketClosed(socket))).then(() => undefined);
  }
}
