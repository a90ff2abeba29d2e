// CPU profile of our watch path on the recorded stream: `node profile.mjs [--target reflector|decoder]
// [--events N] [--resource apiexportendpointslices|apibindings] [--objects sim|kcp] [--mode burst|live]
// [--interval-us U]` (objects and modes as in decode.mjs; the server runs in a child process). Prints the
// functions with the most self time (file:line), grouped, so a miss in decode.mjs can be explained. Writes the
// raw .cpuprofile to .profiles/ for Chrome DevTools.
import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expand, listOf, recordEvents, recordedKcpEvents } from './lib/record.mjs';
import { startStreamServer } from './lib/stream-server.mjs';
import { flags } from './lib/stats.mjs';

const f = flags();
const N = Number(f.events ?? 50_000);
const target = f.target ?? 'reflector';
const plural = f.resource ?? 'apiexportendpointslices';
const {
  Reflector,
  WatchDecoder,
  createTransport,
  staticTokenCredentials,
  APIEXPORTENDPOINTSLICES,
  APIBINDINGS_V1ALPHA2,
  guardOf,
} = await import('./.build/internals.mjs');
const desc = plural === 'apibindings' ? APIBINDINGS_V1ALPHA2 : APIEXPORTENDPOINTSLICES;
const mode = f.mode ?? 'burst';
const recorded = f.objects === 'kcp' ? recordedKcpEvents() : await recordEvents();
const stream = { ...expand(recorded[plural], N), list: listOf(recorded[plural]) };
const server = await startStreamServer(
  { [plural]: stream },
  { mode, intervalUs: Number(f['interval-us'] ?? 500) },
);
const transport = createTransport({
  connection: {
    server: `${server.url}/clusters/root`,
    tls: { insecureSkipTlsVerify: false },
    credentials: staticTokenCredentials('t'),
  },
});

async function once() {
  if (target === 'decoder') {
    const dec = new WatchDecoder(desc.schema, desc.kind, { guard: guardOf?.(desc) });
    const buf = stream.payload;
    if (mode === 'burst')
      for (let off = 0; off < buf.length; off += 65536) dec.feed(buf.subarray(off, off + 65536));
    else
      for (let start = 0, i = buf.indexOf(10); i !== -1; start = i + 1, i = buf.indexOf(10, start))
        dec.feed(buf.subarray(start, i + 1));
    dec.end();
    return;
  }
  await new Promise((resolve, reject) => {
    const sink = {
      replace: () => undefined,
      apply: (_event, _key, _object, _items, resourceVersion) => {
        if (resourceVersion !== stream.finalRv) return;
        r.stop();
        resolve();
      },
      failed: (error) => reject(error),
      status: () => undefined,
    };
    const r = new Reflector(transport, desc, 'root', sink, { tuning: { minWatchTimeoutSeconds: 600 } });
    r.start();
  });
}

await once(); // warm-up
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
await session.post('Profiler.start');
const t0 = performance.now();
await once();
const ms = performance.now() - t0;
const { profile } = await session.post('Profiler.stop');
session.disconnect();
await server.close();
transport.close();

const dir = fileURLToPath(new URL('./.profiles/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(`${dir}${target}-${plural}-${f.objects ?? 'sim'}-${mode}.cpuprofile`, JSON.stringify(profile));

// self time per node = samples hitting it
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map();
for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
const self = new Map();
let total = 0; // busy samples: (idle) is left out, it is most of a live watch
let idle = 0;
for (const [id, c] of counts) {
  const n = byId.get(id);
  const { functionName, url, lineNumber } = n.callFrame;
  if (functionName === '(idle)') {
    idle += c;
    continue;
  }
  const file = url
    .replace(/^.*\/(node_modules\/[^/]+|bench\/\.build|dist|node:)/, '$1')
    .replace(/^file:\/\//, '');
  const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + c);
  total += c;
}
const bucket = (k) =>
  /node_modules\/zod/.test(k)
    ? 'zod validation'
    : /node_modules\/rxjs/.test(k)
      ? 'rxjs'
      : /node_modules\/axios|follow-redirects/.test(k)
        ? 'axios'
        : /JSON|parse/.test(k) && !/\.build/.test(k)
          ? 'JSON.parse'
          : /\(garbage collector\)/.test(k)
            ? 'GC'
            : /\.build/.test(k)
              ? 'kcp-endpoints code'
              : /\(program\)/.test(k)
                ? '(program): native code outside JS'
                : 'node internals (streams, promises, buffers)';
const buckets = new Map();
for (const [k, c] of self) buckets.set(bucket(k), (buckets.get(bucket(k)) ?? 0) + c);
console.log(
  `${target} on ${N} ${f.objects === 'kcp' ? 'real-kcp' : 'simulator'} ${plural} events, ${mode} mode: ${ms.toFixed(0)} ms, ${Math.round(N / (ms / 1000)).toLocaleString('en-US')} ev/s`,
);
console.log(
  `self time by area (% of busy samples; idle ${((idle / (idle + total)) * 100).toFixed(1)} % of all):`,
);
for (const [k, c] of [...buckets].sort((a, b) => b[1] - a[1]))
  console.log(`  ${((c / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
console.log('top functions (self time):');
for (const [k, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(f.top ?? 20))) {
  console.log(`  ${((c / total) * 100).toFixed(1).padStart(5)} %  ${k}`);
}
