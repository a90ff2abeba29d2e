// Runs every benchmark, each in a fresh node process, and writes results/latest.json and results/latest.md.
// Needs the built package (../dist, `npx tsup` at the root) and `npm ci` in bench/. `node run.mjs [--quick]
// [--only decode,latency,scale,cold-start]`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildInternals } from './lib/build.mjs';
import { flags, fmt, machine } from './lib/stats.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const f = flags();
const quick = f.quick === true;
const only = typeof f.only === 'string' ? new Set(f.only.split(',')) : undefined;
const wanted = (name) => only === undefined || only.has(name);

for (const file of ['../dist/index.js', '../dist/testing.js']) {
  if (!existsSync(here(file))) {
    console.error(`missing ${file}: build the package first (npx tsup at the repository root)`);
    process.exit(1);
  }
}
await buildInternals();

function bench(script, args, nodeFlags = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, here(script), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop();
      if (code !== 0 || !last?.startsWith('{'))
        reject(new Error(`${script} ${args.join(' ')} exited with ${code}`));
      else resolve(JSON.parse(last));
    });
  });
}

const started = Date.now();
const results = { date: new Date().toISOString(), machine: machine(), quick };
console.error(
  `machine: ${results.machine.cpus} × ${results.machine.model}, Node ${results.machine.node}, ${results.machine.os}`,
);
if (wanted('decode')) {
  console.error('\n# 1. watch decoding throughput');
  results.decode = await bench('decode.mjs', [
    '--events',
    quick ? '5000' : '20000',
    '--rounds',
    quick ? '3' : '7',
  ]);
  console.error('\n# 1b. watch decoding throughput, objects recorded from real kcp v0.28.0');
  results.decodeKcp = await bench('decode.mjs', [
    '--events',
    quick ? '5000' : '20000',
    '--rounds',
    quick ? '3' : '7',
    '--objects',
    'kcp',
  ]);
}
if (wanted('latency')) {
  console.error('\n# 2. propagation latency');
  results.latency = [];
  for (const k of quick ? [1, 100, 1000] : [1, 100, 1000, 10000]) {
    results.latency.push(
      await bench('latency.mjs', [
        '--exports',
        String(k),
        '--samples',
        quick ? '50' : k >= 10000 ? '100' : '300',
      ]),
    );
  }
}
if (wanted('scale')) {
  console.error('\n# 3. scale');
  results.scale = [];
  for (const k of [1000, 10000]) {
    for (let i = 0; i < (quick ? 1 : 3); i++)
      results.scale.push(await bench('scale.mjs', ['--exports', String(k)], ['--expose-gc']));
  }
}
if (wanted('cold-start')) {
  console.error('\n# 4. CLI cold start');
  if (!existsSync(here('../dist/cli.js'))) results.coldStart = { skipped: 'dist/cli.js missing' };
  else results.coldStart = await bench('cold-start.mjs', ['--runs', quick ? '5' : '15']);
}
results.elapsedS = Math.round((Date.now() - started) / 1000);

// markdown summary
const md = [];
const m = results.machine;
md.push(
  `Run ${results.date} on ${m.cpus} × ${m.model}, ${m.memoryGb} GB, Node ${m.node}, ${m.os}${quick ? ' (quick mode)' : ''}; ${results.elapsedS} s.`,
  '',
);
for (const [d, title] of [
  [results.decode, 'simulator objects'],
  [results.decodeKcp, 'objects recorded from real kcp v0.28.0, with managedFields'],
]) {
  if (d === undefined) continue;
  md.push(
    `## 1. Watch decoding throughput, ${title} (${fmt(d.events)} events per stream, median of ${d.rounds} rounds)`,
    '',
  );
  md.push(
    '| stream | ours (reflector) | ours (raw watch) | client-node Watch | split+JSON.parse | ours/client-node | ours/baseline | in-memory decoder/baseline |',
  );
  md.push('|---|---|---|---|---|---|---|---|');
  for (const [plural, s] of Object.entries(d.streams)) {
    const r = d.ratios[plural];
    const e = s.eventsPerSecond;
    const c = (k) => `${fmt(e[k])} ev/s ±${s.spreadPct[k]}%`;
    md.push(
      `| ${plural} (${s.bytesPerEvent} B/event) | ${c('ours')} | ${c('oursRaw')} | ${c('clientNode')} | ${c('baseline')} | ` +
        `${r.oursVsClientNode.median}× (${r.oursVsClientNode.min}–${r.oursVsClientNode.max}) | ${r.oursVsBaseline.median}× | ${r.memDecoderVsMemBaseline.median}× |`,
    );
  }
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
    '| exports | watch connections | first emission for all (ms) | heap growth MB | RSS growth MB |',
    '|---|---|---|---|---|',
  );
  for (const s of results.scale)
    md.push(
      `| ${fmt(s.exports)} | ${s.watchConnections} | ${s.firstEmissionAllMs} | ${s.heapGrowthMb} | ${s.rssGrowthMb} |`,
    );
  md.push('');
}
if (results.coldStart?.ms) {
  const c = results.coldStart;
  md.push(
    `## 4. CLI cold start (${c.runs} alternating runs, kubectl ${c.kubectl})`,
    '',
    '| command | median ms | min | max |',
    '|---|---|---|---|',
  );
  for (const [k, v] of Object.entries(c.ms))
    md.push(`| ${k} | ${v.median} | ${fmt(v.min, 1)} | ${fmt(v.max, 1)} |`);
  md.push('');
  for (const [k, v] of Object.entries(c.ratios))
    md.push(`- ${k}: median ${v.median}× (${v.min}–${v.max}); > 1 means kcp-endpoints is faster`);
  md.push('');
}
mkdirSync(here('./results'), { recursive: true });
writeFileSync(here('./results/latest.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(here('./results/latest.md'), `${md.join('\n')}\n`);
console.error(`\n${md.join('\n')}\nwritten to bench/results/latest.{json,md}`);
