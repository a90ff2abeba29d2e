import http from 'node:http';
import net from 'node:net';
import { TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  anonymousCredentials,
  type Connection,
  type CredentialProvider,
} from '../../src/config/connection.js';
import { isInvalidArgumentError, isNetworkError } from '../../src/errors.js';
import { AgentPool, parseProxyUrl } from '../../src/http/agents.js';
import { createTransport, type HttpTransport } from '../../src/http/transport.js';
import {
  closeServers,
  sendJson,
  startServer,
  widget,
  widgets,
  type TestServer,
  rejection,
} from './helpers.js';

interface Pems {
  cert: string;
  key: string;
}
let server: Pems;
let altOnly: Pems;
let clientA: Pems;
let clientB: Pems;

beforeAll(async () => {
  const san = (names: string[], ips: string[]) => [
    { name: 'basicConstraints' as const, cA: true },
    {
      name: 'subjectAltName' as const,
      altNames: [
        ...names.map((value) => ({ type: 2 as const, value })),
        ...ips.map((ip) => ({ type: 7 as const, ip })),
      ],
    },
  ];
  const [s, a, ca, cb] = await Promise.all([
    generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: san(['localhost'], ['127.0.0.1']),
    }),
    generate([{ name: 'commonName', value: 'kcp.example' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: san(['kcp.example'], []),
    }),
    generate([{ name: 'commonName', value: 'client-a' }], { keyType: 'ec', algorithm: 'sha256' }),
    generate([{ name: 'commonName', value: 'client-b' }], { keyType: 'ec', algorithm: 'sha256' }),
  ]);
  server = { cert: s.cert, key: s.private };
  altOnly = { cert: a.cert, key: a.private };
  clientA = { cert: ca.cert, key: ca.private };
  clientB = { cert: cb.cert, key: cb.private };
});

const transports: HttpTransport[] = [];
const proxies: http.Server[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await closeServers();
  await Promise.all(
    proxies.splice(0).map(
      (p) =>
        new Promise<void>((r) => {
          p.closeAllConnections();
          p.close(() => {
            r();
          });
        }),
    ),
  );
});

function make(conn: Partial<Connection> & { server: string }): HttpTransport {
  const t = createTransport({
    connection: { tls: { insecureSkipTlsVerify: false }, credentials: anonymousCredentials, ...conn },
  });
  transports.push(t);
  return t;
}

async function https(pems: Pems = server, requestCert = false): Promise<TestServer> {
  return startServer(
    (req, res) => {
      const socket = req.socket;
      if (!(socket instanceof TLSSocket)) throw new Error('expected a TLS socket');
      const subject = socket.getPeerCertificate().subject as Record<string, string> | undefined;
      sendJson(res, 200, { ...widget('a'), peer: subject?.['CN'] ?? null, sni: socket.servername });
    },
    { cert: pems.cert, key: pems.key, requestCert, rejectUnauthorized: false },
  );
}

interface Proxy {
  url: string;
  connects: string[];
  forwarded: string[];
  auth: Array<string | undefined>;
}

async function startProxy(refuse = false): Promise<Proxy> {
  const p: Proxy = { url: '', connects: [], forwarded: [], auth: [] };
  const proxy = http.createServer((req, res) => {
    p.forwarded.push(req.url ?? '');
    p.auth.push(req.headers['proxy-authorization']);
    const target = new URL(req.url ?? '');
    const up = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    req.pipe(up);
  });
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    p.connects.push(req.url ?? '');
    p.auth.push(req.headers['proxy-authorization']);
    if (refuse) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const up = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
    client.on('close', () => up.destroy());
  });
  proxies.push(proxy);
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  p.url = `http://user:p%40ss@127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
  return p;
}

describe('TLS', () => {
  it('verifies the server against the configured CA', async () => {
    const srv = await https();
    const t = make({ server: srv.url, tls: { insecureSkipTlsVerify: false, ca: server.cert } });
    await expect(t.get(widgets, 'root', 'a')).resolves.toMatchObject({ metadata: { name: 'a' } });
  });

  it('rejects an untrusted server certificate with a NetworkError that names the fix', async () => {
    const srv = await https();
    const e = await rejection(make({ server: srv.url }).get(widgets, 'root', 'a'));
    expect(isNetworkError(e)).toBe(true);
    expect((e as Error).message).toMatch(
      /TLS error .*not trusted.*certificate-authority.*insecure-skip-tls-verify/,
    );
  });

  it('skips verification only when insecureSkipTlsVerify is set', async () => {
    const srv = await https();
    const t = make({ server: srv.url, tls: { insecureSkipTlsVerify: true } });
    await expect(t.get(widgets, 'root', 'a')).resolves.toMatchObject({ metadata: { name: 'a' } });
  });

  it('fails on a host name mismatch and succeeds with tls-server-name', async () => {
    const srv = await https(altOnly);
    const bad = await rejection(
      make({ server: srv.url, tls: { insecureSkipTlsVerify: false, ca: altOnly.cert } }).get(
        widgets,
        'root',
        'a',
      ),
    );
    expect((bad as Error).message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    const t = make({
      server: srv.url,
      tls: { insecureSkipTlsVerify: false, ca: altOnly.cert, serverName: 'kcp.example' },
    });
    await expect(t.get(widgets, 'root', 'a')).resolves.toMatchObject({ sni: 'kcp.example' });
  });

  it('presents the configured client certificate, or the one an exec plugin returned', async () => {
    const srv = await https(server, true);
    const tls = { insecureSkipTlsVerify: false, ca: server.cert, cert: clientA.cert, key: clientA.key };
    await expect(make({ server: srv.url, tls }).get(widgets, 'root', 'a')).resolves.toMatchObject({
      peer: 'client-a',
    });
    const exec: CredentialProvider = {
      get: () => Promise.resolve({ headers: {}, cert: clientB.cert, key: clientB.key }),
      refresh: () => Promise.resolve(false),
    };
    await expect(
      make({ server: srv.url, tls, credentials: exec }).get(widgets, 'root', 'a'),
    ).resolves.toMatchObject({ peer: 'client-b' });
  });

  it('reuses one keep-alive connection and enables TCP keep-alive probes', async () => {
    const spy = vi.spyOn(net.Socket.prototype, 'setKeepAlive');
    const srv = await https();
    let connections = 0;
    srv.server.on('secureConnection', () => connections++);
    const t = make({ server: srv.url, tls: { insecureSkipTlsVerify: false, ca: server.cert } });
    await t.get(widgets, 'root', 'a');
    await t.get(widgets, 'root', 'a');
    expect(connections).toBe(1);
    expect(spy).toHaveBeenCalledWith(true, 30_000);
  });
});

describe('AgentPool', () => {
  it('caches one agent per exec certificate and evicts the oldest beyond four', async () => {
    const pool = new AgentPool({ insecureSkipTlsVerify: false });
    const base = pool.httpsAgentFor();
    const a = pool.httpsAgentFor('cert-a', 'key-a');
    expect(pool.httpsAgentFor('cert-a', 'key-a')).toBe(a);
    expect(a).not.toBe(base);
    for (const n of [1, 2, 3, 4]) pool.httpsAgentFor(`c${n}`, 'k');
    expect(pool.certAgentCount).toBe(4);
    expect(pool.httpsAgentFor('cert-a', 'key-a')).not.toBe(a);
    await pool.destroy();
    expect(pool.certAgentCount).toBe(0);
  });

  it('parses http proxy URLs and rejects other schemes', () => {
    expect(parseProxyUrl('http://u:p%40ss@proxy:3128')).toEqual({
      host: 'proxy',
      port: 3128,
      authorization: `Basic ${Buffer.from('u:p@ss').toString('base64')}`,
    });
    expect(parseProxyUrl('http://[::1]')).toEqual({ host: '::1', port: 80 });
    expect(() => parseProxyUrl('socks5://proxy:1080')).toThrow(/only http:\/\/ proxies/);
    expect(() => parseProxyUrl('nope')).toThrow(/not an absolute URL/);
    expect(
      isInvalidArgumentError(rejectionSync(() => make({ server: 'https://h', proxyUrl: 'https://p' }))),
    ).toBe(true);
  });
});

function rejectionSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('proxy', () => {
  it('tunnels https requests through CONNECT with proxy credentials', async () => {
    const srv = await https();
    const proxy = await startProxy();
    const tls = { insecureSkipTlsVerify: false, ca: server.cert, serverName: 'localhost' };
    const t = make({ server: srv.url, proxyUrl: proxy.url, tls });
    await expect(t.get(widgets, 'root', 'a')).resolves.toMatchObject({
      metadata: { name: 'a' },
      sni: 'localhost',
    });
    expect(proxy.connects).toEqual([`127.0.0.1:${srv.port}`]);
    expect(proxy.auth).toEqual([`Basic ${Buffer.from('user:p@ss').toString('base64')}`]);
    expect(srv.requests[0]?.url).toBe('/clusters/root/apis/example.kcp.io/v1alpha1/widgets/a');
  });

  it('still verifies the server certificate through the tunnel', async () => {
    const srv = await https();
    const proxy = await startProxy();
    const e = await rejection(make({ server: srv.url, proxyUrl: proxy.url }).get(widgets, 'root', 'a'));
    expect((e as Error).message).toMatch(/TLS error/);
  });

  it('fails with NetworkError when the proxy refuses CONNECT', async () => {
    const srv = await https();
    const proxy = await startProxy(true);
    const e = await rejection(
      make({ server: srv.url, proxyUrl: proxy.url, tls: { insecureSkipTlsVerify: true } }).get(
        widgets,
        'root',
        'a',
      ),
    );
    expect(isNetworkError(e)).toBe(true);
    expect((e as Error).message).toMatch(/refused CONNECT to 127\.0\.0\.1:\d+: 403/);
  });

  it('sends absolute-URI requests to the proxy for http servers', async () => {
    const srv = await startServer((_req, res) => {
      sendJson(res, 200, widget('a'));
    });
    const proxy = await startProxy();
    const t = make({ server: `${srv.url}/clusters/root`, proxyUrl: proxy.url });
    await expect(t.get(widgets, 'root:x', 'a')).resolves.toEqual(widget('a'));
    expect(proxy.forwarded).toEqual([`${srv.url}/clusters/root:x/apis/example.kcp.io/v1alpha1/widgets/a`]);
    expect(proxy.auth).toEqual([`Basic ${Buffer.from('user:p@ss').toString('base64')}`]);
    expect(proxy.connects).toEqual([]);
  });
});
