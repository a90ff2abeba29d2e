import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  anonymousCredentials,
  staticTokenCredentials,
  type Connection,
} from '../../src/config/connection.js';
import {
  ApiStatusError,
  ConflictError,
  isApiStatusError,
  isConflict,
  isAbortError,
  isDecodeError,
  isInvalidArgumentError,
  isTimeoutError,
} from '../../src/errors.js';
import { createTransport, type HttpTransport } from '../../src/http/transport.js';
import { exportedDescriptor } from '../../src/kcp/exported.js';
import {
  closeServers,
  sendJson,
  startServer,
  statusBody,
  widget,
  widgets,
  type Handler,
  rejection,
} from './helpers.js';

const transports: HttpTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await closeServers();
});

function conn(server: string, extra: Partial<Connection> = {}): Connection {
  return { server, tls: { insecureSkipTlsVerify: false }, credentials: anonymousCredentials, ...extra };
}

async function setup(handler: Handler, extra: Partial<Connection> = {}, requestTimeoutMs?: number) {
  const srv = await startServer(handler);
  const t = createTransport({ connection: conn(`${srv.url}/clusters/root`, extra), requestTimeoutMs });
  transports.push(t);
  return { srv, t };
}

describe('typed calls', () => {
  it('GETs an object under /clusters/<path> and validates it', async () => {
    const { srv, t } = await setup((_req, res) => {
      sendJson(res, 200, widget('a'));
    });
    await expect(t.get(widgets, 'root:org', 'a')).resolves.toEqual(widget('a'));
    expect(srv.requests[0]?.url).toBe('/clusters/root:org/apis/example.kcp.io/v1alpha1/widgets/a');
    expect(srv.requests[0]?.headers['user-agent']).toBe('kcp-endpoints');
    expect(srv.requests[0]?.headers.accept).toBe('application/json');
    expect(t.baseUrl).toBe(srv.url);
    expect(t.url(widgets, '*')).toBe(`${srv.url}/clusters/*/apis/example.kcp.io/v1alpha1/widgets`);
  });

  it('sends the credential headers on every request', async () => {
    const { srv, t } = await setup(
      (_req, res) => {
        sendJson(res, 200, widget('a'));
      },
      {
        credentials: staticTokenCredentials('abc-token-xyz'),
      },
    );
    await t.get(widgets, 'root', 'a');
    expect(srv.requests[0]?.headers.authorization).toBe('Bearer abc-token-xyz');
  });

  it('creates with POST, updates with PUT, merge-patches with PATCH and deletes', async () => {
    const { srv, t } = await setup((req, res) => {
      if (req.method === 'DELETE') {
        sendJson(res, 200, statusBody(200, '', 'deleted'));
        return;
      }
      sendJson(res, req.method === 'POST' ? 201 : 200, widget('a', '2'));
    });
    await expect(t.create(widgets, 'root', widget('a'))).resolves.toEqual(widget('a', '2'));
    await t.update(widgets, 'root', 'a', widget('a'));
    await t.patch(widgets, 'root', 'a', { spec: { size: 4 } });
    await expect(t.delete(widgets, 'root', 'a')).resolves.toBeUndefined();
    const r = srv.requests;
    expect(r.map((x) => `${x.method} ${x.url}`)).toEqual([
      'POST /clusters/root/apis/example.kcp.io/v1alpha1/widgets',
      'PUT /clusters/root/apis/example.kcp.io/v1alpha1/widgets/a',
      'PATCH /clusters/root/apis/example.kcp.io/v1alpha1/widgets/a',
      'DELETE /clusters/root/apis/example.kcp.io/v1alpha1/widgets/a',
    ]);
    expect(r[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r[0]!.body)).toEqual(widget('a'));
    expect(r[2]?.headers['content-type']).toBe('application/merge-patch+json');
    expect(JSON.parse(r[2]!.body)).toEqual({ spec: { size: 4 } });
  });

  it('GETs a raw path under the base URL without validating it', async () => {
    const { srv, t } = await setup((_req, res) => {
      sendJson(res, 200, { gitVersion: 'v1.31' });
    });
    await expect(t.raw('/clusters/root/version')).resolves.toEqual({ gitVersion: 'v1.31' });
    expect(srv.requests[0]?.url).toBe('/clusters/root/version');
    expect(isInvalidArgumentError(await rejection(t.raw('version')))).toBe(true);
  });

  it('rejects an invalid cluster or object name without a request', async () => {
    const { srv, t } = await setup((_req, res) => {
      sendJson(res, 200, {});
    });
    expect(isInvalidArgumentError(await rejection(t.get(widgets, 'Root!', 'a')))).toBe(true);
    expect(isInvalidArgumentError(await rejection(t.get(widgets, 'root', '..')))).toBe(true);
    expect(isInvalidArgumentError(await rejection(t.list(widgets, '')))).toBe(true);
    expect(() => t.url(widgets, 'a/b')).toThrow(/Invalid cluster/);
    expect(srv.requests).toHaveLength(0);
  });
});

describe('list', () => {
  it('follows continue tokens across pages, sending resourceVersion only on the first', async () => {
    const { srv, t } = await setup((req, res) => {
      const q = new URL(req.url ?? '', 'http://x').searchParams;
      const page = q.get('continue');
      if (page === null) {
        sendJson(res, 200, {
          items: [widget('a'), widget('b')],
          metadata: { continue: 'p2', resourceVersion: '10' },
        });
        return;
      }
      if (page === 'p2') {
        sendJson(res, 200, {
          items: [widget('c')],
          metadata: { continue: 'p3', resourceVersion: '11' },
        });
        return;
      }
      sendJson(res, 200, { items: null, metadata: { continue: '', resourceVersion: '12' } });
    });
    const list = await t.list(widgets, 'root', {
      limit: 2,
      resourceVersion: '0',
      labelSelector: 'a=b',
      fieldSelector: 'metadata.name=x',
    });
    expect(list.items.map((w) => w.metadata.name)).toEqual(['a', 'b', 'c']);
    expect(list.resourceVersion).toBe('12');
    expect(srv.requests.map((r) => r.url)).toEqual([
      '/clusters/root/apis/example.kcp.io/v1alpha1/widgets?fieldSelector=metadata.name%3Dx&labelSelector=a%3Db&resourceVersion=0&limit=2',
      '/clusters/root/apis/example.kcp.io/v1alpha1/widgets?fieldSelector=metadata.name%3Dx&labelSelector=a%3Db&limit=2&continue=p2',
      '/clusters/root/apis/example.kcp.io/v1alpha1/widgets?fieldSelector=metadata.name%3Dx&labelSelector=a%3Db&limit=2&continue=p3',
    ]);
  });

  it('names the index and issue path of a bad item', async () => {
    const { t } = await setup((req, res) => {
      const page = new URL(req.url ?? '', 'http://x').searchParams.get('continue');
      if (page === null) {
        sendJson(res, 200, { items: [widget('a')], metadata: { continue: 'p2' } });
        return;
      }
      sendJson(res, 200, {
        items: [widget('b'), { metadata: { name: 'bad' }, spec: { size: 'big' } }],
        metadata: {},
      });
    });
    const e = await rejection(t.list(widgets, 'root'));
    expect(isDecodeError(e)).toBe(true);
    expect((e as Error).message).toMatch(
      /Widget list item 2 "bad" is malformed: items\.2\.spec\.size must be a number, got string/,
    );
    expect((e as { issues: string[] }).issues).toEqual(['items.2.spec.size']);
  });

  it('fails with DecodeError when the answer is not a list or repeats a continue token', async () => {
    const notList = await setup((_req, res) => {
      sendJson(res, 200, { items: 'nope' });
    });
    expect(isDecodeError(await rejection(notList.t.list(widgets, 'root')))).toBe(true);
    const loop = await setup((_req, res) => {
      sendJson(res, 200, { items: [], metadata: { continue: 'same' } });
    });
    const e = await rejection(loop.t.list(widgets, 'root'));
    expect((e as Error).message).toMatch(/repeated continue token/);
  });
});

describe('decoding', () => {
  it('fails with DecodeError (issues as dotted paths) when the object does not match the schema', async () => {
    const { t } = await setup((_req, res) => {
      sendJson(res, 200, { metadata: { name: 'a' }, spec: { size: 'x' } });
    });
    const e = await rejection(t.get(widgets, 'root', 'a'));
    expect(isDecodeError(e)).toBe(true);
    expect((e as { issues: string[] }).issues).toEqual(['spec.size']);
  });

  it('fails with DecodeError on a non-JSON 200 body', async () => {
    const { t } = await setup((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<html>login page</html>');
    });
    const e = await rejection(t.get(widgets, 'root', 'a'));
    expect(isDecodeError(e)).toBe(true);
    expect((e as Error).message).toMatch(/response is not JSON/);
    expect((e as { snippet: string }).snippet).toContain('login page');
  });
});

describe('401 handling', () => {
  function refreshing(refresh: boolean) {
    let n = 0;
    const seen: string[] = [];
    return {
      seen,
      get refreshes() {
        return n;
      },
      provider: {
        get: () => Promise.resolve({ headers: { Authorization: `Bearer token-${n}` } }),
        refresh: (used: { headers: Record<string, string> }) => {
          seen.push(used.headers.Authorization ?? '');
          if (refresh) n++;
          return Promise.resolve(refresh);
        },
      },
    };
  }

  it('refreshes the credentials and retries once when the refresh succeeds', async () => {
    const c = refreshing(true);
    const { srv, t } = await setup(
      (req, res) => {
        if (req.headers.authorization === 'Bearer token-0') {
          sendJson(res, 401, statusBody(401, 'Unauthorized', 'expired'));
          return;
        }
        sendJson(res, 200, widget('a'));
      },
      { credentials: c.provider },
    );
    await expect(t.get(widgets, 'root', 'a')).resolves.toEqual(widget('a'));
    expect(srv.requests.map((r) => r.headers.authorization)).toEqual(['Bearer token-0', 'Bearer token-1']);
    expect(c.seen).toEqual(['Bearer token-0']);
  });

  it('fails with 401 Unauthorized when the refresh yields nothing new', async () => {
    const c = refreshing(false);
    const { srv, t } = await setup(
      (_req, res) => {
        sendJson(res, 401, statusBody(401, 'Unauthorized', 'nope'));
      },
      {
        credentials: c.provider,
      },
    );
    const e = await rejection(t.get(widgets, 'root', 'a'));
    expect(e).toBeInstanceOf(ApiStatusError);
    expect((e as ApiStatusError).status).toBe(401);
    expect(srv.requests).toHaveLength(1);
  });

  it('does not loop when the retried request gets 401 again', async () => {
    const c = refreshing(true);
    const { srv, t } = await setup(
      (_req, res) => {
        sendJson(res, 401, {});
      },
      { credentials: c.provider },
    );
    const e = await rejection(t.get(widgets, 'root', 'a'));
    expect((e as ApiStatusError).reason).toBe('Unauthorized');
    expect(srv.requests).toHaveLength(2);
    expect(c.refreshes).toBe(1);
  });

  it('passes a credential provider failure through', async () => {
    const boom = new ApiStatusError('exec failed', { status: 0, reason: 'X' });
    const { t } = await setup(
      (_req, res) => {
        sendJson(res, 200, {});
      },
      {
        credentials: { get: () => Promise.reject(boom), refresh: () => Promise.resolve(false) },
      },
    );
    expect(await rejection(t.get(widgets, 'root', 'a'))).toBe(boom);
  });
});

describe('cancellation and timeouts', () => {
  it('rejects with AbortError when the signal is already aborted', async () => {
    const { srv, t } = await setup((_req, res) => {
      sendJson(res, 200, widget('a'));
    });
    const e = await rejection(t.get(widgets, 'root', 'a', { signal: AbortSignal.abort() }));
    expect(isAbortError(e)).toBe(true);
    expect(srv.requests).toHaveLength(0);
  });

  it('rejects with AbortError when aborted while waiting', async () => {
    const { t } = await setup(() => undefined);
    const ac = new AbortController();
    const p = t.list(widgets, 'root', { signal: ac.signal });
    setTimeout(() => {
      ac.abort();
    }, 20);
    expect(isAbortError(await rejection(p))).toBe(true);
  });

  it('rejects with TimeoutError when the server does not answer in time', async () => {
    const { t } = await setup(() => undefined, {}, 30);
    const e = await rejection(t.get(widgets, 'root', 'a'));
    expect(isTimeoutError(e)).toBe(true);
    expect((e as { timeoutMs: number }).timeoutMs).toBe(30);
  });
});

describe('secrets', () => {
  const token = 'sekret-token-123456';
  const leaks = (e: unknown): string[] => {
    const views = [
      String(e),
      JSON.stringify(e),
      inspect(e, { depth: 10 }),
      inspect((e as Error).cause, { depth: 10 }),
      String((e as Error).cause),
    ];
    return views.filter((v) => v.includes(token));
  };

  it('never puts the token into an HTTP error, even when the server echoes the header', async () => {
    const { t } = await setup(
      (req, res) => {
        sendJson(
          res,
          403,
          statusBody(403, 'Forbidden', `user with ${req.headers.authorization ?? ''} cannot get`),
        );
      },
      { credentials: staticTokenCredentials(token) },
    );
    const e = await rejection(t.get(widgets, 'root', 'a'));
    expect((e as Error).message).toMatch(/403 Forbidden: user with Bearer \[REDACTED\] cannot get/);
    expect(leaks(e)).toEqual([]);
  });

  it('logs one debug line per request without headers or tokens', async () => {
    const lines: unknown[] = [];
    const srv = await startServer((_req, res) => {
      sendJson(res, 200, widget('a'));
    });
    const t = createTransport({
      connection: conn(srv.url, { credentials: staticTokenCredentials(token) }),
      logger: { debug: (m, c) => lines.push([m, c]) },
    });
    transports.push(t);
    await t.get(widgets, 'root', 'a');
    expect(lines).toEqual([
      [
        'http response',
        expect.objectContaining({ method: 'GET', status: 200, url: expect.stringContaining('/widgets/a') }),
      ],
    ]);
    expect(JSON.stringify(lines)).not.toContain(token);
  });

  it('never puts the token into network or timeout errors or their causes', async () => {
    const dead = createTransport({
      connection: conn('http://127.0.0.1:1', { credentials: staticTokenCredentials(token) }),
    });
    transports.push(dead);
    const refused = await rejection(dead.get(widgets, 'root', 'a'));
    expect((refused as Error).name).toBe('NetworkError');
    expect(leaks(refused)).toEqual([]);
    const slow = await setup(() => undefined, { credentials: staticTokenCredentials(token) }, 20);
    const timedOut = await rejection(slow.t.get(widgets, 'root', 'a'));
    expect(isTimeoutError(timedOut)).toBe(true);
    expect(leaks(timedOut)).toEqual([]);
  });
});

describe('namespaced objects, subresources and patch types', () => {
  const cowboys = exportedDescriptor({ group: 'wildwest.dev', version: 'v1alpha1', resource: 'cowboys' });
  const cowboy = (name: string, kind = 'Cowboy') => ({
    apiVersion: 'wildwest.dev/v1alpha1',
    kind,
    metadata: { name, namespace: 'default', resourceVersion: '7' },
    spec: { intent: 'ride' },
  });

  it('sends calls to /namespaces/<ns>/<plural>/<name>[/status] and JSON patches as application/json-patch+json', async () => {
    const { srv, t } = await setup((req, res) => {
      sendJson(res, req.method === 'POST' ? 201 : 200, cowboy('a'));
    });
    const ns = { namespace: 'default' };
    await t.create(cowboys, 'c1', cowboy('a'), ns);
    await t.get(cowboys, 'c1', 'a', ns);
    await t.update(cowboys, 'c1', 'a', cowboy('a'), { ...ns, subresource: 'status' });
    await t.patch(cowboys, 'c1', 'a', [{ op: 'replace', path: '/spec/intent', value: 'x' }], {
      ...ns,
      patchType: 'json',
    });
    await t.patch(cowboys, 'c1', 'a', { status: { result: 'y' } }, { ...ns, subresource: 'status' });
    const r = srv.requests;
    const base = '/clusters/c1/apis/wildwest.dev/v1alpha1/namespaces/default/cowboys';
    expect(r.map((x) => `${x.method} ${x.url}`)).toEqual([
      `POST ${base}`,
      `GET ${base}/a`,
      `PUT ${base}/a/status`,
      `PATCH ${base}/a`,
      `PATCH ${base}/a/status`,
    ]);
    expect(r[3]?.headers['content-type']).toBe('application/json-patch+json');
    expect(r[4]?.headers['content-type']).toBe('application/merge-patch+json');
    expect(t.url(cowboys, '*')).toBe(`${srv.url}/clusters/*/apis/wildwest.dev/v1alpha1/cowboys`);
  });

  it('refuses a bad namespace, a subresource without a name, an unknown patch type and a JSON patch that is not an array, before any request', async () => {
    const { srv, t } = await setup((_req, res) => {
      sendJson(res, 200, cowboy('a'));
    });
    const refused = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(isInvalidArgumentError(e)).toBe(true);
      return String(e);
    };
    expect(await refused(t.get(cowboys, 'c1', 'a', { namespace: 'a/b' }))).toContain(
      'Invalid namespace "a/b"',
    );
    expect(() => t.url(cowboys, 'c1', undefined, { subresource: 'status' })).toThrow(/needs an object name/);
    expect(
      await refused(t.patch(cowboys, 'c1', 'a', {}, { patchType: 'strategic' as unknown as 'json' })),
    ).toContain('patchType must be "merge" or "json"');
    expect(await refused(t.patch(cowboys, 'c1', 'a', { op: 'add' }, { patchType: 'json' }))).toContain(
      'array of operations',
    );
    expect(srv.requests).toEqual([]);
  });

  it('turns a 409 into a ConflictError that is also an ApiStatusError', async () => {
    const { t } = await setup((_req, res) => {
      sendJson(
        res,
        409,
        statusBody(
          409,
          'Conflict',
          'the object has been modified; please apply your changes to the latest version and try again',
        ),
      );
    });
    const e = await t.update(cowboys, 'c1', 'a', cowboy('a'), { namespace: 'default' }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ConflictError);
    expect(e).toBeInstanceOf(ApiStatusError);
    expect(isConflict(e)).toBe(true);
    expect(isApiStatusError(e)).toBe(true);
    expect((e as ConflictError).currentResourceVersion).toBeUndefined();
    expect(String(e)).toContain('409 Conflict: the object has been modified');
  });

  it('accepts objects and lists of any kind for a descriptor without a kind, and refuses another kind when it names one', async () => {
    const list = {
      apiVersion: 'wildwest.dev/v1alpha1',
      kind: 'CowboyList',
      metadata: { resourceVersion: '9' },
      items: [cowboy('a'), cowboy('b', 'Horse')],
    };
    const { t } = await setup((req, res) => {
      sendJson(res, 200, req.url?.endsWith('/cowboys') === true ? list : cowboy('a', 'Horse'));
    });
    await expect(t.list(cowboys, '*')).resolves.toMatchObject({ resourceVersion: '9' });
    await expect(t.get(cowboys, 'c1', 'a', { namespace: 'default' })).resolves.toMatchObject({
      kind: 'Horse',
    });
    const strict = exportedDescriptor({
      group: 'wildwest.dev',
      version: 'v1alpha1',
      resource: 'cowboys',
      kind: 'Cowboy',
    });
    const e = await t.get(strict, 'c1', 'a', { namespace: 'default' }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isDecodeError(e)).toBe(true);
    expect(String(e)).toContain('kind is "Horse", expected Cowboy');
  });
});
