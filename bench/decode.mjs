// Benchmark 1: watch decoding throughput on identical loopback streams of recorded APIExportEndpointSlice and
// APIBinding watch events, consumed by (a) our reflector (transport → WatchDecoder → zod → store), (a') our
// raw watch (createTransport().watch, decoder + zod, no store), (b) @kubernetes/client-node's Watch, (c) a bare
// split('\n') + JSON.parse loop. Plus the same comparison in memory (no socket) to isolate decoding cost.
// Prints one JSON object on the last line of stdout.
import { request } from 'node:http';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import { expand, recordEvents, recordedKcpEvents } from './lib/record.mjs';
import { startStreamServer } from './lib/stream-server.mjs';
import { flags, machine, median, round, summary } from './lib/stats.mjs';

const f = flags();
const N = Number(f.events ?? 20_000);
const ROUNDS = Number(f.rounds ?? 7);
const {
  Reflector,
  WatchDecoder,
  createTransport,
  staticTokenCredentials,
  APIEXPORTENDPOINTSLICES,
  APIBINDINGS_V1ALPHA2,
  guardOf,
} = await import('./.build/internals.mjs');

const DESCS = { apiexportendpointslices: APIEXPORTENDPOINTSLICES, apibindings: APIBINDINGS_V1ALPHA2 };
// --objects kcp: objects recorded from real kcp v0.28.0 (with managedFields) instead of the simulator's
const realObjects = f.objects === 'kcp';
const recorded = realObjects ? recordedKcpEvents() : await recordEvents();
const streams = {};
for (const [plural, lines] of Object.entries(recorded))
  streams[plural] = { ...expand(lines, N), lines: lines.length };
const server = await startStreamServer(streams);
const pathOf = (plural) => `/clusters/root/apis/apis.kcp.io/${DESCS[plural].version}/${plural}`;
const transport = createTransport({
  connection: {
    server: `${server.url}/clusters/root`,
    tls: { insecureSkipTlsVerify: false },
    credentials: staticTokenCredentials('t'),
  },
});

/** (a) the reflector: list, then watch; done when the store has seen the final resourceVersion. */
function ours(plural, finalRv) {
  return new Promise((resolve, reject) => {
    let events = 0;
    const sink = {
      replace: () => undefined,
      apply: (_event, _key, _object, _items, resourceVersion) => {
        events += 1;
        if (resourceVersion === finalRv) {
          reflector.stop();
          resolve(events);
        }
      },
      failed: (error) => reject(error),
      status: () => undefined,
    };
    const reflector = new Reflector(transport, DESCS[plural], 'root', sink, {
      tuning: { minWatchTimeoutSeconds: 600 },
    });
    reflector.start();
  });
}

/** (a') the raw typed watch of the transport (decoder + zod, no store). */
async function oursRaw(plural, finalRv) {
  const ctrl = new AbortController();
  const it = await transport.watch(DESCS[plural], 'root', { signal: ctrl.signal, resourceVersion: '1' });
  let events = 0;
  for await (const item of it) {
    events += 1;
    if (item.type === 'DECODE_ERROR') throw item.error;
    if (item.object?.metadata.resourceVersion === finalRv) break;
  }
  ctrl.abort();
  return events;
}

/** (b) @kubernetes/client-node's Watch. */
function clientNode(plural, finalRv) {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'b', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'b', token: 't' }],
    contexts: [{ name: 'b', cluster: 'b', user: 'b' }],
    currentContext: 'b',
  });
  return new Promise((resolve, reject) => {
    let events = 0;
    let ctrl;
    let done = false;
    new Watch(kc)
      .watch(
        pathOf(plural),
        { resourceVersion: '1' },
        (_type, obj) => {
          events += 1;
          if (obj.metadata.resourceVersion === finalRv) {
            done = true;
            ctrl?.abort();
            resolve(events);
          }
        },
        (err) => {
          if (!done && err) reject(err);
        },
      )
      .then((c) => {
        ctrl = c;
        if (done) c.abort();
      }, reject);
  });
}

/** (c) bare node:http + split('\n') + JSON.parse: the practical limit. */
function baseline(plural, finalRv) {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}${pathOf(plural)}?watch=true&resourceVersion=1`,
      { headers: { authorization: 'Bearer t' } },
      (res) => {
        res.setEncoding('utf8');
        let rest = '';
        let events = 0;
        res.on('data', (chunk) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop();
          for (const line of lines) {
            if (line === '') continue;
            const ev = JSON.parse(line);
            events += 1;
            if (ev.object.metadata.resourceVersion === finalRv) {
              req.destroy();
              resolve(events);
              return;
            }
          }
        });
      },
    );
    req.on('error', (e) => {
      if (e.code !== 'ECONNRESET') reject(e);
    });
    req.end();
  });
}

/** In memory: WatchDecoder (JSON + guard, as the transport builds it) vs split + JSON.parse over the same 64 KiB chunks. */
function memDecoder(plural) {
  const desc = DESCS[plural];
  const dec = new WatchDecoder(desc.schema, desc.kind, { guard: guardOf?.(desc) });
  const buf = streams[plural].payload;
  let n = 0;
  for (let off = 0; off < buf.length; off += 65536) n += dec.feed(buf.subarray(off, off + 65536)).length;
  return n + dec.end().length;
}
function memBaseline(plural) {
  const buf = streams[plural].payload;
  const td = new TextDecoder();
  let rest = '';
  let n = 0;
  for (let off = 0; off < buf.length; off += 65536) {
    const lines = (rest + td.decode(buf.subarray(off, off + 65536), { stream: true })).split('\n');
    rest = lines.pop();
    for (const l of lines) if (l !== '') n += JSON.parse(l) ? 1 : 0;
  }
  return n;
}

const CONSUMERS = {
  ours: ours,
  oursRaw: oursRaw,
  clientNode: clientNode,
  baseline: baseline,
  memDecoder: async (p) => memDecoder(p),
  memBaseline: async (p) => memBaseline(p),
};
const names = Object.keys(CONSUMERS);
const rates = {}; // plural -> consumer -> [events/s]
for (const plural of Object.keys(streams)) {
  rates[plural] = Object.fromEntries(names.map((n) => [n, []]));
  const finalRv = streams[plural].finalRv;
  for (let round = -1; round < ROUNDS; round++) {
    // rotate the order each round so no consumer always runs first (round -1 is warm-up)
    const order = names.map((_, i) => names[(i + Math.max(round, 0)) % names.length]);
    for (const name of order) {
      const t0 = process.hrtime.bigint();
      const events = await CONSUMERS[name](plural, finalRv);
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (events !== N) throw new Error(`${name} saw ${events} events of ${N} on ${plural}`);
      if (round >= 0) rates[plural][name].push(N / s);
    }
  }
}
await server.close();
transport.close();

const result = {
  machine: machine(),
  objects: realObjects ? 'kcp v0.28.0 (recorded)' : 'simulator',
  events: N,
  rounds: ROUNDS,
  streams: {},
  ratios: {},
};
for (const [plural, byConsumer] of Object.entries(rates)) {
  result.streams[plural] = {
    recordedEvents: streams[plural].lines,
    bytesPerEvent: Math.round(streams[plural].payload.length / N),
    eventsPerSecond: Object.fromEntries(Object.entries(byConsumer).map(([k, v]) => [k, summary(v).median])),
    spreadPct: Object.fromEntries(
      Object.entries(byConsumer).map(([k, v]) => [k, round(summary(v).spreadPct, 1)]),
    ),
  };
  // paired per-round ratios, then the median of those
  const ratio = (a, b) => {
    const rs = byConsumer[a].map((x, i) => x / byConsumer[b][i]);
    return { median: round(median(rs)), min: round(Math.min(...rs)), max: round(Math.max(...rs)) };
  };
  result.ratios[plural] = {
    oursVsClientNode: ratio('ours', 'clientNode'),
    oursVsBaseline: ratio('ours', 'baseline'),
    oursRawVsClientNode: ratio('oursRaw', 'clientNode'),
    oursRawVsBaseline: ratio('oursRaw', 'baseline'),
    clientNodeVsBaseline: ratio('clientNode', 'baseline'),
    memDecoderVsMemBaseline: ratio('memDecoder', 'memBaseline'),
  };
}
for (const [plural, s] of Object.entries(result.streams)) {
  console.error(`${plural} (${s.bytesPerEvent} B/event):`);
  for (const [k, v] of Object.entries(s.eventsPerSecond))
    console.error(
      `  ${k.padEnd(12)} ${Math.round(v).toLocaleString('en-US').padStart(9)} ev/s  ±${s.spreadPct[k]}%`,
    );
  for (const [k, v] of Object.entries(result.ratios[plural]))
    console.error(`  ${k.padEnd(24)} ${v.median}× (${v.min}–${v.max})`);
}
console.log(JSON.stringify(result));
