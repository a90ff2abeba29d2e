import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import type { CredentialProvider, Credentials } from '../../src/config/connection.js';
import type { ResourceDescriptor } from '../../src/kcp/resource.js';

export const widgetSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string(), resourceVersion: z.string().optional() }),
  spec: z.looseObject({ size: z.number() }).optional(),
});
export type Widget = z.infer<typeof widgetSchema>;

export const widgets: ResourceDescriptor<Widget> = {
  group: 'example.kcp.io',
  version: 'v1alpha1',
  plural: 'widgets',
  kind: 'Widget',
  schema: widgetSchema,
};

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface TestServer {
  url: string;
  port: number;
  server: http.Server | https.Server;
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }>;
  /** Resolves when a socket the server accepted closes. */
  socketClosed: () => Promise<void>;
  close: () => Promise<void>;
}

const open: TestServer[] = [];

/** Starts a loopback server (http, or https with `tls`) recording every request. */
export async function startServer(handler: Handler, tls?: https.ServerOptions): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const sockets = new Set<Socket>();
  const closeWaiters: Array<() => void> = [];
  const wrapped: Handler = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      handler(req, res);
    });
  };
  const server = tls === undefined ? http.createServer(wrapped) : https.createServer(tls, wrapped);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => {
      sockets.delete(s);
      closeWaiters.splice(0).forEach((w) => {
        w();
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const t: TestServer = {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    server,
    requests,
    socketClosed: () => new Promise<void>((r) => closeWaiters.push(r)),
    close: async () => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) =>
        server.close(() => {
          r();
        }),
      );
    },
  };
  open.push(t);
  return t;
}

/** Closes every server started by {@link startServer}. */
export async function closeServers(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => s.close()));
}

/** Sends a JSON answer. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A Kubernetes Status body. */
export function statusBody(code: number, reason: string, message: string, details?: unknown): unknown {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, details };
}

/** A credential provider that hands out numbered tokens and counts refreshes. */
export function countingCredentials(opts: {
  refresh: boolean | (() => boolean);
  token?: string;
}): CredentialProvider & {
  gets: number;
  refreshes: Credentials[];
} {
  let n = 0;
  const p = {
    gets: 0,
    refreshes: [] as Credentials[],
    get: () => {
      p.gets++;
      return Promise.resolve({ headers: { Authorization: `Bearer ${opts.token ?? 'tok'}-${n}` } });
    },
    refresh: (used: Credentials) => {
      p.refreshes.push(used);
      const ok = typeof opts.refresh === 'function' ? opts.refresh() : opts.refresh;
      if (ok) n++;
      return Promise.resolve(ok);
    },
  };
  return p;
}

export const widget = (name: string, rv = '1', size = 1): Widget => ({
  metadata: { name, resourceVersion: rv },
  spec: { size },
});

/** What `p` rejects with; throws when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject');
}
