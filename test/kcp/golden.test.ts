import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APIBINDINGS_V1ALPHA1, APIBINDINGS_V1ALPHA2 } from '../../src/kcp/apibinding.js';
import { APIEXPORTS_V1ALPHA1, APIEXPORTS_V1ALPHA2 } from '../../src/kcp/apiexport.js';
import { APIEXPORTENDPOINTSLICES } from '../../src/kcp/apiexportendpointslice.js';
import { APIRESOURCESCHEMAS } from '../../src/kcp/apiresourceschema.js';
import { decodeResource } from '../../src/kcp/decode.js';
import { PARTITIONS } from '../../src/kcp/partition.js';
import type { ResourceDescriptor } from '../../src/kcp/resource.js';
import { apiVersionOf } from '../../src/kcp/resource.js';
import { fixture } from './fixtures.js';

const descriptors: Array<ResourceDescriptor<unknown>> = [
  APIEXPORTENDPOINTSLICES,
  APIEXPORTS_V1ALPHA1,
  APIEXPORTS_V1ALPHA2,
  APIBINDINGS_V1ALPHA1,
  APIBINDINGS_V1ALPHA2,
  PARTITIONS,
  APIRESOURCESCHEMAS,
];

function descriptorFor(obj: unknown): ResourceDescriptor<unknown> {
  const { apiVersion, kind } = obj as { apiVersion: string; kind: string };
  const d = descriptors.find((x) => apiVersionOf(x) === apiVersion && x.kind === kind);
  if (d === undefined) throw new Error(`no descriptor for ${apiVersion} ${kind}`);
  return d;
}

const names = readdirSync(new URL('../fixtures/kcp/', import.meta.url)).filter((n) => n.endsWith('.json'));

describe('golden fixtures', () => {
  it('covers every shape the reference lists', () => {
    expect(names.length).toBeGreaterThanOrEqual(20);
  });

  it.each(names)('decodes %s with the descriptor of its apiVersion and kind, unchanged', (name) => {
    const raw = fixture(name);
    const decoded = decodeResource(descriptorFor(raw), raw);
    expect(decoded).toStrictEqual(raw);
  });

  it('passes unknown fields through untouched at every level', () => {
    const raw = fixture('slice-unknown-fields.json') as Record<string, any>;
    const decoded = decodeResource(APIEXPORTENDPOINTSLICES, raw) as Record<string, any>;
    expect(decoded).toStrictEqual(raw);
    expect(decoded['futureTopLevel']).toEqual({ nested: [null, { k: 'v' }] });
    expect(decoded['spec'].futureSpec).toBe(true);
    expect(decoded['spec'].export.futureRefField).toBe('x');
    expect(decoded['status'].futureStatus).toEqual({ a: [1, 2] });
    expect(decoded['status'].conditions[0].observedGeneration).toBe(3);
    expect(decoded['metadata'].managedFields).toHaveLength(1);
    expect(JSON.parse(JSON.stringify(decoded))).toStrictEqual(raw);
  });

  it('describes every resource kind with the group, version and plural kcp serves', () => {
    expect(descriptors.map((d) => `${apiVersionOf(d)} ${d.plural} ${d.kind}`)).toEqual([
      'apis.kcp.io/v1alpha1 apiexportendpointslices APIExportEndpointSlice',
      'apis.kcp.io/v1alpha1 apiexports APIExport',
      'apis.kcp.io/v1alpha2 apiexports APIExport',
      'apis.kcp.io/v1alpha1 apibindings APIBinding',
      'apis.kcp.io/v1alpha2 apibindings APIBinding',
      'topology.kcp.io/v1alpha1 partitions Partition',
      'apis.kcp.io/v1alpha1 apiresourceschemas APIResourceSchema',
    ]);
  });
});
