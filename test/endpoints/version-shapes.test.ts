import { describe, expect, it } from 'vitest';
import { exportFacts, sliceFacts } from '../../src/endpoints/facts.js';
import {
  resolveRules,
  type ExportFacts,
  type Observation,
  type SliceFacts,
} from '../../src/endpoints/rules.js';
import type { ResolveMode } from '../../src/endpoints/types.js';
import { APIEXPORTS_V1ALPHA1, APIEXPORTS_V1ALPHA2 } from '../../src/kcp/apiexport.js';
import { APIEXPORTENDPOINTSLICES } from '../../src/kcp/apiexportendpointslice.js';
import { decodeResource } from '../../src/kcp/decode.js';
import { fixture } from '../kcp/fixtures.js';

const ref = { path: 'root:org:service-provider', name: 'today-cowboys' };
const slice = (name: string): Observation<SliceFacts> => ({
  state: 'found',
  facts: sliceFacts(decodeResource(APIEXPORTENDPOINTSLICES, fixture(name))),
});
const exportV1 = (name: string): Observation<ExportFacts> => ({
  state: 'found',
  facts: exportFacts(decodeResource(APIEXPORTS_V1ALPHA1, fixture(name))),
});
const exportV2 = (name: string): Observation<ExportFacts> => ({
  state: 'found',
  facts: exportFacts(decodeResource(APIEXPORTS_V1ALPHA2, fixture(name))),
});
const resolve = (s: Observation<SliceFacts>, e: Observation<ExportFacts>, mode: ResolveMode = 'auto') =>
  resolveRules({ export: ref, slice: ref, mode, sliceObservation: s, exportObservation: e });

describe('resolution across kcp version shapes', () => {
  it('reads a 0.26 slice that lists every shard without bindings as Ready', () => {
    const r = resolve(slice('slice-0.26-endpointurlsready.json'), exportV1('apiexport-v1alpha1-legacy.json'));
    expect(r.phase).toBe('Ready');
    expect(r.source).toBe('endpointSlice');
    expect(r.urls.length).toBeGreaterThan(0);
  });

  it('reads a 0.27 slice with "endpoints": null as AwaitingBinding and falls back to the filled legacy field', () => {
    const r = resolve(slice('slice-0.27-endpoints-null.json'), exportV1('apiexport-v1alpha1-legacy.json'));
    expect(r.phase).toBe('AwaitingBinding');
    expect(r.source).toBe('virtualWorkspaces');
    expect(r.urls).toHaveLength(2);
  });

  it('reads a 0.28+ default slice with the gate off as AwaitingBinding with no URL', () => {
    const r = resolve(slice('slice-default-no-bindings.json'), exportV2('apiexport-v1alpha2.json'));
    expect(r).toMatchObject({ phase: 'AwaitingBinding', source: 'none', reason: 'NoBindingYet', urls: [] });
  });

  it('reads a 0.28+ default slice with the gate on as AwaitingBinding with the legacy URLs', () => {
    const r = resolve(slice('slice-default-no-bindings.json'), exportV2('apiexport-v1alpha2-legacy.json'));
    expect(r).toMatchObject({
      phase: 'AwaitingBinding',
      source: 'virtualWorkspaces',
      reason: 'LegacyFallback',
    });
  });

  it('reads a populated slice as Ready with sorted unique URLs', () => {
    const r = resolve(slice('slice-with-endpoints.json'), exportV2('apiexport-v1alpha2.json'));
    expect(r.phase).toBe('Ready');
    expect(r.urls).toEqual([...r.urls].sort());
    expect(r.urls).toHaveLength(2);
  });

  it("keeps main's shards selectors on the endpoints", () => {
    for (const name of ['slice-main-shards-matchall.json', 'slice-main-shards-selector.json']) {
      const r = resolve(slice(name), exportV2('apiexport-v1alpha2.json'));
      expect(r.phase).toBe('Ready');
      expect(r.endpoints.some((e) => e.shards !== undefined)).toBe(true);
    }
  });

  it('reads a slice whose export is gone as SliceNotReady with kcp’s reason', () => {
    const r = resolve(slice('slice-export-not-found.json'), { state: 'notFound' });
    expect(r.phase).toBe('SliceNotReady');
    expect(r.message).toContain('APIExportNotFound');
  });

  it('reads a slice with a missing partition as SliceNotReady naming the partition', () => {
    const r = resolve(slice('slice-partition-invalid.json'), exportV2('apiexport-v1alpha2.json'));
    expect(r.phase).toBe('SliceNotReady');
    expect(r.message).toContain('PartitionInvalidReference');
  });

  it('skips a bad endpoint URL with a warning and keeps the good ones', () => {
    const r = resolve(slice('slice-bad-endpoint.json'), exportV2('apiexport-v1alpha2.json'));
    expect(r.phase).toBe('Ready');
    expect(r.warnings.length).toBeGreaterThan(0);
    expect(r.warnings[0]).toMatch(/Skipped APIExportEndpointSlice .* status\.endpoints\[\d+\]/);
  });

  it('explains a missing slice on an export with the skip annotation', () => {
    const r = resolve({ state: 'notFound' }, exportV2('apiexport-v1alpha2-skip-endpointslice.json'));
    expect(r.phase).toBe('SliceMissing');
    expect(r.message).toContain('skip-endpointslice');
  });

  it('reports a bad legacy URL as a warning in legacy mode', () => {
    const r = resolve({ state: 'notFound' }, exportV1('apiexport-v1alpha1-bad-vw.json'), 'virtualWorkspaces');
    expect(r.warnings.join('\n')).toContain('status.virtualWorkspaces');
  });
});
