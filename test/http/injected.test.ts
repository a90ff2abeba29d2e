import axios from 'axios';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { staticTokenCredentials } from '../../src/config/connection.js';
import { ApiStatusError } from '../../src/errors.js';
import { createTransport } from '../../src/http/transport.js';
import { widget, widgets } from './helpers.js';

const base = 'https://kcp.test:6443';
const seen: Array<{ url: string; auth: string | null; custom: string | null }> = [];
const msw = setupServer(
  http.get(`${base}/clusters/:cluster/apis/example.kcp.io/v1alpha1/widgets/:name`, ({ request, params }) => {
    seen.push({
      url: request.url,
      auth: request.headers.get('authorization'),
      custom: request.headers.get('x-custom'),
    });
    if (params['name'] === 'missing') {
      return HttpResponse.json(
        { kind: 'Status', code: 404, reason: 'NotFound', message: 'widgets "missing" not found' },
        { status: 404 },
      );
    }
    return HttpResponse.json(widget(String(params['name'])));
  }),
);

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

describe('an injected axios instance', () => {
  const instance = axios.create({ headers: { 'X-Custom': 'yes' } });
  const t = createTransport({
    connection: {
      server: `${base}/clusters/root`,
      tls: { insecureSkipTlsVerify: false },
      credentials: staticTokenCredentials('injected-token'),
    },
    http: instance,
    userAgent: 'my-controller/1.0',
  });

  it('is used as is, with the credential headers added', async () => {
    await expect(t.get(widgets, 'root:org', 'a')).resolves.toEqual(widget('a'));
    expect(seen).toEqual([
      {
        url: `${base}/clusters/root:org/apis/example.kcp.io/v1alpha1/widgets/a`,
        auth: 'Bearer injected-token',
        custom: 'yes',
      },
    ]);
  });

  it('maps error answers to ApiStatusError', async () => {
    await expect(t.get(widgets, 'root', 'missing')).rejects.toThrow(ApiStatusError);
    await expect(t.get(widgets, 'root', 'missing')).rejects.toMatchObject({
      status: 404,
      reason: 'NotFound',
    });
  });

  it('close() is harmless without agents', async () => {
    await expect(t.close()).resolves.toBeUndefined();
  });
});
