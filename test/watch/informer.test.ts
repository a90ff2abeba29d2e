import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiStatusError, DecodeError, NetworkError, isDecodeError } from '../../src/errors.js';
import { type Registration, SharedInformer } from '../../src/watch/informer.js';
import type { NameSnapshot } from '../../src/watch/name-dispatch.js';
import type { WatchStatus } from '../../src/watch/status.js';
import { LAST_APPLIED_ANNOTATION } from '../../src/watch/transform.js';
import { FakeTransport, type Widget, fastTuning, tick, widget, widgets } from './helpers/fake-transport.js';

const informers: Array<SharedInformer<Widget>> = [];
const registrations: Registration[] = [];

afterEach(async () => {
  for (const r of registrations.splice(0)) r.release();
  await Promise.all(informers.splice(0).map((i) => i.close()));
});

function setup(cluster = 'root:org:ws', statuses: WatchStatus[] = []) {
  const transport = new FakeTransport();
  const informer = new SharedInformer(transport, widgets, cluster, {
    tuning: fastTuning,
    status: (s) => statuses.push(s),
  });
  informers.push(informer);
  return { transport, informer, statuses };
}

/** Registers a listener for `name` and records every snapshot it gets. */
function listen(informer: SharedInformer<Widget>, name: string) {
  const values: Array<NameSnapshot<Widget>> = [];
  let closed = 0;
  const registration = informer.watchName(
    name,
    (snap) => values.push(snap),
    () => {
      closed += 1;
    },
  );
  registrations.push(registration);
  const rvs = () => values.map((v) => v.object?.metadata.resourceVersion ?? null);
  return { values, registration, rvs, closed: () => closed };
}

describe('SharedInformer', () => {
  it('does nothing before the first registration and calls the listener first after the initial list', async () => {
    const { transport, informer } = setup();
    transport.objects = [widget('a', '1')];
    await tick(5);
    expect(transport.lists).toHaveLength(0);
    expect(informer.active).toBe(false);
    const a = listen(informer, 'a');
    expect(a.values).toHaveLength(0);
    expect(a.registration.synced).toBe(false);
    await transport.watchAt(0);
    expect(a.values).toHaveLength(1);
    expect(a.values[0]).toMatchObject({ synced: true, error: undefined });
    expect(a.rvs()).toEqual(['1']);
    expect(a.registration.synced).toBe(true);
  });

  it('gives a late registration the current snapshot at once', async () => {
    const { transport, informer } = setup();
    const first = listen(informer, 'b');
    const w = await transport.watchAt(0);
    w.push({ type: 'ADDED', object: widget('b', '11') });
    await transport.until(() => first.values.length === 2);
    const late = listen(informer, 'b');
    expect(late.rvs()).toEqual(['11']);
    expect(transport.lists).toHaveLength(1);
  });

  it('starts the reflector with the first registration and aborts it with the last release', async () => {
    const { transport, informer } = setup();
    const a = listen(informer, 'a');
    const b = listen(informer, 'x');
    const w = await transport.watchAt(0);
    expect(informer.registrations).toBe(2);
    a.registration.release();
    a.registration.release();
    await tick(2);
    expect(w.aborted).toBe(false);
    b.registration.release();
    expect(w.aborted).toBe(true);
    expect(informer.active).toBe(false);
    expect(b.registration.synced).toBe(false);
    await transport.until(() => transport.openWatches === 0);
    // A new registration starts from scratch: a fresh list at "0" and no stale state.
    const again = listen(informer, 'a');
    expect(again.values).toHaveLength(0);
    await transport.watchAt(1);
    expect(transport.lists.map((l) => l.options.resourceVersion)).toEqual(['0', '0']);
    expect(again.values).toHaveLength(1);
  });

  it('calls a listener only for events of its own name, in order, with null once deleted', async () => {
    const { transport, informer } = setup();
    transport.objects = [widget('a', '1'), widget('b', '2')];
    const a = listen(informer, 'a');
    const missing = listen(informer, 'nope');
    const w = await transport.watchAt(0);
    w.push({ type: 'MODIFIED', object: widget('b', '12') }); // other object
    w.push({ type: 'MODIFIED', object: widget('a', '13', undefined, 2) });
    w.push({ type: 'DELETED', object: widget('a', '14') });
    w.push({ type: 'DELETED', object: widget('a', '15') }); // already gone: ignored
    w.push({ type: 'ADDED', object: widget('nope', '16') });
    await transport.until(() => missing.values.length === 2);
    expect(a.rvs()).toEqual(['1', '13', null]);
    expect(missing.rvs()).toEqual([null, '16']);
  });

  it('reports Forbidden in the snapshot (synced false) and heals when RBAC is granted', async () => {
    const { transport, informer } = setup();
    transport.listSteps = [new ApiStatusError('forbidden', { status: 403, reason: 'Forbidden' })];
    transport.objects = [widget('a', '1')];
    const a = listen(informer, 'a');
    await transport.watchAt(0);
    expect(a.values.map((v) => [v.synced, v.error?.code ?? null, v.object?.metadata.name ?? null])).toEqual([
      [false, 'E_HTTP', null],
      [true, null, 'a'],
    ]);
  });

  it('keeps the synced object when a later relist fails and clears the error on recovery', async () => {
    const { transport, informer } = setup();
    transport.objects = [widget('a', '1')];
    const a = listen(informer, 'a');
    const w0 = await transport.watchAt(0);
    transport.listSteps = [new ApiStatusError('forbidden', { status: 403, reason: 'Forbidden' })];
    w0.push({ type: 'ERROR', status: { code: 500 } });
    await transport.watchAt(1);
    expect(a.values.map((v) => [v.synced, v.error?.code ?? null, v.object?.metadata.name ?? null])).toEqual([
      [true, null, 'a'],
      [true, 'E_HTTP', 'a'],
      [true, null, 'a'],
    ]);
  });

  it('does not call listeners when a relist changes nothing', async () => {
    const { transport, informer } = setup();
    transport.objects = [widget('a', '1')];
    const a = listen(informer, 'a');
    const w0 = await transport.watchAt(0);
    w0.push({ type: 'ERROR', status: { code: 410 } });
    await transport.watchAt(1);
    expect(transport.lists).toHaveLength(2);
    expect(a.values).toHaveLength(1);
  });

  it('reports undecodable events and the lifecycle through its status sink', async () => {
    const { transport, informer, statuses } = setup();
    listen(informer, 'a');
    const w = await transport.watchAt(0);
    w.push({ type: 'DECODE_ERROR', error: new DecodeError('garbled') });
    await transport.until(() => statuses.length === 3);
    expect(statuses.map((s) => s.type)).toEqual(['connecting', 'connected', 'error']);
    const last = statuses[2]!;
    expect(last.type === 'error' && isDecodeError(last.error) && last.error.message).toBe('garbled');
  });

  it('finds the objects of a workspace informer by name whatever logical cluster they carry', async () => {
    const { transport, informer } = setup('root:org:ws');
    transport.objects = [widget('a', '1', '2hwz9858ph0d4yx5')];
    const a = listen(informer, 'a');
    await transport.watchAt(0);
    expect(a.values.map((v) => v.object?.metadata.name)).toEqual(['a']);
  });

  it('shares one list and one watch among 1,000 name listeners', async () => {
    const { transport, informer } = setup();
    transport.objects = Array.from({ length: 1000 }, (_, i) => widget(`export-${i}`, String(i + 1)));
    const seen = new Map<string, Widget | null>();
    const all: Registration[] = [];
    for (let i = 0; i < 1000; i++) {
      all.push(informer.watchName(`export-${i}`, (s) => seen.set(`export-${i}`, s.object)));
    }
    const w = await transport.watchAt(0);
    await tick(5);
    expect(transport.lists).toHaveLength(1);
    expect(transport.watchCalls).toHaveLength(1);
    expect(seen.size).toBe(1000);
    expect(seen.get('export-999')?.metadata.resourceVersion).toBe('1000');
    w.push({ type: 'DELETED', object: widget('export-7', '2000') });
    await transport.until(() => seen.get('export-7') === null);
    for (const r of all) r.release();
    expect(w.aborted).toBe(true);
  });

  it('ends every registration on close, resolves when the loop exited and ends later registrations at once', async () => {
    const { transport, informer } = setup();
    const a = listen(informer, 'a');
    const w = await transport.watchAt(0);
    const closing = informer.close();
    expect(informer.close()).toBe(closing);
    expect(a.closed()).toBe(1);
    expect(w.aborted).toBe(true);
    await closing;
    expect(transport.openWatches).toBe(0);
    const late = listen(informer, 'a');
    expect(late.closed()).toBe(1);
    expect(informer.active).toBe(false);
    expect(transport.lists).toHaveLength(1);
  });
});

describe('SharedInformer teardown', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaves no timer and no open request after the last release, even while backing off', async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const informer = new SharedInformer(transport, widgets, 'root', { tuning: fastTuning });
    const registration = informer.watchName('a', () => undefined);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.openWatches).toBe(1);
    transport.watchFailures = [new NetworkError('reset')];
    transport.watches[0]!.fail(new NetworkError('reset'));
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1); // the backoff sleep
    registration.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(transport.openWatches).toBe(0);
    expect(transport.watchCalls).toHaveLength(1);
  });
});

describe('SharedInformer.watchAll', () => {
  it('tells a collection listener every key first, then the keys each event or relist changed', async () => {
    const { transport, informer } = setup('*');
    transport.objects = [widget('a', '1', 'c1'), widget('a', '2', 'c2')];
    const calls: Array<{ synced: boolean; changed: string[]; size: number; error: string | null }> = [];
    const registration = informer.watchAll((c) =>
      calls.push({
        synced: c.synced,
        changed: [...c.changed],
        size: c.items.size,
        error: c.error?.code ?? null,
      }),
    );
    registrations.push(registration);
    const w = await transport.watchAt(0);
    expect(registration.synced).toBe(true);
    w.push({ type: 'ADDED', object: widget('b', '3', 'c1') });
    w.push({ type: 'DELETED', object: widget('a', '4', 'c2') });
    await transport.until(() => calls.length === 3);
    // A relist that finds one change tells only that key.
    transport.objects = [widget('a', '1', 'c1'), widget('b', '5', 'c1')];
    w.push({ type: 'ERROR', status: { code: 410 } });
    await transport.until(() => calls.length === 4);
    expect(calls).toEqual([
      { synced: true, changed: ['c1|a', 'c2|a'], size: 2, error: null },
      { synced: true, changed: ['c1|b'], size: 3, error: null },
      { synced: true, changed: ['c2|a'], size: 2, error: null },
      { synced: true, changed: ['c1|b'], size: 2, error: null },
    ]);
  });

  it('gives a late collection listener every key at once, and reports a failure and its recovery', async () => {
    const { transport, informer } = setup('*');
    transport.objects = [widget('a', '1', 'c1')];
    listen(informer, 'a');
    const w0 = await transport.watchAt(0);
    const late: string[][] = [];
    const errors: Array<string | null> = [];
    registrations.push(
      informer.watchAll((c) => {
        late.push([...c.changed]);
        errors.push(c.error?.code ?? null);
      }),
    );
    expect(late).toEqual([['c1|a']]);
    transport.listSteps = [new ApiStatusError('forbidden', { status: 403, reason: 'Forbidden' })];
    w0.push({ type: 'ERROR', status: { code: 500 } });
    await transport.watchAt(1);
    expect(errors).toEqual([null, 'E_HTTP', null]);
    expect(late[2]).toEqual(['c1|a']);
  });

  it('counts collection listeners as registrations and ends them on close', async () => {
    const { transport, informer } = setup('*');
    let ended = 0;
    const registration = informer.watchAll(
      () => undefined,
      () => (ended += 1),
    );
    const w = await transport.watchAt(0);
    expect(informer.registrations).toBe(1);
    await informer.close();
    expect(ended).toBe(1);
    expect(w.aborted).toBe(true);
    registration.release();
  });
});

describe('SharedInformer transform', () => {
  /** A widget as kcp would serve it: with managedFields and a last-applied annotation. */
  const heavy = (name: string, rv: string): Widget =>
    ({
      metadata: {
        name,
        resourceVersion: rv,
        annotations: { 'kcp.io/cluster': 'c1', [LAST_APPLIED_ANNOTATION]: '{"spec":{"value":1}}' },
        managedFields: [{ manager: 'kcp', operation: 'Update', fieldsV1: { 'f:spec': {} } }],
      },
      spec: { value: 1 },
    }) as Widget;
  const managed = (w: Widget | null | undefined): unknown =>
    (w?.metadata as Record<string, unknown> | undefined)?.['managedFields'];

  function informerWith(transform?: ((w: Widget) => Widget) | false) {
    const transport = new FakeTransport();
    transport.objects = [heavy('a', '1')];
    const informer = new SharedInformer(transport, widgets, 'root', {
      tuning: fastTuning,
      ...(transform === undefined ? {} : { transform }),
    });
    informers.push(informer);
    return { transport, informer };
  }

  it('keeps listed and watched objects without managedFields and the last-applied annotation by default', async () => {
    const { transport, informer } = informerWith();
    const a = listen(informer, 'a');
    const b = listen(informer, 'b');
    const w = await transport.watchAt(0);
    w.push({ type: 'ADDED', object: heavy('b', '2') });
    await transport.until(() => b.values.length === 2);
    for (const snap of [a.values[0], b.values[1]]) {
      expect(managed(snap?.object)).toBeUndefined();
      expect(snap?.object?.metadata.annotations).toEqual({ 'kcp.io/cluster': 'c1' });
      expect(snap?.object?.spec).toEqual({ value: 1 });
    }
    expect(b.rvs()).toEqual([null, '2']);
  });

  it('keeps objects whole with transform: false', async () => {
    const { transport, informer } = informerWith(false);
    const a = listen(informer, 'a');
    await transport.watchAt(0);
    expect(a.values[0]?.object).toEqual(heavy('a', '1'));
    expect(managed(a.values[0]?.object)).toHaveLength(1);
  });

  it('applies a transform of its own instead of the default', async () => {
    const { transport, informer } = informerWith((w) => ({
      metadata: { name: w.metadata.name, resourceVersion: 'x' },
    }));
    const a = listen(informer, 'a');
    await transport.watchAt(0);
    expect(a.values[0]?.object).toEqual({ metadata: { name: 'a', resourceVersion: 'x' } });
  });
});
