// The server side of lib/stream-server.mjs, in its own process so its CPU is not charged to the client being
// measured. argv[2] is a JSON manifest written by the parent:
//   { dir, mode: 'burst' | 'live', intervalUs, resources: { <plural>: { watch?: file, list?: file } } }
// For each plural, a list request gets the `list` file (else an empty list at resourceVersion 1) and a watch
// request gets the `watch` file (else nothing: the watch is held open, like an idle kcp). Then the connection
// is held open until the client goes away. Modes:
// - burst: the payload in 64 KiB writes as fast as the client reads (many events per chunk);
// - live: one event per write, one write every `intervalUs` µs (a live watch: one event per chunk). The gap
//   is slept with Atomics.wait (no spinning), in slices of at most 20 ms between which the event loop runs.
// Answers IPC messages `{ id, method: 'stats' | 'close' }`; exits when the parent goes away.
import { createServer } from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const manifest = JSON.parse(process.argv[2]);
const CHUNK = 64 * 1024;
const INTERVAL_MS = (manifest.intervalUs ?? 500) / 1000;
const EMPTY_LIST = Buffer.from(
  JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }),
);

const resources = {};
for (const [plural, r] of Object.entries(manifest.resources)) {
  const watch = r.watch === undefined ? undefined : readFileSync(join(manifest.dir, r.watch));
  resources[plural] = {
    list: r.list === undefined ? EMPTY_LIST : readFileSync(join(manifest.dir, r.list)),
    watch,
    // live mode: one Buffer per event line (with its '\n')
    events: manifest.mode === 'live' && watch !== undefined ? splitLines(watch) : undefined,
  };
}
// the parent's copy is enough; nothing is left behind if either process dies later
rmSync(manifest.dir, { recursive: true, force: true });

function splitLines(buf) {
  const out = [];
  let start = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, start)) {
    out.push(buf.subarray(start, i + 1));
    start = i + 1;
  }
  if (start < buf.length) out.push(buf.subarray(start));
  return out;
}

const stats = { notFound: 0, requests: 0, lists: 0, watches: 0, openWatches: 0, connections: 0, stalls: 0 };
const sleeper = new Int32Array(new SharedArrayBuffer(4));

function burst(res, buf) {
  let off = 0;
  const pump = () => {
    while (off < buf.length) {
      const end = Math.min(off + CHUNK, buf.length);
      const ok = res.write(buf.subarray(off, end));
      off = end;
      if (!ok) {
        res.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

function live(res, events) {
  let i = 0;
  let due = performance.now();
  const pump = () => {
    const sliceEnd = performance.now() + 20;
    while (i < events.length) {
      if (res.destroyed) return;
      const wait = due - performance.now();
      if (wait > 0) Atomics.wait(sleeper, 0, 0, wait);
      const ok = res.write(events[i]);
      // http corks the socket until the next tick; flush now so this event leaves in its own segment
      res.socket?.uncork();
      i += 1;
      due += INTERVAL_MS;
      if (!ok) {
        // the client is behind: events will arrive batched; count it so the report can say so
        stats.stalls += 1;
        res.once('drain', () => {
          due = performance.now();
          pump();
        });
        return;
      }
      if (performance.now() > sliceEnd) {
        setImmediate(pump);
        return;
      }
    }
  };
  pump();
}

const sockets = new Set();
const server = createServer((req, res) => {
  stats.requests += 1;
  const url = new URL(req.url, 'http://x');
  const plural = url.pathname.split('/').pop();
  const entry = resources[plural];
  if (entry === undefined) {
    stats.notFound += 1;
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"kind":"Status","apiVersion":"v1","status":"Failure","code":404,"reason":"NotFound"}');
    return;
  }
  if (url.searchParams.get('watch') !== 'true') {
    stats.lists += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(entry.list);
    return;
  }
  stats.watches += 1;
  stats.openWatches += 1;
  res.on('close', () => (stats.openWatches -= 1));
  res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
  if (entry.events !== undefined) live(res, entry.events);
  else if (entry.watch !== undefined) burst(res, entry.watch);
  else res.flushHeaders();
});
server.on('connection', (s) => {
  stats.connections += 1;
  s.setNoDelay(true);
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
});
server.listen(0, '127.0.0.1', () => {
  process.send({ ready: { url: `http://127.0.0.1:${server.address().port}` } });
});
process.on('message', ({ id, method }) => {
  if (method === 'stats') process.send({ id, result: { ...stats, openSockets: sockets.size } });
  else if (method === 'close') {
    for (const s of sockets) s.destroy();
    server.close(() => process.send({ id, result: null }, () => process.exit(0)));
  }
});
process.on('disconnect', () => process.exit(0));
