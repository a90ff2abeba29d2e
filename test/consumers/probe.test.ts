import axios from 'axios';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { anonymousCredentials } from '../../src/config/connection.js';
import {
  APIBINDINGS_PROBE,
  probeEndpoint,
  probeOption,
  probePath,
  probeResource,
} from '../../src/consumers/probe.js';
import {
  isAbortError,
  isApiStatusError,
  isDecodeError,
  isInvalidArgumentError,
  isNetworkError,
  type KcpError,
} from '../../src/errors.js';
import { createTransport, type HttpTransport } from '../../src/http/transport.js';

const VW = 'https://shard-a.kcp.test:6443/services/apiexport/2hwz/cowboys';
const COWBOYS = { group: 'wildwest.dev', version: 'v1alpha1', resource: 'cowboys' };
const GV_URL = `${VW}/clusters/*/apis/wildwest.dev/v1alpha1`;
const APIS_URL = `${VW}/clusters/*/apis`;

const resourceList = (names: string[], groupVersion = 'wildwest.dev/v1alpha1') => ({
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion,
  resources: names.map((name) => ({
    name,
    singularName: '',
    namespaced: true,
    kind: 'Cowboy',
    verbs: ['get'],
  })),
});
const groupList = {
  kind: 'APIGroupList',
  apiVersion: 'v1',
  groups: [
    {
      name: 'wildwest.dev',
      versions: [{ groupVersion: 'wildwest.dev/v1alpha1', version: 'v1alpha1' }],
      preferredVersion: { groupVersion: 'wildwest.dev/v1alpha1', version: 'v1alpha1' },
    },
  ],
};
const status = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code,
  reason,
  message,
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

const transports: HttpTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

/** A transport to the endpoint, as EndpointCaches opens one (base URL = the endpoint URL). */
function transport(maxResponseBytes?: number): HttpTransport {
  const t = createTransport({
    connection: { server: VW, tls: { insecureSkipTlsVerify: false }, credentials: anonymousCredentials },
    http: axios.create(),
    ...(maxResponseBytes === undefined ? {} : { limits: { maxResponseBytes } }),
  });
  transports.push(t);
  return t;
}

function serve(url: string, respond: () => Response | Promise<Response>): string[] {
  const seen: string[] = [];
  msw.use(
    http.get(url, ({ request }) => {
      seen.push(request.url);
      return respond();
    }),
  );
  return seen;
}

describe('probeEndpoint with a resource', () => {
  it('serves when the resource list of the group/version names the resource, asked under /clusters/*', async () => {
    const seen = serve(GV_URL, () => HttpResponse.json(resourceList(['cowboys', 'cowboys/status'])));
    await expect(probeEndpoint(transport(), COWBOYS)).resolves.toEqual({ serving: true });
    expect(seen).toEqual([`${VW}/clusters/*/apis/wildwest.dev/v1alpha1`]);
  });

  it('does not serve when the list lacks the resource, and says what it lists', async () => {
    serve(GV_URL, () => HttpResponse.json(resourceList(['cowboys/status', 'horses'])));
    const r = await probeEndpoint(transport(), COWBOYS);
    expect(r.serving).toBe(false);
    expect(isDecodeError(r.error)).toBe(true);
    expect(r.error?.message).toBe(
      `GET ${GV_URL}: the virtual workspace lists no "cowboys" in wildwest.dev/v1alpha1 (it lists cowboys/status, horses)`,
    );
  });

  it('says "no resource" for an empty list and counts the names it leaves out of a long one', async () => {
    serve(GV_URL, () => HttpResponse.json(resourceList([])));
    expect((await probeEndpoint(transport(), COWBOYS)).error?.message).toMatch(/\(it lists no resource\)$/);
    msw.resetHandlers();
    serve(GV_URL, () => HttpResponse.json(resourceList(Array.from({ length: 11 }, (_, i) => `r${i}`))));
    expect((await probeEndpoint(transport(), COWBOYS)).error?.message).toMatch(
      /\(it lists r0, r1, r2, r3, r4, r5, r6, r7 and 3 more\)$/,
    );
  });

  it('does not serve when the list is of another group/version', async () => {
    serve(GV_URL, () => HttpResponse.json(resourceList(['cowboys'], 'wildwest.dev/v1beta1')));
    const r = await probeEndpoint(transport(), COWBOYS);
    expect(r.serving).toBe(false);
    expect(isDecodeError(r.error)).toBe(true);
    expect(r.error?.message).toContain(
      'groupVersion is "wildwest.dev/v1beta1", expected wildwest.dev/v1alpha1',
    );
  });

  it.each([
    [403, 'Forbidden', 'forbidden: User "provider" cannot get path "/clusters/*/apis": access denied'],
    [404, 'NotFound', 'the server could not find the requested resource'],
    [503, 'ServiceUnavailable', 'the virtual workspace is not ready'],
  ])('does not serve on %i, with the status error', async (code, reason, message) => {
    serve(GV_URL, () => HttpResponse.json(status(code, reason, message), { status: code }));
    const r = await probeEndpoint(transport(), COWBOYS);
    expect(r.serving).toBe(false);
    expect(isApiStatusError(r.error)).toBe(true);
    expect(r.error).toMatchObject({ status: code, reason });
    expect(r.error?.message).toBe(`GET ${GV_URL}: ${code} ${reason}: ${message}`);
  });

  it('does not serve on the plain-text 404 kcp answers before the virtual workspace has the export', async () => {
    serve(GV_URL, () => HttpResponse.text('404 page not found\n', { status: 404 }));
    const r = await probeEndpoint(transport(), COWBOYS);
    expect(r.error).toMatchObject({ status: 404, reason: 'NotFound' });
  });

  it('does not serve on a 200 that is not JSON (a proxy login page)', async () => {
    serve(GV_URL, () => HttpResponse.html('<html>sign in</html>'));
    const r = await probeEndpoint(transport(), COWBOYS);
    expect(isDecodeError(r.error)).toBe(true);
    expect(r.error?.message).toMatch(/^GET \S+: response is not JSON/);
  });

  it('does not serve on a 200 of the wrong shape, naming the field', async () => {
    serve(GV_URL, () =>
      HttpResponse.json({ kind: 'APIResourceList', groupVersion: 'wildwest.dev/v1alpha1', resources: 'all' }),
    );
    const r = await probeEndpoint(transport(), COWBOYS);
    expect(isDecodeError(r.error)).toBe(true);
    expect(r.error?.message).toBe(
      `GET ${GV_URL}: APIResourceList is malformed: resources must be an array, got string`,
    );
    serve(GV_URL, () => HttpResponse.json(status(200, '', 'odd')));
    const other = await probeEndpoint(transport(), COWBOYS);
    expect(other.error?.message).toContain('APIResourceList is malformed: kind');
  });

  it('does not serve on a body larger than the transport allows', async () => {
    const huge = resourceList(Array.from({ length: 200 }, (_, i) => `resource-${i}`).concat('cowboys'));
    serve(GV_URL, () => HttpResponse.json(huge));
    const r = await probeEndpoint(transport(1_000), COWBOYS);
    expect(isDecodeError(r.error)).toBe(true);
    expect(r.error?.message).toContain('limits.maxResponseBytes');
    await expect(probeEndpoint(transport(), COWBOYS)).resolves.toEqual({ serving: true });
  });

  it('does not serve when the endpoint cannot be reached', async () => {
    serve(GV_URL, () => HttpResponse.error());
    const r = await probeEndpoint(transport(), COWBOYS);
    expect(r.serving).toBe(false);
    expect(isNetworkError(r.error)).toBe(true);
  });

  it('rejects with AbortError when its signal aborts, before or during the request', async () => {
    let asked = 0;
    serve(GV_URL, async () => {
      asked += 1;
      await delay('infinite');
      return HttpResponse.json(resourceList(['cowboys']));
    });
    const ctrl = new AbortController();
    const probing = probeEndpoint(transport(), COWBOYS, ctrl.signal);
    while (asked === 0) await new Promise((r) => setTimeout(r, 2));
    ctrl.abort();
    const error: unknown = await probing.catch((e: unknown) => e);
    expect(isAbortError(error)).toBe(true);
    await expect(probeEndpoint(transport(), COWBOYS, AbortSignal.abort())).rejects.toSatisfy(isAbortError);
  });

  it('wraps a failure that is no KcpError (a broken transport) as a NetworkError', async () => {
    const broken = { baseUrl: VW, raw: () => Promise.reject(new Error('boom')) };
    const r = await probeEndpoint(broken, COWBOYS);
    expect(isNetworkError(r.error)).toBe(true);
    expect((r.error as KcpError).message).toBe(`GET ${GV_URL}: Error: boom`);
  });

  it('asks /clusters/*/api/<version> for the core group', async () => {
    const seen = serve(`${VW}/clusters/*/api/v1`, () =>
      HttpResponse.json({ kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'configmaps' }] }),
    );
    const core = { group: '', version: 'v1', resource: 'configmaps' };
    await expect(probeEndpoint(transport(), core)).resolves.toEqual({ serving: true });
    expect(seen).toHaveLength(1);
  });
});

describe('probeEndpoint without a resource', () => {
  it('serves when /clusters/*/apis answers an APIGroupList', async () => {
    const seen = serve(APIS_URL, () => HttpResponse.json(groupList));
    await expect(probeEndpoint(transport(), undefined)).resolves.toEqual({ serving: true });
    expect(seen).toEqual([APIS_URL]);
  });

  it('does not serve on 404, or on a document that is not an APIGroupList', async () => {
    serve(APIS_URL, () => HttpResponse.text('404 page not found\n', { status: 404 }));
    expect((await probeEndpoint(transport(), undefined)).error).toMatchObject({ status: 404 });
    msw.resetHandlers();
    serve(APIS_URL, () => HttpResponse.json({ kind: 'APIVersions', versions: ['v1'] }));
    const r = await probeEndpoint(transport(), undefined);
    expect(r.serving).toBe(false);
    expect(r.error?.message).toBe(
      `GET ${APIS_URL}: APIGroupList is malformed: kind: Invalid input: expected "APIGroupList"; groups is required`,
    );
  });
});

describe('probe options', () => {
  it('reads true, false, a target, and names what is probed', () => {
    expect(probeOption(undefined, APIBINDINGS_PROBE)).toBeUndefined();
    expect(probeOption(false, APIBINDINGS_PROBE)).toBeUndefined();
    expect(probeOption(true, APIBINDINGS_PROBE)).toEqual({ target: APIBINDINGS_PROBE });
    expect(probeOption(true, undefined)).toEqual({ target: undefined });
    expect(probeOption({ ...COWBOYS, extra: 1 }, undefined)).toEqual({ target: COWBOYS });
    expect(probePath(undefined)).toBe('/clusters/*/apis');
    expect(probePath(APIBINDINGS_PROBE)).toBe('/clusters/*/apis/apis.kcp.io/v1alpha1');
    expect(probeResource(undefined)).toBe('apis');
    expect(probeResource(COWBOYS)).toBe('cowboys.wildwest.dev');
    expect(probeResource({ group: '', version: 'v1', resource: 'configmaps' })).toBe('configmaps');
  });

  it.each([
    ['a string', 'yes'],
    ['null', null],
    ['an empty version', { ...COWBOYS, version: '' }],
    ['a resource with a slash', { ...COWBOYS, resource: 'cowboys/status' }],
    ['a group that is no string', { ...COWBOYS, group: 1 }],
    ['an array', []],
  ])('refuses %s with InvalidArgumentError naming the option', (_what, value) => {
    let error: unknown;
    try {
      probeOption(value, undefined);
    } catch (e) {
      error = e;
    }
    expect(isInvalidArgumentError(error)).toBe(true);
    expect(error).toMatchObject({
      message: expect.stringMatching(/^probe must be true, false or \{ group, version, resource \}/),
    });
  });

  it('shows an unprintable value without throwing', () => {
    expect(() => probeOption(10n, undefined)).toThrow(/got bigint$/);
    expect(() => probeOption(Symbol('s'), undefined)).toThrow(/got Symbol\(s\)$/);
    expect(() => probeOption({ group: 'x'.repeat(500) }, undefined)).toThrow(/…$/);
  });
});
