import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exportFacts, sliceFacts } from '../../src/endpoints/facts.js';
import { resolveRules } from '../../src/endpoints/rules.js';
import { decodeListPage } from '../../src/http/decode.js';
import { APIEXPORTS_V1ALPHA1 } from '../../src/kcp/apiexport.js';
import { APIEXPORTENDPOINTSLICES } from '../../src/kcp/apiexportendpointslice.js';
import { LAST_APPLIED_ANNOTATION, stripForCache } from '../../src/watch/transform.js';
import type { KubeObject } from '../../src/watch/keys.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 200);

const recorded = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/kcp-v0.28.0/${file}`, import.meta.url), 'utf8'));

/** What the transform must give: the object with those two fields deleted (on a copy). */
function reference(object: KubeObject): unknown {
  const copy = structuredClone(object) as KubeObject & { metadata: Record<string, unknown> };
  delete copy.metadata['managedFields'];
  const annotations = copy.metadata.annotations;
  if (annotations != null) Reflect.deleteProperty(annotations, LAST_APPLIED_ANNOTATION);
  return copy;
}

const meta = fc.record(
  {
    name: fc.string({ maxLength: 5 }),
    resourceVersion: fc.string({ maxLength: 5 }),
    annotations: fc.oneof(
      fc.constant(null),
      fc.dictionary(
        fc.constantFrom('kcp.io/cluster', 'kcp.io/path', LAST_APPLIED_ANNOTATION, 'x'),
        fc.string(),
        {
          noNullPrototype: true,
        },
      ),
    ),
    labels: fc.dictionary(fc.string({ maxLength: 4 }), fc.string(), { noNullPrototype: true }),
    managedFields: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  },
  { requiredKeys: ['name'], noNullPrototype: true },
);
const object = fc.record(
  { metadata: meta, spec: fc.jsonValue({ maxDepth: 2 }), status: fc.jsonValue({ maxDepth: 2 }) },
  { requiredKeys: ['metadata'], noNullPrototype: true },
);

describe('stripForCache', () => {
  it('drops managedFields and the last-applied annotation and keeps everything else, in order', () => {
    const input = {
      apiVersion: 'apis.kcp.io/v1alpha1',
      metadata: {
        name: 'x',
        annotations: {
          'kcp.io/cluster': 'c1',
          [LAST_APPLIED_ANNOTATION]: '{"big":true}',
          'kcp.io/path': 'root:a',
        },
        managedFields: [{ manager: 'kcp', operation: 'Update' }],
        resourceVersion: '7',
      },
      spec: { export: { name: 'e' } },
    };
    const before = structuredClone(input);
    const out = stripForCache(input);
    expect(out).toStrictEqual({
      apiVersion: 'apis.kcp.io/v1alpha1',
      metadata: {
        name: 'x',
        annotations: { 'kcp.io/cluster': 'c1', 'kcp.io/path': 'root:a' },
        resourceVersion: '7',
      },
      spec: { export: { name: 'e' } },
    });
    expect(Object.keys(out.metadata)).toEqual(['name', 'annotations', 'resourceVersion']);
    // a new metadata object, the argument untouched, the rest shared
    expect(out.metadata).not.toBe(input.metadata);
    expect(input).toStrictEqual(before);
    expect(out.spec).toBe(input.spec);
  });

  it('returns the object itself when there is nothing to drop', () => {
    const input = { metadata: { name: 'x', annotations: { 'kcp.io/cluster': 'c1' } } };
    expect(stripForCache(input)).toBe(input);
  });

  it('equals deleting the two fields from a copy, for any object, without changing its argument', () => {
    fc.assert(
      fc.property(object, (o) => {
        const before = structuredClone(o);
        expect(stripForCache(o)).toStrictEqual(reference(o));
        expect(o).toStrictEqual(before);
      }),
      { numRuns: RUNS },
    );
  });

  it('leaves every resolution of the recorded kcp objects unchanged', () => {
    const slices = decodeListPage(
      APIEXPORTENDPOINTSLICES,
      recorded('apiexportendpointslices-list.json'),
      'GET slices',
    ).items;
    const exports = decodeListPage(
      APIEXPORTS_V1ALPHA1,
      recorded('apiexports-list.json'),
      'GET exports',
    ).items;
    expect(slices.length).toBeGreaterThan(0);
    expect(exports.length).toBeGreaterThan(0);
    expect(slices.every((s) => (s.metadata as Record<string, unknown>)['managedFields'] !== undefined)).toBe(
      true,
    );
    for (const s of slices) {
      expect(sliceFacts(stripForCache(s))).toStrictEqual(sliceFacts(s));
      for (const e of exports) {
        expect(exportFacts(stripForCache(e))).toStrictEqual(exportFacts(e));
        const resolve = (slice: typeof s, exp: typeof e) =>
          resolveRules({
            export: { path: 'root:p', name: e.metadata.name },
            slice: { path: 'root:p', name: s.metadata.name },
            mode: 'auto',
            sliceObservation: { state: 'found', facts: sliceFacts(slice) },
            exportObservation: { state: 'found', facts: exportFacts(exp) },
          });
        expect(resolve(stripForCache(s), stripForCache(e))).toStrictEqual(resolve(s, e));
      }
    }
  });
});
