import { Subscription } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiStatusError, DecodeError, type KcpError, NetworkError } from '../../src/errors.js';
import { type InformerState, SharedInformer } from '../../src/watch/informer.js';
import { FakeTransport, type Widget, fastTuning, tick, widget, widgets } from './helpers/fake-transport.js';

let subs = new Subscription();
const informers: Array<SharedInformer<Widget>> = [];

beforeEach(() => {
  subs = new Subscription();
});

afterEach(() => {
  subs.unsubscribe();
  for (const i of informers.splice(0)) i.close();
});

function setup(cluster = 'root:org:ws') {
  const transport = new FakeTransport();
  const informer = new SharedInformer(transport, widgets, cluster, { tuning: fastTuning });
  informers.push(informer);
  return { transport, informer };
}

function collect<T>(source: {
  subscribe: (o: { next: (v: T) => void; error: (e: unknown) => void }) => Subscription;
}) {
  const values: T[] = [];
  const errors: unknown[] = [];
  const sub = source.subscribe({ next: (v) => values.push(v), error: (e) => errors.push(e) });
  return { values, errors, sub };
}

describe('SharedInformer', () => {
  it('does nothing before the first subscription and emits the first synced state after the initial list', async () => {
    const { transport, informer } = setup();
    transport.objects = [widget('a', '1')];
    await tick(5);
    expect(transport.lists).toHaveLength(0);
    expect(informer.active).toBe(false);
    const { values } = collect<InformerState<Widget>>(informer.state$);
    expect(values).toHaveLength(0);
    await transport.watchAt(0);
    expect(values).toHaveLength(1);
    expect(values[0]).toMatchObject({ synced: true, version: 1 });
    expect(values[0]!.error).toBeUndefined();
    expect([...values[0]!.items.keys()]).toEqual(['root:org:ws|a']);
  });

  it('replays the latest state to late subscribers', async () => {
    const { transport, informer } = setup();
    const first = collect<InformerState<Widget>>(informer.state$);
    subs.add(first.sub);
    const w = await transport.watchAt(0);
    w.push({ type: 'ADDED', object: widget('b', '11') });
    await transport.until(() => first.values.length === 2);
    const late = collect<InformerState<Widget>>(informer.state$);
    subs.add(late.sub);
    expect(late.values).toEqual([first.values[1]]);
    expect(late.values[0]!.version).toBe(2);
  });

  it('starts the reflector with the first subscriber and aborts it with the last unsubscribe', async () => {
    const { transport, informer } = setup();
    const a = informer.state$.subscribe();
    const b = informer.object$('x').subscribe();
    const w = await transport.watchAt(0);
    expect(informer.subscriberCount).toBe(2);
    a.unsubscribe();
    await tick(2);
    expect(w.aborted).toBe(false);
    b.unsubscribe();
    expect(w.aborted).toBe(true);
    expect(informer.active).toBe(false);
    await transport.until(() => transport.openWatches === 0);
    // A new subscription starts from scratch: a fresh list at "0" and no stale replay.
    const again = collect<InformerState<Widget>>(informer.state$);
    subs.add(again.sub);
    expect(again.values).toHaveLength(0);
    await transport.watchAt(1);
    expect(transport.lists.map((l) => l.options.resourceVersion)).toEqual(['0', '0']);
    expect(again.values[0]!.version).toBe(2);
  });

  it('emits an object or null and then only when its resourceVersion changes', async () => {
    const { transport, informer } = setup();
    transport.objects = [widget('a', '1'), widget('b', '2')];
    const a = collect<Widget | null>(informer.object$('a'));
    const missing = collect<Widget | null>(informer.object$('nope'));
    subs.add(a.sub);
    subs.add(missing.sub);
    const w = await transport.watchAt(0);
    w.push({ type: 'MODIFIED', object: widget('b', '12') }); // other object
    w.push({ type: 'MODIFIED', object: widget('a', '1', undefined, 9) }); // same RV
    w.push({ type: 'MODIFIED', object: widget('a', '13', undefined, 2) });
    w.push({ type: 'DELETED', object: widget('a', '14') });
    w.push({ type: 'ADDED', object: widget('nope', '15') });
    await transport.until(() => missing.values.length === 2);
    expect(a.values.map((v) => v?.metadata.resourceVersion ?? null)).toEqual(['1', '13', null]);
    expect(missing.values.map((v) => v?.metadata.resourceVersion ?? null)).toEqual([null, '15']);
    expect(a.errors).toEqual([]);
  });

  it('emits Forbidden as state (never as an Observable error) and heals when RBAC is granted', async () => {
    const { transport, informer } = setup();
    transport.listSteps = [new ApiStatusError('forbidden', { status: 403, reason: 'Forbidden' })];
    transport.objects = [widget('a', '1')];
    const s = collect<InformerState<Widget>>(informer.state$);
    const obj = collect<Widget | null>(informer.object$('a'));
    subs.add(s.sub);
    subs.add(obj.sub);
    await transport.watchAt(0);
    expect(s.values.map((v) => [v.synced, v.error?.code, v.items.size])).toEqual([
      [false, 'E_HTTP', 0],
      [true, undefined, 1],
    ]);
    expect(obj.values.map((v) => v?.metadata.name)).toEqual(['a']);
    expect(s.errors).toEqual([]);
  });

  it('keeps the synced items when a later relist fails and clears the error on recovery', async () => {
    const { transport, informer } = setup();
    transport.objects = [widget('a', '1')];
    const s = collect<InformerState<Widget>>(informer.state$);
    subs.add(s.sub);
    const w0 = await transport.watchAt(0);
    transport.listSteps = [new ApiStatusError('forbidden', { status: 403, reason: 'Forbidden' })];
    w0.push({ type: 'ERROR', status: { code: 500 } });
    await transport.watchAt(1);
    expect(s.values.map((v) => [v.synced, v.error?.code ?? null, v.items.size])).toEqual([
      [true, null, 1],
      [true, 'E_HTTP', 1],
      [true, null, 1],
    ]);
  });

  it('does not emit a new state when a relist changes nothing', async () => {
    const { transport, informer } = setup();
    transport.objects = [widget('a', '1')];
    const s = collect<InformerState<Widget>>(informer.state$);
    subs.add(s.sub);
    const w0 = await transport.watchAt(0);
    w0.push({ type: 'ERROR', status: { code: 410 } });
    await transport.watchAt(1);
    expect(transport.lists).toHaveLength(2);
    expect(s.values).toHaveLength(1);
  });

  it('surfaces undecodable events on diagnostics$ and lifecycle on status$', async () => {
    const { transport, informer } = setup();
    const diags: KcpError[] = [];
    const types: string[] = [];
    subs.add(informer.diagnostics$.subscribe((d) => diags.push(d)));
    subs.add(informer.status$.subscribe((s) => types.push(s.type)));
    subs.add(informer.state$.subscribe());
    const w = await transport.watchAt(0);
    w.push({ type: 'DECODE_ERROR', error: new DecodeError('garbled') });
    await transport.until(() => diags.length === 1);
    expect(diags[0]!.message).toBe('garbled');
    expect(types).toEqual(['connecting', 'connected', 'error']);
  });

  it('finds objects by cluster in a wildcard informer', async () => {
    const { transport, informer } = setup('*');
    const same1 = widget('same', '1', 'c1');
    const same2 = widget('same', '2', 'c2');
    same2.metadata.annotations = { ...same2.metadata.annotations, 'kcp.io/path': 'root:two' };
    transport.objects = [same1, same2];
    const byCluster = collect<Widget | null>(informer.object$('same', 'c2'));
    const byPath = collect<Widget | null>(informer.object$('same', 'root:two'));
    const unknown = collect<Widget | null>(informer.object$('same', 'c3'));
    const any = collect<Widget | null>(informer.object$('same'));
    for (const c of [byCluster, byPath, unknown, any]) subs.add(c.sub);
    await transport.watchAt(0);
    expect(byCluster.values).toEqual([same2]);
    expect(byPath.values).toEqual([same2]);
    expect(unknown.values).toEqual([null]);
    expect(any.values).toEqual([same1]);
  });

  it('finds objects of a workspace informer by name when asked with the workspace path', async () => {
    const { transport, informer } = setup('root:org:ws');
    transport.objects = [widget('a', '1', '2hwz9858ph0d4yx5')];
    const c = collect<Widget | null>(informer.object$('a', 'root:org:ws'));
    subs.add(c.sub);
    await transport.watchAt(0);
    expect(c.values.map((v) => v?.metadata.name)).toEqual(['a']);
  });

  it('shares one list and one watch among 1,000 object subscribers', async () => {
    const { transport, informer } = setup();
    transport.objects = Array.from({ length: 1000 }, (_, i) => widget(`export-${i}`, String(i + 1)));
    const seen = new Map<string, Widget | null>();
    for (let i = 0; i < 1000; i++) {
      subs.add(informer.object$(`export-${i}`).subscribe((o) => seen.set(`export-${i}`, o)));
    }
    const w = await transport.watchAt(0);
    await tick(5);
    expect(transport.lists).toHaveLength(1);
    expect(transport.watchCalls).toHaveLength(1);
    expect(seen.size).toBe(1000);
    expect(seen.get('export-999')?.metadata.resourceVersion).toBe('1000');
    w.push({ type: 'DELETED', object: widget('export-7', '2000') });
    await transport.until(() => seen.get('export-7') === null);
    subs.unsubscribe();
    expect(w.aborted).toBe(true);
  });

  it('completes every subscriber on close and completes later subscriptions at once', async () => {
    const { transport, informer } = setup();
    let completed = 0;
    informer.state$.subscribe({ complete: () => completed++ });
    const w = await transport.watchAt(0);
    informer.close();
    informer.close();
    expect(completed).toBe(1);
    expect(w.aborted).toBe(true);
    informer.object$('a').subscribe({ complete: () => completed++ });
    expect(completed).toBe(2);
  });
});

describe('SharedInformer teardown', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaves no timer and no open request after the last unsubscribe, even while backing off', async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const informer = new SharedInformer(transport, widgets, 'root', { tuning: fastTuning });
    const sub = informer.object$('a').subscribe();
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.openWatches).toBe(1);
    transport.watchFailures = [new NetworkError('reset')];
    transport.watches[0]!.fail(new NetworkError('reset'));
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1); // the backoff sleep
    sub.unsubscribe();
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(transport.openWatches).toBe(0);
    expect(transport.watchCalls).toHaveLength(1);
  });
});
