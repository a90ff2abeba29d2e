import { afterEach, describe, expect, it } from 'vitest';
import type { ClientStatus } from '../../src/client-types.js';
import { InformerCache } from '../../src/watch/informer-cache.js';
import { FakeTransport, fastTuning, widget, widgets } from './helpers/fake-transport.js';

const caches: InformerCache[] = [];
afterEach(() => {
  for (const c of caches.splice(0)) c.close();
});

function cache(transport = new FakeTransport(), identity?: string) {
  const c = new InformerCache({ transport, identity, tuning: fastTuning });
  caches.push(c);
  return c;
}

describe('InformerCache', () => {
  it('returns the same informer for the same collection and distinct ones per cluster, kind and selectors', () => {
    const c = cache();
    const a = c.acquire(widgets, 'root:a');
    expect(c.acquire(widgets, 'root:a')).toBe(a);
    expect(c.acquire(widgets, 'root:b')).not.toBe(a);
    expect(c.acquire({ ...widgets, version: 'v2' }, 'root:a')).not.toBe(a);
    expect(c.acquire(widgets, 'root:a', { fieldSelector: 'metadata.name=x' })).not.toBe(a);
    expect(c.acquire(widgets, 'root:a', { labelSelector: 'x=y' })).not.toBe(a);
    expect(c.size).toBe(5);
  });

  it('includes the server and identity in the key', () => {
    const t1 = new FakeTransport('https://one');
    const t2 = new FakeTransport('https://one');
    expect(cache(t1, 'alice').keyOf(widgets, 'root')).toBe(cache(t2, 'alice').keyOf(widgets, 'root'));
    expect(cache(t1, 'alice').keyOf(widgets, 'root')).not.toBe(cache(t1, 'bob').keyOf(widgets, 'root'));
    expect(cache(t1).keyOf(widgets, 'root')).not.toBe(cache(t2).keyOf(widgets, 'root'));
    expect(cache(t1).keyOf(widgets, 'root')).toBe(cache(t1).keyOf(widgets, 'root'));
    expect(cache(new FakeTransport('https://two'), 'alice').keyOf(widgets, 'root')).not.toBe(
      cache(t1, 'alice').keyOf(widgets, 'root'),
    );
  });

  it('shares one list+watch among all subscribers of a workspace and drops it with the last one', async () => {
    const transport = new FakeTransport();
    transport.objects = [widget('a', '1'), widget('b', '2')];
    const c = cache(transport);
    const s1 = c.acquire(widgets, 'root').object$('a').subscribe();
    const s2 = c.acquire(widgets, 'root').object$('b').subscribe();
    const w = await transport.watchAt(0);
    expect(transport.watchCalls).toHaveLength(1);
    s1.unsubscribe();
    expect(c.size).toBe(1);
    s2.unsubscribe();
    expect(w.aborted).toBe(true);
    expect(c.size).toBe(0);
    // Re-acquiring creates a fresh informer; an old handle re-registers itself when used again.
    const old = c.acquire(widgets, 'root');
    c.close();
    expect(old.active).toBe(false);
  });

  it('re-registers an informer handle that becomes active again', async () => {
    const transport = new FakeTransport();
    const c = cache(transport);
    const inf = c.acquire(widgets, 'root');
    inf.state$.subscribe().unsubscribe();
    expect(c.size).toBe(0);
    const sub = inf.state$.subscribe();
    expect(c.size).toBe(1);
    expect(c.acquire(widgets, 'root')).toBe(inf);
    sub.unsubscribe();
  });

  it('closes an idle informer handle that is used again after the cache was closed', () => {
    const transport = new FakeTransport();
    const c = cache(transport);
    const inf = c.acquire(widgets, 'root');
    inf.state$.subscribe().unsubscribe();
    c.close();
    let completed = false;
    inf.state$.subscribe({ complete: () => (completed = true) });
    expect(completed).toBe(true);
    expect(inf.active).toBe(false);
    expect(c.size).toBe(0);
  });

  it('merges every reflector status into status$', async () => {
    const transport = new FakeTransport();
    const c = cache(transport);
    const seen: ClientStatus[] = [];
    c.status$.subscribe((s) => seen.push(s));
    const a = c.acquire(widgets, 'root:a').state$.subscribe();
    const b = c.acquire(widgets, 'root:b').state$.subscribe();
    await transport.watchAt(1);
    await transport.until(() => seen.filter((s) => s.type === 'connected').length === 2);
    expect(new Set(seen.map((s) => s.workspace))).toEqual(new Set(['root:a', 'root:b']));
    a.unsubscribe();
    b.unsubscribe();
  });

  it('stops everything on close, completes subscribers and hands out closed informers afterwards', async () => {
    const transport = new FakeTransport();
    const c = cache(transport);
    let completed = 0;
    let statusDone = false;
    c.status$.subscribe({ complete: () => (statusDone = true) });
    c.acquire(widgets, 'root').state$.subscribe({ complete: () => completed++ });
    const w = await transport.watchAt(0);
    c.close();
    c.close();
    expect(w.aborted).toBe(true);
    expect(completed).toBe(1);
    expect(statusDone).toBe(true);
    expect(c.size).toBe(0);
    c.acquire(widgets, 'root').state$.subscribe({ complete: () => completed++ });
    expect(completed).toBe(2);
    expect(transport.lists).toHaveLength(1);
  });
});
