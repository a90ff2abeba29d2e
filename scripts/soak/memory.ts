import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createClient } from '../../src/client.js';
import type { EndpointChange } from '../../src/endpoints/types.js';
import { silentLogger } from '../../src/logger.js';
import { int, pick, rng } from './rng.js';
import { CONSUMERS } from './world.js';

/** Result of {@link runMemorySoak}. */
export interface MemoryResult {
  durationS: number;
  /** Heap used after GC, in MB, at each sample (the first one after warm-up is the baseline). */
  samplesMb: number[];
  baselineMb: number;
  finalMb: number;
  maxMb: number;
  growthMb: number;
  /** Least-squares slope of the post-warm-up samples, MB per hour. */
  slopeMbPerHour: number;
  rssMb: number;
  emissions: number;
  writes: number;
}

function forceGc(): () => void {
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}

function slope(ys: number[], dtS: number): number {
  const n = ys.length;
  if (n < 2) return 0;
  const xs = ys.map((_y, i) => i * dtS);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (ys[i]! - my);
    den += (x - mx) ** 2;
  });
  return den === 0 ? 0 : (num / den) * 3600;
}

/**
 * Holds one `watchEndpoints` subscription for `durationS` while bindings churn every 20–80 ms across three
 * shards (and a watch drop every ~5 s), with the simulator in a child process; samples the client
 * process's heap after a forced GC. The first 10 % is warm-up.
 */
export async function runMemorySoak(durationS: number, log: (line: string) => void): Promise<MemoryResult> {
  const gc = forceGc();
  const child = fork(fileURLToPath(new URL('./sim-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 1;
  const pending = new Map<number, (m: { result?: unknown; error?: string }) => void>();
  const ready = new Promise<{ url: string; token: string }>((resolve) => {
    child.on('message', (raw) => {
      const m = raw as { id?: number; ready?: { url: string; token: string }; error?: string };
      if (m.ready !== undefined) resolve(m.ready);
      else if (m.id !== undefined) pending.get(m.id)?.(m);
    });
  });
  const call = (method: string, ...args: unknown[]): Promise<{ error?: string }> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, (m) => {
        pending.delete(id);
        resolve(m);
      });
      child.send({ id, method, args });
    });
  const { url, token } = await ready;
  const client = createClient({
    server: `${url}/clusters/root`,
    token,
    kubeconfig: { apiVersion: 'v1', kind: 'Config' },
    logger: silentLogger,
    watch: { minWatchTimeoutSeconds: 5, backoffInitialMs: 10, backoffMaxMs: 200 },
  });
  let emissions = 0;
  const sub = client.watchEndpoints('root:org:p1:e0').subscribe((_c: EndpointChange) => {
    emissions += 1;
  });
  const r = rng(20240601);
  const bound = new Set<string>();
  let writes = 0;
  const state = { running: true };
  const churn = (async () => {
    let lastDrop = Date.now();
    while (state.running) {
      const consumer = pick(r, CONSUMERS).path;
      if (bound.has(consumer)) await call('unbind', consumer, 'p1-e0');
      else await call('bind', consumer, 'root:org:p1:e0', { name: 'p1-e0' });
      if (bound.has(consumer)) bound.delete(consumer);
      else bound.add(consumer);
      writes += 1;
      if (Date.now() - lastDrop > 5_000) {
        lastDrop = Date.now();
        await call('faults.inject', { kind: 'drop', match: { verb: 'watch' }, afterEvents: 1 });
      }
      await new Promise((res) => setTimeout(res, int(r, 20, 80)));
    }
  })();
  const sampleEveryS = Math.max(1, Math.min(10, durationS / 20));
  const warmupS = durationS / 10;
  const samples: number[] = [];
  const start = Date.now();
  for (let t = sampleEveryS; t <= durationS + 1e-9; t += sampleEveryS) {
    await new Promise((res) => setTimeout(res, start + t * 1000 - Date.now()));
    if (t < warmupS) continue;
    gc();
    const mb = process.memoryUsage().heapUsed / 2 ** 20;
    samples.push(Math.round(mb * 100) / 100);
    log(`t=${Math.round(t)}s heap=${mb.toFixed(2)} MB emissions=${emissions} writes=${writes}`);
  }
  state.running = false;
  await churn;
  sub.unsubscribe();
  await client.close();
  await call('close');
  const baselineMb = samples[0] ?? 0;
  const finalMb = samples.at(-1) ?? 0;
  return {
    durationS,
    samplesMb: samples,
    baselineMb,
    finalMb,
    maxMb: Math.max(...samples),
    growthMb: Math.round((finalMb - baselineMb) * 100) / 100,
    slopeMbPerHour: Math.round(slope(samples, sampleEveryS) * 100) / 100,
    rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
    emissions,
    writes,
  };
}
