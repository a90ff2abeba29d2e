import { describe, expect, it } from 'vitest';
import { api, coll, FakeClock, sleep, startSim, WatchReader } from './helpers.js';

const P = 'root:org:provider';
const SLICES = coll(P, 'apiexportendpointslices');

describe('watch', () => {
  it('sends synthetic ADDED events for the current state without a resourceVersion, then live events', async () => {
    const sim = await startSim();
    sim.createExport(P, 'a');
    const w = await WatchReader.open(sim, `${SLICES}?watch=true`);
    expect(w.status).toBe(200);
    await w.until((x) => x.events.length === 1);
    expect(w.events[0]).toMatchObject({
      type: 'ADDED',
      object: { kind: 'APIExportEndpointSlice', metadata: { name: 'a' } },
    });
    sim.bind('root:c', `${P}:a`);
    await w.until((x) => x.events.length === 2);
    expect(w.events[1].type).toBe('MODIFIED');
    expect(w.events[1].object.status.endpoints).toHaveLength(1);
    sim.deleteExport(P, 'a');
    await w.until((x) => x.events.some((e) => e.type === 'DELETED'));
    expect(w.lines.every((l) => l.startsWith('{"type":'))).toBe(true);
    expect(sim.watches()).toBe(1);
    w.close();
    await sleep(20);
    expect(sim.watches()).toBe(0);
  });

  it('resumes after a resourceVersion, replaying only later events, in the requested version', async () => {
    const sim = await startSim();
    sim.createExport(P, 'a');
    const rv = sim.resourceVersion();
    sim.createExport(P, 'b');
    const w = await WatchReader.open(sim, `${coll(P, 'apiexports')}?watch=1&resourceVersion=${rv}`);
    await w.until((x) => x.events.length >= 2);
    expect(w.events.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['ADDED:b', 'MODIFIED:b']);
    expect(w.events[0].object.apiVersion).toBe('apis.kcp.io/v1alpha1');
    expect(w.events[0].object.spec.latestResourceSchemas).toBeDefined();
    expect(Number(w.events[1].object.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
    w.close();
  });

  it('filters by fieldSelector and turns label-selector transitions into ADDED and DELETED', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    const parts = coll(P, 'partitions', 'v1alpha1', 'topology.kcp.io');
    const w = await WatchReader.open(sim, `${parts}?watch=true&labelSelector=team%3Dblue`);
    const n = await WatchReader.open(sim, `${parts}?watch=true&fieldSelector=metadata.name%3Dp2`);
    sim.createPartition(P, 'p1', {});
    sim.createPartition(P, 'p2', {});
    const m = { contentType: 'application/merge-patch+json' };
    await api(sim, 'PATCH', `${parts}/p1`, { metadata: { labels: { team: 'blue' } } }, m);
    await api(sim, 'PATCH', `${parts}/p1`, { metadata: { labels: { team: 'red' } } }, m);
    await w.until((x) => x.events.length === 2);
    expect(w.events.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['ADDED:p1', 'DELETED:p1']);
    await n.until((x) => x.events.length === 1);
    expect(n.events[0].object.metadata.name).toBe('p2');
    w.close();
    n.close();
  });

  it('answers a too-old resourceVersion with an ERROR 410 Expired event, or HTTP 410 when configured', async () => {
    const sim = await startSim({ retainedEvents: 2 });
    for (const n of ['a', 'b', 'c']) sim.createExport(P, n, { skipEndpointSlice: true });
    const w = await WatchReader.open(sim, `${SLICES}?watch=true&resourceVersion=1`);
    await w.done();
    expect(w.events).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({
          kind: 'Status',
          code: 410,
          reason: 'Expired',
          message: expect.stringMatching(/^too old resource version: 1 \(\d+\)$/),
        }),
      },
    ]);
    const sim2 = await startSim({ retainedEvents: 1, expiredAs: 'http' });
    sim2.createExport(P, 'a');
    sim2.createExport(P, 'b');
    const r = await api(sim2, 'GET', `${SLICES}?watch=true&resourceVersion=1`);
    expect(r.status).toBe(410);
    expect(r.body.reason).toBe('Expired');
    const bad = await api(sim2, 'GET', `${SLICES}?watch=true&resourceVersion=abc`);
    expect(bad.status).toBe(400);
  });

  it('expires every earlier resourceVersion after compact()', async () => {
    const sim = await startSim();
    sim.createExport(P, 'a');
    const rv = sim.resourceVersion();
    sim.createExport(P, 'b');
    sim.compact();
    const w = await WatchReader.open(sim, `${SLICES}?watch=true&resourceVersion=${rv}`);
    await w.done();
    expect(w.events[0].type).toBe('ERROR');
  });

  it('sends periodic BOOKMARKs only when allowed, and ends cleanly after timeoutSeconds', async () => {
    const clock = new FakeClock();
    const sim = await startSim({ clock, bookmarkIntervalMs: 1000 });
    sim.createWorkspace(P);
    const w = await WatchReader.open(
      sim,
      `${SLICES}?watch=true&allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion=${sim.resourceVersion()}`,
    );
    const plain = await WatchReader.open(sim, `${SLICES}?watch=true&timeoutSeconds=10`);
    clock.advance(1000);
    await w.until((x) => x.events.length === 1);
    expect(w.events[0]).toEqual({
      type: 'BOOKMARK',
      object: {
        kind: 'APIExportEndpointSlice',
        apiVersion: 'apis.kcp.io/v1alpha1',
        metadata: { resourceVersion: sim.resourceVersion() },
      },
    });
    clock.advance(1000);
    await w.until((x) => x.events.length === 2);
    clock.advance(1000);
    await w.done();
    expect(w.error).toBeUndefined();
    expect(plain.events).toEqual([]);
    clock.advance(7000);
    await plain.done();
  });

  it('watches across all clusters with the wildcard', async () => {
    const sim = await startSim();
    const w = await WatchReader.open(sim, '/clusters/*/apis/apis.kcp.io/v1alpha2/apibindings?watch=true');
    sim.createExport(P, 'a');
    sim.bind('root:c1', `${P}:a`);
    sim.bind('root:c2', `${P}:a`);
    await w.until((x) => x.events.filter((e) => e.type === 'ADDED').length === 2);
    const clusters = new Set(w.events.map((e) => e.object.metadata.annotations['kcp.io/cluster']));
    expect(clusters.size).toBe(2);
    w.close();
  });

  it('counts open TCP connections and drops them all on close', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    const a = await WatchReader.open(sim, `${SLICES}?watch=true`);
    const b = await WatchReader.open(sim, `${SLICES}?watch=true`);
    await sleep(10);
    expect(sim.connections()).toBeGreaterThanOrEqual(2);
    await sim.close();
    await a.done();
    await b.done();
    expect(sim.connections()).toBe(0);
    await sim.close();
  });

  it('handles many concurrent watches with one serialisation per event', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    const watches = await Promise.all(
      Array.from({ length: 50 }, () => WatchReader.open(sim, `${SLICES}?watch=true`)),
    );
    for (let i = 0; i < 20; i++) sim.createExport(P, `e${i}`);
    await Promise.all(watches.map((w) => w.until((x) => x.events.length >= 40)));
    expect(watches.every((w) => w.events.length === watches[0]!.events.length)).toBe(true);
    for (const w of watches) w.close();
  });
});
