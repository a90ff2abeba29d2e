import { describe, expect, it } from 'vitest';
import {
  resolveRules,
  type ExportFacts,
  type Observation,
  type SliceFacts,
} from '../../src/endpoints/rules.js';
import type { ResolveMode } from '../../src/endpoints/types.js';

const exportRef = { path: 'root:org:provider', name: 'today-cowboys' };
const URL_A = 'https://a.kcp.test:6443/services/apiexport/2hwz/today-cowboys';
const URL_B = 'https://b.kcp.test:6443/services/apiexport/2hwz/today-cowboys';
const LEGACY = 'https://legacy.kcp.test:6443/services/apiexport/2hwz/today-cowboys';
const T = (type: string) => ({ type, status: 'True' });

const slice = (f: Partial<SliceFacts> = {}): Observation<SliceFacts> => ({
  state: 'found',
  facts: {
    conditions: [T('APIExportValid'), T('PartitionValid')],
    endpoints: [],
    invalid: [],
    resourceVersion: '10',
    ...f,
  },
});
const exp = (f: Partial<ExportFacts> = {}): Observation<ExportFacts> => ({
  state: 'found',
  facts: { virtualWorkspaces: [], invalid: [], skipsEndpointSlice: false, resourceVersion: '7', ...f },
});
const notFound = { state: 'notFound' } as const;
const forbidden = { state: 'forbidden', status: 403 } as const;
const ready = slice({ endpoints: [{ url: URL_B }, { url: URL_A }, { url: URL_A }] });
const notReady = slice({
  conditions: [
    {
      type: 'APIExportValid',
      status: 'False',
      reason: 'APIExportNotFound',
      message: 'Error getting APIExport',
    },
    T('PartitionValid'),
  ],
});
const withLegacy = exp({ virtualWorkspaces: [{ url: LEGACY }] });

type Row = [
  name: string,
  s: Observation<SliceFacts>,
  e: Observation<ExportFacts>,
  mode: ResolveMode,
  phase: string,
  source: string,
  reason: string,
  urls: string[],
];

const rows: Row[] = [
  [
    'ready slice wins over legacy in auto',
    ready,
    withLegacy,
    'auto',
    'Ready',
    'endpointSlice',
    'SliceHasEndpoints',
    [URL_A, URL_B],
  ],
  [
    'ready slice in endpointSlice mode',
    ready,
    withLegacy,
    'endpointSlice',
    'Ready',
    'endpointSlice',
    'SliceHasEndpoints',
    [URL_A, URL_B],
  ],
  [
    'ready slice but legacy asked',
    ready,
    withLegacy,
    'virtualWorkspaces',
    'Ready',
    'virtualWorkspaces',
    'LegacyOnly',
    [LEGACY],
  ],
  ['empty slice without legacy', slice(), exp(), 'auto', 'AwaitingBinding', 'none', 'NoBindingYet', []],
  [
    'empty slice falls back to legacy',
    slice(),
    withLegacy,
    'auto',
    'AwaitingBinding',
    'virtualWorkspaces',
    'LegacyFallback',
    [LEGACY],
  ],
  [
    'empty slice never falls back in endpointSlice mode',
    slice(),
    withLegacy,
    'endpointSlice',
    'AwaitingBinding',
    'none',
    'NoBindingYet',
    [],
  ],
  [
    'empty slice, legacy mode with URLs',
    slice(),
    withLegacy,
    'virtualWorkspaces',
    'AwaitingBinding',
    'virtualWorkspaces',
    'LegacyOnly',
    [LEGACY],
  ],
  [
    'empty slice, legacy mode without URLs',
    slice(),
    exp(),
    'virtualWorkspaces',
    'AwaitingBinding',
    'none',
    'NoLegacyUrls',
    [],
  ],
  ['slice condition false', notReady, exp(), 'auto', 'SliceNotReady', 'none', 'SliceConditionFalse', []],
  [
    'slice condition false falls back',
    notReady,
    withLegacy,
    'auto',
    'SliceNotReady',
    'virtualWorkspaces',
    'LegacyFallback',
    [LEGACY],
  ],
  [
    'slice condition false, endpointSlice mode',
    notReady,
    withLegacy,
    'endpointSlice',
    'SliceNotReady',
    'none',
    'SliceConditionFalse',
    [],
  ],
  ['missing slice', notFound, exp(), 'auto', 'SliceMissing', 'none', 'SliceNotFound', []],
  [
    'missing slice falls back',
    notFound,
    withLegacy,
    'auto',
    'SliceMissing',
    'virtualWorkspaces',
    'LegacyFallback',
    [LEGACY],
  ],
  [
    'missing slice, endpointSlice mode',
    notFound,
    withLegacy,
    'endpointSlice',
    'SliceMissing',
    'none',
    'SliceNotFound',
    [],
  ],
  [
    'missing slice, legacy mode',
    notFound,
    withLegacy,
    'virtualWorkspaces',
    'SliceMissing',
    'virtualWorkspaces',
    'LegacyOnly',
    [LEGACY],
  ],
  ['missing export and slice', notFound, notFound, 'auto', 'ExportMissing', 'none', 'ExportNotFound', []],
  [
    'missing export and slice, endpointSlice mode',
    notFound,
    notFound,
    'endpointSlice',
    'ExportMissing',
    'none',
    'ExportNotFound',
    [],
  ],
  [
    'missing export and slice, legacy mode',
    notFound,
    notFound,
    'virtualWorkspaces',
    'ExportMissing',
    'none',
    'ExportNotFound',
    [],
  ],
  [
    'forbidden slice with readable export falls back',
    forbidden,
    withLegacy,
    'auto',
    'Forbidden',
    'virtualWorkspaces',
    'LegacyFallback',
    [LEGACY],
  ],
  ['forbidden slice without legacy', forbidden, exp(), 'auto', 'Forbidden', 'none', 'Forbidden', []],
  ['forbidden everything', forbidden, forbidden, 'auto', 'Forbidden', 'none', 'Forbidden', []],
  [
    'forbidden slice, endpointSlice mode',
    forbidden,
    withLegacy,
    'endpointSlice',
    'Forbidden',
    'none',
    'Forbidden',
    [],
  ],
  [
    'forbidden export, legacy mode',
    slice(),
    forbidden,
    'virtualWorkspaces',
    'AwaitingBinding',
    'none',
    'Forbidden',
    [],
  ],
  [
    'missing slice with forbidden export',
    notFound,
    forbidden,
    'auto',
    'SliceMissing',
    'none',
    'SliceNotFound',
    [],
  ],
];

describe('resolveRules', () => {
  it.each(rows)('%s', (_name, s, e, mode, phase, source, reason, urls) => {
    const r = resolveRules({
      export: exportRef,
      slice: exportRef,
      mode,
      sliceObservation: s,
      exportObservation: e,
    });
    expect({ phase: r.phase, source: r.source, reason: r.reason, urls: r.urls }).toEqual({
      phase,
      source,
      reason,
      urls,
    });
    expect(r.message.length).toBeGreaterThan(20);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('tells the user to bind the export when nobody has bound yet', () => {
    const r = resolveRules({
      export: exportRef,
      slice: exportRef,
      mode: 'auto',
      sliceObservation: slice(),
      exportObservation: exp(),
    });
    expect(r.message).toContain('kubectl kcp bind apiexport root:org:provider:today-cowboys');
  });

  it('warns that legacy URLs may not serve before the first binding', () => {
    const r = resolveRules({
      export: exportRef,
      slice: exportRef,
      mode: 'auto',
      sliceObservation: slice(),
      exportObservation: withLegacy,
    });
    expect(r.message).toMatch(/may not serve/);
  });

  it("carries kcp's condition reason and a next step when the slice is not ready", () => {
    const r = resolveRules({
      export: exportRef,
      slice: exportRef,
      mode: 'auto',
      sliceObservation: notReady,
      exportObservation: exp(),
    });
    expect(r.message).toContain('APIExportNotFound');
    expect(r.message).toContain('create APIExport root:org:provider:today-cowboys');
    expect(r.sliceConditions).toHaveLength(2);
  });

  it('names the missing partition and where it must live', () => {
    const s = slice({
      partition: 'alpha',
      conditions: [
        T('APIExportValid'),
        { type: 'PartitionValid', status: 'False', reason: 'PartitionInvalidReference' },
      ],
    });
    const r = resolveRules({
      export: exportRef,
      slice: { path: 'root:org:slices', name: 'x' },
      mode: 'auto',
      sliceObservation: s,
      exportObservation: exp(),
    });
    expect(r.message).toContain('create Partition "alpha" in workspace root:org:slices');
  });

  it('explains the skip-endpointslice annotation when the slice is missing because of it', () => {
    const r = resolveRules({
      export: exportRef,
      slice: exportRef,
      mode: 'auto',
      sliceObservation: notFound,
      exportObservation: exp({ skipsEndpointSlice: true }),
    });
    expect(r.message).toContain('skip-endpointslice');
  });

  it('says 401 means rejected credentials', () => {
    const r = resolveRules({
      export: exportRef,
      slice: exportRef,
      mode: 'auto',
      sliceObservation: { state: 'forbidden', status: 401 },
      exportObservation: { state: 'forbidden', status: 401 },
    });
    expect(r.message).toContain('credentials were rejected');
    expect(r.warnings.join(' ')).toContain('legacy fallback is unavailable');
  });

  it('reports invalid endpoints as warnings and keeps the valid ones', () => {
    const s = slice({
      endpoints: [{ url: URL_A }],
      invalid: ['endpoint 1: "not a url" is not an absolute http(s) URL'],
    });
    const r = resolveRules({
      export: exportRef,
      slice: exportRef,
      mode: 'auto',
      sliceObservation: s,
      exportObservation: exp({ invalid: ['legacy 0 bad'] }),
    });
    expect(r.urls).toEqual([URL_A]);
    expect(r.warnings).toEqual(['endpoint 1: "not a url" is not an absolute http(s) URL', 'legacy 0 bad']);
  });

  it('treats a slice without conditions as valid, like kcp does', () => {
    const r = resolveRules({
      export: exportRef,
      slice: exportRef,
      mode: 'auto',
      sliceObservation: slice({ conditions: [] }),
      exportObservation: exp(),
    });
    expect(r.phase).toBe('AwaitingBinding');
  });

  it('records the resource versions it read', () => {
    const r = resolveRules({
      export: exportRef,
      slice: exportRef,
      mode: 'auto',
      sliceObservation: ready,
      exportObservation: exp(),
    });
    expect(r.resourceVersions).toEqual({ slice: '10', export: '7' });
    const none = resolveRules({
      export: exportRef,
      slice: exportRef,
      mode: 'auto',
      sliceObservation: notFound,
      exportObservation: notFound,
    });
    expect(none.resourceVersions).toEqual({});
  });
});
