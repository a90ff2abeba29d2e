import axios from 'axios';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from '../../src/client.js';
import { isAbortError, isDecodeError, isNetworkError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';

const base = 'https://kcp.test:6443';
const slices = `${base}/clusters/:cluster/apis/apis.kcp.io/v1alpha1/apiexportendpointslices/today-cowboys`;
const exportsUrl = `${base}/clusters/:cluster/apis/apis.kcp.io/v1alpha1/apiexports/today-cowboys`;
const LEGACY = 'https://root.kcp.test:6443/services/apiexport/2hwz/today-cowboys';

const slice = (endpoints: Array<{ url: string }> = []) => ({
  apiVersion: 'apis.kcp.io/v1alpha1',
  kind: 'APIExportEndpointSlice',
  metadata: { name: 'today-cowboys', resourceVersion: '5', annotations: { 'kcp.io/cluster': '2hwz' } },
  spec: { export: { path: 'root:org:provider', name: 'today-cowboys' } },
  status: { conditions: [{ type: 'APIExportValid', status: 'True' }], endpoints },
});
const apiExport = (urls: string[] = [LEGACY]) => ({
  apiVersion: 'apis.kcp.io/v1alpha1',
  kind: 'APIExport',
  metadata: { name: 'today-cowboys', resourceVersion: '3' },
  spec: {},
  status: { virtualWorkspaces: urls.map((url) => ({ url })) },
});

const msw = setupServer();
beforeAll(() => {
  msw.listen({ onUnhandledRequest: 'error' });
});
afterEach(() => {
  msw.resetHandlers();
});
afterAll(() => {
  msw.close();
});

function client(logger?: Partial<Logger>) {
  return createClient({
    server: `${base}/clusters/root`,
    token: 'sekret-token-abcdef',
    kubeconfig: { apiVersion: 'v1', kind: 'Config' },
    http: axios.create(),
    logger: logger ?? { warn: () => undefined },
    watch: { backoffInitialMs: 1, backoffMaxMs: 4 },
  });
}

describe('resolveEndpoints', () => {
  it('reads slice and export under the export’s workspace and warns once per export about the legacy fallback', async () => {
    const clusters: string[] = [];
    msw.use(
      http.get(slices, ({ params }) => {
        clusters.push(String(params['cluster']));
        return HttpResponse.json(slice());
      }),
      http.get(exportsUrl, ({ params }) => {
        clusters.push(String(params['cluster']));
        return HttpResponse.json(apiExport());
      }),
    );
    const warn = vi.fn();
    const c = client({ warn });
    const r = await c.resolveEndpoints('root:org:provider:today-cowboys');
    await c.resolveEndpoints({ path: 'root:org:provider', name: 'today-cowboys' });
    expect(r).toMatchObject({ source: 'virtualWorkspaces', phase: 'AwaitingBinding', urls: [LEGACY] });
    expect(new Set(clusters)).toEqual(new Set(['root:org:provider']));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('root:org:provider:today-cowboys');
    await c.close();
  });

  it('retries server errors and succeeds once the server recovers', async () => {
    let calls = 0;
    msw.use(
      http.get(slices, () => {
        calls += 1;
        return calls < 3
          ? HttpResponse.json({ kind: 'Status', code: 503, reason: 'ServiceUnavailable' }, { status: 503 })
          : HttpResponse.json(slice([{ url: LEGACY }]));
      }),
      http.get(exportsUrl, () => HttpResponse.json(apiExport([]))),
    );
    const c = client();
    const r = await c.resolveEndpoints('root:org:provider:today-cowboys');
    expect(r.phase).toBe('Ready');
    expect(calls).toBe(3);
    await c.close();
  });

  it('rejects with NetworkError when the server stays unreachable after the retries', async () => {
    let calls = 0;
    msw.use(
      http.get(slices, () => {
        calls += 1;
        return HttpResponse.error();
      }),
      http.get(exportsUrl, () => HttpResponse.json(apiExport([]))),
    );
    const c = client();
    const e: unknown = await c.resolveEndpoints('root:org:provider:today-cowboys').catch((x: unknown) => x);
    expect(isNetworkError(e)).toBe(true);
    expect(calls).toBe(4);
    await c.close();
  });

  it('rejects with DecodeError when the server sends an object of the wrong shape', async () => {
    msw.use(
      http.get(slices, () =>
        HttpResponse.json({ metadata: { name: 'today-cowboys' }, spec: { export: 42 } }),
      ),
      http.get(exportsUrl, () => HttpResponse.json(apiExport([]))),
    );
    const c = client();
    const e: unknown = await c.resolveEndpoints('root:org:provider:today-cowboys').catch((x: unknown) => x);
    expect(isDecodeError(e)).toBe(true);
    expect(String(e)).toContain('spec.export');
    await c.close();
  });

  it('rejects with AbortError when the caller aborts while waiting to retry', async () => {
    msw.use(
      http.get(slices, () => HttpResponse.json({ kind: 'Status', code: 500 }, { status: 500 })),
      http.get(exportsUrl, () => HttpResponse.json(apiExport([]))),
    );
    const c = createClient({
      server: `${base}/clusters/root`,
      kubeconfig: { apiVersion: 'v1', kind: 'Config' },
      http: axios.create(),
      watch: { backoffInitialMs: 5_000 },
    });
    const ac = new AbortController();
    const p = c
      .resolveEndpoints('root:org:provider:today-cowboys', { signal: ac.signal })
      .catch((x: unknown) => x);
    setTimeout(() => {
      ac.abort();
    }, 30);
    expect(isAbortError(await p)).toBe(true);
    await c.close();
  });

  it('reads only the legacy field’s URLs in virtualWorkspaces mode and only the slice in endpointSlice mode', async () => {
    msw.use(
      http.get(slices, () => HttpResponse.json(slice())),
      http.get(exportsUrl, () => HttpResponse.json(apiExport())),
    );
    const c = client();
    const legacy = await c.resolveEndpoints('root:org:provider:today-cowboys', { mode: 'virtualWorkspaces' });
    const strict = await c.resolveEndpoints('root:org:provider:today-cowboys', { mode: 'endpointSlice' });
    expect(legacy).toMatchObject({ source: 'virtualWorkspaces', reason: 'LegacyOnly', urls: [LEGACY] });
    expect(strict).toMatchObject({ source: 'none', reason: 'NoBindingYet', urls: [] });
    await c.close();
  });
});
