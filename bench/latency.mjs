// Benchmark 2: propagation latency, simulator write → subscriber emission, with K watched exports in one
// client process (the simulator runs in a child process; both read the same monotonic clock). Each sample binds
// (→ Ready) or unbinds (→ AwaitingBinding) a consumer to a random watched export and times the emission of
// that export's subscriber. `node latency.mjs --exports K --samples S`; prints JSON on the last line.
import { createClient } from '../dist/index.js';
import { startRemoteSimulator } from './lib/sim-remote.mjs';
import { flags, latency, machine, round, sleep } from './lib/stats.mjs';

const f = flags();
const K = Number(f.exports ?? 100);
const SAMPLES = Number(f.samples ?? 200);
const PROVIDER = 'root:org:provider';
const sim = await startRemoteSimulator();
await sim.call('createWorkspace', PROVIDER);
await sim.call('createWorkspace', 'root:org:consumer');
await sim.call('createExports', PROVIDER, K);
const client = createClient({
  server: `${sim.url}/clusters/root`,
  token: sim.token,
  kubeconfig: { apiVersion: 'v1', kind: 'Config' },
  logger: { warn() {}, error() {} },
});
const provider = client.workspace(PROVIDER);
const waiters = new Map(); // export index → resolve(hrtime)
let firsts = 0;
const subs = Array.from({ length: K }, (_, i) => {
  let first = true;
  return provider.watchEndpoints(`export-${i}`).subscribe((c) => {
    const t = process.hrtime.bigint();
    if (first) {
      first = false;
      firsts += 1;
      return;
    }
    const w = waiters.get(i);
    if (w !== undefined && w.phase === c.phase) {
      waiters.delete(i);
      w.resolve(t);
    }
  });
});
while (firsts < K) await sleep(5);
await sleep(200);

let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const bound = new Set();
const samples = [];
for (let s = 0; s < SAMPLES + 10; s++) {
  const i = Math.floor(rand() * K);
  const isBound = bound.has(i);
  const phase = isBound ? 'AwaitingBinding' : 'Ready';
  const emitted = new Promise((resolve) => waiters.set(i, { phase, resolve }));
  const { t0 } = isBound
    ? await sim.call('unbind', 'root:org:consumer', `export-${i}`)
    : await sim.call('bind', 'root:org:consumer', `${PROVIDER}:export-${i}`);
  if (isBound) bound.delete(i);
  else bound.add(i);
  const t1 = await Promise.race([emitted, sleep(5_000).then(() => undefined)]);
  if (t1 === undefined) throw new Error(`no ${phase} emission for export-${i} within 5 s`);
  if (s >= 10) samples.push(Number(t1 - t0) / 1e6); // first 10 are warm-up
  await sleep(2);
}
for (const s of subs) s.unsubscribe();
client.close();
await sim.close();
const l = latency(samples);
const result = {
  machine: machine(),
  exports: K,
  samples: l.n,
  ms: { p50: round(l.p50, 3), p90: round(l.p90, 3), p99: round(l.p99, 3), max: round(l.max, 3) },
};
console.error(
  `latency with ${K} watched exports: p50 ${result.ms.p50} ms, p99 ${result.ms.p99} ms, max ${result.ms.max} ms (${l.n} samples)`,
);
console.log(JSON.stringify(result));
