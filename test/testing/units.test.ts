import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/testing/clock.js';
import { deepEqual, mergePatch } from '../../src/testing/model/json.js';
import { mulberry32 } from '../../src/testing/harness/random.js';
import { deterministicUid, logicalClusterName } from '../../src/testing/model/names.js';
import { convert, resourceDef } from '../../src/testing/model/resources.js';
import {
  formatSelector,
  matches,
  parseLabelSelector,
  parseSelectorString,
} from '../../src/testing/model/selectors.js';
import { Store } from '../../src/testing/model/store.js';
import { Topology } from '../../src/testing/model/topology.js';
import { FakeClock, startSim } from './helpers.js';

describe('label selectors', () => {
  it('parses and matches equality, set and existence requirements', () => {
    const s = parseSelectorString('a=1, b!=2,c in (x, y),d notin (z),e,!f,g==3');
    const labels = { a: '1', b: '9', c: 'y', d: 'q', e: '', g: '3' };
    expect(matches(s, labels)).toBe(true);
    expect(matches(s, { ...labels, f: 'x' })).toBe(false);
    expect(matches(s, { ...labels, c: 'n' })).toBe(false);
    expect(matches(parseSelectorString(''), {})).toBe(true);
    expect(formatSelector(s)).toBe('a=1,b!=2,c in (x,y),d!=z,e,!f,g=3');
    expect(formatSelector(parseSelectorString('x notin (b,a)'))).toBe('x notin (a,b)');
  });

  it('rejects malformed selectors', () => {
    for (const bad of ['a=1,,b', 'a b', '-x=1', 'a=b c', 'a=%'])
      expect(() => parseSelectorString(bad), bad).toThrow();
    expect(() => parseLabelSelector({ matchLabels: { a: 1 } })).toThrow(/string/);
    expect(() => parseLabelSelector({ matchExpressions: [{ operator: 'In' }] })).toThrow(/key/);
    expect(() =>
      parseLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }),
    ).toThrow(/empty/);
    expect(parseLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Exists' }] })).toEqual([
      { key: 'a', op: 'Exists', values: [] },
    ]);
  });
});

describe('json helpers', () => {
  it('applies RFC 7386 merge patches', () => {
    expect(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: 4 }, f: [1] })).toEqual({
      a: 1,
      b: { d: 3, e: 4 },
      f: [1],
    });
    expect(mergePatch({ a: 1 }, 'x')).toBe('x');
    expect(deepEqual({ a: [1, { b: 2 }], c: undefined }, { a: [1, { b: 2 }] })).toBe(true);
    expect(deepEqual([1], [2])).toBe(false);
  });
});

describe('deterministic names', () => {
  it('derives 16-character logical cluster names from seed and path', () => {
    expect(logicalClusterName('s', 'root')).toBe('root');
    const a = logicalClusterName('s', 'root:org');
    expect(a).toMatch(/^[a-z0-9]{16}$/);
    expect(logicalClusterName('s', 'root:org')).toBe(a);
    expect(logicalClusterName('t', 'root:org')).not.toBe(a);
    expect(deterministicUid('s', 1)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const r1 = mulberry32(3);
    const r2 = mulberry32(3);
    expect([r1(), r1()]).toEqual([r2(), r2()]);
  });

  it('gives two simulators with the same seed the same names, and keeps them independent', async () => {
    const a = await startSim({ seed: 'x' });
    const b = await startSim({ seed: 'x' });
    a.createExport('root:org:p', 'e');
    expect(b.workspace('root:org:p')).toBeUndefined();
    expect(b.createWorkspace('root:org:p').cluster).toBe(a.workspace('root:org:p')!.cluster);
  });
});

describe('store', () => {
  it('keeps a bounded history and reports older versions as expired', () => {
    const store = new Store(3);
    for (let i = 0; i < 5; i++) store.put('partitions', 'c', { metadata: { name: `p${i}` } }, 'client');
    expect(store.since(0).map((e) => e.rv)).toEqual([3, 4, 5]);
    expect(store.isExpired(1)).toBe(true);
    expect(store.isExpired(2)).toBe(false);
    expect(store.remove('partitions', 'c', 'nope', 'client')).toBeUndefined();
    expect(store.count('partitions', 'c')).toBe(5);
    expect(store.list('apibindings', 'c')).toEqual([]);
    const none = new Store(0);
    none.put('partitions', 'c', { metadata: { name: 'x' } }, 'client');
    expect(none.isExpired(0)).toBe(true);
  });

  it('compacts a long history without losing order', () => {
    const store = new Store(10);
    for (let i = 0; i < 3000; i++) store.put('partitions', 'c', { metadata: { name: 'p' } }, 'client');
    expect(store.since(2990).map((e) => e.rv)).toEqual([
      2991, 2992, 2993, 2994, 2995, 2996, 2997, 2998, 2999, 3000,
    ]);
  });
});

describe('scheduler', () => {
  it('runs keyed work once, reports errors, resolves idle waiters and ignores work after close', async () => {
    const clock = new FakeClock();
    const s = new Scheduler(clock);
    const errors: unknown[] = [];
    s.onError = (e) => errors.push(e);
    let n = 0;
    s.schedule('k', 10, () => n++);
    s.schedule('k', 10, () => n++);
    s.schedule('boom', 0, () => {
      throw new Error('x');
    });
    expect(errors).toHaveLength(1);
    const idle = s.idle();
    clock.advance(10);
    await idle;
    expect(n).toBe(1);
    s.schedule('late', 5, () => n++);
    s.close();
    s.schedule('after', 0, () => n++);
    clock.advance(10);
    expect(n).toBe(1);
    expect(s.size).toBe(0);
  });
});

describe('version conversion', () => {
  it('round-trips v1alpha2-only export data through v1alpha1 annotations', () => {
    const def = resourceDef('apiexports');
    const stored = {
      apiVersion: 'apis.kcp.io/v1alpha2',
      metadata: { name: 'e' },
      spec: {
        resources: [
          { name: 'a', group: 'g', schema: 'v1.a.g', storage: { crd: {} } },
          { name: 'v', group: 'g', schema: 'v1.v.g', storage: { virtual: { reference: { kind: 'K' } } } },
        ],
        permissionClaims: [{ group: '', resource: 'secrets', verbs: ['get'], identityHash: 'h' }],
      },
    };
    const v1 = convert(def, stored, 'v1alpha1');
    expect((v1['spec'] as any).latestResourceSchemas).toEqual(['v1.a.g']);
    expect((v1['spec'] as any).permissionClaims).toEqual([
      { group: '', resource: 'secrets', all: true, identityHash: 'h' },
    ]);
    const back = convert(def, v1, 'v1alpha2');
    expect(back['spec']).toEqual(stored.spec);
    expect(back['metadata']).toEqual({ name: 'e' });
  });

  it('converts APIBinding permission claims between versions', () => {
    const def = resourceDef('apibindings');
    const v2 = {
      apiVersion: 'apis.kcp.io/v1alpha2',
      metadata: { name: 'b' },
      spec: {
        permissionClaims: [
          { group: '', resource: 's', verbs: ['*'], selector: { matchAll: true }, state: 'Accepted' },
        ],
      },
    };
    const v1 = convert(def, v2, 'v1alpha1');
    expect((v1['spec'] as any).permissionClaims).toEqual([
      { group: '', resource: 's', state: 'Accepted', all: true },
    ]);
    expect((convert(def, v1, 'v1alpha2')['spec'] as any).permissionClaims[0].selector).toEqual({
      matchAll: true,
    });
    expect(() => resourceDef('nope' as never)).toThrow();
  });
});

describe('topology', () => {
  it('rejects paths outside root and resolves by name or path', () => {
    const t = new Topology('s');
    expect(() => t.create('other:x', 'root')).toThrow(/invalid workspace path/);
    const ws = t.create('root:a:b', 'beta');
    expect(t.resolve(ws.cluster)).toBe(ws);
    expect(t.resolve('root:a')?.shard).toBe('root');
    expect(t.all().map((w) => w.path)).toEqual(['root', 'root:a', 'root:a:b']);
  });
});

describe('helper errors', () => {
  it('throws InvalidArgumentError for bad helper input instead of crashing', async () => {
    const sim = await startSim();
    expect(() => sim.createWorkspace('root:Bad')).toThrow(/Invalid workspace path/);
    expect(() => sim.createWorkspace('root:x', { shard: 'nope' })).toThrow(/unknown shard/);
    expect(() => sim.setShardLabels('nope', {})).toThrow(/unknown shard/);
    sim.createExport('root:p', 'e');
    expect(() => sim.createExport('root:p', 'e')).toThrow(/already exists/);
    expect(() => {
      sim.deleteExport('root:nope', 'e');
    }).toThrow(/unknown workspace/);
    expect(() => {
      sim.unbind('root:p', 'nope');
    }).toThrow(/not found/);
    // kcp accepts a selector that does not parse (slices using it turn PartitionValid=False)
    expect(
      sim.createPartition('root:p', 'x', { matchExpressions: [{ key: 'a', operator: 'In' }] }),
    ).toMatchObject({ metadata: { name: 'x' } });
    expect(() => sim.createPartition('root:p', 'y', 'bad' as never)).toThrow(/invalid Partition/);
    expect(() => sim.addShard('Bad Name')).toThrow();
    expect(sim.get('apiexports', 'root:nope', 'e')).toBeUndefined();
    expect(sim.list('apiexports', 'root:nope')).toEqual([]);
    expect(sim.list('apiexports')).toHaveLength(1);
    expect(sim.endpoints('root:nope', 'x')).toEqual([]);
    expect(sim.errors).toEqual([]);
  });
});
