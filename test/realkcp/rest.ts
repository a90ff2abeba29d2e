/**
 * A minimal Kubernetes REST client for the test harness, independent of the SDK under test: it reads one
 * context of a kubeconfig (server, CA, bearer token or client certificate) and sends JSON requests with
 * node:http(s). It dials loopback only: a kubeconfig that points elsewhere is refused.
 */
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parse as parseYaml } from 'yaml';

/** Connection settings of one kubeconfig context. */
export interface RestConfig {
  /** Server URL without a `/clusters/<x>` suffix. */
  readonly base: string;
  readonly ca?: string;
  readonly token?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** A response: status code and the decoded JSON body (or the raw text when it is not JSON). */
export interface RestResponse {
  readonly status: number;
  readonly body: unknown;
}

/** An HTTP error with the server's Status message. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    what: string,
  ) {
    const msg =
      typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string'
        ? (body as { message: string }).message
        : JSON.stringify(body).slice(0, 300);
    super(`${what}: HTTP ${status}: ${msg}`);
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** Throws unless `url` is an http(s) URL on a loopback host. */
export function assertLoopback(url: string, where: string): void {
  const u = new URL(url);
  if (!LOOPBACK.has(u.hostname) && !u.hostname.startsWith('127.')) {
    throw new Error(`${where}: ${url} is not a loopback address; refusing to dial it`);
  }
}

interface KubeconfigDoc {
  'current-context'?: string;
  clusters?: Array<{ name: string; cluster: Record<string, unknown> }>;
  users?: Array<{ name: string; user: Record<string, unknown> }>;
  contexts?: Array<{ name: string; context: { cluster: string; user: string } }>;
}

function dataOrFile(obj: Record<string, unknown>, key: string): Promise<string | undefined> {
  const data = obj[`${key}-data`];
  if (typeof data === 'string') return Promise.resolve(Buffer.from(data, 'base64').toString('utf8'));
  const file = obj[key];
  if (typeof file === 'string') return readFile(file, 'utf8');
  return Promise.resolve(undefined);
}

/** Reads a context (default: current) of a kubeconfig file; every server in the file must be loopback. */
export async function restConfigFromKubeconfig(path: string, context?: string): Promise<RestConfig> {
  const doc = parseYaml(await readFile(path, 'utf8')) as KubeconfigDoc;
  for (const c of doc.clusters ?? []) {
    const server = c.cluster['server'];
    if (typeof server === 'string') assertLoopback(server, `kubeconfig ${path} cluster ${c.name}`);
  }
  const name = context ?? doc['current-context'] ?? '';
  const ctx = doc.contexts?.find((c) => c.name === name)?.context;
  if (ctx === undefined) throw new Error(`kubeconfig ${path} has no context "${name}"`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster ?? {};
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const server = typeof cluster['server'] === 'string' ? cluster['server'] : '';
  const token = typeof user['token'] === 'string' ? user['token'] : undefined;
  const [ca, cert, key] = await Promise.all([
    dataOrFile(cluster, 'certificate-authority'),
    dataOrFile(user, 'client-certificate'),
    dataOrFile(user, 'client-key'),
  ]);
  return {
    base: server.replace(/\/clusters\/[^/]+\/?$/, '').replace(/\/+$/, ''),
    ...(ca === undefined ? {} : { ca }),
    ...(token === undefined ? {} : { token }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
  };
}

/** JSON requests against one server. */
export class Rest {
  constructor(readonly config: RestConfig) {
    assertLoopback(config.base, 'rest client');
  }

  /** The same server with another bearer token (and no client certificate). */
  withToken(token: string): Rest {
    const { cert: _c, key: _k, ...rest } = this.config;
    return new Rest({ ...rest, token });
  }

  /** Sends a request; resolves with any status (see {@link Rest.ok} for the throwing form). */
  send(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<RestResponse> {
    const url = new URL(this.config.base + path);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (payload !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = String(payload.length);
    }
    if (this.config.token !== undefined) headers['Authorization'] = `Bearer ${this.config.token}`;
    const fn = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<RestResponse>((resolve, reject) => {
      const req = fn(
        url,
        {
          method,
          headers,
          timeout: 30_000,
          ...(url.protocol === 'https:'
            ? {
                ...(this.config.ca === undefined ? {} : { ca: this.config.ca }),
                ...(this.config.cert === undefined ? {} : { cert: this.config.cert }),
                ...(this.config.key === undefined ? {} : { key: this.config.key }),
              }
            : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text === '' ? undefined : JSON.parse(text);
            } catch {
              // keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Sends a request and returns the body; throws {@link RestError} on a non-2xx status. */
  async ok<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<T> {
    const r = await this.send(method, path, body, contentType);
    if (r.status < 200 || r.status > 299) throw new RestError(r.status, r.body, `${method} ${path}`);
    return r.body as T;
  }

  /** GET that resolves `undefined` on 404. */
  async find<T = Record<string, unknown>>(path: string): Promise<T | undefined> {
    const r = await this.send('GET', path);
    if (r.status === 404) return undefined;
    if (r.status < 200 || r.status > 299) throw new RestError(r.status, r.body, `GET ${path}`);
    return r.body as T;
  }
}

/** Path of a kcp API collection or object in a workspace. */
export function apiPath(
  workspace: string,
  group: string,
  version: string,
  resource: string,
  name?: string,
): string {
  return `/clusters/${workspace}/apis/${group}/${version}/${resource}${name === undefined ? '' : `/${name}`}`;
}
