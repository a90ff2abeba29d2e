import axios from 'axios';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client.js';
import type { KcpClient } from '../../src/client-types.js';
import { isApiStatusError, isInvalidArgumentError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';

const base = 'https://kcp.test:6443';
const A = 'https://shard-a.kcp.test:6443/services/apiexport/2hwz/cowboys';
const PLAIN = 'http://shard-b.kcp.example/services/apiexport/2hwz/cowboys';
const TOKEN = 'consumers-token-abcdef';

const slice = (urls: string[]) => ({
  apiVersion: 'apis.kcp.io/v1alpha1',
  kind: 'APIExportEndpointSlice',
  metadata: { name: 'cowboys', resourceVersion: '5', annotations: { 'kcp.io/cluster': '2hwz' } },
  spec: { export: { path: 'root:org:provider', name: 'cowboys' } },
  status: {
    conditions: [{ type: 'APIExportValid', status: 'True' }],
    endpoints: urls.map((url) => ({ url })),
  },
});
const apiExport = {
  apiVersion: 'apis.kcp.io/v1alpha1',
  kind: 'APIExport',
  metadata: { name: 'cowboys', resourceVersion: '3', annotations: { 'kcp.io/path': 'root:org:provider' } },
  spec: {},
  status: {},
};
const bindings = (cluster: string) => ({
  apiVersion: 'apis.kcp.io/v1alpha1',
  kind: 'APIBindingList',
  metadata: { resourceVersion: '40' },
  items: [
    {
      apiVersion: 'apis.kcp.io/v1alpha1',
      kind: 'APIBinding',
      metadata: { name: 'cowboys', resourceVersion: '39', annotations: { 'kcp.io/cluster': cluster } },
      spec: { reference: { export: { path: 'root:org:provider', name: 'cowboys' } } },
      status: { phase: 'Bound', conditions: [{ type: 'Ready', status: 'True' }] },
    },
  ],
});
const forbidden = {
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code: 403,
  reason: 'Forbidden',
  message: 'apibindings.apis.kcp.io is forbidden: User "provider" cannot list resource "apibindings"',
};

const seen: Array<{ url: string; auth: string | null }> = [];
const msw = setupServer();
beforeAll(() => {
  msw.listen({ onUnhandledRequest: 'error' });
});
afterEach(() => {
  msw.resetHandlers();
  seen.splice(0);
});
afterAll(() => {
  msw.close();
});

function serve(urls: string[]) {
  msw.use(
    http.get(`${base}/clusters/:cluster/apis/apis.kcp.io/v1alpha1/apiexportendpointslices/cowboys`, () =>
      HttpResponse.json(slice(urls)),
    ),
    http.get(`${base}/clusters/:cluster/apis/apis.kcp.io/v1alpha1/apiexports/cowboys`, () =>
      HttpResponse.json(apiExport),
    ),
    http.get(`${A}/clusters/*/apis/apis.kcp.io/v1alpha1/apibindings`, ({ request }) => {
      seen.push({ url: request.url, auth: request.headers.get('authorization') });
      return HttpResponse.json(forbidden, { status: 403 });
    }),
    http.get(`${PLAIN}/clusters/*/apis/apis.kcp.io/v1alpha1/apibindings`, ({ request }) => {
      seen.push({ url: request.url, auth: request.headers.get('authorization') });
      return HttpResponse.json(bindings('c-plain'));
    }),
    http.get(
      `http://127.0.0.1:16443/services/apiexport/2hwz/cowboys/clusters/*/apis/apis.kcp.io/v1alpha1/apibindings`,
      ({ request }) => {
        seen.push({ url: request.url, auth: request.headers.get('authorization') });
        return HttpResponse.json(bindings('c-rewritten'));
      },
    ),
  );
}

const clients: KcpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function client(extra: { logger?: Partial<Logger>; rewriteUrl?: (url: string) => string } = {}): KcpClient {
  const c = createClient({
    server: `${base}/clusters/root`,
    token: TOKEN,
    kubeconfig: { apiVersion: 'v1', kind: 'Config' },
    http: axios.create(),
    logger: extra.logger ?? { warn: () => undefined },
    watch: { backoffInitialMs: 1, backoffMaxMs: 4 },
    ...(extra.rewriteUrl === undefined ? {} : { rewriteUrl: extra.rewriteUrl }),
  });
  clients.push(c);
  return c;
}

describe('listConsumers', () => {
  it('reports an endpoint that refuses in failures and still lists the others', async () => {
    serve([A, PLAIN]);
    const list = await client().listConsumers('root:org:provider:cowboys');
    expect(list.consumers.map((c) => c.cluster)).toEqual(['c-plain']);
    expect(list.failures).toHaveLength(1);
    expect(list.failures[0]!.endpoint).toBe(A);
    expect(isApiStatusError(list.failures[0]!.error) && list.failures[0]!.error.status).toBe(403);
  });

  it('sends no credentials to a plain http:// endpoint on another host, and says so', async () => {
    serve([A, PLAIN]);
    const warnings: string[] = [];
    await client({ logger: { warn: (m) => warnings.push(m) } }).listConsumers('root:org:provider:cowboys');
    expect(seen.find((s) => s.url.startsWith('http://shard-b'))?.auth).toBeNull();
    expect(seen.find((s) => s.url.startsWith('https://shard-a'))?.auth).toBe(`Bearer ${TOKEN}`);
    expect(
      warnings.some((w) => w.includes('credentials withheld') && w.includes('shard-b.kcp.example')),
    ).toBe(true);
    expect(warnings.join('\n')).not.toContain(TOKEN);
  });

  it('sends requests to the rewritten URL, reporting the published endpoint and the rewritten url', async () => {
    serve([A]);
    const list = await client({
      rewriteUrl: (url) => url.replace('https://shard-a.kcp.test:6443', 'http://127.0.0.1:16443'),
    }).listConsumers('root:org:provider:cowboys');
    expect(list.failures).toEqual([]);
    expect(list.consumers).toEqual([
      expect.objectContaining({
        endpoint: A,
        cluster: 'c-rewritten',
        url: 'http://127.0.0.1:16443/services/apiexport/2hwz/cowboys/clusters/c-rewritten',
      }),
    ]);
    // Loopback over http still gets the credentials (local port-forwards).
    expect(seen[0]?.auth).toBe(`Bearer ${TOKEN}`);
  });

  it('rejects with InvalidArgumentError when rewriteUrl returns no absolute http(s) URL', async () => {
    serve([A]);
    const error = await client({ rewriteUrl: () => 'shard-a:6443' })
      .listConsumers('root:org:provider:cowboys')
      .catch((e: unknown) => e);
    expect(isInvalidArgumentError(error) && error.message).toMatch(/rewriteUrl returned "shard-a:6443"/);
  });

  it('throws InvalidArgumentError for an unknown engage option', () => {
    expect(() => client().listConsumers('root:org:provider:cowboys', { engage: 'some' as 'any' })).toThrow(
      /engage must be "ready" or "any"/,
    );
  });
});

describe('the probe option', () => {
  it('throws InvalidArgumentError at the call, before any request, for a probe that is no boolean or target', () => {
    const c = client();
    const bad = { group: 'wildwest.dev', version: '', resource: 'cowboys' };
    expect(() => c.watchEndpoints('root:org:provider:cowboys', { probe: bad })).toThrow(
      /^probe must be true, false or \{ group, version, resource \}/,
    );
    expect(() =>
      c.watchConsumers('root:org:provider:cowboys', { probe: 'yes' as unknown as boolean }),
    ).toThrow(/got "yes"$/);
    expect(seen).toEqual([]);
  });
});
