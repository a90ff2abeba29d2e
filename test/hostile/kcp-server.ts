import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import fc from 'fast-check';

/**
 * A loopback "kcp" that answers with whatever the test puts in {@link HostileKcp.state}: the APIExport and
 * APIExportEndpointSlice it serves (get, list and a watch that stays silent) and the message of the `404`
 * Status it gives for everything else. For tests of what the client and the CLI do with hostile server data.
 */
export interface HostileKcp {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** What the server answers with; change it between requests. */
  state: HostileState;
  /** A kubeconfig (JSON text) for `<url>/clusters/root` without credentials. */
  kubeconfig(): string;
  close(): Promise<void>;
}

/** The data a {@link HostileKcp} serves. */
export interface HostileState {
  exportObject: Record<string, unknown>;
  sliceObject: Record<string, unknown>;
  /** Message of the 404 Status returned for every other request, and of the 403 for names `forbidden*`. */
  notFoundMessage: string;
}

const OBJECT =
  /^\/clusters\/([^/]+)\/apis\/apis\.kcp\.io\/(v1alpha1|v1alpha2)\/(apiexports|apiexportendpointslices)(?:\/([^/]+))?$/;

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Starts a {@link HostileKcp} on 127.0.0.1. */
export async function startHostileKcp(state: HostileState): Promise<HostileKcp> {
  const sockets = new Set<Socket>();
  const kcp = { state } as HostileKcp;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = OBJECT.exec(url.pathname);
    if (m === null || req.method !== 'GET') {
      send(res, 404, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: 404,
        reason: 'NotFound',
        message: kcp.state.notFoundMessage,
      });
      return;
    }
    const [, , version = 'v1alpha1', resource, name] = m;
    if (name?.startsWith('forbidden') === true) {
      send(res, 403, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: 403,
        reason: 'Forbidden',
        message: kcp.state.notFoundMessage,
      });
      return;
    }
    const obj = resource === 'apiexports' ? kcp.state.exportObject : kcp.state.sliceObject;
    const typed = { ...obj, apiVersion: `apis.kcp.io/${version}` };
    if (name !== undefined) {
      send(res, 200, {
        ...typed,
        metadata: { ...(obj['metadata'] as object), name: decodeURIComponent(name) },
      });
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      return; // silent until the client goes away
    }
    send(res, 200, {
      kind: `${String(obj['kind'])}List`,
      apiVersion: `apis.kcp.io/${version}`,
      metadata: { resourceVersion: '1' },
      items: [typed],
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  kcp.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  kcp.kubeconfig = () =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'h', cluster: { server: `${kcp.url}/clusters/root` } }],
      users: [{ name: 'h', user: {} }],
      contexts: [{ name: 'h', context: { cluster: 'h', user: 'h' } }],
      'current-context': 'h',
    });
  kcp.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => {
      server.close(() => {
        r();
      });
    });
  };
  return kcp;
}

/** Characters and sequences a terminal or a line-based reader would act on. */
export const HOSTILE_SEQUENCES = [
  '\n',
  '\r',
  '\t',
  '\u0000',
  '\u0007',
  '\u0008',
  '\u001b',
  '\u001b[31m',
  '\u001b[2J',
  '\u001b]0;pwned\u0007',
  '\u001b]8;;https://evil.example\u0007',
  '\u007f',
  '\u0085',
  '\u009b',
  '\u2028',
  '\u2029',
  '\u202e',
  '\u2066',
];

/** Any string a terminal would act on: printable text interleaved with {@link HOSTILE_SEQUENCES}. */
export const hostileText: fc.Arbitrary<string> = fc
  .array(fc.oneof(fc.constantFrom(...HOSTILE_SEQUENCES), fc.string({ maxLength: 6 })), {
    minLength: 1,
    maxLength: 8,
  })
  .map((parts) => parts.join(''));

const ch = (code: number): string => String.fromCharCode(code);

/** A control character (or line/paragraph separator, bidi mark) in terminal output; newlines excepted. */
export const RAW_CONTROL = new RegExp(
  `[${ch(0)}-${ch(9)}${ch(0xb)}-${ch(0x1f)}${ch(0x7f)}-${ch(0x9f)}${ch(0x200e)}${ch(0x200f)}${ch(0x2028)}${ch(0x2029)}${ch(0x202a)}-${ch(0x202e)}${ch(0x2066)}-${ch(0x2069)}]`,
);

/** Removes SGR colour sequences (`ESC [ … m`), which the CLI writes itself on a terminal. */
export function stripSgr(text: string): string {
  return text.replace(new RegExp(`${ch(0x1b)}\\[[0-9;]*m`, 'g'), '');
}

/** A kcp APIExport as the {@link HostileKcp} serves it. */
export function hostileExport(name: string, vwUrls: string[], condition: Condition): Record<string, unknown> {
  return {
    kind: 'APIExport',
    metadata: {
      name,
      resourceVersion: '5',
      annotations: { 'kcp.io/cluster': 'hostile', 'kcp.io/path': 'root' },
    },
    spec: { latestResourceSchemas: [] },
    status: { conditions: [condition], virtualWorkspaces: vwUrls.map((url) => ({ url })) },
  };
}

/** A kcp APIExportEndpointSlice as the {@link HostileKcp} serves it. */
export function hostileSlice(name: string, urls: string[], condition: Condition): Record<string, unknown> {
  return {
    kind: 'APIExportEndpointSlice',
    metadata: { name, resourceVersion: '6', annotations: { 'kcp.io/cluster': 'hostile' } },
    spec: { export: { path: 'root', name } },
    status: { conditions: [condition], endpoints: urls.map((url) => ({ url })) },
  };
}

/** A status condition. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime: string;
}
