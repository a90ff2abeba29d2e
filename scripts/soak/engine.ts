import { createClient } from '../../src/client.js';
import type { KcpClient } from '../../src/client-types.js';
import type { ResolveOptions } from '../../src/endpoints/types.js';
import { silentLogger } from '../../src/logger.js';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';
import type { WatchTuning } from '../../src/watch/tuning.js';
import { ConsumerSubscriber, type ConsumerWatched, type Engage } from './consumers.js';
import { rotateTokens, type TokenRotation } from './exec.js';
import { activeHandles, instrumentedHttp, Subscriber } from './observe.js';
import { int, pick, rng } from './rng.js';
import { checkInvariants, type Watched } from './invariants.js';
import { ALL_EXPORTS, applyOp, buildWorld, exportKey, planSchedule, type ExportId } from './world.js';

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
  /** `watchConsumers` subscribers of the seed (some start late or stop early, see {@link planConsumers}). */
  consumerSubscribers: number;
  /** Events of every consumer subscriber. */
  consumerEvents: number;
  /** Consumers engaged at the end, summed over the subscribers compared with the model. */
  consumersEngaged: number;
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

/** One `watchConsumers` subscriber of a seed. */
export interface ConsumerPlan {
  family: 'A' | 'B';
  export: ExportId;
  engage: Engage;
  /** Subscribes this long after the churn started; `undefined`: before it starts. */
  startMs: number | undefined;
  /** Unsubscribes this long after the churn started; `undefined`: at the end, after the invariants. */
  stopMs: number | undefined;
}

/** Number of `watchConsumers` subscribers per seed. */
export const CONSUMER_SUBSCRIBERS = 5;

/**
 * The `watchConsumers` subscribers of a seed (their own PRNG, so the schedule of churn does not depend on
 * them): {@link CONSUMER_SUBSCRIBERS} of them on random exports and client families, the first with
 * `engage: 'ready'`, the second with `'any'`, the others either; about one in three subscribes during the
 * churn's first half and one in five unsubscribes before it ends.
 */
export function planConsumers(seed: number, durationMs: number): ConsumerPlan[] {
  const r = rng(seed ^ 0xc0de);
  return Array.from({ length: CONSUMER_SUBSCRIBERS }, (_, i) => {
    const engage: Engage = i === 0 ? 'ready' : i === 1 ? 'any' : pick(r, ['ready', 'any'] as const);
    const family = pick(r, ['A', 'B'] as const);
    const exp = pick(r, ALL_EXPORTS);
    const startMs = r() < 0.35 ? int(r, 0, Math.floor(durationMs / 2)) : undefined;
    const stopMs = r() < 0.2 ? int(r, startMs ?? 0, durationMs) : undefined;
    return { family, export: exp, engage, startMs, stopMs };
  });
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
 * Runs one seed: a simulator with 3 shards (each serving its virtual workspace), 6 exports in 2 provider
 * workspaces and 6 consumer workspaces, with the seed's binding-phase, finalizer and virtual-workspace
 * serving delays; 8 `watchEndpoints` and {@link CONSUMER_SUBSCRIBERS} `watchConsumers` subscribers on two
 * client families (one on short-lived exec tokens when enabled); the seed's schedule of churn and faults,
 * consumer subscribers coming and going during it; then faults stop and every invariant is checked.
 */
export async function runSeed(options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const { seed } = options;
  const durationMs = options.durationMs ?? 1_000;
  const exec = options.exec ?? seed % 3 === 0;
  const r = rng(seed);
  const steps = planSchedule(r, durationMs);
  const plans = planConsumers(seed, durationMs);
  const timing = rng(seed ^ 0xde1a);
  const sim = await startKcpSimulator({
    seed: `soak-${seed}`,
    retainedEvents: 150,
    bookmarkIntervalMs: 150,
    // bindings are ready a little after they are created and gone a little after they are deleted, and a
    // shard's virtual workspace answers 404 for a while after its URL is first published (as kcp's does)
    delays: { bindingPhaseMs: pick(timing, [0, 5, 30]), finalizerMs: pick(timing, [0, 10, 40]) },
    vwServeDelayMs: pick(timing, [0, 50, 150]),
  });
  const families: Family[] = [];
  const subscribers: Watched[] = [];
  const consumers: ConsumerWatched[] = [];
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
    const watchConsumers = (p: ConsumerPlan): ConsumerWatched => {
      const f = p.family === 'A' ? a : b;
      const ref = exportKey(p.export);
      const when =
        (p.startMs === undefined ? '' : ` from ${p.startMs} ms`) +
        (p.stopMs === undefined ? '' : ` until ${p.stopMs} ms`);
      const label = `${f.name} ${ref} consumers engage=${p.engage}${when}`;
      // the shadow first: it sees each endpoint change just before the consumer stream does
      const shadow = new Subscriber(`${label} (endpoints)`, f.client.watchEndpoints(ref));
      const sub = new ConsumerSubscriber(label, p.engage, f.client.watchConsumers(ref, { engage: p.engage }));
      const w: ConsumerWatched = {
        sub,
        shadow,
        family: f.name,
        ref,
        export: p.export,
        options: { engage: p.engage },
        stoppedEarly: false,
      };
      consumers.push(w);
      return w;
    };
    const actions: Array<{ atMs: number; run: () => void }> = steps.map((step) => ({
      atMs: step.atMs,
      run: () => {
        if (!applyOp(sim, step.op)) skipped += 1;
      },
    }));
    for (const p of plans) {
      let w: ConsumerWatched | undefined;
      const start = (): void => {
        w = watchConsumers(p);
      };
      if (p.startMs === undefined) start();
      else actions.push({ atMs: p.startMs, run: start });
      const { stopMs } = p;
      if (stopMs !== undefined) {
        actions.push({
          atMs: stopMs,
          run: () => {
            if (w === undefined) return;
            w.stoppedEarly = true;
            w.sub.stop();
            w.shadow.stop();
          },
        });
      }
    }
    actions.sort((x, y) => x.atMs - y.atMs);

    const t0 = performance.now();
    for (const action of actions) {
      const wait = t0 + action.atMs - performance.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      action.run();
    }
    sim.faults.clear();
    const stoppedAt = performance.now();
    await sim.waitForIdle();
    const result = await checkInvariants({
      sim,
      subscribers,
      consumers,
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
      consumerSubscribers: consumers.length,
      consumerEvents: consumers.reduce((n, c) => n + c.sub.events.length, 0),
      consumersEngaged: consumers.reduce((n, c) => n + (c.stoppedEarly ? 0 : c.sub.engagedCount), 0),
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
    for (const c of consumers) {
      c.sub.stop();
      c.shadow.stop();
    }
    await Promise.all(families.map((f) => f.client.close()));
    await sim.close();
  }
}
