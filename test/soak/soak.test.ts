import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsumerEvent } from '../../src/consumers/types.js';
import type { EndpointChange } from '../../src/endpoints/types.js';
import { startKcpSimulator, type KcpSimulator, type SimulatorClock } from '../../src/testing/index.js';
import {
  consumerDiff,
  consumerStreamInvariants,
  consumerTruth,
  ConsumerSubscriber,
  type ConsumerWatched,
  type Engage,
} from '../../scripts/soak/consumers.js';
import { CONSUMER_SUBSCRIBERS, planConsumers, reproduction, runSeed } from '../../scripts/soak/engine.js';
import { streamInvariants, type Watched } from '../../scripts/soak/invariants.js';
import { Subscriber } from '../../scripts/soak/observe.js';
import { rng } from '../../scripts/soak/rng.js';
import { buildWorld, planSchedule, shardVirtualWorkspaceUrl } from '../../scripts/soak/world.js';

const SEEDS = Array.from({ length: 25 }, (_, i) => i + 1);
const DURATION_MS = 600;

describe('reliability soak (short, deterministic schedule per seed)', () => {
  it.each(SEEDS)(
    'seed %i: every endpoint and consumer subscriber converges to the truth, without duplicates, early emissions, bad consumer event sequences or leaks',
    async (seed) => {
      const result = await runSeed({ seed, durationMs: DURATION_MS });
      const repro = `seed ${seed} failed; reproduce with: ${reproduction(seed, DURATION_MS)}`;
      if (!result.ok) console.error(`${repro}\n  ${result.failures.join('\n  ')}`);
      expect(result.failures, repro).toEqual([]);
      expect(result.faults, 'faults struck').toBeGreaterThan(0);
      if (result.exec) expect(result.execRuns, 'exec plugin ran').toBeGreaterThan(0);
      expect(result.consumerSubscribers, 'consumer subscribers ran').toBe(CONSUMER_SUBSCRIBERS);
      expect(result.consumerEvents, 'consumers came and went').toBeGreaterThan(0);
    },
  );
});

const change = (phase: EndpointChange['phase'], urls: string[] = []): EndpointChange =>
  ({ phase, urls, source: 'none', reason: 'NoBindingYet', message: 'm' }) as EndpointChange;

function watched(changes: EndpointChange[], listedAt: Map<string, number>): Watched {
  const s = new Subject<EndpointChange>();
  const sub = new Subscriber('X root:org:p1:e0', s);
  for (const c of changes) s.next(c);
  return { sub, family: 'X', listedAt, ref: 'root:org:p1:e0', path: 'root:org:p1', options: {} };
}

const LISTED = new Map([
  ['root:org:p1|apiexportendpointslices', 0],
  ['root:org:p1|apiexports', 0],
]);

describe('soak invariants', () => {
  it('plans the same schedule for the same seed and a different one for another seed', () => {
    expect(planSchedule(rng(7), 500)).toEqual(planSchedule(rng(7), 500));
    expect(planSchedule(rng(7), 500)).not.toEqual(planSchedule(rng(8), 500));
  });

  it('accepts a clean history', () => {
    expect(streamInvariants(watched([change('AwaitingBinding'), change('Ready', ['u'])], LISTED))).toEqual(
      [],
    );
  });

  it('flags two consecutive identical emissions', () => {
    const w = watched([change('Ready', ['u']), change('Ready', ['u'])], LISTED);
    expect(streamInvariants(w).join()).toMatch(/identical/);
  });

  it('flags an emission before the initial lists', () => {
    const w = watched([change('SliceMissing')], new Map([['root:org:p1|apiexports', 0]]));
    expect(streamInvariants(w).join()).toMatch(/before the initial list of apiexportendpointslices/);
  });

  it('flags a Forbidden emission and a stream that errored', () => {
    const s = new Subject<EndpointChange>();
    const w = watched([], LISTED);
    const sub = new Subscriber('Y', s);
    s.next(change('Forbidden'));
    s.error(new Error('boom'));
    const failures = streamInvariants({ ...w, sub });
    expect(failures.join()).toMatch(/Forbidden/);
    expect(failures.join()).toMatch(/errored/);
  });

  it('prints a one-line reproduction command', () => {
    expect(reproduction(42, 600)).toBe('npm run soak -- --seed 42 --duration 0.6');
  });
});

const A = 'http://127.0.0.1:1/services/apiexport/c1/e0';
const B = 'http://127.0.0.1:1/shards/s1/services/apiexport/c1/e0';

function consumerEvent(
  type: 'engaged' | 'updated' | 'disengaged',
  endpoint: string,
  cluster: string,
  binding: { name?: string; phase?: string; ready?: boolean } = {},
  reason?: 'BindingDeleted' | 'BindingNotReady' | 'EndpointRemoved',
): ConsumerEvent {
  const state = {
    endpoint,
    cluster,
    url: `${endpoint}/clusters/${cluster}`,
    binding: {
      name: binding.name ?? 'p1-e0',
      phase: binding.phase ?? 'Bound',
      ready: binding.ready ?? true,
      conditions: [],
    },
  };
  return type === 'disengaged' ? { ...state, type, reason: reason ?? 'BindingDeleted' } : { ...state, type };
}

function urlsChange(urls: string[]): EndpointChange {
  return { ...change(urls.length > 0 ? 'Ready' : 'AwaitingBinding', urls) };
}

/** A consumer subscriber fed by hand, with its shadow endpoint stream. */
function consumerWatched(engage: Engage = 'ready') {
  const events = new Subject<ConsumerEvent>();
  const endpoints = new Subject<EndpointChange>();
  const w: ConsumerWatched = {
    sub: new ConsumerSubscriber('X root:org:p1:e0 consumers', engage, events),
    shadow: new Subscriber('X root:org:p1:e0 (endpoints)', endpoints),
    family: 'X',
    ref: 'root:org:p1:e0',
    export: { path: 'root:org:p1', name: 'e0' },
    options: { engage },
    stoppedEarly: false,
  };
  return { w, events, endpoints };
}

const nextTurn = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('soak consumer invariants', () => {
  it('plans the same consumer subscribers for the same seed, with both engage modes', () => {
    expect(planConsumers(7, 1_000)).toEqual(planConsumers(7, 1_000));
    const plans = Array.from({ length: 20 }, (_, i) => planConsumers(i + 1, 1_000)).flat();
    expect(new Set(plans.map((p) => p.engage))).toEqual(new Set(['ready', 'any']));
    expect(plans.some((p) => p.startMs !== undefined)).toBe(true);
    expect(plans.some((p) => p.stopMs !== undefined)).toBe(true);
    for (const p of plans)
      if (p.stopMs !== undefined) expect(p.stopMs).toBeGreaterThanOrEqual(p.startMs ?? 0);
  });

  it('replays a clean history into the engaged consumers and finds nothing wrong', () => {
    const { w, events, endpoints } = consumerWatched('any');
    endpoints.next(urlsChange([A, B]));
    events.next(consumerEvent('engaged', A, 'c1', { phase: 'Binding', ready: false }));
    events.next(consumerEvent('updated', A, 'c1'));
    events.next(consumerEvent('engaged', B, 'c2'));
    events.next(consumerEvent('engaged', B, 'c3'));
    events.next(consumerEvent('disengaged', B, 'c3'));
    expect(consumerStreamInvariants(w)).toEqual([]);
    expect(w.sub.summary()).toEqual(
      new Map([
        [A, new Map([['c1', 'p1-e0 (Bound, ready)']])],
        [B, new Map([['c2', 'p1-e0 (Bound, ready)']])],
      ]),
    );
    expect(w.sub.engagedCount).toBe(2);
  });

  it('flags updated and disengaged events of a consumer that is not engaged', () => {
    const { w, events } = consumerWatched();
    events.next(consumerEvent('updated', A, 'c1'));
    events.next(consumerEvent('disengaged', A, 'c2'));
    const failures = consumerStreamInvariants(w).join('\n');
    expect(failures).toMatch(/event 0 \(updated c1 .*\): updated a consumer that is not engaged/);
    expect(failures).toMatch(
      /event 1 \(disengaged BindingDeleted c2 .*\): disengaged a consumer that is not engaged/,
    );
  });

  it('flags a consumer engaged twice without a disengaged between', () => {
    const { w, events } = consumerWatched();
    events.next(consumerEvent('engaged', A, 'c1'));
    events.next(consumerEvent('engaged', A, 'c1', { name: 'p1-e0-b' }));
    expect(consumerStreamInvariants(w).join()).toMatch(
      /event 1 .*engaged twice without a disengaged between/,
    );
  });

  it('flags a binding that is not ready engaging with engage ready, and BindingNotReady with engage any', () => {
    const ready = consumerWatched('ready');
    ready.events.next(consumerEvent('engaged', A, 'c1', { phase: 'Binding', ready: false }));
    expect(consumerStreamInvariants(ready.w).join()).toMatch(/not ready engages with engage 'ready'/);
    const any = consumerWatched('any');
    any.events.next(consumerEvent('engaged', A, 'c1'));
    any.events.next(consumerEvent('disengaged', A, 'c1', {}, 'BindingNotReady'));
    expect(consumerStreamInvariants(any.w).join()).toMatch(/BindingNotReady with engage 'any'/);
  });

  it('flags an event whose url is not its endpoint and cluster', () => {
    const { w, events } = consumerWatched();
    events.next({ ...consumerEvent('engaged', A, 'c1'), url: `${B}/clusters/c1` });
    expect(consumerStreamInvariants(w).join()).toMatch(
      /has url .*\/shards\/s1\/.*, not .*\/apiexport\/c1\/e0\/clusters\/c1/,
    );
  });

  it('flags an event that arrives after unsubscribe, an error and a completion', () => {
    const { w, events } = consumerWatched();
    events.next(consumerEvent('engaged', A, 'c1'));
    w.sub.stop();
    w.sub.record(consumerEvent('disengaged', A, 'c1'));
    expect(consumerStreamInvariants(w).join()).toMatch(/event 1 .* arrived after unsubscribe/);
    const errored = consumerWatched();
    errored.events.error(new Error('boom'));
    expect(consumerStreamInvariants(errored.w).join()).toMatch(/errored: boom/);
    const completed = consumerWatched();
    completed.events.complete();
    expect(consumerStreamInvariants(completed.w).join()).toMatch(/the stream completed/);
  });

  it('accepts EndpointRemoved runs that follow removals of the URL from the export, one removal each', async () => {
    const { w, events, endpoints } = consumerWatched();
    endpoints.next(urlsChange([A, B]));
    events.next(consumerEvent('engaged', A, 'c1'));
    events.next(consumerEvent('engaged', A, 'c2'));
    await nextTurn();
    endpoints.next(urlsChange([B]));
    events.next(consumerEvent('disengaged', A, 'c1', {}, 'EndpointRemoved'));
    events.next(consumerEvent('disengaged', A, 'c2', {}, 'EndpointRemoved'));
    await nextTurn();
    endpoints.next(urlsChange([A, B]));
    events.next(consumerEvent('engaged', A, 'c1'));
    await nextTurn();
    // the consumer stream may hear of the removal first, in the same synchronous run
    events.next(consumerEvent('disengaged', A, 'c1', {}, 'EndpointRemoved'));
    endpoints.next(urlsChange([B]));
    expect(consumerStreamInvariants(w)).toEqual([]);
  });

  it('flags EndpointRemoved for an endpoint the export still lists, and a second run after one removal', async () => {
    const { w, events, endpoints } = consumerWatched();
    endpoints.next(urlsChange([A]));
    events.next(consumerEvent('engaged', A, 'c1'));
    events.next(consumerEvent('disengaged', A, 'c1', {}, 'EndpointRemoved'));
    expect(consumerStreamInvariants(w).join()).toMatch(
      /event 1 \(disengaged EndpointRemoved c1 .*\) but the export's URLs had not dropped .* \(0 removal\(s\) of it seen, 0 already matched\)/,
    );
    const twice = consumerWatched();
    twice.endpoints.next(urlsChange([A]));
    twice.events.next(consumerEvent('engaged', A, 'c1'));
    await nextTurn();
    twice.endpoints.next(urlsChange([]));
    twice.events.next(consumerEvent('disengaged', A, 'c1', {}, 'EndpointRemoved'));
    twice.events.next(consumerEvent('engaged', A, 'c1'));
    twice.events.next(consumerEvent('disengaged', A, 'c1', {}, 'EndpointRemoved'));
    expect(consumerStreamInvariants(twice.w).join()).toMatch(
      /event 3 .*\(1 removal\(s\) of it seen, 1 already matched\)/,
    );
  });

  it('flags an EndpointRemoved run that comes a turn before the URL is dropped', async () => {
    const { w, events, endpoints } = consumerWatched();
    endpoints.next(urlsChange([A]));
    events.next(consumerEvent('engaged', A, 'c1'));
    await nextTurn();
    events.next(consumerEvent('disengaged', A, 'c1', {}, 'EndpointRemoved'));
    await nextTurn();
    endpoints.next(urlsChange([]));
    expect(consumerStreamInvariants(w).join()).toMatch(/had not dropped/);
  });

  it('names every differing entry of two consumer maps', () => {
    const got = new Map([
      [
        A,
        new Map([
          ['c1', 'p1-e0 (Bound, ready)'],
          ['c2', 'p1-e0 (Binding, not ready)'],
        ]),
      ],
    ]);
    const want = new Map([
      [A, new Map([['c2', 'p1-e0 (Bound, ready)']])],
      [B, new Map([['c3', 'p1-e0-b (Bound, ready)']])],
    ]);
    expect(consumerDiff(got, want)).toEqual([
      `${A} c1: got p1-e0 (Bound, ready), want not engaged`,
      `${A} c2: got p1-e0 (Binding, not ready), want p1-e0 (Bound, ready)`,
      `${B} c3: got not engaged, want p1-e0-b (Bound, ready)`,
    ]);
    expect(consumerDiff(want, want)).toEqual([]);
  });
});

/** A clock that moves only when told: binding phases wait until {@link ManualClock.flush}. */
class ManualClock implements SimulatorClock {
  private t = Date.parse('2024-06-01T00:00:00Z');
  private timers = new Map<number, { at: number; fn: () => void }>();
  private nextId = 1;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Runs every timer, and those they start, in time order. */
  flush(): void {
    for (;;) {
      const next = [...this.timers].sort((a, b) => a[1].at - b[1].at)[0];
      if (next === undefined) return;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
  }
}

describe('soak consumer truth (the simulator model)', () => {
  let sim: KcpSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('lists, behind each URL, the clusters of its shard whose bindings to the export engage, by first binding name', async () => {
    const clock = new ManualClock();
    const s = (sim = await startKcpSimulator({ seed: 'truth', clock, delays: { bindingPhaseMs: 1 } }));
    buildWorld(s);
    const cluster = (path: string): string => s.workspace(path)?.cluster ?? path;
    s.bind('root:org:c-root-0', 'root:org:p1:e0', { name: 'p1-e0-b' });
    s.bind('root:org:c-root-0', 'root:org:p1:e0', { name: 'p1-e0' });
    s.bind('root:org:c-s1-0', 'root:org:p1:e0', { name: 'p1-e0-b' });
    s.bind('root:org:c-s1-1', 'root:org:p1:e1', { name: 'p1-e1' });
    clock.flush();
    s.bind('root:org:c-s2-0', 'root:org:p1:e0', { name: 'p1-e0' });
    const urls = s.endpoints('root:org:p1', 'e0');
    const [root, s1, s2] = ['root', 's1', 's2'].map((shard) =>
      urls.find((u) => u.startsWith(`${shardVirtualWorkspaceUrl(s, shard)}/services/`)),
    );
    expect([root, s1, s2].every((u) => u !== undefined)).toBe(true);
    const elsewhere = 'https://elsewhere.kcp.test/services/apiexport/x/e0';
    const e0 = { path: 'root:org:p1', name: 'e0' };
    expect(consumerTruth(s, e0, [...urls, elsewhere], 'ready')).toEqual(
      new Map([
        [root, new Map([[cluster('root:org:c-root-0'), 'p1-e0 (Bound, ready)']])],
        [s1, new Map([[cluster('root:org:c-s1-0'), 'p1-e0-b (Bound, ready)']])],
      ]),
    );
    expect(consumerTruth(s, e0, urls, 'any').get(s2!)).toEqual(
      new Map([[cluster('root:org:c-s2-0'), 'p1-e0 (no phase, not ready)']]),
    );
    expect(consumerTruth(s, e0, [s1!], 'any')).toEqual(
      new Map([[s1, new Map([[cluster('root:org:c-s1-0'), 'p1-e0-b (Bound, ready)']])]]),
    );
  });
});
