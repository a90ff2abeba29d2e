import { inspect } from 'node:util';
import axios from 'axios';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortError,
  ApiStatusError,
  DecodeError,
  ExecCredentialError,
  isApiStatusError,
  KcpError,
  KubeconfigError,
  NetworkError,
  TimeoutError,
} from '../../src/errors.js';
import { anonymousCredentials } from '../../src/config/connection.js';
import { excerpt, MAX_MESSAGE_SOURCE_CHARS, statusError, stripTags } from '../../src/http/errors.js';
import { createTransport } from '../../src/http/transport.js';
import { redactText } from '../../src/redact.js';
import { widgets } from '../http/helpers.js';
import { closeServers, closeTransports, errorPageServer, transportTo } from './servers.js';

afterEach(async () => {
  await closeTransports();
  await closeServers();
});

/** Fragments of every pattern that runs over server text: tags, raw-text elements, secrets, whitespace. */
const FRAGMENTS = [
  '<',
  '>',
  '<script',
  '</script',
  '<style',
  '</style ',
  '<a href="',
  'eyJ',
  'eyJhbGciOiJIUzI1',
  '-',
  '.',
  '_',
  'Bearer',
  'Basic ',
  ' ',
  '\t',
  '\n',
  '\u001b',
  'token',
  'password',
  '"',
  ':',
  '=',
  '-----BEGIN ',
  'RSA ',
  'PRIVATE KEY-----',
  '-----END ',
  'a',
  'Z',
  '9',
  '}',
];

/** A string of about `size` characters: a random sequence of fragments, repeated. */
const adversarial = (size: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 12 }).map((parts) => {
    const unit = parts.join('');
    return unit.repeat(Math.ceil(size / unit.length));
  });

describe('error pages cannot freeze the event loop', () => {
  it('turns a 502 page of a quarter million "<" into a short ApiStatusError', { timeout: 5000 }, async () => {
    const srv = await errorPageServer(502, '<'.repeat(262_144));
    const error: unknown = await transportTo(srv)
      .get(widgets, 'root', 'x')
      .catch((e: unknown) => e);
    expect(isApiStatusError(error)).toBe(true);
    const e = error as ApiStatusError;
    expect(e.status).toBe(502);
    expect(e.reason).toBe('InternalError');
    expect(e.message.length).toBeLessThan(300);
  });

  it(
    'caps a body an injected axios instance already read as text the same way',
    { timeout: 5000 },
    async () => {
      const body = `${'<'.repeat(262_144)}<p>tail</p>`;
      const http = axios.create({
        adapter: (config) =>
          Promise.resolve({ data: body, status: 502, statusText: 'Bad Gateway', headers: {}, config }),
      });
      const t = createTransport({
        connection: {
          server: 'https://kcp.test',
          tls: { insecureSkipTlsVerify: false },
          credentials: anonymousCredentials,
        },
        http,
      });
      const error: unknown = await t.get(widgets, 'root', 'x').catch((e: unknown) => e);
      expect(isApiStatusError(error) && error.status).toBe(502);
      expect(isApiStatusError(error) && error.message).not.toContain('tail');
    },
  );

  it('builds messages from at most the first 64 KiB of a body', () => {
    const tail = 'TAIL-MARKER';
    const body = `${'a '.repeat(MAX_MESSAGE_SOURCE_CHARS)}${tail}`;
    expect(excerpt(body, body.length)).not.toContain(tail);
    expect(excerpt(body, body.length).length).toBeLessThanOrEqual(MAX_MESSAGE_SOURCE_CHARS + 1);
    const status = JSON.stringify({
      kind: 'Status',
      message: `${'m'.repeat(MAX_MESSAGE_SOURCE_CHARS)}${tail}`,
    });
    const e = statusError({ method: 'GET', url: 'https://h/x' }, 500, status);
    expect(e.message).not.toContain(tail);
    expect(e.message.length).toBeLessThan(2200);
  });

  it('strips tags, scripts and styles without regular expressions that backtrack', () => {
    expect(stripTags('a<b>c</b><script>x<y>z</script >d<style media="x">s</style>e')).toBe('a c  d e');
    expect(stripTags('<<<<')).toBe(' ');
    expect(stripTags('x<script>never closed')).toBe('x ');
    expect(stripTags('text < 3 and more')).toBe('text  ');
    expect(excerpt('<p>Bad&nbsp;gateway</p>\n\t<b>retry</b>')).toBe('Bad&nbsp;gateway retry');
  });

  it(
    'excerpts, redacts and maps adversarial text of 100,000 characters in bounded output',
    { timeout: 20_000 },
    () => {
      fc.assert(
        fc.property(adversarial(100_000), fc.integer({ min: 400, max: 599 }), (text, code) => {
          expect(excerpt(text).length).toBeLessThanOrEqual(161);
          expect(typeof redactText(text)).toBe('string');
          const e = statusError({ method: 'GET', url: 'https://h/x' }, code, text);
          expect(e.message.length).toBeLessThan(2300);
          const status = statusError(
            { method: 'GET', url: 'https://h/x' },
            code,
            JSON.stringify({ kind: 'Status', message: text }),
          );
          expect(status.message.length).toBeLessThan(2300);
        }),
        { numRuns: 40 },
      );
    },
  );
});

const errorsFor = (message: string, extra: string): KcpError[] => [
  new ApiStatusError(message, {
    status: 500,
    reason: extra,
    details: { name: extra, causes: [{ field: extra, message: `token: "${extra}"` }] },
    url: `https://h/${extra}`,
  }),
  new DecodeError(message, { snippet: extra, issues: [extra] }),
  new NetworkError(message, { cause: new Error(extra) }),
  new TimeoutError(message, 5, { cause: new ApiStatusError(extra, { status: 503, reason: extra }) }),
  new KubeconfigError(message, { file: extra, field: extra }),
  new ExecCredentialError(message, { command: extra, stderrTail: extra }),
  new AbortError(message, { cause: extra }),
];

describe('serialising an error never throws', () => {
  it('serialises a server message with a quoted secret-looking field', () => {
    const e = new ApiStatusError('password: "x"', { status: 500, reason: 'InternalError' });
    const json = JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
    expect(json['message']).toBe(e.message);
    expect(e.message).not.toMatch(/"x"/);
    const field = new ApiStatusError('field token: "must not be set"', { status: 422, reason: 'Invalid' });
    expect(() => JSON.stringify(field)).not.toThrow();
  });

  it('keeps secret-named detail fields redacted once values are redacted one by one', () => {
    const e = new ApiStatusError('boom', {
      status: 500,
      reason: 'InternalError',
      details: { causes: [{ reason: 'x', message: 'ok' }], ...{ token: 'plain-value-123' } },
    });
    const text = JSON.stringify(e);
    expect(text).not.toContain('plain-value-123');
    expect(text).toContain('[REDACTED]');
  });

  it('drops a cause cycle instead of recursing forever', () => {
    const a = new NetworkError('a');
    const b = new NetworkError('b', { cause: a });
    Object.defineProperty(a, 'cause', { value: b });
    expect(() => JSON.stringify(b)).not.toThrow();
    expect(() => inspect(b)).not.toThrow();
    expect(JSON.stringify(b)).toContain('circular cause');
  });

  it('toJSON() and util.inspect never throw and round-trip the message, for any text', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 30 }).map((p) => p.join('')),
    );
    fc.assert(
      fc.property(text, text, (message, extra) => {
        for (const e of errorsFor(message, extra)) {
          const serialised = JSON.stringify(e);
          const back = JSON.parse(serialised) as Record<string, unknown>;
          expect(back['message']).toBe(e.message);
          expect(back['code']).toBe(e.code);
          expect(typeof inspect(e, { depth: 10 })).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
  });
});
