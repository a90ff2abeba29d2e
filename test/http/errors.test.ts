import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { anonymousCredentials } from '../../src/config/connection.js';
import {
  ApiStatusError,
  isAbortError,
  isNetworkError,
  isTimeoutError,
  NetworkError,
} from '../../src/errors.js';
import {
  displayUrl,
  excerpt,
  mapRequestError,
  parseRetryAfter,
  reasonForStatus,
  safeCause,
  statusError,
} from '../../src/http/errors.js';
import { createTransport, type HttpTransport } from '../../src/http/transport.js';
import { closeServers, startServer, statusBody, widgets } from './helpers.js';

const transports: HttpTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await closeServers();
});

async function errorFor(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): Promise<ApiStatusError> {
  const srv = await startServer((_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(body);
  });
  const t = createTransport({
    connection: { server: srv.url, tls: { insecureSkipTlsVerify: false }, credentials: anonymousCredentials },
  });
  transports.push(t);
  try {
    await t.get(widgets, 'root', 'x');
  } catch (e) {
    if (e instanceof ApiStatusError) return e;
    throw e;
  }
  throw new Error('expected an ApiStatusError');
}

const req = {
  method: 'GET',
  url: 'https://host/clusters/root/apis/apis.kcp.io/v1alpha1/apiexportendpointslices/x',
};

describe('HTTP status mapping over a real server', () => {
  it.each([
    [401, 'Unauthorized'],
    [403, 'Forbidden'],
    [404, 'NotFound'],
    [409, 'AlreadyExists'],
    [410, 'Expired'],
    [422, 'Invalid'],
    [429, 'TooManyRequests'],
    [500, 'InternalError'],
    [503, 'ServiceUnavailable'],
  ])('maps a %i Status body to ApiStatusError with reason %s', async (code, reason) => {
    const e = await errorFor(code, JSON.stringify(statusBody(code, reason, `server says ${code}`)));
    expect(e.status).toBe(code);
    expect(e.reason).toBe(reason);
    expect(e.method).toBe('GET');
    expect(e.message).toMatch(
      new RegExp(
        `^GET http://127\\.0\\.0\\.1:\\d+/clusters/root/apis/example\\.kcp\\.io/v1alpha1/widgets/x: ${code} ${reason}: server says ${code}`,
      ),
    );
    expect(e.code).toBe(code === 410 ? 'E_WATCH_EXPIRED' : 'E_HTTP');
  });

  it.each([
    [401, 'Unauthorized'],
    [403, 'Forbidden'],
    [404, 'NotFound'],
    [409, 'Conflict'],
    [410, 'Gone'],
    [422, 'Invalid'],
    [429, 'TooManyRequests'],
    [500, 'InternalError'],
    [503, 'ServiceUnavailable'],
  ])('maps a %i HTML page from a proxy to reason %s with a sanitized excerpt', async (code, reason) => {
    const html = `<html><head><style>body{}</style><script>alert(1)</script></head><body><h1>Gateway says ${code}</h1>\n\n<p>Bearer abcdefghijkl</p></body></html>`;
    const e = await errorFor(code, html);
    expect(e.reason).toBe(reason);
    expect(e.message).toContain(
      `${code} ${reason}: unexpected non-Status response: Gateway says ${code} Bearer [REDACTED]`,
    );
    expect(e.message).not.toMatch(/<|alert|body\{/);
  });

  it('includes the fields of 422 causes in the message', async () => {
    const e = await errorFor(
      422,
      JSON.stringify(
        statusBody(422, 'Invalid', 'Widget "x" is invalid', {
          name: 'x',
          causes: [
            { field: 'spec.size', message: 'must be positive', reason: 'FieldValueInvalid' },
            { field: 'metadata.name', reason: 'FieldValueRequired' },
          ],
        }),
      ),
    );
    expect(e.message).toContain(
      'Widget "x" is invalid (spec.size: must be positive; metadata.name: FieldValueRequired)',
    );
    expect(e.details?.causes).toHaveLength(2);
  });

  it('parses Retry-After seconds on 429', async () => {
    const e = await errorFor(429, JSON.stringify(statusBody(429, 'TooManyRequests', 'slow down')), {
      'Retry-After': '7',
    });
    expect(e.retryAfterSeconds).toBe(7);
    expect(e.message).toContain('(retry after 7s)');
  });

  it('parses a Retry-After HTTP-date on 503 and falls back to details.retryAfterSeconds', async () => {
    const date = new Date(Date.now() + 5_000).toUTCString();
    const e = await errorFor(503, 'unavailable', { 'Retry-After': date });
    expect(e.retryAfterSeconds).toBeGreaterThanOrEqual(3);
    expect(e.retryAfterSeconds).toBeLessThanOrEqual(6);
    const d = await errorFor(503, JSON.stringify(statusBody(503, '', 'busy', { retryAfterSeconds: 2 })));
    expect(d.retryAfterSeconds).toBe(2);
    expect(d.reason).toBe('ServiceUnavailable');
  });

  it('says so when the error body is empty', async () => {
    const e = await errorFor(500, '');
    expect(e.message).toMatch(/500 InternalError: empty response body$/);
  });
});

describe('error helpers', () => {
  it('derives reasons from codes', () => {
    expect(reasonForStatus(410)).toBe('Gone');
    expect(reasonForStatus(502)).toBe('InternalError');
    expect(reasonForStatus(418)).toBe('Unknown');
  });

  it.each([
    [undefined, undefined],
    ['0', 0],
    [' 12 ', 12],
    ['-3', undefined],
    ['1.5', undefined],
    ['Thu, 01 Jan 1970 00:00:10 GMT', 10],
    ['garbage', undefined],
  ])('parses Retry-After %j as %j', (value, expected) => {
    expect(parseRetryAfter(value, 0)).toBe(expected);
  });

  it('treats a Retry-After date in the past as 0 seconds', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBe(0);
  });

  it('drops user-info from URLs and builds sanitized excerpts', () => {
    expect(displayUrl('https://u:p@h/x')).toBe('https://h/x');
    expect(displayUrl('::not a url')).toBe('::not a url');
    expect(excerpt('a'.repeat(500)).length).toBeLessThanOrEqual(161);
    expect(excerpt('x\u0000y\u001bz')).toBe('x y z');
  });

  it('builds the documented message shape', () => {
    const e = statusError(req, 403, JSON.stringify(statusBody(403, 'Forbidden', 'no access')));
    expect(e.message).toBe(`GET ${req.url}: 403 Forbidden: no access`);
    expect(statusError(req, 404, JSON.stringify({ foo: 1 })).message).toContain(
      'unexpected non-Status response: {"foo":1}',
    );
  });

  it.each([
    ['ECONNREFUSED', /connection refused/],
    ['ECONNRESET', /connection reset/],
    ['ENOTFOUND', /host not found/],
    ['EWHATEVER', /boom \(EWHATEVER\)/],
  ])('maps %s to NetworkError', (code, message) => {
    const e = mapRequestError(Object.assign(new Error('boom'), { code }), req);
    expect(isNetworkError(e)).toBe(true);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`GET ${req.url}: `)).toBe(true);
  });

  it.each([
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'CERT_SIGNATURE_FAILURE',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'SELF_SIGNED_CERT_IN_CHAIN',
  ])('maps TLS failure %s to a NetworkError naming the fix', (code) => {
    const e = mapRequestError({ message: 'x', code: 'ERR_BAD_REQUEST', cause: { code } }, req);
    expect(isNetworkError(e)).toBe(true);
    expect(e.message).toContain(code);
    expect(e.message).toMatch(/not trusted.*certificate-authority.*insecure-skip-tls-verify/);
  });

  it('maps axios timeouts, cancellations and aborted signals', () => {
    expect(
      isTimeoutError(mapRequestError({ code: 'ECONNABORTED', message: 't' }, req, { timeoutMs: 5 })),
    ).toBe(true);
    expect(isTimeoutError(mapRequestError({ code: 'ETIMEDOUT', message: 't' }, req, { timeoutMs: 5 }))).toBe(
      true,
    );
    expect(isAbortError(mapRequestError({ name: 'CanceledError', code: 'ERR_CANCELED' }, req))).toBe(true);
    expect(isAbortError(mapRequestError(new Error('x'), req, { signal: AbortSignal.abort() }))).toBe(true);
    const inner = new NetworkError('proxy refused');
    expect(mapRequestError({ cause: inner }, req)).toBe(inner);
    expect(mapRequestError('weird', req).message).toMatch(/request failed/);
  });

  it('keeps only name, message and code in a safe cause', () => {
    const axiosLike = Object.assign(new Error('Bearer abcdefghij failed'), {
      code: 'ECONNRESET',
      config: { headers: { Authorization: 'Bearer sekret-token-123456' } },
    });
    const c = safeCause(axiosLike);
    expect(Object.keys(c)).toEqual(['name', 'code']);
    expect(c.message).toBe('Bearer [REDACTED] failed');
    expect(inspect(c)).not.toContain('sekret');
  });
});
