import { createClient } from '../../src/client.js';
import type { KcpClient } from '../../src/client-types.js';
import type { ResolveOptions } from '../../src/endpoints/types.js';
import { silentLogger } from '../../src/logger.js';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';
import type { WatchTuning } from '../../src/watch/tuning.js';
import { rotateTokens, type TokenRotation } from './exec.js';
import { activeHandles, instrumentedHttp, Subscriber } from './observe.js';
import { rng } from './rng.js';
import { checkInvariants, type Watched } from './invariants.js';
import { ALL_EXPORTS, applyOp, buildWorld, exportKey, planSchedule } from './world.js';

/** Options of one soak seed. */
export interface SeedOptions {
  /** The seed: fixes the schedule of churn and faults, the watch jitter and the simulator's names. */
  seed: number;
  /** Length of the churn-and-faults phase. @default 1000 */
  durationMs?: number;
  /** Use the exec-plugin client (short-lived tokens). @default every third seed */
  exec?: boolean;
  /** Lifetime bucket of exec tokens (a token lives 1–2 buckets). @default 250 */
  tokenPeriodMs?: number;
}

/** What one seed did and which invariants failed. */
export interface SeedResult {
  seed: number;
  ok: boolean;
  /** One line per violated invariant. */
  failures: string[];
  steps: number;
  skipped: number;
  faults: number;
  emissions: number;
  /** Time from "faults stop" until every subscriber matched the truth (ms). */
  convergeMs: number;
  exec: boolean;
  revokedTokens: number;
  /** Exec plugin runs (0 without exec). */
  execRuns: number;
  elapsedMs: number;
}

/** Watch timings small enough for a sub-second soak: stalls are detected in under a second. */
export function soakTuning(seed: number): WatchTuning {
  const r = rng(seed ^ 0x5eed);
  return {
    backoffInitialMs: 5,
    backoffMaxMs: 40,
    backoffResetMs: 1_000,
    minWatchTimeoutSeconds: 0.3,
    inactivitySlackMs: 300,
    connectTimeoutMs: 1_000,
    veryShortWatchMs: 20,
    random: r,
  };
}

/** The one-line command that re-runs a seed. */
export function reproduction(seed: number, durationMs: number): string {
  return `npm run soak -- --seed ${seed} --duration ${durationMs / 1000}`;
}

interface Family {
  name: string;
  client: KcpClient;
  listedAt: Map<string, number>;
}

function makeFamily(name: string, sim: KcpSimulator, seed: number, rotation?: TokenRotation): Family {
  const { http, listedAt } = instrumentedHttp();
  const auth =
    rotation === undefined
      ? {
          server: `${sim.url}/clusters/root`,
          token: sim.token,
          kubeconfig: { apiVersion: 'v1', kind: 'Config' },
        }
      : { kubeconfig: rotation.kubeconfig };
  const client = createClient({
    ...auth,
    http,
    logger: silentLogger,
    watch: soakTuning(seed),
    requestTimeoutMs: 2_000,
  });
  return { name, client, listedAt };
}

/**
 * Runs one seed: a simulator with 3 shards, 6 exports in 2 provider workspaces and 6 consumer workspaces;
 * 8 `watchEndpoints` subscribers on two client families (one on short-lived exec tokens when enabled);
 * the seed's schedule of churn and faults; then faults stop and every invariant is checked.
 */
export async function runSeed(options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const { seed } = options;
  const durationMs = options.durationMs ?? 1_000;
  const exec = options.exec ?? seed % 3 === 0;
  const r = rng(seed);
  const steps = planSchedule(r, durationMs);
  const sim = await startKcpSimulator({
    seed: `soak-${seed}`,
    retainedEvents: 150,
    bookmarkIntervalMs: 150,
  });
  const families: Family[] = [];
  const subscribers: Watched[] = [];
  let rotation: TokenRotation | undefined;
  let skipped = 0;
  try {
    buildWorld(sim);
    await sim.waitForIdle();
    const baseline = activeHandles();
    const periodMs = options.tokenPeriodMs ?? 250;
    if (exec) rotation = rotateTokens(sim, periodMs, durationMs + 15_000);
    const a = makeFamily('A', sim, seed);
    const b = makeFamily(exec ? 'B(exec)' : 'B', sim, seed + 1, rotation);
    families.push(a, b);
    const watch = (f: Family, e: (typeof ALL_EXPORTS)[number], opts: ResolveOptions = {}): void => {
      const ref = exportKey(e);
      const label = `${f.name} ${ref}${opts.mode === undefined ? '' : ` mode=${opts.mode}`}`;
      subscribers.push({
        sub: new Subscriber(label, f.client.watchEndpoints(ref, opts)),
        family: f.name,
        listedAt: f.listedAt,
        ref,
        path: e.path,
        options: opts,
      });
    };
    for (const e of ALL_EXPORTS) watch(a, e);
    const [first, second] = [ALL_EXPORTS[0]!, ALL_EXPORTS[4]!];
    watch(b, first);
    watch(b, second, { mode: 'endpointSlice' });

    const t0 = performance.now();
    for (const step of steps) {
      const wait = t0 + step.atMs - performance.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      if (!applyOp(sim, step.op)) skipped += 1;
    }
    sim.faults.clear();
    const stoppedAt = performance.now();
    await sim.waitForIdle();
    const result = await checkInvariants({
      sim,
      subscribers,
      stoppedAt,
      baseline,
      stopTokens: () => rotation?.stop(),
    });
    return {
      seed,
      ok: result.failures.length === 0,
      failures: result.failures,
      steps: steps.length,
      skipped,
      faults: sim.faults.history.length,
      emissions: subscribers.reduce((n, s) => n + s.sub.emissions.length, 0),
      convergeMs: result.convergeMs,
      exec,
      revokedTokens: rotation?.revoked ?? 0,
      execRuns: rotation?.runs() ?? 0,
      elapsedMs: Math.round(performance.now() - started),
    };
  } finally {
    rotation?.stop();
    rotation?.cleanup();
    for (const s of subscribers) s.sub.stop();
    await Promise.all(families.map((f) => f.client.close()));
    await sim.close();
  }
}
