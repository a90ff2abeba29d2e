import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors.js';
import { APIEXPORTENDPOINTSLICES } from '../../src/kcp/apiexportendpointslice.js';
import { clusterOf, decodeObject, malformed, pathOf, safeDecode } from '../../src/kcp/decode.js';

const S = APIEXPORTENDPOINTSLICES.schema;
const slice = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  metadata: { name: 'x' },
  spec: { export: { name: 'e' } },
  ...extra,
});

function errorOf(value: unknown, what = 'APIExportEndpointSlice'): DecodeError {
  const r = safeDecode(S, value, what);
  if (r.ok) throw new Error('expected a decode failure');
  return r.error;
}

describe('decodeObject', () => {
  it('returns the decoded value when it is valid', () => {
    expect(decodeObject(S, slice(), 'APIExportEndpointSlice')).toEqual(slice());
    expect(safeDecode(S, slice(), 'APIExportEndpointSlice')).toEqual({ ok: true, value: slice() });
  });

  it('throws a DecodeError with dotted issue paths and a sentence per issue', () => {
    const value = slice({ status: { endpoints: 'nope' } });
    expect(() => decodeObject(S, value, 'APIExportEndpointSlice')).toThrow(DecodeError);
    const e = errorOf(value);
    expect(e.code).toBe('E_DECODE');
    expect(e.message).toBe(
      'APIExportEndpointSlice "x" is malformed: status.endpoints must be an array, got string',
    );
    expect(e.issues).toEqual(['status.endpoints']);
    expect(e.snippet).toBe('"nope"');
  });

  it('says "not null" style problems and missing fields plainly', () => {
    const e = errorOf({ metadata: { name: 'x' }, spec: { export: null } });
    expect(e.message).toBe(
      'APIExportEndpointSlice "x" is malformed: spec.export must be an object, got null',
    );
    expect(errorOf({ metadata: { name: 'x' } }).message).toBe(
      'APIExportEndpointSlice "x" is malformed: spec is required',
    );
  });

  it('lists at most three issues and counts the rest', () => {
    const e = errorOf({
      metadata: { name: 'x', uid: 1, resourceVersion: 2, generation: 'g' },
      spec: { export: { name: 3, path: 4 } },
    });
    expect(e.issues).toHaveLength(5);
    expect(e.message).toMatch(/; .*; .* \(and 2 more\)$/);
  });

  it('names the kind only when the object has no usable name', () => {
    expect(errorOf('hello').message).toBe(
      'APIExportEndpointSlice is malformed: the document must be an object, got string',
    );
    expect(errorOf(null).message).toContain('got null');
    expect(errorOf([]).message).toContain('got an array');
    expect(errorOf({ metadata: { name: '' } }).message).toMatch(/^APIExportEndpointSlice is malformed: spec/);
    expect(errorOf('hello').issues).toEqual(['']);
  });

  it('uses zod messages for issues other than wrong types', () => {
    const schema = z.looseObject({ phase: z.enum(['A', 'B']) });
    const r = safeDecode(schema, { phase: 'C' }, 'Thing');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^Thing is malformed: phase: Invalid option/);
  });

  it('leaves the snippet out when the offending value cannot be serialised', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    const e = errorOf({
      metadata: { name: 'x' },
      spec: { export: { name: 'e' } },
      status: { endpoints: cyclic },
    });
    expect(e.snippet).toBeUndefined();
    expect(errorOf({ metadata: { name: 'x' }, spec: { export: {} } }).snippet).toBeUndefined();
  });
});

describe('the one decode message grammar', () => {
  it("puts the context first and the issue paths under the document's place in what was read", () => {
    const item = slice({ status: { endpoints: 'nope' } });
    const r = safeDecode(S, item, 'APIExportEndpointSlice', {
      context: 'GET https://kcp/list',
      at: 'items.3',
      subject: 'APIExportEndpointSlice list item 3 "x"',
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toBe(
      'GET https://kcp/list: APIExportEndpointSlice list item 3 "x" is malformed: items.3.status.endpoints must be an array, got string',
    );
    expect(r.error.issues).toEqual(['items.3.status.endpoints']);
  });

  it('words an identity mismatch like a schema problem, starting with its path', () => {
    const e = malformed('Widget', { kind: 'Secret', metadata: { name: 'a' } }, [
      { path: ['kind'], says: ' is "Secret", expected Widget' },
    ]);
    expect(e.message).toBe('Widget "a" is malformed: kind is "Secret", expected Widget');
    expect(e.issues).toEqual(['kind']);
    expect(e.snippet).toBe('"Secret"');
  });

  it('lists three problems and counts the rest, and takes a snippet when one is given', () => {
    const problems = ['a', 'b', 'c', 'd', 'e'].map((p) => ({ path: [p], says: ' is required' }));
    const e = malformed('Thing', {}, problems, { snippet: '{}' });
    expect(e.message).toBe('Thing is malformed: a is required; b is required; c is required (and 2 more)');
    expect(e.issues).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(e.snippet).toBe('{}');
  });
});

describe('clusterOf and pathOf', () => {
  it('read the kcp.io/cluster and kcp.io/path annotations', () => {
    const obj = { metadata: { annotations: { 'kcp.io/cluster': 'abc', 'kcp.io/path': 'root:org' } } };
    expect(clusterOf(obj)).toBe('abc');
    expect(pathOf(obj)).toBe('root:org');
  });

  it.each([
    {},
    { metadata: {} },
    { metadata: { annotations: null } },
    { metadata: { annotations: { 'kcp.io/cluster': '' } } },
  ])('return undefined when the annotation is absent or empty: %j', (obj) => {
    expect(clusterOf(obj)).toBeUndefined();
    expect(pathOf(obj)).toBeUndefined();
  });
});
