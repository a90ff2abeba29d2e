// Benchmark 1: watch decoding throughput on identical loopback streams of recorded APIExportEndpointSlice and
// APIBinding watch events, consumed in the same run by (a) our reflector (list, then watch: transport →
// WatchDecoder → schema check → store), (a') our raw watch (createTransport().watch, decoder + schema check,
// no store), (b) @kubernetes/client-node's Watch (readline + JSON.parse, no store), (b') client-node's
// ListWatch informer (lists, then watches, and stores every object: the peer that does the reflector's work),
// (c) a bare split('\n') + JSON.parse loop. Plus the decoder alone in memory (no socket) against the same loop.
// The reflector and ListWatch get the same list (the last state of the recorded objects); the others only watch.
// The server runs in a child process (lib/stream-child.mjs), so only the consumer's CPU is in this process.
//
// `node decode.mjs [--events N] [--rounds R] [--objects sim|kcp] [--mode burst|live] [--interval-us U]`
// - objects: sim = recorded from the simulator; kcp = recorded from real kcp v0.28.0 (test/fixtures), with
//   managedFields as kcp serves them.
// - mode: burst = the stream in 64 KiB writes (many events per chunk; the figure is wall-clock events/s);
//   live = one event per write every U µs (one event per chunk, like a live watch; the wall time is set by the
//   server's pace, so the figure is events per CPU-second of this process).
// Ratios are medians of per-round ratios (consumer order rotated each round), with min–max.
// Prints one JSON object on the last line of stdout.
import { request } from 'node:http';
import { CustomObjectsApi, KubeConfig, ListWatch, Watch } from '@kubernetes/client-node';
import { expand, listOf, recordEvents, recordedKcpEvents } from './lib/record.mjs';
import { startStreamServer } from './lib/stream-server.mjs';
import { flags, machine, median, round, summary } from './lib/stats.mjs';

const f = flags();
const N = Number(f.events ?? 20_000);
const ROUNDS = Number(f.rounds ?? 7);
const MODE = f.mode ?? 'burst';
if (MODE !== 'burst' && MODE !== 'live') throw new Error(`--mode burst|live, not ${MODE}`);
const INTERVAL_US = Number(f['interval-us'] ?? 500);
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
  streams[plural] = { ...expand(lines, N), list: listOf(lines), lines: lines.length };
const server = await startStreamServer(streams, { mode: MODE, intervalUs: INTERVAL_US });
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

/** A client-node KubeConfig for the stream server (`path` appended to the server URL, like kcp's /clusters/…). */
function kubeConfig(path = '') {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'b', server: `${server.url}${path}`, skipTLSVerify: true }],
    users: [{ name: 'b', token: 't' }],
    contexts: [{ name: 'b', cluster: 'b', user: 'b' }],
    currentContext: 'b',
  });
  return kc;
}

/** (b) @kubernetes/client-node's Watch. */
function clientNode(plural, finalRv) {
  const kc = kubeConfig();
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

/**
 * (b') client-node's ListWatch informer: lists with CustomObjectsApi, then watches from the list's
 * resourceVersion, and keeps every object in its cache (add/update/delete callbacks fire from the cache).
 * Watch events are counted by wrapping the Watch callback it is given (one extra call per event).
 */
function listWatch(plural, finalRv) {
  const kc = kubeConfig('/clusters/root');
  const api = kc.makeApiClient(CustomObjectsApi);
  const { version } = DESCS[plural];
  const watch = new Watch(kc);
  let events = 0;
  const counting = {
    watch: (path, query, callback, done) =>
      watch.watch(
        path,
        query,
        (type, obj, raw) => {
          events += 1;
          callback(type, obj, raw);
        },
        done,
      ),
  };
  return new Promise((resolve, reject) => {
    let done = false;
    const informer = new ListWatch(
      `/apis/apis.kcp.io/${version}/${plural}`,
      counting,
      () => api.listClusterCustomObject({ group: 'apis.kcp.io', version, plural }),
      false,
    );
    const onChange = (obj) => {
      if (!done && obj.metadata.resourceVersion === finalRv) {
        done = true;
        informer.stop().then(() => resolve(events), reject);
      }
    };
    informer.on('add', onChange);
    informer.on('update', onChange);
    informer.on('error', (err) => {
      if (!done) reject(err ?? new Error('ListWatch failed'));
    });
    informer.start().catch(reject);
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
        let chunks = 0;
        res.on('data', (chunk) => {
          chunks += 1;
          const lines = (rest + chunk).split('\n');
          rest = lines.pop();
          for (const line of lines) {
            if (line === '') continue;
            const ev = JSON.parse(line);
            events += 1;
            if (ev.object.metadata.resourceVersion === finalRv) {
              req.destroy();
              eventsPerChunk[plural].push(events / chunks);
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

/** The payload cut as the server writes it: 64 KiB chunks (burst) or one event per chunk (live). */
function chunksOf(buf) {
  const out = [];
  if (MODE === 'burst')
    for (let off = 0; off < buf.length; off += 65536) out.push(buf.subarray(off, off + 65536));
  else
    for (let start = 0, i = buf.indexOf(10); i !== -1; start = i + 1, i = buf.indexOf(10, start))
      out.push(buf.subarray(start, i + 1));
  return out;
}

/** In memory: WatchDecoder (JSON + guard, as the transport builds it) vs split + JSON.parse over the same chunks. */
function memDecoder(plural) {
  const desc = DESCS[plural];
  const dec = new WatchDecoder(desc.schema, desc.kind, { guard: guardOf?.(desc) });
  let n = 0;
  for (const chunk of streams[plural].chunks) n += dec.feed(chunk).length;
  return n + dec.end().length;
}
function memBaseline(plural) {
  const td = new TextDecoder();
  let rest = '';
  let n = 0;
  for (const chunk of streams[plural].chunks) {
    const lines = (rest + td.decode(chunk, { stream: true })).split('\n');
    rest = lines.pop();
    for (const l of lines) if (l !== '') n += JSON.parse(l) ? 1 : 0;
  }
  return n;
}
for (const s of Object.values(streams)) s.chunks = chunksOf(s.payload);

const CONSUMERS = {
  ours: ours,
  oursRaw: oursRaw,
  clientNode: clientNode,
  listWatch: listWatch,
  baseline: baseline,
  memDecoder: async (p) => memDecoder(p),
  memBaseline: async (p) => memBaseline(p),
};
const names = Object.keys(CONSUMERS);
// the figure ranked: wall-clock events/s in burst mode; in live mode the server sets the pace, so events per
// CPU-second of this process (user + system, all threads)
const METRIC = MODE === 'burst' ? 'wall' : 'cpu';
const rates = {}; // plural -> consumer -> [events/s]
const cpuRates = {}; // plural -> consumer -> [events per CPU-second]
const eventsPerChunk = {}; // plural -> [events per chunk the bare loop received, per run]
for (const plural of Object.keys(streams)) {
  rates[plural] = Object.fromEntries(names.map((n) => [n, []]));
  cpuRates[plural] = Object.fromEntries(names.map((n) => [n, []]));
  eventsPerChunk[plural] = [];
  const finalRv = streams[plural].finalRv;
  for (let round = -1; round < ROUNDS; round++) {
    // rotate the order each round so no consumer always runs first (round -1 is warm-up)
    const order = names.map((_, i) => names[(i + Math.max(round, 0)) % names.length]);
    for (const name of order) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      const events = await CONSUMERS[name](plural, finalRv);
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      const c = process.cpuUsage(c0);
      if (events !== N) throw new Error(`${name} saw ${events} events of ${N} on ${plural}`);
      if (round >= 0) {
        rates[plural][name].push(N / s);
        cpuRates[plural][name].push(N / ((c.user + c.system) / 1e6));
      }
    }
  }
}
const serverStats = await server.stats();
await server.close();
transport.close();

const result = {
  machine: machine(),
  objects: realObjects ? 'kcp v0.28.0 (recorded)' : 'simulator',
  mode: MODE,
  ...(MODE === 'live' ? { intervalUs: INTERVAL_US, serverStalls: serverStats.stalls } : {}),
  metric: METRIC === 'wall' ? 'events/s (wall)' : 'events per CPU-second',
  events: N,
  rounds: ROUNDS,
  streams: {},
  ratios: {},
  cpuRatios: {},
};
for (const plural of Object.keys(rates)) {
  const headline = METRIC === 'wall' ? rates[plural] : cpuRates[plural];
  const med = (byConsumer) =>
    Object.fromEntries(Object.entries(byConsumer).map(([k, v]) => [k, round(summary(v).median, 0)]));
  result.streams[plural] = {
    recordedEvents: streams[plural].lines,
    listItems: JSON.parse(streams[plural].list).items.length,
    bytesPerEvent: Math.round(streams[plural].payload.length / N),
    eventsPerChunk: round(median(eventsPerChunk[plural]), 1),
    eventsPerSecond: med(rates[plural]),
    eventsPerCpuSecond: med(cpuRates[plural]),
    rate: med(headline),
    spreadPct: Object.fromEntries(
      Object.entries(headline).map(([k, v]) => [k, round(summary(v).spreadPct, 1)]),
    ),
  };
  // paired per-round ratios of the headline figure, then the median of those
  const ratio = (a, b, by = headline) => {
    const rs = by[a].map((x, i) => x / by[b][i]);
    return { median: round(median(rs)), min: round(Math.min(...rs)), max: round(Math.max(...rs)) };
  };
  result.ratios[plural] = {
    oursVsBaseline: ratio('ours', 'baseline'),
    oursVsListWatch: ratio('ours', 'listWatch'),
    oursVsClientNode: ratio('ours', 'clientNode'),
    oursRawVsBaseline: ratio('oursRaw', 'baseline'),
    oursRawVsClientNode: ratio('oursRaw', 'clientNode'),
    clientNodeVsBaseline: ratio('clientNode', 'baseline'),
    listWatchVsBaseline: ratio('listWatch', 'baseline'),
    memDecoderVsMemBaseline: ratio('memDecoder', 'memBaseline'),
  };
  // burst mode: the same ratios per CPU-second too (wall time hides work done on other threads, e.g. GC)
  if (METRIC === 'wall')
    result.cpuRatios[plural] = {
      oursVsBaseline: ratio('ours', 'baseline', cpuRates[plural]),
      oursVsListWatch: ratio('ours', 'listWatch', cpuRates[plural]),
    };
}
console.error(
  `${result.objects} objects, ${MODE} mode${MODE === 'live' ? ` (one event every ${INTERVAL_US} µs, ${result.serverStalls} server stalls)` : ''}; ${result.metric}:`,
);
for (const [plural, s] of Object.entries(result.streams)) {
  console.error(
    `${plural} (${s.bytesPerEvent} B/event, ${s.eventsPerChunk} events per chunk, list of ${s.listItems}):`,
  );
  for (const [k, v] of Object.entries(s.rate))
    console.error(`  ${k.padEnd(12)} ${v.toLocaleString('en-US').padStart(9)}  ±${s.spreadPct[k]}%`);
  for (const [k, v] of Object.entries(result.ratios[plural]))
    console.error(`  ${k.padEnd(24)} ${v.median}× (${v.min}–${v.max})`);
  for (const [k, v] of Object.entries(result.cpuRatios[plural] ?? {}))
    console.error(`  ${`${k} (CPU)`.padEnd(24)} ${v.median}× (${v.min}–${v.max})`);
}
console.log(JSON.stringify(result));
