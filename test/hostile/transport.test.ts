import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/client.js';
import { isDecodeError, isInvalidArgumentError, isTimeoutError, type KcpError } from '../../src/errors.js';
import {
  DEFAULT_MAX_LIST_ITEMS,
  DEFAULT_MAX_LIST_PAGES,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_MAX_WATCH_EVENT_CHARS,
  formatBytes,
  resolveLimits,
} from '../../src/http/limits.js';
import type { WatchItem } from '../../src/http/types.js';
import { Reflector } from '../../src/watch/reflector.js';
import type { WatchStatus } from '../../src/watch/status.js';
import { recordingSink } from '../watch/helpers/recording-sink.js';
import { widget, widgets, type Widget, rejection } from '../http/helpers.js';
import {
  endlessContinueServer,
  endlessLineServer,
  fixedAnswerServer,
  hugeBodyServer,
  transportTo,
  tricklingServer,
  watchServer,
  reflectorsTornDownAfterEach,
} from './servers.js';

const reflectors = reflectorsTornDownAfterEach<Reflector<Widget>>();

/** The error `p` rejects with, which must pass `guard`. */
async function rejectsWith<E extends KcpError>(
  p: Promise<unknown>,
  guard: (e: unknown) => e is E,
): Promise<E> {
  const e = await rejection(p);
  if (!guard(e)) throw new Error(`unexpected error: ${String(e)}`);
  return e;
}

const MiB = 1024 * 1024;
const tiny = {
  backoffInitialMs: 5,
  backoffMaxMs: 20,
  minWatchTimeoutSeconds: 60,
  inactivitySlackMs: 1000,
  connectTimeoutMs: 1000,
  veryShortWatchMs: 0,
  random: (): number => 0.5,
};

/** A reflector sink whose `where(pred)` resolves with the first status for which `pred` holds. */
function statusWatcher() {
  const waiters = new Set<{ pred: (s: WatchStatus) => boolean; resolve: (s: WatchStatus) => void }>();
  const { sink } = recordingSink<Widget>((e) => {
    if (e.type !== 'status') return;
    for (const w of [...waiters]) {
      if (!w.pred(e.status)) continue;
      waiters.delete(w);
      w.resolve(e.status);
    }
  });
  const where = (pred: (s: WatchStatus) => boolean): Promise<WatchStatus> =>
    new Promise((resolve) => waiters.add({ pred, resolve }));
  return { sink, where };
}

describe('the request timeout covers the whole exchange', () => {
  it('fails a get whose body trickles in one byte at a time with a TimeoutError', async () => {
    const srv = await tricklingServer(20);
    const t = transportTo(srv, { requestTimeoutMs: 300 });
    const e = await rejectsWith(t.get(widgets, 'root', 'a'), isTimeoutError);
    expect(e.timeoutMs).toBe(300);
    expect(e.message).toMatch(/no complete response within 300 ms/);
  });

  it('fails a list and a delete whose bodies stall the same way', async () => {
    const srv = await tricklingServer(20);
    const t = transportTo(srv, { requestTimeoutMs: 200 });
    expect(isTimeoutError(await rejection(t.list(widgets, 'root')))).toBe(true);
    expect(isTimeoutError(await rejection(t.delete(widgets, 'root', 'a')))).toBe(true);
  });

  it('shows a stalled list in status$ as retrying with the TimeoutError', async () => {
    const srv = await tricklingServer(20);
    const watcher = statusWatcher();
    const r = new Reflector(transportTo(srv, { requestTimeoutMs: 150 }), widgets, 'root', watcher.sink, {
      tuning: tiny,
    });
    reflectors.push(r);
    const retrying = watcher.where((s) => s.type === 'retrying');
    r.start();
    const s = await retrying;
    expect(s.type === 'retrying' && isTimeoutError(s.error)).toBe(true);
  });
});

describe('response size limits', () => {
  it('documents its defaults and rejects limits that are not positive integers', () => {
    expect(resolveLimits()).toEqual({
      maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
      maxWatchEventChars: DEFAULT_MAX_WATCH_EVENT_CHARS,
      maxListPages: DEFAULT_MAX_LIST_PAGES,
      maxListItems: DEFAULT_MAX_LIST_ITEMS,
    });
    expect(formatBytes(DEFAULT_MAX_RESPONSE_BYTES)).toBe('64 MiB');
    expect(formatBytes(2048)).toBe('2 KiB');
    expect(formatBytes(1000)).toBe('1000 bytes');
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      let caught: unknown;
      try {
        resolveLimits({ maxListPages: bad });
      } catch (e) {
        caught = e;
      }
      expect(isInvalidArgumentError(caught)).toBe(true);
    }
  });

  it('stops reading a body over maxResponseBytes with a DecodeError naming the limit, downloaded once', async () => {
    const srv = await hugeBodyServer(8 * MiB);
    const t = transportTo(srv, { limits: { maxResponseBytes: MiB } });
    const e = await rejectsWith(t.get(widgets, 'root', 'a'), isDecodeError);
    expect(e.message).toMatch(/larger than 1 MiB \(limits\.maxResponseBytes\)/);
    expect(srv.requests).toHaveLength(1);
  });

  it('takes the limits from createClient and does not download an oversized answer again', async () => {
    const srv = await hugeBodyServer(2 * MiB);
    const client = createClient({
      server: `${srv.url}/clusters/root`,
      kubeconfig: { apiVersion: 'v1', kind: 'Config' },
      logger: { warn: () => undefined },
      limits: { maxResponseBytes: 1024 },
    });
    try {
      const e = await rejectsWith(client.resolveEndpoints('root:org:x'), isDecodeError);
      expect(e.message).toContain('larger than 1 KiB (limits.maxResponseBytes)');
      // The slice and the export, once each: a DecodeError is not retried like a network failure.
      expect(srv.requests).toHaveLength(2);
    } finally {
      await client.close();
    }
  });

  it('stops a gzip bomb at the decompressed size', async () => {
    const srv = await hugeBodyServer(256 * MiB, { gzip: true });
    const t = transportTo(srv, { limits: { maxResponseBytes: MiB } });
    const e = await rejectsWith(t.list(widgets, 'root'), isDecodeError);
    expect(e.message).toContain('limits.maxResponseBytes');
  });

  it('reads a body of exactly maxResponseBytes', async () => {
    const srv = await hugeBodyServer(4096);
    const t = transportTo(srv, { limits: { maxResponseBytes: 4096 } });
    const text = await t.raw('/x');
    expect(typeof text === 'string' && text.length).toBe(4094);
  });

  it('ends a watch whose line never ends with a DecodeError naming maxWatchEventChars', async () => {
    const srv = await endlessLineServer();
    const t = transportTo(srv, { limits: { maxWatchEventChars: 64 * 1024 } });
    const stream = await t.watch(widgets, 'root');
    const seen: Array<WatchItem<Widget>> = [];
    const e = await rejectsWith(
      (async () => {
        for await (const item of stream) seen.push(item);
      })(),
      isDecodeError,
    );
    expect(e.message).toMatch(/longer than 65536 characters \(limits\.maxWatchEventChars\)/);
    expect(e.snippet).toMatch(/^\{"type":"ADDED"/);
    expect(seen).toEqual([]);
  });

  it('stops a list whose continue tokens never end after maxListPages pages', async () => {
    const srv = await endlessContinueServer();
    const t = transportTo(srv, { limits: { maxListPages: 5 } });
    const e = await rejectsWith(t.list(widgets, 'root', { limit: 1 }), isDecodeError);
    expect(e.message).toMatch(/did not end after 5 pages \(limits\.maxListPages\)/);
    expect(srv.requests).toHaveLength(5);
  });

  it('stops a list that collects more than maxListItems items', async () => {
    const srv = await endlessContinueServer();
    const t = transportTo(srv, { limits: { maxListItems: 3 } });
    const e = await rejectsWith(t.list(widgets, 'root'), isDecodeError);
    expect(e.message).toMatch(/more than 3 items \(limits\.maxListItems\)/);
    expect(srv.requests).toHaveLength(4);
  });

  it('backs off after an endless list instead of starting over at once', async () => {
    const srv = await endlessContinueServer();
    const watcher = statusWatcher();
    const r = new Reflector(
      transportTo(srv, { limits: { maxListPages: 3 } }),
      widgets,
      'root',
      watcher.sink,
      {
        tuning: { ...tiny, backoffInitialMs: 60_000, backoffMaxMs: 60_000 },
      },
    );
    reflectors.push(r);
    const retrying = watcher.where((s) => s.type === 'retrying');
    r.start();
    const s = await retrying;
    expect(s.type === 'retrying' && isDecodeError(s.error) && s.delayMs >= 60_000).toBe(true);
    expect(srv.requests).toHaveLength(3);
  });
});

describe('answers that are not what was asked for', () => {
  it.each([
    [
      'kind',
      { kind: 'Secret', apiVersion: 'v1', metadata: { name: 'a' } },
      /kind is "Secret", expected Widget/,
    ],
    [
      'apiVersion',
      { kind: 'Widget', apiVersion: 'other.io/v1', metadata: { name: 'a' } },
      /apiVersion is "other\.io\/v1", expected example\.kcp\.io\/v1alpha1/,
    ],
    ['metadata.name', widget('b'), /metadata\.name is "b", expected "a"/],
  ])('rejects a get whose %s differs with a DecodeError', async (path, body, message) => {
    const srv = await fixedAnswerServer(body);
    const e = await rejectsWith(transportTo(srv).get(widgets, 'root', 'a'), isDecodeError);
    expect(e.issues).toEqual([path]);
    expect(e.message).toMatch(message);
  });

  it('accepts an object that names its kind and apiVersion correctly, or names neither', async () => {
    const named = { kind: 'Widget', apiVersion: 'example.kcp.io/v1alpha1', ...widget('a') };
    const srv = await fixedAnswerServer(named);
    await expect(transportTo(srv).get(widgets, 'root', 'a')).resolves.toEqual(named);
    const bare = await fixedAnswerServer(widget('a'));
    await expect(transportTo(bare).get(widgets, 'root', 'a')).resolves.toEqual(widget('a'));
  });

  it('accepts the generic v1 List of an aggregated server and still checks its items', async () => {
    const ok = await fixedAnswerServer({
      kind: 'List',
      apiVersion: 'v1',
      metadata: { resourceVersion: '1' },
      items: [widget('a')],
    });
    await expect(transportTo(ok).list(widgets, 'root')).resolves.toMatchObject({ items: [widget('a')] });
    const bad = await fixedAnswerServer({
      kind: 'List',
      apiVersion: 'v1',
      metadata: { resourceVersion: '1' },
      items: [{ kind: 'Secret', metadata: { name: 's' } }],
    });
    const e = await rejectsWith(transportTo(bad).list(widgets, 'root'), isDecodeError);
    expect(e.message).toMatch(
      /Widget list item 0 "s" is malformed: items\.0\.kind is "Secret", expected Widget/,
    );
  });

  it('rejects a list of another kind and a list item of another kind', async () => {
    const srv = await fixedAnswerServer({
      kind: 'SecretList',
      metadata: { resourceVersion: '1' },
      items: [],
    });
    const e = await rejectsWith(transportTo(srv).list(widgets, 'root'), isDecodeError);
    expect(e.message).toMatch(/kind is "SecretList", expected WidgetList/);
    const item = await fixedAnswerServer({
      kind: 'WidgetList',
      metadata: { resourceVersion: '1' },
      items: [widget('a'), { kind: 'Secret', metadata: { name: 's' } }],
    });
    const e2 = await rejectsWith(transportTo(item).list(widgets, 'root'), isDecodeError);
    expect(e2.issues).toEqual(['items.1.kind']);
    const generic = await fixedAnswerServer({ kind: 'List', metadata: { resourceVersion: '1' }, items: [] });
    await expect(transportTo(generic).list(widgets, 'root')).resolves.toEqual({
      resourceVersion: '1',
      items: [],
    });
  });

  it('turns a watch event of another kind into a DECODE_ERROR item', async () => {
    const line = (o: unknown): string => `${JSON.stringify({ type: 'ADDED', object: o })}\n`;
    const srv = await watchServer(
      () => line({ kind: 'Secret', metadata: { name: 's' } }) + line(widget('a')),
    );
    const stream = await transportTo(srv).watch(widgets, 'root');
    const items: Array<WatchItem<Widget>> = [];
    for await (const item of stream) items.push(item);
    expect(items.map((i) => i.type)).toEqual(['DECODE_ERROR', 'ADDED']);
    const first = items[0];
    expect(first?.type === 'DECODE_ERROR' && first.error.issues).toEqual(['object.kind']);
  });
});
