import { describe, expect, it } from 'vitest';
import {
  resolveRules,
  type ExportFacts,
  type Observation,
  type SliceFacts,
} from '../../src/endpoints/rules.js';
import type { EndpointReason, ResolveMode } from '../../src/endpoints/types.js';
import { toChange } from '../../src/endpoints/watch.js';
import type { Condition } from '../../src/kcp/meta.js';

const exportRef = { path: 'root:org:provider', name: 'today-cowboys' };
const sliceRef = { path: 'root:org:slices', name: 'cowboys' };
const URL_A = 'https://a.kcp.test:6443/services/apiexport/2hwz/today-cowboys';
const URL_B = 'https://b.kcp.test:6443/services/apiexport/2hwz/today-cowboys';
const LEGACY = 'https://legacy.kcp.test:6443/services/apiexport/2hwz/today-cowboys';
const T = (type: string): Condition => ({ type, status: 'True' });
const PARSER = "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty";
const badSelector: Condition = {
  type: 'PartitionValid',
  status: 'False',
  severity: 'Error',
  reason: 'PartitionInvalidReference',
  message: PARSER,
};
const missingPartition: Condition = {
  ...badSelector,
  message: 'partition.topology.kcp.io "nothere" not found',
};
const lingering: Condition = {
  type: 'EndpointURLsReady',
  status: 'False',
  reason: 'ErrorGeneratingURLs',
  message: 'old',
};
const internal: Condition = { type: 'APIExportValid', status: 'False', reason: 'InternalError' };
const odd: Condition = { type: 'SomethingNew', status: 'Unknown', reason: 'Whatever' };

const slice = (
  conditions: Condition[],
  urls: string[],
  f: Partial<SliceFacts> = {},
): Observation<SliceFacts> => ({
  state: 'found',
  facts: {
    conditions,
    endpoints: urls.map((url) => ({ url })),
    invalid: [],
    partition: 'all',
    exportPath: 'root:org:provider',
    ...f,
  },
});
const exp = (f: Partial<ExportFacts> = {}): Observation<ExportFacts> => ({
  state: 'found',
  facts: {
    virtualWorkspaces: [],
    invalid: [],
    skipsEndpointSlice: false,
    canonicalPath: 'root:org:provider',
    ...f,
  },
});
const withLegacy = exp({ virtualWorkspaces: [{ url: LEGACY }] });

const run = (s: Observation<SliceFacts>, e: Observation<ExportFacts> = exp(), mode: ResolveMode = 'auto') =>
  resolveRules({ export: exportRef, slice: sliceRef, mode, sliceObservation: s, exportObservation: e });

type Row = [
  name: string,
  s: Observation<SliceFacts>,
  e: Observation<ExportFacts>,
  mode: ResolveMode,
  phase: string,
  source: string,
  reason: EndpointReason,
  urls: string[],
];

const rows: Row[] = [
  [
    'an invalid Partition selector with URLs listed is Degraded and keeps the URLs',
    slice([T('APIExportValid'), badSelector], [URL_B, URL_A]),
    exp(),
    'auto',
    'Degraded',
    'endpointSlice',
    'PartitionInvalidReference',
    [URL_A, URL_B],
  ],
  [
    'Degraded never falls back to legacy URLs in auto mode',
    slice([T('APIExportValid'), badSelector], [URL_A]),
    withLegacy,
    'auto',
    'Degraded',
    'endpointSlice',
    'PartitionInvalidReference',
    [URL_A],
  ],
  [
    'Degraded in endpointSlice mode',
    slice([T('APIExportValid'), badSelector], [URL_A]),
    withLegacy,
    'endpointSlice',
    'Degraded',
    'endpointSlice',
    'PartitionInvalidReference',
    [URL_A],
  ],
  [
    'Degraded in virtualWorkspaces mode still takes only legacy URLs',
    slice([T('APIExportValid'), badSelector], [URL_A]),
    withLegacy,
    'virtualWorkspaces',
    'Degraded',
    'virtualWorkspaces',
    'LegacyOnly',
    [LEGACY],
  ],
  [
    'a lingering EndpointURLsReady=False with URLs is Degraded with its reason',
    slice([T('APIExportValid'), lingering, T('PartitionValid')], [URL_A]),
    exp(),
    'auto',
    'Degraded',
    'endpointSlice',
    'ErrorGeneratingURLs',
    [URL_A],
  ],
  [
    'an internal error with URLs is Degraded with InternalError',
    slice([internal, T('PartitionValid')], [URL_A]),
    exp(),
    'auto',
    'Degraded',
    'endpointSlice',
    'InternalError',
    [URL_A],
  ],
  [
    'an unknown reason with URLs is Degraded with SliceConditionFalse',
    slice([T('APIExportValid'), odd], [URL_A]),
    exp(),
    'auto',
    'Degraded',
    'endpointSlice',
    'SliceConditionFalse',
    [URL_A],
  ],
  [
    'a missing Partition clears the URLs, which is SliceNotReady',
    slice([T('APIExportValid'), missingPartition], []),
    exp(),
    'auto',
    'SliceNotReady',
    'none',
    'SliceConditionFalse',
    [],
  ],
  [
    'a lingering EndpointURLsReady=False without URLs is SliceNotReady',
    slice([T('APIExportValid'), lingering], []),
    exp(),
    'endpointSlice',
    'SliceNotReady',
    'none',
    'SliceConditionFalse',
    [],
  ],
];

describe('resolveRules where real kcp is subtle', () => {
  it.each(rows)('%s', (_name, s, e, mode, phase, source, reason, urls) => {
    const r = run(s, e, mode);
    expect({ phase: r.phase, source: r.source, reason: r.reason, urls: r.urls }).toEqual({
      phase,
      source,
      reason,
      urls,
    });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('says the URLs of a Degraded slice still serve, quotes the parser message and gives the fix', () => {
    const r = run(slice([T('APIExportValid'), badSelector], [URL_A]));
    expect(r.message).toContain('still lists 1 URL and they still serve');
    expect(r.message).toContain('kcp adds or removes none until the condition is fixed');
    expect(r.message).toContain(`kcp says: "${PARSER}"`);
    expect(r.message).toContain('kubectl ws root:org:slices && kubectl edit partition all');
    expect(r.message).not.toContain('create Partition');
  });

  it('tells a missing Partition from one whose selector does not parse', () => {
    const r = run(slice([T('APIExportValid'), missingPartition], []));
    expect(r.message).toContain('create Partition "all" in workspace root:org:slices');
    expect(r.message).not.toContain('fix the selector');
  });

  it('gives the status patch that removes a lingering EndpointURLsReady condition', () => {
    const r = run(slice([T('APIExportValid'), lingering, T('PartitionValid')], [URL_A]));
    expect(r.message).toContain('kcp ≤ 0.26 wrote and later versions never remove');
    expect(r.message).toContain(
      `kubectl ws root:org:slices && kubectl patch apiexportendpointslice cowboys --subresource=status --type=json -p '[{"op":"test","path":"/status/conditions/1/type","value":"EndpointURLsReady"},{"op":"remove","path":"/status/conditions/1"}]'`,
    );
  });

  it('does not promise one URL per shard that hosts a binding', () => {
    const r = run(slice([T('APIExportValid'), T('PartitionValid')], [URL_A, URL_B]));
    expect(r.phase).toBe('Ready');
    expect(r.message).not.toContain('one per shard that hosts a binding');
    expect(r.message).toContain('keeps its URL while it still hosts bindings');
  });
});

describe('the textual-path trap', () => {
  const canonical = 'root:org:provider';
  const cases: Array<
    [name: string, exportPath: string | undefined, canonicalPath: string | undefined, warns: boolean]
  > = [
    ['the logical cluster name', '2hwz9858ph0d4yx5', canonical, true],
    ['an empty path', '', canonical, true],
    ['another form of the path', 'root:org:provider2', canonical, true],
    ['the canonical path', canonical, canonical, false],
    ['a slice without the field read (old callers)', undefined, canonical, false],
    ['an export without kcp.io/path', '2hwz9858ph0d4yx5', undefined, false],
  ];
  it.each(cases)('a slice naming the export by %s warns: %s', (_name, exportPath, canonicalPath, warns) => {
    const r = run(
      slice([T('APIExportValid'), T('PartitionValid')], [URL_A], { exportPath }),
      exp({ canonicalPath }),
    );
    const codes = r.warningDetails.map((w) => w.code);
    expect(codes.includes('SliceReferenceNotCanonical')).toBe(warns);
    expect(r.warnings).toEqual(r.warningDetails.map((w) => w.message));
  });

  it('warns in every phase with the canonical path and the nudge command', () => {
    for (const s of [
      slice([T('APIExportValid'), T('PartitionValid')], [URL_A], { exportPath: '2hwz' }),
      slice([T('APIExportValid'), T('PartitionValid')], [], { exportPath: '2hwz' }),
      slice([T('APIExportValid'), badSelector], [URL_A], { exportPath: '2hwz' }),
    ]) {
      const r = run(s);
      const w = r.warningDetails.find((x) => x.code === 'SliceReferenceNotCanonical');
      expect(w?.message).toContain('kcp matches bindings to this slice by the text of its path');
      expect(w?.message).toContain('can be missing or stale until the slice changes');
      expect(w?.message).toContain('spec.export.path: root:org:provider');
      expect(w?.message).toContain(
        'kcp-endpoints nudge root:org:provider:today-cowboys --slice root:org:slices:cowboys',
      );
    }
  });

  it('codes the other warnings too, in the same order as the messages', () => {
    const r = run(
      slice([T('APIExportValid')], [URL_A], { invalid: ['bad endpoint'] }),
      exp({ invalid: ['bad legacy'] }),
    );
    expect(r.warningDetails).toEqual([
      { code: 'InvalidEndpoint', message: 'bad endpoint' },
      { code: 'InvalidLegacyEndpoint', message: 'bad legacy' },
    ]);
    const f = run(slice([], []), { state: 'forbidden', status: 403 });
    expect(f.warningDetails.map((w) => w.code)).toEqual(['ExportUnreadable']);
  });
});

describe('watchEndpoints diffs', () => {
  it('never reports a live URL as removed when a condition goes False, nor added when it comes back', () => {
    const ready = run(slice([T('APIExportValid'), T('PartitionValid')], [URL_A]));
    const degraded = run(slice([T('APIExportValid'), badSelector], [URL_A]));
    const back = run(slice([T('APIExportValid'), T('PartitionValid')], [URL_A]));
    const toDegraded = toChange(degraded, ready);
    expect(toDegraded).toMatchObject({ phase: 'Degraded', added: [], removed: [], urls: [URL_A] });
    expect(toChange(back, degraded)).toMatchObject({ phase: 'Ready', added: [], removed: [] });
  });

  it('reports the URLs removed when kcp itself clears them (Partition deleted)', () => {
    const degraded = run(slice([T('APIExportValid'), badSelector], [URL_A]));
    const cleared = run(slice([T('APIExportValid'), missingPartition], []));
    expect(toChange(cleared, degraded)).toMatchObject({ phase: 'SliceNotReady', removed: [URL_A] });
  });
});
