import { describe, expect, it } from 'vitest';
import { watchResolution } from '../../src/endpoints/watch.js';
import type { EndpointChange } from '../../src/endpoints/types.js';
import type { NameListener } from '../../src/watch/name-dispatch.js';
import type { InformerCache } from '../../src/watch/informer-cache.js';

const P = 'root:org:provider';
const URL_A = 'https://a.kcp.test:6443/services/apiexport/2hwz/x';
type Obj = {
  metadata: { name: string; resourceVersion: string; annotations?: Record<string, string> };
} & Record<string, unknown>;

/** A stand-in for the shared informers: the test pushes snapshots of the slice and the export by hand. */
function fakeCache(): {
  cache: InformerCache;
  push: (plural: string, object: Obj | null) => void;
  registered: () => number;
} {
  const listeners = new Map<string, NameListener<Obj>>();
  const cache = {
    acquire: (desc: { plural: string }) => ({
      informer: {
        watchName: (_name: string, listener: NameListener<Obj>) => {
          listeners.set(desc.plural, listener);
          return { synced: true, release: () => listeners.delete(desc.plural) };
        },
      },
      release: () => undefined,
    }),
  } as unknown as InformerCache;
  return {
    cache,
    push: (plural, object) => listeners.get(plural)?.({ synced: true, object, error: undefined }),
    registered: () => listeners.size,
  };
}

let rv = 1;
const slice = (conditions: Array<Record<string, string>>, urls: string[], path = P): Obj => ({
  metadata: { name: 'x', resourceVersion: String(rv++) },
  spec: { export: { path, name: 'x' }, partition: 'all' },
  status: { conditions, ...(urls.length === 0 ? {} : { endpoints: urls.map((url) => ({ url })) }) },
});
const T = (type: string) => ({ type, status: 'True' });
const bad = {
  type: 'PartitionValid',
  status: 'False',
  reason: 'PartitionInvalidReference',
  message: 'values: Invalid value',
};
const exp: Obj = {
  metadata: { name: 'x', resourceVersion: '1', annotations: { 'kcp.io/cluster': '2hwz', 'kcp.io/path': P } },
  spec: {},
  status: {},
};

describe('watchEndpoints when a slice condition goes False', () => {
  it('keeps the URL through Degraded and back, with no removal, and reports the removal when kcp clears it', () => {
    const { cache, push } = fakeCache();
    const seen: EndpointChange[] = [];
    const target = { export: { path: P, name: 'x' }, slice: { path: P, name: 'x' }, mode: 'auto' as const };
    const sub = watchResolution(cache, target).subscribe((c) => seen.push(c));
    push('apiexports', exp);
    push('apiexportendpointslices', slice([T('APIExportValid'), T('PartitionValid')], [URL_A]));
    push('apiexportendpointslices', slice([T('APIExportValid'), bad], [URL_A]));
    push('apiexportendpointslices', slice([T('APIExportValid'), bad], [URL_A])); // status rewrite: no emission
    push('apiexportendpointslices', slice([T('APIExportValid'), T('PartitionValid')], [URL_A]));
    push('apiexportendpointslices', slice([T('APIExportValid'), { ...bad, message: 'not found' }], []));
    sub.unsubscribe();
    expect(seen.map((c) => [c.phase, c.reason, c.urls, c.added, c.removed])).toEqual([
      ['Ready', 'SliceHasEndpoints', [URL_A], [URL_A], []],
      ['Degraded', 'PartitionInvalidReference', [URL_A], [], []],
      ['Ready', 'SliceHasEndpoints', [URL_A], [], []],
      ['SliceNotReady', 'SliceConditionFalse', [], [], [URL_A]],
    ]);
  });

  it('carries the SliceReferenceNotCanonical warning in every emission of a slice named by cluster name', () => {
    const { cache, push } = fakeCache();
    const seen: EndpointChange[] = [];
    const target = { export: { path: P, name: 'x' }, slice: { path: P, name: 'x' }, mode: 'auto' as const };
    const sub = watchResolution(cache, target).subscribe((c) => seen.push(c));
    push('apiexports', exp);
    push('apiexportendpointslices', slice([T('APIExportValid')], [], '2hwz'));
    push('apiexportendpointslices', slice([T('APIExportValid')], [URL_A], '2hwz'));
    sub.unsubscribe();
    expect(seen).toHaveLength(2);
    for (const c of seen) {
      expect(c.warningDetails.map((w) => w.code)).toEqual(['SliceReferenceNotCanonical']);
    }
  });
});

describe('watchResolution onChange', () => {
  const target = { export: { path: P, name: 'x' }, slice: { path: P, name: 'x' }, mode: 'auto' as const };

  it('sees each change just before the subscriber, in the same order', () => {
    const { cache, push } = fakeCache();
    const order: string[] = [];
    const sub = watchResolution(cache, target, {
      onChange: (c) => order.push(`hook ${c.phase}`),
    }).subscribe((c) => order.push(`next ${c.phase}`));
    push('apiexports', exp);
    push('apiexportendpointslices', slice([T('APIExportValid'), T('PartitionValid')], [URL_A]));
    push('apiexportendpointslices', slice([T('APIExportValid'), bad], [URL_A]));
    expect(order).toEqual(['hook Ready', 'next Ready', 'hook Degraded', 'next Degraded']);
    sub.unsubscribe();
  });

  it('errors the subscription with what the hook threw, and releases its registrations', () => {
    const { cache, push, registered } = fakeCache();
    const boom = new Error('boom');
    const errors: unknown[] = [];
    const values: EndpointChange[] = [];
    watchResolution(cache, target, {
      onChange: () => {
        throw boom;
      },
    }).subscribe({ next: (c) => values.push(c), error: (e: unknown) => errors.push(e) });
    push('apiexports', exp);
    expect(registered()).toBe(2);
    expect(() => {
      push('apiexportendpointslices', slice([T('APIExportValid'), T('PartitionValid')], [URL_A]));
    }).not.toThrow();
    expect(errors).toEqual([boom]);
    expect(values).toEqual([]);
    expect(registered()).toBe(0);
  });
});
