/**
 * A hostile-server kit: small loopback servers (127.0.0.1 only), one per class of hostile answer, reused by
 * the hostile, property and fuzz tests. Every server is a {@link TestServer}: it records requests and is
 * closed by `closeServers()` (call it in `afterEach`).
 */
import type http from 'node:http';
import { Readable } from 'node:stream';
import { afterEach } from 'vitest';
import { createGzip } from 'node:zlib';
import { anonymousCredentials } from '../../src/config/connection.js';
import { createTransport, type HttpTransport, type TransportOptions } from '../../src/http/transport.js';
import { sendJson, startServer, widget, type TestServer } from '../http/helpers.js';

import { closeServers } from '../http/helpers.js';
export { closeServers };

const transports: HttpTransport[] = [];

/** A transport to `srv` (workspace `root`), closed by {@link closeTransports}. */
export function transportTo(srv: TestServer, options: Partial<TransportOptions> = {}): HttpTransport {
  const t = createTransport({
    connection: {
      server: `${srv.url}/clusters/root`,
      tls: { insecureSkipTlsVerify: false },
      credentials: anonymousCredentials,
    },
    ...options,
  });
  transports.push(t);
  return t;
}

/** Closes every transport made by {@link transportTo}. */
export async function closeTransports(): Promise<void> {
  await Promise.all(transports.splice(0).map((t) => t.close()));
}

/** True for a watch request. */
export function isWatch(req: http.IncomingMessage): boolean {
  return new URL(req.url ?? '/', 'http://x').searchParams.get('watch') === 'true';
}

/** Answers every request with `status` and `body` as an HTML page (a broken proxy's error page). */
export function errorPageServer(status: number, body: string): Promise<TestServer> {
  return startServer((_req, res) => {
    res.writeHead(status, { 'Content-Type': 'text/html' });
    res.end(body);
  });
}

/** Sends the headers of a `200` JSON answer, then one byte every `intervalMs`, never finishing. */
export function tricklingServer(intervalMs: number): Promise<TestServer> {
  return startServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    const timer = setInterval(() => {
      res.write(' ');
    }, intervalMs);
    res.on('close', () => {
      clearInterval(timer);
    });
  });
}

/** Yields `total` bytes of `fill` in 64 KiB chunks, lazily (nothing is held in memory). */
function filler(total: number, fill: string): Readable {
  const chunk = Buffer.alloc(64 * 1024, fill);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
}

/** Serves a `200` body of `totalBytes` (a JSON string literal, valid JSON if read whole), optionally gzipped. */
export function hugeBodyServer(totalBytes: number, options: { gzip?: boolean } = {}): Promise<TestServer> {
  return startServer((_req, res) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (options.gzip === true) headers['Content-Encoding'] = 'gzip';
    res.writeHead(200, headers);
    const body = Readable.from(
      (async function* () {
        yield Buffer.from('"');
        for await (const c of filler(totalBytes - 2, 'a')) yield c as Buffer;
        yield Buffer.from('"');
      })(),
    );
    const out = options.gzip === true ? body.pipe(createGzip({ level: 9 })) : body;
    out.pipe(res);
    res.on('close', () => {
      body.destroy();
    });
  });
}

/**
 * Lists answer `list()`; watches answer `200` with `watchBody(n)` (n = 1-based watch count) and close.
 * `watchBody` returning `undefined` keeps the watch open (nothing sent).
 */
export function watchServer(
  watchBody: (n: number) => string | undefined,
  list: () => unknown = () => ({ metadata: { resourceVersion: '1' }, items: [widget('a')] }),
): Promise<TestServer & { watches: () => number }> {
  let watches = 0;
  return startServer((req, res) => {
    if (!isWatch(req)) {
      sendJson(res, 200, list());
      return;
    }
    watches += 1;
    const body = watchBody(watches);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    if (body !== undefined) res.end(body);
  }).then((srv) => Object.assign(srv, { watches: () => watches }));
}

/** An authenticating proxy's login page, as a watch body. */
export const LOGIN_PAGE =
  '<!DOCTYPE html>\n<html>\n<head><title>Sign in</title></head>\n<body>\n<form method="post">\n' +
  '<input name="user"><input name="password" type="password">\n</form>\n</body>\n</html>\n';

/** A watch ERROR event whose object is not a Status. */
export const ERROR_EVENT_WITHOUT_STATUS = `${JSON.stringify({ type: 'ERROR', object: { code: 'x' } })}\n`;

/** A watch that sends one line without a newline, forever (until the client goes away). */
export function endlessLineServer(): Promise<TestServer> {
  return startServer((req, res) => {
    if (!isWatch(req)) {
      sendJson(res, 200, { metadata: { resourceVersion: '1' }, items: [] });
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"type":"ADDED","object":{"metadata":{"name":"');
    const chunk = 'x'.repeat(16 * 1024);
    const pump = (): void => {
      while (res.write(chunk)) {
        /* fill the socket buffer */
      }
    };
    res.on('drain', pump);
    pump();
  });
}

/** Lists never end: every page carries one item and a fresh `continue` token. */
export function endlessContinueServer(): Promise<TestServer> {
  let page = 0;
  return startServer((_req, res) => {
    page += 1;
    sendJson(res, 200, {
      metadata: { resourceVersion: '1', continue: `token-${page}` },
      items: [widget(`w${page}`)],
    });
  });
}

/** Answers every request with `body` (a `200` JSON answer), e.g. an object of another kind or name. */
export function fixedAnswerServer(body: unknown): Promise<TestServer> {
  return startServer((_req, res) => {
    sendJson(res, 200, body);
  });
}

/** One scripted answer of a {@link scriptedServer}. */
export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string | Buffer;
}

/** Answers every request with the current script (change it between requests with `answer`). */
export async function scriptedServer(): Promise<TestServer & { answer: (a: ScriptedAnswer) => void }> {
  let current: ScriptedAnswer = { status: 200, body: '{}' };
  const srv = await startServer((_req, res) => {
    res.writeHead(current.status, { 'Content-Type': 'application/json', ...current.headers });
    res.end(current.body);
  });
  return Object.assign(srv, {
    answer: (a: ScriptedAnswer) => {
      current = a;
    },
  });
}

/**
 * Registers the teardown the reflector tests share: stop and join every reflector pushed onto the returned
 * list, close the transports and the servers.
 */
export function reflectorsTornDownAfterEach<T>(): Array<{ stop(): void; join(): Promise<unknown> } & T> {
  const reflectors: Array<{ stop(): void; join(): Promise<unknown> } & T> = [];
  afterEach(async () => {
    for (const r of reflectors.splice(0)) {
      r.stop();
      await r.join();
    }
    await closeTransports();
    await closeServers();
  });
  return reflectors;
}
