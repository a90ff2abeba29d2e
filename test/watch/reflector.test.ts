import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WatchStatus } from '../../src/watch/status.js';
import {
  ApiStatusError,
  DecodeError,
  NetworkError,
  TimeoutError,
  isApiStatusError,
  isDecodeError,
  isNetworkError,
  isTimeoutError,
} from '../../src/errors.js';
import { isReportableError } from '../../src/watch/policy.js';
import { Reflector } from '../../src/watch/reflector.js';
import { type ReflectorEvent, recordingSink } from './helpers/recording-sink.js';
import type { WatchTuning } from '../../src/watch/tuning.js';
import type { WatchItem } from '../../src/http/types.js';
import {
  FakeBatchingTransport,
  FakeTransport,
  type Widget,
  fastTuning,
  tick,
  widget,
  widgets,
} from './helpers/fake-transport.js';

const reflectors: Array<Reflector<Widget>> = [];

afterEach(async () => {
  for (const r of reflectors.splice(0)) {
    r.stop();
    await r.join();
  }
});

function setup(
  tuning: WatchTuning = {},
  cluster = 'root:org:ws',
  opts: { fieldSelector?: string; warn?: (m: string) => void } = {},
) {
  const transport = new FakeTransport();
  const { sink, events } = recordingSink<Widget>();
  const warn = opts.warn ?? (() => undefined);
  const reflector = new Reflector(transport, widgets, cluster, sink, {
    tuning: { ...fastTuning, ...tuning },
    fieldSelector: opts.fieldSelector,
    logger: { debug: () => undefined, info: () => undefined, warn, error: () => undefined },
  });
  reflectors.push(reflector);
  const statuses = (): WatchStatus[] => events.flatMap((e) => (e.type === 'status' ? [e.status] : []));
  const of = <K extends ReflectorEvent<Widget>['type']>(type: K) =>
    events.filter((e): e is Extract<ReflectorEvent<Widget>, { type: K }> => e.type === type);
  return { transport, reflector, events, statuses, of };
}

const rvOf = (w: { options: { resourceVersion?: string | undefined } }) => w.options.resourceVersion;

describe('Reflector', () => {
  it('lists at resourceVersion "0" first, then watches from the list RV with bookmarks and timeouts', async () => {
    const { transport, reflector, of, statuses } = setup({}, 'root:org:ws', {
      fieldSelector: 'metadata.name=a',
    });
    transport.objects = [widget('a', '5')];
    transport.rv = '7';
    reflector.start();
    const w = await transport.watchAt(0);
    expect(transport.lists).toHaveLength(1);
    expect(transport.lists[0]!.options).toMatchObject({
      resourceVersion: '0',
      fieldSelector: 'metadata.name=a',
    });
    expect(transport.lists[0]!.cluster).toBe('root:org:ws');
    expect(w.options).toMatchObject({
      resourceVersion: '7',
      allowWatchBookmarks: true,
      timeoutSeconds: 90, // 60 + 0.5 * 60
      connectTimeoutMs: 1000,
      inactivityTimeoutMs: 91_000,
      fieldSelector: 'metadata.name=a',
    });
    const synced = of('synced');
    expect(synced).toHaveLength(1);
    expect([...synced[0]!.items.keys()]).toEqual(['root:org:ws|a']);
    expect(synced[0]!.delta.added).toEqual(['root:org:ws|a']);
    expect(reflector.hasSynced).toBe(true);
    expect(reflector.store.size).toBe(1);
    expect(statuses().map((s) => s.type)).toEqual(['connecting', 'connected']);
    expect(statuses().at(-1)).toEqual({
      type: 'connected',
      resource: 'widgets.test.kcp.io',
      workspace: 'root:org:ws',
      resourceVersion: '7',
    });
  });

  it('picks timeoutSeconds uniformly in [min, 2 min) from tuning.random', async () => {
    const { transport, reflector } = setup({ minWatchTimeoutSeconds: 300, random: () => 0.999 });
    reflector.start();
    const w = await transport.watchAt(0);
    expect(w.options.timeoutSeconds).toBe(599);
    expect(w.options.inactivityTimeoutMs).toBe(599_000 + 1000);
  });

  it('applies ADDED, MODIFIED and DELETED events and tracks their resourceVersion', async () => {
    const { transport, reflector, of } = setup();
    reflector.start();
    const w = await transport.watchAt(0);
    w.push({ type: 'ADDED', object: widget('a', '11') });
    w.push({ type: 'MODIFIED', object: widget('a', '12', undefined, 1) });
    w.push({ type: 'ADDED', object: widget('b', '13') });
    w.push({ type: 'DELETED', object: widget('a', '14') });
    w.push({ type: 'DELETED', object: widget('zzz', '15') });
    await transport.until(() => reflector.resourceVersion === '15');
    expect(of('changed').map((e) => [e.event, e.key, e.resourceVersion])).toEqual([
      ['ADDED', 'root:org:ws|a', '11'],
      ['MODIFIED', 'root:org:ws|a', '12'],
      ['ADDED', 'root:org:ws|b', '13'],
      ['DELETED', 'root:org:ws|a', '14'],
    ]);
    expect([...reflector.store.keys()]).toEqual(['root:org:ws|b']);
  });

  it('re-watches at once from the last RV after a clean close, without relisting or backoff', async () => {
    const { transport, reflector, statuses } = setup({ backoffInitialMs: 10_000 });
    reflector.start();
    const w0 = await transport.watchAt(0);
    w0.push({ type: 'ADDED', object: widget('a', '20') });
    w0.close();
    const w1 = await transport.watchAt(1, 500);
    expect(rvOf(w1)).toBe('20');
    expect(transport.lists).toHaveLength(1);
    expect(statuses().some((s) => s.type === 'retrying')).toBe(false);
    expect(w0.released).toBe(true);
  });

  it('advances only the resourceVersion on BOOKMARK', async () => {
    const { transport, reflector, of } = setup();
    transport.objects = [widget('a', '3')];
    reflector.start();
    const w0 = await transport.watchAt(0);
    w0.push({ type: 'BOOKMARK', resourceVersion: '50' }, { type: 'BOOKMARK', resourceVersion: '' });
    w0.close();
    const w1 = await transport.watchAt(1);
    expect(rvOf(w1)).toBe('50');
    expect(of('changed')).toHaveLength(0);
    expect([...reflector.store.keys()]).toEqual(['root:org:ws|a']);
  });

  it('relists at the last RV after an ERROR 410 and reports deleted objects in one consistent snapshot', async () => {
    const { transport, reflector, of, statuses } = setup();
    transport.objects = [widget('a', '1'), widget('b', '2'), widget('c', '3')];
    reflector.start();
    const w0 = await transport.watchAt(0);
    w0.push({ type: 'BOOKMARK', resourceVersion: '30' });
    transport.objects = [widget('a', '1'), widget('c', '31'), widget('d', '32')];
    transport.rv = '40';
    w0.push({ type: 'ERROR', status: { code: 410, reason: 'Expired', message: 'too old resource version' } });
    const w1 = await transport.watchAt(1);
    expect(transport.lists.map((l) => l.options.resourceVersion)).toEqual(['0', '30']);
    expect(rvOf(w1)).toBe('40');
    const relist = of('synced')[1]!;
    expect(relist.delta).toEqual({
      added: ['root:org:ws|d'],
      modified: ['root:org:ws|c'],
      deleted: ['root:org:ws|b'],
    });
    expect([...relist.items.keys()].sort()).toEqual(['root:org:ws|a', 'root:org:ws|c', 'root:org:ws|d']);
    const types = statuses().map((s) => s.type);
    expect(types.slice(types.indexOf('retrying'))).toEqual(['retrying', 'relisting', 'connected']);
    const retrying = statuses().find((s) => s.type === 'retrying');
    expect(retrying).toMatchObject({ attempt: 1, delayMs: 3 });
    expect(retrying?.type === 'retrying' && isApiStatusError(retrying.error) && retrying.error.status).toBe(
      410,
    );
    expect(statuses()).toContainEqual(expect.objectContaining({ type: 'relisting', reason: 'expired' }));
  });

  it('relists with "" at once when the relist at the last RV is expired too', async () => {
    const { transport, reflector } = setup();
    reflector.start();
    const w0 = await transport.watchAt(0);
    w0.push({ type: 'BOOKMARK', resourceVersion: '30' });
    transport.listSteps = [new ApiStatusError('gone', { status: 410, reason: 'Expired' })];
    w0.push({ type: 'ERROR', status: { code: 410 } });
    await transport.watchAt(1);
    expect(transport.lists.map((l) => l.options.resourceVersion)).toEqual(['0', '30', '']);
  });

  it('keeps listing with "" after an expired RV until a list succeeds', async () => {
    const { transport, reflector } = setup();
    reflector.start();
    const w0 = await transport.watchAt(0);
    w0.push({ type: 'BOOKMARK', resourceVersion: '30' });
    transport.listSteps = [
      new ApiStatusError('gone', { status: 410, reason: 'Expired' }),
      new NetworkError('ECONNRESET'),
    ];
    w0.push({ type: 'ERROR', status: { code: 410 } });
    await transport.watchAt(1);
    expect(transport.lists.map((l) => l.options.resourceVersion)).toEqual(['0', '30', '', '']);
    const w1 = transport.watches[1]!;
    w1.push({ type: 'BOOKMARK', resourceVersion: '41' }, { type: 'ERROR', status: { code: 500 } });
    await transport.watchAt(2);
    expect(transport.lists.at(-1)?.options.resourceVersion).toBe('41');
  });

  it('turns any other ERROR event into an ApiStatusError, backs off and relists', async () => {
    const { transport, reflector, statuses } = setup();
    reflector.start();
    const w0 = await transport.watchAt(0);
    w0.push({ type: 'ERROR', status: { code: 500, reason: 'InternalError', message: 'etcd hiccup' } });
    await transport.watchAt(1);
    expect(transport.lists).toHaveLength(2);
    const retry = statuses().find((s) => s.type === 'retrying');
    expect(retry?.type === 'retrying' && retry.error.message).toContain('etcd hiccup');
    expect(statuses()).toContainEqual(expect.objectContaining({ type: 'relisting', reason: 'error' }));
    expect(w0.released).toBe(true);
  });

  it('re-watches without relisting when opening the watch fails with 429, honouring Retry-After', async () => {
    const { transport, reflector, statuses } = setup();
    transport.watchFailures = [
      new ApiStatusError('slow down', { status: 429, reason: 'TooManyRequests', retryAfterSeconds: 0.04 }),
    ];
    reflector.start();
    const started = Date.now();
    const w = await transport.watchAt(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    expect(transport.lists).toHaveLength(1);
    expect(transport.watchCalls).toHaveLength(2);
    expect(rvOf(w)).toBe('10');
    expect(statuses().find((s) => s.type === 'retrying')).toMatchObject({ delayMs: 40, attempt: 1 });
  });

  it('re-watches without relisting when the connection is refused or times out, with growing backoff', async () => {
    const { transport, reflector, statuses } = setup();
    transport.watchFailures = [new NetworkError('ECONNREFUSED'), new TimeoutError('no headers', 1000)];
    reflector.start();
    await transport.watchAt(0);
    expect(transport.lists).toHaveLength(1);
    const retries = statuses().filter((s) => s.type === 'retrying');
    expect(retries.map((s) => [s.attempt, s.delayMs])).toEqual([
      [1, 3],
      [2, 6],
    ]);
  });

  it('relists after backoff when opening the watch fails with another status', async () => {
    const { transport, reflector } = setup();
    transport.watchFailures = [new ApiStatusError('boom', { status: 500, reason: 'InternalError' })];
    reflector.start();
    await transport.watchAt(0);
    expect(transport.lists.map((l) => l.options.resourceVersion)).toEqual(['0', '10']);
  });

  it('re-watches after an inactivity TimeoutError from the transport', async () => {
    const { transport, reflector, statuses } = setup();
    reflector.start();
    const w0 = await transport.watchAt(0);
    w0.push({ type: 'ADDED', object: widget('a', '12') });
    w0.fail(new TimeoutError('no bytes', 91_000));
    const w1 = await transport.watchAt(1);
    expect(rvOf(w1)).toBe('12');
    expect(transport.lists).toHaveLength(1);
    expect(
      statuses()
        .filter((s) => s.type === 'retrying')
        .map((s) => isTimeoutError(s.error)),
    ).toEqual([true]);
  });

  it('aborts a watch that outlives timeoutSeconds plus slack even if the transport does not', async () => {
    const { transport, reflector, statuses } = setup({
      minWatchTimeoutSeconds: 0.01,
      inactivitySlackMs: 10,
      connectTimeoutMs: 10,
    });
    reflector.start();
    const w0 = await transport.watchAt(0);
    expect(w0.options.timeoutSeconds).toBeCloseTo(0.015);
    expect(w0.options.inactivityTimeoutMs).toBe(25);
    await transport.watchAt(1);
    expect(w0.aborted).toBe(true);
    const retry = statuses().find((s) => s.type === 'retrying');
    expect(retry?.type === 'retrying' && isTimeoutError(retry.error) && retry.error.timeoutMs).toBe(35);
    expect(transport.lists).toHaveLength(1);
  });

  it('keeps the last good state on an undecodable watch event, warns, and keeps streaming', async () => {
    const warnings: string[] = [];
    const { transport, reflector, statuses } = setup({}, 'root:org:ws', {
      warn: (m) => warnings.push(m),
    });
    transport.objects = [widget('a', '1')];
    reflector.start();
    const w0 = await transport.watchAt(0);
    w0.push({ type: 'DECODE_ERROR', error: new DecodeError('bad line', { snippet: '{"type":' }) });
    w0.push({ type: 'ADDED', object: widget('b', '12') });
    await transport.until(() => reflector.store.size === 2);
    expect(statuses().filter((s) => s.type === 'error' && isDecodeError(s.error))).toHaveLength(1);
    expect(warnings.some((m) => m.includes('bad line'))).toBe(true);
    expect(statuses()).toContainEqual(expect.objectContaining({ type: 'error' }));
    expect(transport.watchCalls).toHaveLength(1);
    expect(w0.open).toBe(true);
  });

  it('reports 403 on list as a failure, keeps retrying, and heals once access is granted', async () => {
    const forbidden = () => new ApiStatusError('forbidden', { status: 403, reason: 'Forbidden' });
    const { transport, reflector, of, statuses } = setup();
    transport.listSteps = [forbidden(), forbidden()];
    transport.objects = [widget('a', '1')];
    reflector.start();
    await transport.watchAt(0);
    expect(of('failed')).toHaveLength(2);
    expect(statuses().filter((s) => s.type === 'error')).toHaveLength(2);
    expect(statuses().filter((s) => s.type === 'retrying')).toHaveLength(2);
    expect(transport.lists.map((l) => l.options.resourceVersion)).toEqual(['0', '0', '0']);
    expect(of('synced')).toHaveLength(1);
  });

  it('retries network failures on list silently (no failure state)', async () => {
    const { transport, reflector, of } = setup();
    transport.listSteps = [new NetworkError('ECONNRESET')];
    reflector.start();
    await transport.watchAt(0);
    expect(of('failed')).toHaveLength(0);
    expect(transport.lists).toHaveLength(2);
  });

  it('wraps a non-KcpError failure and keeps going', async () => {
    const { transport, reflector, statuses } = setup();
    transport.listSteps = [new TypeError('oops')];
    reflector.start();
    await transport.watchAt(0);
    const retry = statuses().find((s) => s.type === 'retrying');
    expect(retry?.type === 'retrying' && isNetworkError(retry.error) && retry.error.message).toContain(
      'oops',
    );
  });

  it('backs off after very short watches with no events instead of hot-looping', async () => {
    const { transport, reflector, statuses } = setup({ veryShortWatchMs: 1000 });
    reflector.start();
    (await transport.watchAt(0)).close();
    (await transport.watchAt(1)).close();
    await transport.watchAt(2);
    const retries = statuses().filter((s) => s.type === 'retrying');
    expect(retries).toHaveLength(2);
    expect(retries[0]?.type === 'retrying' && retries[0].error.message).toContain('very short watch');
    expect(transport.lists).toHaveLength(1);
  });

  it('keys objects by logical cluster so equal names from a wildcard list do not collide', async () => {
    const { transport, reflector } = setup({}, '*');
    transport.objects = [widget('same', '1', 'c1'), widget('same', '2', 'c2')];
    reflector.start();
    const w = await transport.watchAt(0);
    w.push({ type: 'DELETED', object: widget('same', '3', 'c1') });
    await transport.until(() => reflector.store.size === 1);
    expect([...reflector.store.keys()]).toEqual(['c2|same']);
  });

  it('aborts an in-flight list on stop and leaves no pending request', async () => {
    const { transport, reflector } = setup();
    transport.listSteps = ['hang'];
    reflector.start();
    await transport.until(() => transport.pendingLists === 1);
    reflector.stop();
    await reflector.join();
    expect(transport.pendingLists).toBe(0);
    expect(transport.watchCalls).toHaveLength(0);
  });

  it('aborts the open watch on stop and tells its sink nothing more', async () => {
    const { transport, reflector, events } = setup();
    reflector.start();
    const w = await transport.watchAt(0);
    reflector.stop();
    const told = events.length;
    await reflector.join();
    expect(w.aborted).toBe(true);
    expect(transport.openWatches).toBe(0);
    expect(events).toHaveLength(told);
    reflector.start();
    await tick(5);
    expect(transport.lists).toHaveLength(1);
  });

  it('classifies which list failures are reportable state', () => {
    const s = (status: number) => new ApiStatusError('x', { status, reason: 'R' });
    expect([401, 403, 404].map((c) => isReportableError(s(c)))).toEqual([true, true, true]);
    expect([408, 410, 429, 500, 503].map((c) => isReportableError(s(c)))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(isReportableError(new DecodeError('bad'))).toBe(true);
    expect(isReportableError(new NetworkError('x'))).toBe(false);
  });
});

describe('Reflector timers', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('clears the backoff timer on stop', async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    transport.listSteps = [new NetworkError('down')];
    const r = new Reflector(transport, widgets, 'root', recordingSink<Widget>().sink, {
      tuning: { ...fastTuning, backoffInitialMs: 5000 },
    });
    r.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(vi.getTimerCount()).toBe(1);
    r.stop();
    await r.join();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears the watch deadline timer on stop', async () => {
    vi.useFakeTimers();
    const transport = new FakeTransport();
    const r = new Reflector(transport, widgets, 'root', recordingSink<Widget>().sink, { tuning: fastTuning });
    r.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.watches).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(1);
    r.stop();
    await r.join();
    expect(vi.getTimerCount()).toBe(0);
    expect(transport.openWatches).toBe(0);
  });
});

describe('Reflector stopped by a subscriber', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  type Point = 'first sync' | 'relist' | 'change' | 'error' | 'connected' | 'retrying';
  /** Whether `e` is the emission at which the test unsubscribes. */
  const at: Record<Point, (e: ReflectorEvent<Widget>) => boolean> = {
    'first sync': (e) => e.type === 'synced',
    relist: (e) => e.type === 'status' && e.status.type === 'relisting',
    change: (e) => e.type === 'changed',
    error: (e) => e.type === 'failed',
    connected: (e) => e.type === 'status' && e.status.type === 'connected',
    retrying: (e) => e.type === 'status' && e.status.type === 'retrying',
  };

  it.each(Object.keys(at) as Point[])(
    'leaves no watch, request or timer open when stopped from inside the %s emission',
    async (point) => {
      vi.useFakeTimers();
      const transport = new FakeTransport();
      transport.objects = [widget('a', '5')];
      if (point === 'error' || point === 'retrying') {
        transport.listSteps = [new ApiStatusError('forbidden', { status: 403, reason: 'Forbidden' })];
      }
      let stoppedAt: { watches: number; lists: number } | undefined;
      const { sink } = recordingSink<Widget>((e) => {
        if (stoppedAt !== undefined || !at[point](e)) return;
        // `relist` is reached after the first watch fails with an ERROR 410.
        r.stop();
        stoppedAt = { watches: transport.watchCalls.length, lists: transport.lists.length };
      });
      const r = new Reflector(transport, widgets, 'root', sink, { tuning: fastTuning });
      r.start();
      await vi.advanceTimersByTimeAsync(1);
      if (point === 'change') transport.watches[0]?.push({ type: 'ADDED', object: widget('b', '6') });
      if (point === 'relist') {
        transport.watches[0]?.push({
          type: 'ERROR',
          status: { kind: 'Status', status: 'Failure', code: 410, reason: 'Expired', message: 'too old' },
        });
      }
      await vi.advanceTimersByTimeAsync(50);
      await r.join();
      expect(stoppedAt).toBeDefined();
      expect(transport.watchCalls).toHaveLength(stoppedAt!.watches);
      expect(transport.lists).toHaveLength(stoppedAt!.lists);
      expect(transport.openWatches).toBe(0);
      expect(transport.pendingLists).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    },
  );
});

describe('Reflector timer delays', () => {
  it('does not abort a watch at once when its deadline exceeds what setTimeout can wait', async () => {
    const { transport, reflector } = setup({ minWatchTimeoutSeconds: 2_000_000 });
    reflector.start();
    const w = await transport.watchAt(0);
    // An overflowing delay fires after 1 ms; wait for a few macrotasks past that.
    await tick(20);
    expect(w.aborted).toBe(false);
    expect(transport.watchCalls).toHaveLength(1);
  });
});

describe('Reflector over a transport that batches per network chunk', () => {
  function batching(onEvent?: (e: ReflectorEvent<Widget>, r: Reflector<Widget>) => void) {
    const transport = new FakeBatchingTransport();
    const { sink, events } = recordingSink<Widget>((e) => onEvent?.(e, reflector));
    const reflector = new Reflector(transport, widgets, 'root', sink, { tuning: fastTuning });
    reflectors.push(reflector);
    const changes = () =>
      events.flatMap((e) => (e.type === 'changed' ? [[e.event, e.key, e.resourceVersion]] : []));
    return { transport, reflector, events, changes };
  }

  it('applies every event of a chunk in order, one sink call each, and watches through watchBatches only', async () => {
    const { transport, reflector, changes } = batching();
    reflector.start();
    const w = await transport.watchAt(0);
    w.pushBatch(
      { type: 'ADDED', object: widget('a', '11') },
      { type: 'MODIFIED', object: widget('a', '12', undefined, 1) },
      { type: 'BOOKMARK', resourceVersion: '13' },
      { type: 'ADDED', object: widget('b', '14') },
      { type: 'DELETED', object: widget('a', '15') },
    );
    w.pushBatch(
      { type: 'DELETED', object: widget('zzz', '16') },
      { type: 'ADDED', object: widget('c', '17') },
    );
    await transport.until(() => reflector.resourceVersion === '17');
    expect(changes()).toEqual([
      ['ADDED', 'root|a', '11'],
      ['MODIFIED', 'root|a', '12'],
      ['ADDED', 'root|b', '14'],
      ['DELETED', 'root|a', '15'],
      ['ADDED', 'root|c', '17'],
    ]);
    expect([...reflector.store.keys()]).toEqual(['root|b', 'root|c']);
    expect(transport.watchCalls).toHaveLength(1);
  });

  it('stops in the middle of a chunk when the sink stops it, and applies nothing after', async () => {
    const { transport, reflector, changes } = batching((e, r) => {
      if (e.type === 'changed' && e.key === 'root|b') r.stop();
    });
    reflector.start();
    const w = await transport.watchAt(0);
    w.pushBatch(
      { type: 'ADDED', object: widget('a', '11') },
      { type: 'ADDED', object: widget('b', '12') },
      { type: 'ADDED', object: widget('c', '13') },
    );
    await reflector.join();
    expect(changes()).toEqual([
      ['ADDED', 'root|a', '11'],
      ['ADDED', 'root|b', '12'],
    ]);
    expect(reflector.store.has('root|c')).toBe(false);
    expect(transport.openWatches).toBe(0);
  });

  it('ends the watch at an ERROR event inside a chunk and relists, ignoring the rest of the chunk', async () => {
    const { transport, reflector, changes } = batching();
    transport.objects = [widget('a', '5')];
    reflector.start();
    const w = await transport.watchAt(0);
    w.pushBatch(
      { type: 'ADDED', object: widget('b', '11') },
      {
        type: 'ERROR',
        status: { kind: 'Status', status: 'Failure', code: 410, reason: 'Expired', message: 'too old' },
      },
      { type: 'ADDED', object: widget('c', '12') },
    );
    await transport.until(() => transport.lists.length === 2);
    expect(changes()).toEqual([['ADDED', 'root|b', '11']]);
    expect(w.open).toBe(false);
  });

  it('counts a chunk of undecodable lines as no progress and backs off after the watch closes', async () => {
    const { transport, reflector, events } = batching();
    reflector.start();
    const w = await transport.watchAt(0);
    const bad = (): WatchItem<Widget> => ({ type: 'DECODE_ERROR', error: new DecodeError('bad line') });
    w.pushBatch(bad(), bad());
    w.close();
    await transport.watchAt(1);
    const retrying = events.flatMap((e) =>
      e.type === 'status' && e.status.type === 'retrying' ? [e.status.error.message] : [],
    );
    expect(retrying).toEqual(['watch delivered no usable event (2 undecodable lines) before it closed']);
    expect(transport.lists).toHaveLength(1);
  });
});

describe('Reflector transform', () => {
  it('stores and hands to its sink what the transform returns, for list items and watch events', async () => {
    const transport = new FakeTransport();
    transport.objects = [widget('a', '5', undefined, 1)];
    let listed: unknown;
    const { sink, events } = recordingSink<Widget>((e) => {
      // the store is live: read it during the call
      if (e.type === 'synced') listed = e.items.get('root|a')?.spec;
    });
    const seen: string[] = [];
    const reflector = new Reflector(transport, widgets, 'root', sink, {
      tuning: fastTuning,
      transform: (w) => {
        seen.push(w.metadata.name);
        return { metadata: w.metadata, spec: { value: (w.spec?.value ?? 0) * 10 } };
      },
    });
    reflectors.push(reflector);
    reflector.start();
    const w = await transport.watchAt(0);
    w.push({ type: 'MODIFIED', object: widget('a', '6', undefined, 2) });
    await transport.until(() => reflector.resourceVersion === '6');
    expect(reflector.store.get('root|a')?.spec).toEqual({ value: 20 });
    const changed = events.find((e) => e.type === 'changed');
    expect(changed?.type === 'changed' && changed.object.spec).toEqual({ value: 20 });
    expect(listed).toEqual({ value: 10 });
    expect(seen).toEqual(['a', 'a']);
  });
});
