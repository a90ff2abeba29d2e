// The work-queue benchmark of the controller runtime (src/controller/queue.ts, from the bundled internals),
// with its peer in the same run: client-go's rate-limited workqueue, driven the same way by a small Go program
// (bench/workqueue-go, built from the Go module proxy; skipped with one line where `go` is missing).
//
// 1. Overhead per reconcile: N keys over C clusters are added, then W workers take each key, run a no-op
//    reconcile, forget and done it (the controller's pattern); the time from the first add to the last done,
//    per key: wall time, and CPU time of the process (what the queue costs, whatever else the machine runs),
//    median of R rounds after warm-up rounds. Ours also with metrics on an OpenTelemetry SDK MeterProvider,
//    for what metrics cost.
// 2. Fairness under a flood: F keys of one cluster are queued, W workers reconcile (each reconcile waits
//    `workMs`), and P probe keys of other clusters are added one every `intervalMs`; the time from a probe's
//    add to the start of its reconcile. Ours (round-robin across clusters), a plain FIFO with the same
//    semantics but no clusters (below), and client-go's queue (one FIFO).
//
// `node queue.mjs [--objects 10000 --clusters 100 --workers 4 --rounds 7] [--flood 100000 --flood-workers 10
//  --probes 10 --interval-ms 50 --work-ms 1] [--only overhead|flood] [--no-go]`; prints JSON on the last line.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { loadControllerMetrics, WorkQueue } from './.build/internals.mjs';
import { flags, latency, machine, median, round, sleep } from './lib/stats.mjs';

const run = promisify(execFile);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const f = flags();
const N = Number(f.objects ?? 10_000);
const C = Number(f.clusters ?? 100);
const W = Number(f.workers ?? 4);
const R = Number(f.rounds ?? 7);
const FLOOD = Number(f.flood ?? 100_000);
const FLOOD_WORKERS = Number(f['flood-workers'] ?? 10);
const PROBES = Number(f.probes ?? 10);
const INTERVAL_MS = Number(f['interval-ms'] ?? 50);
const WORK_MS = Number(f['work-ms'] ?? 1);
const only = f.only;

/**
 * client-go's queue semantics (dedupe while queued, one worker per key, re-run after done) on one FIFO: what
 * the queue would be without per-cluster fairness.
 */
class PlainFifo {
  items = [];
  head = 0;
  dirty = new Set();
  processing = new Set();
  waiters = [];
  shut = false;
  id = (k) => `${k.cluster}|${k.namespace}/${k.name}`;
  add(k) {
    const id = this.id(k);
    if (this.shut || this.dirty.has(id)) return;
    this.dirty.add(id);
    if (!this.processing.has(id)) this.push(k);
  }
  push(k) {
    const w = this.waiters.shift();
    if (w === undefined) this.items.push(k);
    else this.take(k, w);
  }
  take(k, resolve) {
    const id = this.id(k);
    this.dirty.delete(id);
    this.processing.add(id);
    resolve(k);
  }
  get() {
    if (this.head < this.items.length) {
      const k = this.items[this.head++];
      return new Promise((resolve) => this.take(k, resolve));
    }
    if (this.shut) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  done(k) {
    const id = this.id(k);
    this.processing.delete(id);
    if (this.dirty.has(id)) this.push(k);
  }
  forget() {}
  shutDown() {
    this.shut = true;
    this.items = [];
    for (const w of this.waiters.splice(0)) w(undefined);
  }
}

class NullReader extends MetricReader {
  onForceFlush = () => Promise.resolve();
  onShutdown = () => Promise.resolve();
}

const noopReconcile = async () => undefined;

const cpuNs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
};

/** One overhead round: wall and CPU ns per key from the first add to the last done. */
async function overheadRound(keys, options) {
  const q = new WorkQueue(options);
  let left = keys.length;
  const c0 = cpuNs();
  const t0 = process.hrtime.bigint();
  for (const k of keys) q.add(k);
  const worker = async () => {
    for (;;) {
      const k = await q.get();
      if (k === undefined) return;
      await noopReconcile(k);
      q.forget(k);
      q.done(k);
      if (--left === 0) q.shutDown();
    }
  };
  await Promise.all(Array.from({ length: W }, worker));
  const wall = Number(process.hrtime.bigint() - t0) / keys.length;
  return { wall, cpu: (cpuNs() - c0) / keys.length };
}

async function overhead() {
  const keys = Array.from({ length: N }, (_, i) => ({
    cluster: `cluster-${i % C}`,
    namespace: 'default',
    name: `object-${i}`,
  }));
  const meterProvider = new MeterProvider({ readers: [new NullReader()] });
  const metrics = await loadControllerMetrics({ controller: 'bench', meterProvider });
  const variants = { ours: {}, oursWithMetrics: { name: 'bench', metrics } };
  const ns = Object.fromEntries(Object.keys(variants).map((v) => [v, []]));
  for (let r = 0; r < 3; r++)
    for (const options of Object.values(variants)) await overheadRound(keys, options); // warm-up (JIT)
  for (let r = 0; r < R; r++)
    for (const [v, options] of Object.entries(variants)) ns[v].push(await overheadRound(keys, options));
  await meterProvider.shutdown();
  const out = { objects: N, clusters: C, workers: W, rounds: R, nsPerKey: {}, cpuNsPerKey: {} };
  for (const [v, xs] of Object.entries(ns)) {
    out.nsPerKey[v] = {
      median: round(median(xs.map((x) => x.wall)), 0),
      runs: xs.map((x) => round(x.wall, 0)),
    };
    out.cpuNsPerKey[v] = {
      median: round(median(xs.map((x) => x.cpu)), 0),
      runs: xs.map((x) => round(x.cpu, 0)),
    };
  }
  return out;
}

/** Fairness: probe keys' wait (ms from add to reconcile start) while one cluster has `FLOOD` keys queued. */
async function flood(q) {
  const added = new Map();
  const waited = [];
  for (let i = 0; i < FLOOD; i++) q.add({ cluster: 'flood', namespace: 'default', name: `object-${i}` });
  let reconciled = 0;
  const worker = async () => {
    for (;;) {
      const k = await q.get();
      if (k === undefined) return;
      const t = added.get(k.name);
      if (t !== undefined) waited.push(performance.now() - t);
      reconciled += 1;
      await sleep(WORK_MS);
      q.forget(k);
      q.done(k);
    }
  };
  const started = performance.now();
  const workers = Array.from({ length: FLOOD_WORKERS }, worker);
  for (let i = 0; i < PROBES; i++) {
    await sleep(INTERVAL_MS);
    added.set(`probe-${i}`, performance.now());
    q.add({ cluster: `probe-cluster-${i}`, namespace: 'probe', name: `probe-${i}` });
  }
  while (waited.length < PROBES) await sleep(5);
  const elapsedMs = performance.now() - started;
  q.shutDown();
  await Promise.all(workers);
  return { waitMs: latency(waited), elapsedMs: round(elapsedMs, 0), reconciled };
}

/** Builds and runs the Go peer; `{ skipped }` without Go. */
async function peer(args) {
  if (f['no-go'] === true) return { skipped: '--no-go' };
  const bin = here('./.build/workqueue-peer');
  try {
    await run('go', ['build', '-o', bin, '.'], {
      cwd: here('./workqueue-go'),
      env: { ...process.env, GOFLAGS: '-mod=readonly' },
    });
  } catch (e) {
    if (e.code === 'ENOENT') return { skipped: 'go is not installed' };
    throw new Error(`building the client-go peer failed: ${e.stderr ?? e.message}`, { cause: e });
  }
  if (!existsSync(bin)) return { skipped: 'the client-go peer did not build' };
  const { stdout } = await run(bin, args, { maxBuffer: 2 ** 20 });
  return JSON.parse(stdout.trim().split('\n').pop());
}

const result = { machine: machine() };
if (only === undefined || only === 'overhead') {
  console.error(`# queue overhead: ${N} keys over ${C} clusters, ${W} workers, ${R} rounds`);
  result.overhead = await overhead();
  const go = await peer([
    '-mode',
    'overhead',
    '-objects',
    String(N),
    '-clusters',
    String(C),
    '-workers',
    String(W),
    '-rounds',
    String(R),
  ]);
  result.overhead.clientGo = go;
  console.error(JSON.stringify(result.overhead));
}
if (only === undefined || only === 'flood') {
  console.error(
    `# fairness: ${FLOOD} keys of one cluster, ${PROBES} probes of other clusters, ${FLOOD_WORKERS} workers, ${WORK_MS} ms reconciles`,
  );
  result.flood = {
    flood: FLOOD,
    probes: PROBES,
    workers: FLOOD_WORKERS,
    workMs: WORK_MS,
    intervalMs: INTERVAL_MS,
  };
  result.flood.ours = await flood(new WorkQueue());
  console.error(`ours: ${JSON.stringify(result.flood.ours)}`);
  result.flood.plainFifo = await flood(new PlainFifo());
  console.error(`plain FIFO: ${JSON.stringify(result.flood.plainFifo)}`);
  const go = await peer([
    '-mode',
    'flood',
    '-flood',
    String(FLOOD),
    '-probes',
    String(PROBES),
    '-workers',
    String(FLOOD_WORKERS),
    '-interval-ms',
    String(INTERVAL_MS),
    '-work-ms',
    String(WORK_MS),
  ]);
  result.flood.clientGo = go.skipped === undefined ? { ...go, waitMs: latency(go.probeWaitMs) } : go;
  console.error(`client-go: ${JSON.stringify(result.flood.clientGo)}`);
}
console.log(JSON.stringify(result));
