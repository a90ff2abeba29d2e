// A loopback server that answers every watch request with the same prebuilt payload (written in 64 KiB
// chunks, honouring back-pressure) and then holds the connection open until the client goes away; list
// requests get an empty list. Used to compare watch consumers on identical bytes.
import { createServer } from 'node:http';

const CHUNK = 64 * 1024;

/** Starts the server; `payloads` maps a path suffix (plural) to `{ payload: Buffer }`. */
export async function startStreamServer(payloads) {
  const sockets = new Set();
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const plural = url.pathname.split('/').pop();
    const entry = payloads[plural];
    if (entry === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"kind":"Status","apiVersion":"v1","status":"Failure","code":404,"reason":"NotFound"}');
      return;
    }
    if (url.searchParams.get('watch') !== 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const buf = entry.payload;
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
  });
  server.on('connection', (s) => {
    s.setNoDelay(true);
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
