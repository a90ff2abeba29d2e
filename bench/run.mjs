// Runs every benchmark, each in a fresh node process, prints one summary table (every figure of the targets
// with its peer measured in the same run, the target and met/missed) and writes results/latest.json and
// results/latest.md (not committed). Needs the built package (../dist, `npx tsup` at the root) and `npm ci` in
// bench/; the queue benchmark builds its Go peer when `go` is installed. `node run.mjs [--quick | --smoke]
// [--only decode,latency,scale,cold-start,size,consumers,queue] [--no-instructions]`.
// --quick: fewer rounds and samples; --smoke: tiny runs that only check every benchmark works (not figures).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildInternals } from './lib/build.mjs';
import { flags, fmt, machine } from './lib/stats.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const f = flags();
const smoke = f.smoke === true;
const quick = f.quick === true || smoke;
const only = typeof f.only === 'string' ? new Set(f.only.split(',')) : undefined;
const wanted = (name) => only === undefined || only.has(name);

for (const file of ['../dist/index.js', '../dist/testing.cjs']) {
  if (!existsSync(here(file))) {
    console.error(`missing ${file}: build the package first (npx tsup at the repository root)`);
    process.exit(1);
  }
}
await buildInternals();

// every benchmark child dies with this process (also on an error or a signal here)
const children = new Set();
const killChildren = () => {
  for (const c of children) c.kill('SIGTERM');
};
process.on('exit', killChildren);
for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, () => {
    killChildren();
    process.exit(130);
  });

function bench(script, args, nodeFlags = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, here(script), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(child);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      children.delete(child);
      const last = out.trim().split('\n').pop();
      if (code !== 0 || !last?.startsWith('{'))
        reject(new Error(`${script} ${args.join(' ')} exited with ${code}`));
      else resolve(JSON.parse(last));
    });
  });
}

const started = Date.now();
const results = { date: new Date().toISOString(), machine: machine(), quick, smoke };
console.error(
  `machine: ${results.machine.cpus} × ${results.machine.model}, Node ${results.machine.node}, ${results.machine.os}`,
);
const DECODE_RUNS = [
  ['sim', 'burst'],
  ['kcp', 'burst'],
  ['sim', 'live'],
  ['kcp', 'live'],
];
if (wanted('decode')) {
  results.decode = {};
  for (const [objects, mode] of DECODE_RUNS) {
    console.error(`\n# 1. watch decoding, ${objects} objects, ${mode} mode`);
    // live: one event every 500 µs, so 1,000 events take 0.5 s per consumer and round
    const events = smoke ? 300 : mode === 'burst' ? (quick ? 5000 : 20000) : quick ? 500 : 1000;
    results.decode[`${objects}-${mode}`] = await bench('decode.mjs', [
      '--events',
      String(events),
      '--rounds',
      smoke ? '1' : quick ? '3' : mode === 'burst' ? '7' : '5',
      '--objects',
      objects,
      '--mode',
      mode,
    ]);
  }
}
if (wanted('latency')) {
  console.error('\n# 2. propagation latency');
  results.latency = [];
  for (const k of smoke ? [1, 1000] : quick ? [1, 100, 1000] : [1, 100, 1000, 10000]) {
    results.latency.push(
      await bench('latency.mjs', [
        '--exports',
        String(k),
        '--samples',
        smoke ? '20' : quick ? '50' : k >= 10000 ? '100' : '300',
      ]),
    );
  }
}
if (wanted('scale')) {
  console.error('\n# 3. scale');
  results.scale = [];
  for (const objects of ['sim', 'kcp'])
    for (const k of [1000, 10000]) {
      for (let i = 0; i < (quick ? 1 : 3); i++)
        results.scale.push(
          await bench('scale.mjs', ['--exports', String(k), '--objects', objects], ['--expose-gc']),
        );
    }
}
if (wanted('cold-start')) {
  console.error('\n# 4. CLI cold start');
  if (!existsSync(here('../dist/cli.js'))) results.coldStart = { skipped: 'dist/cli.js missing' };
  else
    results.coldStart = await bench('cold-start.mjs', [
      '--runs',
      smoke ? '2' : quick ? '5' : '15',
      ...(f['no-instructions'] === true ? [] : ['--instructions']),
    ]);
}
if (wanted('size')) {
  console.error('\n# 5. package size');
  results.size = await new Promise((resolve) =>
    execFile(
      'npm',
      ['pack', '--dry-run', '--json', '--ignore-scripts'],
      { cwd: here('..'), maxBuffer: 16 * 2 ** 20 },
      (err, stdout) => {
        if (err) return resolve({ skipped: `npm pack failed: ${err.message}` });
        const [p] = JSON.parse(stdout);
        const maps = p.files.filter((x) => x.path.endsWith('.map')).reduce((a, x) => a + x.size, 0);
        const types = p.files.filter((x) => /\.d\.c?ts$/.test(x.path)).reduce((a, x) => a + x.size, 0);
        const cli = p.files.find((x) => x.path === 'dist/cli.js')?.size;
        resolve({ tarball: p.size, unpacked: p.unpackedSize, files: p.entryCount, maps, types, cli });
      },
    ),
  );
  console.error(JSON.stringify(results.size));
}
if (wanted('consumers')) {
  console.error('\n# 6. consumers: exported() heap per 1,000 objects, connections per endpoint');
  results.consumers = [];
  for (const k of smoke ? [200] : [1000, 10000])
    results.consumers.push(
      await bench('consumers.mjs', [
        '--objects',
        String(k),
        '--consumers',
        smoke ? '20' : '100',
        '--rounds',
        quick ? '1' : '3',
        '--subscribers',
        smoke ? '1,10' : '1,10,100',
        ...(smoke ? ['--heap-subscriptions', '1'] : []),
      ]),
    );
}
if (wanted('queue')) {
  console.error('\n# 7. work queue: overhead per reconcile next to client-go, fairness under a flood');
  results.queue = await bench(
    'queue.mjs',
    smoke
      ? ['--objects', '1000', '--rounds', '1', '--flood', '2000', '--probes', '2']
      : quick
        ? ['--rounds', '3', '--probes', '5']
        : [],
  );
}
results.elapsedS = Math.round((Date.now() - started) / 1000);

// ---- summary: every target with its figure and its peer from this run ----
const MB = 2 ** 20;
const x = (r) => (r === undefined ? '—' : `${r.median}× (${r.min}–${r.max})`);
const verdict = (value, ok) => (value === undefined ? 'not measured' : ok ? 'met' : '**missed**');
const rows = [];
for (const [objects, mode] of DECODE_RUNS) {
  const d = results.decode?.[`${objects}-${mode}`];
  const s = d?.streams.apiexportendpointslices;
  const r = d?.ratios.apiexportendpointslices;
  const unit = mode === 'burst' ? 'ev/s' : 'ev/CPU-s';
  const what = `reflector decode, ${objects === 'sim' ? 'simulator' : 'real-kcp'} slices, ${mode}`;
  const ours = s === undefined ? '—' : `${fmt(s.rate.ours)} ${unit}`;
  const bare = objects === 'sim' ? 0.75 : 0.85;
  rows.push([
    what,
    ours,
    s === undefined ? '—' : `bare split+JSON.parse ${fmt(s.rate.baseline)} ${unit}`,
    x(r?.oursVsBaseline),
    `≥ ${bare}× bare`,
    verdict(r, r?.oursVsBaseline.median >= bare),
  ]);
  if (objects === 'kcp')
    rows.push([
      what,
      ours,
      s === undefined ? '—' : `client-node ListWatch ${fmt(s.rate.listWatch)} ${unit}`,
      x(r?.oursVsListWatch),
      '≥ 1.0× ListWatch',
      verdict(r, r?.oursVsListWatch.median >= 1),
    ]);
}
const c = results.coldStart?.ms === undefined ? undefined : results.coldStart;
for (const env of Object.keys(c?.environments ?? { 'as is': [] })) {
  const peer = c?.kubectlPeer;
  const ours = c?.ms[`${env}|kcp-endpoints`];
  const r = c?.ratios[`${env}|kcp-endpoints / ${peer}`];
  rows.push([
    `\`get -o urls\` cold start, env ${env}`,
    ours === undefined ? '—' : `${ours.median} ms`,
    peer === undefined ? '—' : `${peer} ${c.ms[`${env}|${peer}`].median} ms`,
    x(r),
    '≤ 1.2× kubectl',
    verdict(r, r?.median <= 1.2),
  ]);
  const instr = c?.instructionsM?.[`${env}|kcp-endpoints`];
  const peerInstr = c?.instructionsM?.[`${env}|${peer}`];
  rows.push([
    `\`get -o urls\` instructions, env ${env}`,
    instr === undefined ? '—' : `${fmt(instr)} M`,
    peerInstr === undefined ? '—' : `${peer} ${fmt(peerInstr)} M`,
    instr === undefined || peerInstr === undefined ? '—' : `${(instr / peerInstr).toFixed(2)}×`,
    '≤ 600 M',
    verdict(instr, instr <= 600),
  ]);
}
const scaleOf = (objects, k) => {
  const runs = results.scale?.filter((s) => s.exports === k && s.objects.startsWith(objects));
  if (runs === undefined || runs.length === 0) return undefined;
  const heaps = runs.map((s) => s.heapGrowthMb).sort((a, b) => a - b);
  return { heap: heaps[Math.floor(heaps.length / 2)], runs };
};
const heapKcp = scaleOf('kcp', 10000);
const heapSim = scaleOf('simulator', 10000);
rows.push([
  'heap growth, 10,000 watched exports, real-kcp objects',
  heapKcp === undefined ? '—' : `${heapKcp.heap} MB`,
  heapSim === undefined ? '—' : `simulator objects ${heapSim.heap} MB`,
  '—',
  '< 60 MB',
  verdict(heapKcp, heapKcp?.heap < 60),
]);
const consumersRuns = results.consumers ?? [];
const reported = (value) => (value === undefined ? 'not measured' : 'reported');
for (const cr of consumersRuns.length === 0 ? [{ objects: 10000, objectBytes: {} }] : consumersRuns) {
  const h = cr.heap;
  rows.push([
    `heap per 1,000 objects held, \`exported().watch()\`, ${fmt(cr.objects)} cowboys${cr.objectBytes.median === undefined ? '' : ` (${fmt(cr.objectBytes.median)} B)`}`,
    h === undefined ? '—' : `${h.ours.mbPerThousand.median.toFixed(2)} MB`,
    h === undefined
      ? '—'
      : `client-node ListWatch ${h.clientNode.mbPerThousand.median.toFixed(2)} MB (holds ${fmt(h.clientNode.held)}: lost ${fmt(h.clientNode.lost)} to namespace/name collisions)`,
    h === undefined ? '—' : `${h.ratio.median}× (${h.ratio.min}–${h.ratio.max})`,
    '— (reported)',
    reported(h),
  ]);
}
// the cost of one more object: growth from the smallest to the largest run (fixed costs cancel out)
const [lo, hi] = [consumersRuns[0], consumersRuns.at(-1)];
if (lo?.heap !== undefined && hi?.heap !== undefined && hi.objects > lo.objects) {
  const slope = (side) =>
    ((hi.heap[side].heapGrowthMb.median - lo.heap[side].heapGrowthMb.median) /
      (hi.heap[side].held - lo.heap[side].held)) *
    1000;
  const [ours, peer] = [slope('ours'), slope('clientNode')];
  rows.push([
    `heap per 1,000 more objects held (${fmt(lo.objects)} → ${fmt(hi.objects)} cowboys)`,
    `${ours.toFixed(2)} MB`,
    `client-node ListWatch ${peer.toFixed(2)} MB`,
    `${(ours / peer).toFixed(2)}×`,
    '— (reported)',
    'reported',
  ]);
}
const conn = consumersRuns.filter((cr) => cr.connections !== undefined);
const shardEndpoints = (c) => Object.entries(c.endpoints).filter(([k]) => k !== 'front-proxy');
const perS = (pick) =>
  conn.length === 0
    ? undefined
    : conn[conn.length - 1].connections.map((c) => [
        c.subscribers,
        shardEndpoints(c).map(([, e]) => pick(e)),
      ]);
const showS = (xs, f) => xs.map(([s, vs]) => `S=${s}: ${f(vs)}`).join(', ');
const watchesPer = perS((e) => Object.values(e.openWatches));
const allConn = conn.flatMap((cr) => cr.connections.flatMap((c) => shardEndpoints(c).map(([, e]) => e)));
const oneWatch =
  allConn.length > 0 &&
  allConn.every(
    (e) => Object.values(e.openWatches).every((n) => n === 1) && Object.keys(e.openWatches).length === 2,
  );
rows.push([
  `open watches per endpoint and resource, S × \`exported().watch()\` + S × \`watchConsumers()\`${conn.length === 0 ? '' : `, ${fmt(conn.at(-1).objects)} cowboys`}`,
  watchesPer === undefined ? '—' : showS(watchesPer, (vs) => `${Math.max(...vs.flat())}`),
  '—',
  '—',
  '1 (cowboys, apibindings), whatever S',
  verdict(watchesPer, oneWatch),
]);
const connPer = perS((e) => e.connections);
const sameConn =
  conn.length > 0 &&
  conn.every((cr) => {
    const first = shardEndpoints(cr.connections[0]).map(([, e]) => e.connections);
    return cr.connections.every((c) => shardEndpoints(c).every(([, e], i) => e.connections === first[i]));
  });
rows.push([
  'TCP connections per endpoint, same',
  connPer === undefined ? '—' : showS(connPer, (vs) => vs.join(' / ')),
  '—',
  '—',
  'independent of S',
  verdict(connPer, sameConn),
]);
const readsExtra = allConn.reduce((a, e) => a + e.duringReads.watchRequests + e.duringReads.listRequests, 0);
const reads = conn.at(-1)?.connections[0]?.reads.calls;
rows.push([
  `requests per endpoint from ${reads ?? 'Q'} \`list()\` + ${reads ?? 'Q'} \`get()\` while the watches run`,
  conn.length === 0
    ? '—'
    : `${allConn.reduce((a, e) => a + e.duringReads.watchRequests, 0)} watch, ${allConn.reduce((a, e) => a + e.duringReads.listRequests, 0)} list requests (every endpoint and S)`,
  '—',
  '—',
  '0',
  verdict(conn.length === 0 ? undefined : readsExtra, readsExtra === 0),
]);
const size = results.size?.unpacked === undefined ? undefined : results.size;
rows.push([
  'install size (npm pack, unpacked)',
  size === undefined ? '—' : `${(size.unpacked / MB).toFixed(2)} MB`,
  size === undefined
    ? '—'
    : `of which source maps ${(size.maps / MB).toFixed(2)} MB, types ${(size.types / MB).toFixed(2)} MB; tarball ${(size.tarball / MB).toFixed(2)} MB`,
  '—',
  '≤ 1.5 MB',
  verdict(size, size?.unpacked <= 1.5 * MB),
]);
const qo = results.queue?.overhead;
const qGo = qo?.clientGo.skipped === undefined ? qo?.clientGo : undefined;
const us = (ns) => (ns === undefined ? '—' : `${(ns / 1000).toFixed(2)} µs`);
const per = (a, b) => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`);
const queueWhat =
  qo === undefined ? '' : `${fmt(qo.objects)} objects over ${qo.clusters} clusters, ${qo.workers} workers`;
for (const [label, ours, peer] of [
  ['CPU', qo?.cpuNsPerKey.ours.median, qGo?.medianCpuNsPerKey],
  ['wall', qo?.nsPerKey.ours.median, qGo?.medianNsPerKey],
])
  rows.push([
    `queue overhead per reconcile (${label}), no-op reconciler, ${queueWhat}`,
    us(ours),
    qo === undefined
      ? '—'
      : qGo === undefined
        ? `client-go: ${qo.clientGo.skipped}`
        : `client-go workqueue ${us(peer)}`,
    per(ours, peer),
    '≤ 10 µs',
    verdict(ours, ours <= 10_000),
  ]);
rows.push([
  'same, with metrics on an OpenTelemetry SDK MeterProvider (CPU)',
  us(qo?.cpuNsPerKey.oursWithMetrics.median),
  `wall ${us(qo?.nsPerKey.oursWithMetrics.median)}`,
  '—',
  '— (reported)',
  reported(qo),
]);
const qf = results.queue?.flood;
rows.push([
  qf === undefined
    ? 'one-key cluster served during a flood of another cluster'
    : `a one-key cluster's wait during a ${fmt(qf.flood)}-key flood of another cluster (${qf.workers} workers, ${qf.workMs} ms reconciles, ${qf.probes} probes), max`,
  qf === undefined ? '—' : `${qf.ours.waitMs.max.toFixed(1)} ms`,
  qf === undefined
    ? '—'
    : `plain FIFO ${fmt(qf.plainFifo.waitMs.max)} ms${qf.clientGo.waitMs === undefined ? '' : `, client-go workqueue ${fmt(qf.clientGo.waitMs.max)} ms`}`,
  '—',
  '≤ 1 s',
  verdict(qf, qf?.ours.waitMs.max <= 1000),
]);
const lat = results.latency?.find((l) => l.exports === 1000);
rows.push([
  'p99 propagation, 1,000 watched exports',
  lat === undefined ? '—' : `${lat.ms.p99} ms`,
  lat === undefined ? '—' : `p50 ${lat.ms.p50} ms, max ${lat.ms.max} ms`,
  '—',
  '< 5 ms',
  verdict(lat, lat?.ms.p99 < 5),
]);

const md = [];
const m = results.machine;
md.push(
  `Run ${results.date} on ${m.cpus} × ${m.model}, ${m.memoryGb} GB, Node ${m.node}, ${m.os}${smoke ? ' (smoke run: not figures)' : quick ? ' (quick mode)' : ''}; ${results.elapsedS} s.`,
  '',
  '## Targets',
  '',
  '| figure | ours | peer (same run) | ours / peer | target | verdict |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
  '',
);
if (c !== undefined)
  md.push(
    `Environment: ${Object.entries(c.environment)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}.`,
    '',
  );

const DECODE_COLUMNS = [
  ['ours', 'reflector'],
  ['oursRaw', 'raw watch'],
  ['clientNode', 'client-node Watch'],
  ['listWatch', 'client-node ListWatch'],
  ['baseline', 'split+JSON.parse'],
  ['memDecoder', 'decoder in memory'],
  ['memBaseline', 'split+JSON.parse in memory'],
];
for (const [key, d] of Object.entries(results.decode ?? {})) {
  const live = d.mode === 'live';
  md.push(
    `## 1. Watch decoding, ${d.objects} objects, ${d.mode} mode (${fmt(d.events)} events per stream, median of ${d.rounds} rounds; ${d.metric}${live ? `; one event every ${d.intervalUs} µs, ${d.serverStalls} server stalls` : ''})`,
    '',
    `| stream | ${DECODE_COLUMNS.map((col) => col[1]).join(' | ')} |`,
    `|---|${DECODE_COLUMNS.map(() => '---').join('|')}|`,
  );
  for (const [plural, s] of Object.entries(d.streams))
    md.push(
      `| ${plural} (${s.bytesPerEvent} B/event, ${s.eventsPerChunk} per chunk, list of ${s.listItems}) | ${DECODE_COLUMNS.map(
        ([k]) => `${fmt(s.rate[k])} ±${s.spreadPct[k]}%`,
      ).join(' | ')} |`,
    );
  md.push(
    '',
    `| ratio (${key}) | ${Object.keys(d.streams).join(' | ')} |`,
    `|---|${Object.keys(d.streams)
      .map(() => '---')
      .join('|')}|`,
  );
  const names = Object.keys(Object.values(d.ratios)[0]);
  for (const n of names)
    md.push(
      `| ${n} | ${Object.values(d.ratios)
        .map((r) => x(r[n]))
        .join(' | ')} |`,
    );
  for (const n of Object.keys(Object.values(d.cpuRatios ?? {})[0] ?? {}))
    md.push(
      `| ${n} per CPU-second | ${Object.values(d.cpuRatios)
        .map((r) => x(r[n]))
        .join(' | ')} |`,
    );
  md.push('');
}
if (results.latency) {
  md.push(
    '## 2. Propagation latency (simulator write → subscriber emission)',
    '',
    '| watched exports | samples | p50 ms | p90 ms | p99 ms | max ms |',
    '|---|---|---|---|---|---|',
  );
  for (const l of results.latency)
    md.push(`| ${fmt(l.exports)} | ${l.samples} | ${l.ms.p50} | ${l.ms.p90} | ${l.ms.p99} | ${l.ms.max} |`);
  md.push('');
}
if (results.scale) {
  md.push(
    '## 3. Scale (one workspace, every export watched)',
    '',
    '| objects | exports | watch connections | TCP connections | first emission for all (ms) | first phases | heap growth MB | RSS growth MB |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const s of results.scale)
    md.push(
      `| ${s.objects} | ${fmt(s.exports)} | ${s.watchConnections} | ${s.tcpConnections} | ${s.firstEmissionAllMs} | ${Object.entries(
        s.firstPhases,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} | ${s.heapGrowthMb} | ${s.rssGrowthMb} |`,
    );
  md.push('');
}
if (c !== undefined) {
  md.push(
    `## 4. CLI cold start (${c.runs} alternating runs; kubectl ${c.kubectl}${c.kubectlDirect ? `, binary ${c.kubectlDirect}` : ''}; ${c.instructionsNote})`,
    '',
    '| environment | command | median ms | min | max | M instructions |',
    '|---|---|---|---|---|---|',
  );
  for (const [key, v] of Object.entries(c.ms)) {
    const [env, name] = key.split('|');
    md.push(`| ${env} | ${name} | ${v.median} | ${v.min} | ${v.max} | ${c.instructionsM?.[key] ?? '—'} |`);
  }
  md.push('');
  for (const [k, v] of Object.entries(c.ratios)) md.push(`- ${k.replace('|', ': ')}: ${x(v)}`);
  md.push('');
}
if (size !== undefined)
  md.push(
    '## 5. Package size (`npm pack --dry-run`)',
    '',
    `${fmt(size.unpacked)} B unpacked in ${size.files} files (source maps ${fmt(size.maps)} B, type declarations ${fmt(size.types)} B, dist/cli.js ${fmt(size.cli)} B); tarball ${fmt(size.tarball)} B.`,
    '',
  );
if (consumersRuns.length > 0) {
  const cr0 = consumersRuns[0];
  md.push(
    `## 6. Consumers: \`exported()\` over two shards (${cr0.consumers} consumer workspaces, ${JSON.stringify(cr0.consumersPerShard)}; ${cr0.managedFieldsEntries} managedFields entries per object; ${cr0.objectsWithSharedName} objects named ${cr0.sharedName})`,
    '',
    `${consumersRuns[0].peerNote}.`,
    '',
    '| cowboys | B/object | ours: heap growth | ours MB/1,000 | client-node: heap growth | client-node MB/1,000 | client-node holds (lost) | ours / client-node | ours, extra subscription, MB/1,000 |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  for (const cr of consumersRuns) {
    const h = cr.heap;
    if (h === undefined) continue;
    const range = (s) => `${s.median} (${s.min}–${s.max})`;
    md.push(
      `| ${fmt(cr.objects)} | ${fmt(cr.objectBytes.median)} | ${range(h.ours.heapGrowthMb)} MB | ${range(h.ours.mbPerThousand)} | ${range(h.clientNode.heapGrowthMb)} MB | ${range(h.clientNode.mbPerThousand)} | ${fmt(h.clientNode.held)} (${fmt(h.clientNode.lost)}) | ${x(h.ratio)} | ${h.oursSubscriptions?.perExtraSubscriptionMbPerThousand ?? '—'} |`,
    );
  }
  md.push(
    '',
    '| cowboys | S | endpoint | TCP connections | open watches | watch / list requests to sync | during reads: watch / list requests | after close: connections |',
    '|---|---|---|---|---|---|---|---|',
  );
  const watchesText = (w) =>
    Object.entries(w)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  for (const cr of conn)
    for (const c of cr.connections)
      for (const [name, e] of Object.entries(c.endpoints))
        md.push(
          `| ${fmt(cr.objects)} | ${c.subscribers} | ${name} | ${e.connections} | ${watchesText(e.openWatches)} | ${e.watchRequests} / ${e.listRequests} | ${e.duringReads.watchRequests} / ${e.duringReads.listRequests} | ${e.afterClose.connections} |`,
        );
  md.push('');
}
if (results.queue !== undefined) {
  const { overhead: o, flood: fl } = results.queue;
  md.push('## 7. Work queue', '');
  if (o !== undefined) {
    md.push(
      `Overhead per reconcile: ${fmt(o.objects)} keys over ${o.clusters} clusters, ${o.workers} workers, no-op reconciler, median of ${o.rounds} rounds (ns per key).`,
      '',
      '| queue | wall | CPU |',
      '|---|---|---|',
      `| ours | ${fmt(o.nsPerKey.ours.median)} | ${fmt(o.cpuNsPerKey.ours.median)} |`,
      `| ours, metrics on an SDK MeterProvider | ${fmt(o.nsPerKey.oursWithMetrics.median)} | ${fmt(o.cpuNsPerKey.oursWithMetrics.median)} |`,
      o.clientGo.skipped === undefined
        ? `| client-go workqueue (${o.clientGo.go}) | ${fmt(o.clientGo.medianNsPerKey)} | ${fmt(o.clientGo.medianCpuNsPerKey)} |`
        : `| client-go workqueue | ${o.clientGo.skipped} | |`,
      '',
    );
  }
  if (fl !== undefined) {
    md.push(
      `Fairness: ${fmt(fl.flood)} keys of one cluster queued, ${fl.probes} probe keys of other clusters added one every ${fl.intervalMs} ms, ${fl.workers} workers, ${fl.workMs} ms reconciles; a probe's wait from add to reconcile start (ms).`,
      '',
      '| queue | p50 | p99 | max |',
      '|---|---|---|---|',
    );
    for (const [name, r] of [
      ['ours (round-robin across clusters)', fl.ours],
      ['plain FIFO (same semantics, no clusters)', fl.plainFifo],
      ['client-go workqueue', fl.clientGo],
    ])
      md.push(
        r.waitMs === undefined
          ? `| ${name} | ${r.skipped} | | |`
          : `| ${name} | ${fmt(r.waitMs.p50, 1)} | ${fmt(r.waitMs.p99, 1)} | ${fmt(r.waitMs.max, 1)} |`,
      );
    md.push('');
  }
}
mkdirSync(here('./results'), { recursive: true });
writeFileSync(here('./results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(here('./results/latest.md'), `${md.join('\n')}\n`);
console.error(`\n${md.join('\n')}\nwritten to bench/results/latest.{json,md}`);
