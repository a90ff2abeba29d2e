import fc from 'fast-check';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  endpointUrlProblem,
  normaliseEndpointUrl,
  readEndpointItems,
  sliceEndpointSchema,
} from '../../src/kcp/endpoint.js';

describe('endpointUrlProblem', () => {
  it.each([
    ['https://root.kcp.example.com:6443/services/apiexport/abc/e', undefined],
    ['http://127.0.0.1:8080/services/apiexport/abc/e', undefined],
    ['https://[::1]:6443/x', undefined],
    ['', 'url is empty'],
    [' https://a.example.com', 'has leading or trailing whitespace'],
    ['https://a.example.com\n', 'has leading or trailing whitespace'],
    ['/services/apiexport/abc/e', 'is not an absolute URL'],
    ['a.example.com:6443', 'must use http or https, not a.example.com'],
    ['ftp://a.example.com', 'must use http or https, not ftp'],
    ['file:///etc/passwd', 'must use http or https, not file'],
    ['https://', 'is not an absolute URL'],
  ])('checks %j', (url, expected) => {
    const p = endpointUrlProblem(url);
    if (expected === undefined) expect(p).toBeUndefined();
    else expect(p).toContain(expected);
  });
});

describe('readEndpointItems', () => {
  it('reports a list that is not a list as one invalid entry', () => {
    expect(readEndpointItems({ url: 'https://a' }, sliceEndpointSchema, { withShards: true })).toEqual({
      endpoints: [],
      invalid: [{ index: -1, value: { url: 'https://a' }, problem: 'expected a list, got object' }],
    });
  });

  it('reports items that are null or arrays', () => {
    const r = readEndpointItems([null, ['https://a']], sliceEndpointSchema, { withShards: true });
    expect(r.invalid.map((i) => i.problem)).toEqual([
      'expected an object with a "url", got null',
      'expected an object with a "url", got an array',
    ]);
  });

  it('falls back to a generic problem when a caller schema is stricter than the URL checks', () => {
    const strict = z.looseObject({ url: z.string(), weight: z.number() });
    const r = readEndpointItems([{ url: 'https://a.example.com' }], strict, { withShards: false });
    expect(r.invalid).toEqual([
      {
        index: 0,
        value: { url: 'https://a.example.com' },
        problem: 'item does not match the expected shape',
      },
    ]);
  });
});

/** Control characters and whitespace a terminal or a `while read` loop would act on. */
const HOSTILE_CHARS = [
  '\n',
  '\r',
  '\t',
  '\u0000',
  '\u001b',
  '\u0007',
  '\u007f',
  '\u0085',
  '\u009b',
  ' ',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\u202e',
  '\u2066',
];
const CONTROL_RE = new RegExp(`[${HOSTILE_CHARS.filter((c) => c !== ' ' && c !== '\u00a0').join('')}]`);

describe('endpoint URLs with control characters', () => {
  it('rejects a URL containing any control character or whitespace, with a message free of them', () => {
    fc.assert(
      fc.property(
        fc.webUrl(),
        fc.constantFrom(...HOSTILE_CHARS),
        fc.nat(),
        fc.string({ maxLength: 20 }),
        (url, bad, at, tail) => {
          const i = at % (url.length + 1);
          const hostile = `${url.slice(0, i)}${bad}${tail}${url.slice(i)}`;
          const problem = endpointUrlProblem(hostile);
          expect(problem).toBeDefined();
          expect(problem).not.toMatch(CONTROL_RE);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('skips the injected-line slice URL as invalid instead of keeping it', () => {
    const r = readEndpointItems(
      [{ url: 'https://a.example/x\nhttps://evil.example' }, { url: 'https://a.example/\u001b]8;;x\u0007y' }],
      sliceEndpointSchema,
      { withShards: true },
    );
    expect(r.endpoints).toEqual([]);
    expect(r.invalid.map((i) => i.problem)).toEqual([
      'url "https://a.example/x\\nhttps://evil.example" contains whitespace or a control character',
      'url "https://a.example/\\u001b]8;;x\\u0007y" contains whitespace or a control character',
    ]);
  });

  it('rejects a URL with a user name or password and never repeats the password', () => {
    const p = endpointUrlProblem('https://admin:S3cretPw@a.example/x');
    expect(p).toBe('url "https://a.example/x" must not carry a user name or password');
    expect(endpointUrlProblem('https://admin:S3cretPw@a.example:99999/x')).not.toContain('S3cretPw');
  });
});

describe('endpoint URL normalisation', () => {
  it('spells equal URLs the same: case of scheme and host, default port, trailing slash', () => {
    const r = readEndpointItems(
      [
        { url: 'https://d.example' },
        { url: 'https://d.example/' },
        { url: 'HTTPS://D.EXAMPLE/' },
        { url: 'https://d.example:443' },
        { url: 'https://D.example/services/apiexport/abc/e/' },
        { url: 'http://d.example:80/services/apiexport/abc/e' },
      ],
      sliceEndpointSchema,
      { withShards: true },
    );
    expect(r.endpoints.map((e) => e.url)).toEqual([
      'https://d.example',
      'https://d.example',
      'https://d.example',
      'https://d.example',
      'https://d.example/services/apiexport/abc/e',
      'http://d.example/services/apiexport/abc/e',
    ]);
  });

  it('is idempotent and keeps every valid URL valid', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        fc.pre(endpointUrlProblem(url) === undefined);
        const once = normaliseEndpointUrl(url);
        expect(normaliseEndpointUrl(once)).toBe(once);
        expect(endpointUrlProblem(once)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });
});
