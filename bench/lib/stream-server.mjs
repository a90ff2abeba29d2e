// A loopback server, in a child process (lib/stream-child.mjs), that answers every watch request of a plural
// with the same prebuilt payload and then holds the connection open until the client goes away; list
// requests get the plural's prebuilt list (or an empty one). Used to compare watch consumers on identical
// bytes without charging the server's CPU to the client process.
import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Starts the server. `resources` maps a plural (the last path segment) to `{ payload?: Buffer, list?: Buffer }`
 * (watch bytes and list body). `mode`: 'burst' (64 KiB writes, many events per chunk) or 'live' (one event per
 * write, one every `intervalUs` µs). Resolves `{ url, stats(), close() }`.
 */
export async function startStreamServer(resources, { mode = 'burst', intervalUs = 500 } = {}) {
  // the payloads go through files: IPC would copy tens of MB through JSON
  const dir = mkdtempSync(join(tmpdir(), 'kcp-bench-stream-'));
  const manifest = { dir, mode, intervalUs, resources: {} };
  for (const [plural, r] of Object.entries(resources)) {
    const entry = {};
    if (r.payload !== undefined) writeFileSync(join(dir, (entry.watch = `${plural}.watch`)), r.payload);
    if (r.list !== undefined) writeFileSync(join(dir, (entry.list = `${plural}.list`)), r.list);
    manifest.resources[plural] = entry;
  }
  const child = fork(
    fileURLToPath(new URL('./stream-child.mjs', import.meta.url)),
    [JSON.stringify(manifest)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  // the child exits when this process goes away (its IPC channel closes), also on a crash here
  let next = 1;
  const pending = new Map();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const url = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`stream server exited with ${code}`)));
    child.on('message', (m) => {
      if (m.ready) resolve(m.ready.url);
      else pending.get(m.id)?.(m.result);
    });
  });
  const call = (method) =>
    new Promise((resolve) => {
      const id = next++;
      pending.set(id, (result) => {
        pending.delete(id);
        resolve(result);
      });
      child.send({ id, method });
    });
  return {
    url,
    /** Requests, lists, watches, open watches, TCP connections and live-mode stalls seen so far. */
    stats: () => call('stats'),
    async close() {
      if (child.exitCode === null) {
        await Promise.race([call('close'), exited]);
        if (child.connected) child.disconnect();
      }
      await exited;
    },
  };
}
