import type http from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { anonymousCredentials, type Connection } from '../../src/config/connection.js';
import { ApiStatusError, isAbortError, isNetworkError, isTimeoutError } from '../../src/errors.js';
import { createTransport, type HttpTransport } from '../../src/http/transport.js';
import type { WatchItem } from '../../src/http/types.js';
import {
  closeServers,
  sendJson,
  startServer,
  statusBody,
  widget,
  widgets,
  type Handler,
  type Widget,
  rejection,
} from './helpers.js';

const transports: HttpTransport[] = [];
const responses: http.ServerResponse[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  responses.splice(0).forEach((r) => r.destroy());
  await closeServers();
});

async function setup(handler: Handler, extra: Partial<Connection> = {}) {
  const srv = await startServer((req, res) => {
    responses.push(res);
    handler(req, res);
  });
  const t = createTransport({
    connection: {
      server: srv.url,
      tls: { insecureSkipTlsVerify: false },
      credentials: anonymousCredentials,
      ...extra,
    },
  });
  transports.push(t);
  return { srv, t };
}

const line = (type: string, object: unknown): string => `${JSON.stringify({ type, object })}\n`;

function streamHead(res: http.ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
}

async function collect<T>(it: AsyncIterable<WatchItem<T>>): Promise<Array<WatchItem<T>>> {
  const out: Array<WatchItem<T>> = [];
  for await (const item of it) out.push(item);
  return out;
}

describe('watch', () => {
  it('sends the watch query and yields typed events, decode errors and bookmarks until the server closes', async () => {
    const { srv, t } = await setup((_req, res) => {
      streamHead(res);
      res.write(line('ADDED', widget('a')));
      res.write('{"type":"ADDED","object":{"metadata":{"name":7}}}\n');
      res.write(line('BOOKMARK', { metadata: { resourceVersion: '9' } }));
      res.end(line('ERROR', statusBody(410, 'Expired', 'too old')));
    });
    const items = await collect(
      await t.watch(widgets, 'root:org', {
        resourceVersion: '5',
        allowWatchBookmarks: true,
        timeoutSeconds: 300,
        labelSelector: 'a=b',
      }),
    );
    expect(srv.requests[0]?.url).toBe(
      '/clusters/root:org/apis/example.kcp.io/v1alpha1/widgets?labelSelector=a%3Db&resourceVersion=5&allowWatchBookmarks=true&timeoutSeconds=300&watch=true',
    );
    expect(items.map((i) => i.type)).toEqual(['ADDED', 'DECODE_ERROR', 'BOOKMARK', 'ERROR']);
    expect(items[0]).toEqual({ type: 'ADDED', object: widget('a') });
    expect(items[2]).toEqual({ type: 'BOOKMARK', resourceVersion: '9' });
  });

  it('emits ADDED before the stream ends', async () => {
    let release: (() => void) | undefined;
    const { t } = await setup((_req, res) => {
      streamHead(res);
      res.write(line('ADDED', widget('first')));
      release = () => res.end(line('DELETED', widget('first')));
    });
    const it = (await t.watch(widgets, 'root'))[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value).toEqual({ type: 'ADDED', object: widget('first') });
    release?.();
    expect((await it.next()).value?.type).toBe('DELETED');
    expect((await it.next()).done).toBe(true);
  });

  it('decompresses a gzip-encoded stream', async () => {
    const { t } = await setup((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      res.end(gzipSync(line('ADDED', widget('z'))));
    });
    expect(await collect(await t.watch(widgets, 'root'))).toEqual([{ type: 'ADDED', object: widget('z') }]);
  });

  it('rejects with ApiStatusError built from the streamed Status body', async () => {
    const { t } = await setup((_req, res) => {
      sendJson(res, 403, statusBody(403, 'Forbidden', 'cannot watch widgets'));
    });
    const e = await rejection(t.watch(widgets, 'root'));
    expect(e).toBeInstanceOf(ApiStatusError);
    expect((e as ApiStatusError).message).toMatch(/403 Forbidden: cannot watch widgets$/);
  });

  it('reads at most 64 KB of a huge error body', async () => {
    const { t } = await setup((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.write('x'.repeat(200_000));
    });
    const e = await rejection(t.watch(widgets, 'root'));
    expect((e as ApiStatusError).status).toBe(500);
    expect((e as ApiStatusError).message.length).toBeLessThan(400);
  });

  it('refreshes credentials and retries once on 401 when opening a watch', async () => {
    let n = 0;
    const { srv, t } = await setup(
      (req, res) => {
        if (req.headers.authorization === 'Bearer t0') {
          sendJson(res, 401, statusBody(401, 'Unauthorized', 'x'));
          return;
        }
        streamHead(res);
        res.end(line('ADDED', widget('a')));
      },
      {
        credentials: {
          get: () => Promise.resolve({ headers: { Authorization: `Bearer t${n}` } }),
          refresh: () => {
            n++;
            return Promise.resolve(true);
          },
        },
      },
    );
    expect(await collect(await t.watch(widgets, 'root'))).toHaveLength(1);
    expect(srv.requests).toHaveLength(2);
  });

  it('fails with TimeoutError when headers do not arrive within connectTimeoutMs', async () => {
    const { t } = await setup(() => undefined);
    const e = await rejection(t.watch(widgets, 'root', { connectTimeoutMs: 30 }));
    expect(isTimeoutError(e)).toBe(true);
    expect((e as Error).message).toMatch(/no response headers within 30 ms/);
  });

  it('prefers AbortError over the connect timeout when the caller aborted', async () => {
    const { t } = await setup(() => undefined);
    const ac = new AbortController();
    setTimeout(() => {
      ac.abort();
    }, 10);
    expect(
      isAbortError(await rejection(t.watch(widgets, 'root', { connectTimeoutMs: 5_000, signal: ac.signal }))),
    ).toBe(true);
  });

  it('throws TimeoutError after inactivityTimeoutMs without bytes and closes the socket', async () => {
    const { srv, t } = await setup((_req, res) => {
      streamHead(res);
      res.write(line('ADDED', widget('a')));
      setTimeout(() => res.write(line('ADDED', widget('b'))), 15);
    });
    const closed = srv.socketClosed();
    const seen: Array<WatchItem<Widget>> = [];
    const e = await rejection(
      (async () => {
        for await (const item of await t.watch(widgets, 'root', { inactivityTimeoutMs: 60 })) seen.push(item);
      })(),
    );
    expect(isTimeoutError(e)).toBe(true);
    expect((e as { timeoutMs: number }).timeoutMs).toBe(60);
    expect(seen).toHaveLength(2);
    await closed;
  });

  it('closes the server-side socket when aborted mid-stream', async () => {
    const { srv, t } = await setup((_req, res) => {
      streamHead(res);
      res.write(line('ADDED', widget('a')));
    });
    const ac = new AbortController();
    const closed = srv.socketClosed();
    const stream = await t.watch(widgets, 'root', { signal: ac.signal });
    const e = await rejection(
      (async () => {
        for await (const item of stream) {
          expect(item.type).toBe('ADDED');
          ac.abort();
        }
      })(),
    );
    expect(isAbortError(e)).toBe(true);
    await closed;
  });

  it('closes the server-side socket when the loop breaks early', async () => {
    const { srv, t } = await setup((_req, res) => {
      streamHead(res);
      res.write(line('ADDED', widget('a')));
    });
    const closed = srv.socketClosed();
    for await (const item of await t.watch(widgets, 'root')) {
      expect(item.type).toBe('ADDED');
      break;
    }
    await closed;
  });

  it('throws AbortError when iterated after the signal was aborted', async () => {
    const { t } = await setup((_req, res) => {
      streamHead(res);
    });
    const ac = new AbortController();
    const stream = await t.watch(widgets, 'root', { signal: ac.signal });
    ac.abort();
    expect(isAbortError(await rejection(collect(stream)))).toBe(true);
  });

  it('throws NetworkError when the connection drops mid-stream', async () => {
    const { t } = await setup((_req, res) => {
      streamHead(res);
      res.write(line('ADDED', widget('a')));
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const seen: string[] = [];
    const e = await rejection(
      (async () => {
        for await (const item of await t.watch(widgets, 'root')) seen.push(item.type);
      })(),
    );
    expect(seen).toEqual(['ADDED']);
    expect(isNetworkError(e)).toBe(true);
  });

  it('yields one batch per network chunk from watchBatches, and the same items one by one from watch', async () => {
    const releases: Array<() => void> = [];
    const { t } = await setup((_req, res) => {
      streamHead(res);
      // two complete lines and the start of a third in one chunk; the rest of it in a later one
      const third = line('DELETED', widget('a'));
      res.write(line('ADDED', widget('a')) + line('MODIFIED', widget('a')) + third.slice(0, 10));
      releases.push(() => res.end(third.slice(10) + line('ADDED', widget('b'))));
    });
    const batches: Array<ReadonlyArray<WatchItem<Widget>>> = [];
    for await (const batch of await t.watchBatches(widgets, 'root')) {
      batches.push(batch);
      releases.shift()?.();
    }
    expect(batches.map((b) => b.map((i) => i.type))).toEqual([
      ['ADDED', 'MODIFIED'],
      ['DELETED', 'ADDED'],
    ]);
    const items: Array<WatchItem<Widget>> = [];
    for await (const item of await t.watch(widgets, 'root')) {
      items.push(item);
      releases.shift()?.();
    }
    expect(items).toEqual(batches.flat());
  });

  it('closes the server-side socket when a batch loop breaks early', async () => {
    const { srv, t } = await setup((_req, res) => {
      streamHead(res);
      res.write(line('ADDED', widget('a')) + line('ADDED', widget('b')));
    });
    const closed = srv.socketClosed();
    for await (const batch of await t.watchBatches(widgets, 'root')) {
      expect(batch).toHaveLength(2);
      break;
    }
    await closed;
  });
});
