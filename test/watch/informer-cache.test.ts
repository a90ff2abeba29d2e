import { afterEach, describe, expect, it } from 'vitest';
import { InformerCache } from '../../src/watch/informer-cache.js';
import type { WatchStatus } from '../../src/watch/status.js';
import { FakeTransport, type Widget, fastTuning, widget, widgets } from './helpers/fake-transport.js';

const caches: InformerCache[] = [];
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});

function cache(transport = new FakeTransport()) {
  const c = new InformerCache({ transport, tuning: fastTuning });
  caches.push(c);
  return c;
}

describe('InformerCache', () => {
  it('leases the same informer for the same collection and distinct ones per cluster, kind and selectors', () => {
    const c = cache();
    const a = c.acquire(widgets, 'root:a');
    expect(c.acquire(widgets, 'root:a').informer).toBe(a.informer);
    expect(c.acquire(widgets, 'root:b').informer).not.toBe(a.informer);
    expect(c.acquire({ ...widgets, version: 'v2' }, 'root:a').informer).not.toBe(a.informer);
    expect(c.acquire(widgets, 'root:a', { fieldSelector: 'metadata.name=x' }).informer).not.toBe(a.informer);
    expect(c.acquire(widgets, 'root:a', { labelSelector: 'x=y' }).informer).not.toBe(a.informer);
    expect(c.size).toBe(5);
  });

  it('leases one informer per transform: the default, whole objects, and each function of its own', () => {
    const c = cache();
    const strip = c.acquire(widgets, 'root:a');
    const whole = c.acquire(widgets, 'root:a', { transform: false });
    const mine = (w: Widget): Widget => w;
    const own = c.acquire(widgets, 'root:a', { transform: mine });
    expect(c.acquire(widgets, 'root:a', { transform: undefined }).informer).toBe(strip.informer);
    expect(c.acquire(widgets, 'root:a', { transform: false }).informer).toBe(whole.informer);
    expect(c.acquire(widgets, 'root:a', { transform: mine }).informer).toBe(own.informer);
    expect(c.acquire(widgets, 'root:a', { transform: (w: Widget) => w }).informer).not.toBe(own.informer);
    expect(new Set([strip.informer, whole.informer, own.informer]).size).toBe(3);
    expect(c.size).toBe(4);
  });

  it('shares one list+watch among all subscribers of a workspace and drops it with the last lease', async () => {
    const transport = new FakeTransport();
    transport.objects = [widget('a', '1'), widget('b', '2')];
    const c = cache(transport);
    const l1 = c.acquire(widgets, 'root');
    const l2 = c.acquire(widgets, 'root');
    const r1 = l1.informer.watchName('a', () => undefined);
    const r2 = l2.informer.watchName('b', () => undefined);
    const w = await transport.watchAt(0);
    expect(transport.watchCalls).toHaveLength(1);
    r1.release();
    l1.release();
    l1.release();
    expect(c.size).toBe(1);
    expect(transport.idleReleases).toBe(0);
    r2.release();
    l2.release();
    expect(w.aborted).toBe(true);
    expect(c.size).toBe(0);
    // Nothing is watched any more: the transport's idle sockets go.
    expect(transport.idleReleases).toBe(1);
    // A new lease gets a fresh informer.
    expect(c.acquire(widgets, 'root').informer).not.toBe(l1.informer);
  });

  it('merges every reflector status into status$', async () => {
    const transport = new FakeTransport();
    const c = cache(transport);
    const seen: WatchStatus[] = [];
    c.status$.subscribe((s) => seen.push(s));
    const a = c.acquire(widgets, 'root:a');
    const b = c.acquire(widgets, 'root:b');
    const ra = a.informer.watchName('x', () => undefined);
    const rb = b.informer.watchName('x', () => undefined);
    await transport.watchAt(1);
    await transport.until(() => seen.filter((s) => s.type === 'connected').length === 2);
    expect(new Set(seen.map((s) => s.workspace))).toEqual(new Set(['root:a', 'root:b']));
    ra.release();
    rb.release();
  });

  it('stops everything on close, resolves when every loop exited and hands out closed informers afterwards', async () => {
    const transport = new FakeTransport();
    const c = cache(transport);
    let ended = 0;
    let statusDone = false;
    c.status$.subscribe({ complete: () => (statusDone = true) });
    c.acquire(widgets, 'root').informer.watchName(
      'a',
      () => undefined,
      () => ended++,
    );
    // An informer released earlier whose loop may still be winding down is waited for too.
    const early = c.acquire(widgets, 'root:early');
    early.informer.watchName('a', () => undefined).release();
    early.release();
    const w = await transport.watchAt(0);
    const closing = c.close();
    expect(c.close()).toBe(closing);
    expect(w.aborted).toBe(true);
    expect(ended).toBe(1);
    expect(statusDone).toBe(true);
    expect(c.size).toBe(0);
    await closing;
    expect(transport.openWatches).toBe(0);
    expect(transport.pendingLists).toBe(0);
    c.acquire(widgets, 'root').informer.watchName(
      'a',
      () => undefined,
      () => ended++,
    );
    expect(ended).toBe(2);
    expect(transport.lists.filter((l) => l.cluster === 'root')).toHaveLength(1);
  });
});
