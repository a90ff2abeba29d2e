import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { endpointUrlProblem, readEndpointItems, sliceEndpointSchema } from '../../src/kcp/endpoint.js';

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
