import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  defaultIdentity,
  JITTER_FACTOR,
  LEADER_ELECTION_DEFAULTS,
  LeaderElector,
  type LeaderElectionOptions,
} from '../../src/controller/leader-election.js';
import { ApiStatusError, isInvalidArgumentError, NetworkError } from '../../src/errors.js';
import { formatMicroTime } from '../../src/kcp/lease.js';
import { delay } from '../../src/timers.js';
import type { LeaseStore } from '../../src/controller/lease-store.js';
import { FakeClock, MemoryLeaseStore, settle, StoreView } from './helpers.js';

const LEASE = 'cowboys-controller';
const quiet = { warn: () => undefined, error: () => undefined };

/** One candidate running on the fake clock, with what its callbacks saw. */
class Candidate {
  readonly elector: LeaderElector;
  readonly events: string[] = [];
  readonly stop = new AbortController();
  /** The signal onStartedLeading received. */
  signal: AbortSignal | undefined;
  done = false;
  finished: Promise<void> | undefined;
  /** Resolves the work onStartedLeading started (a graceful stop waits for it). */
  finishWork: () => void = () => undefined;

  constructor(
    store: LeaseStore,
    clock: FakeClock,
    readonly identity: string,
    extra: Partial<LeaderElectionOptions> = {},
  ) {
    this.elector = new LeaderElector(store, {
      name: LEASE,
      identity,
      clock,
      random: () => 0.5,
      logger: quiet,
      onStartedLeading: (signal) => {
        this.signal = signal;
        this.events.push(`started@${clock.now()}`);
        return new Promise<void>((resolve) => {
          this.finishWork = resolve;
        });
      },
      onStoppedLeading: () => this.events.push(`stopped@${clock.now()}`),
      onNewLeader: (id) => this.events.push(`leader ${id}@${clock.now()}`),
      ...extra,
    });
  }

  start(): this {
    this.finished = this.elector.run(this.stop.signal).then(() => {
      this.done = true;
    });
    return this;
  }
}

function setup() {
  const clock = new FakeClock();
  const store = new MemoryLeaseStore(clock);
  return { clock, store };
}

describe('LeaderElector', () => {
  it('uses client-go defaults: lease 15 s, renew deadline 10 s, retry 2 s, jitter 1.2', () => {
    expect(LEADER_ELECTION_DEFAULTS).toEqual({
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    expect(JITTER_FACTOR).toBe(1.2);
    expect(defaultIdentity()).toBe(`${hostname()}-${process.pid}`);
  });

  it('creates a missing lease, leads, and renews it every retry period with its own identity and times', async () => {
    const { clock, store } = setup();
    const a = new Candidate(store, clock, 'a').start();
    await clock.tick(0);
    expect(a.events).toEqual(['leader a@0', 'started@0']);
    expect(a.elector.leading).toBe(true);
    expect(a.elector.leader).toBe('a');
    const first = store.spec(LEASE);
    expect(first).toEqual({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: '2026-01-01T00:00:00.000000Z',
      renewTime: '2026-01-01T00:00:00.000000Z',
      leaseTransitions: 0,
    });
    await clock.tick(2_000);
    expect(store.spec(LEASE)).toMatchObject({
      acquireTime: '2026-01-01T00:00:00.000000Z',
      renewTime: '2026-01-01T00:00:02.000000Z',
      leaseTransitions: 0,
    });
    // the renewal is one update from the object it wrote last (no read)
    const updates = store.calls.filter((c) => c.op === 'update' && c.at === 2_000);
    expect(updates).toHaveLength(1);
    expect(store.calls.filter((c) => c.op === 'get' && c.at === 2_000)).toHaveLength(0);
    await clock.tick(2_000);
    expect(store.spec(LEASE)?.renewTime).toBe('2026-01-01T00:00:04.000000Z');
    a.stop.abort();
    a.finishWork();
    await clock.tick(0);
    expect(a.done).toBe(true);
  });

  it('writes leaseDurationSeconds rounded up to whole seconds', async () => {
    const { clock, store } = setup();
    new Candidate(store, clock, 'a', {
      leaseDurationMs: 1_500,
      renewDeadlineMs: 1_000,
      retryPeriodMs: 500,
    }).start();
    await clock.tick(0);
    expect(store.spec(LEASE)?.leaseDurationSeconds).toBe(2);
  });

  it('keeps a standby waiting while the holder renews, even when the holder’s clock is hours behind', async () => {
    const { clock, store } = setup();
    const a = new Candidate(store, clock, 'a').start();
    await clock.tick(0);
    const b = new Candidate(store, clock, 'b').start();
    // a's host clock is 3 hours behind: its renewTime looks long expired to anyone comparing timestamps
    clock.skewMs = -3 * 3600_000;
    await clock.tick(60_000);
    expect(a.elector.leading).toBe(true);
    expect(b.elector.leading).toBe(false);
    expect(b.events).toEqual(['leader a@0']);
    expect(store.spec(LEASE)?.holderIdentity).toBe('a');
    expect(store.spec(LEASE)?.renewTime).toBe(formatMicroTime(clock.wallTime()));
  });

  it('takes over from a holder that vanished once its record has not changed for the lease duration (local clock), whatever its renewTime says', async () => {
    const { clock, store } = setup();
    // a holder on a host whose clock runs a day ahead, last renewed "tomorrow", then died
    const tomorrow = formatMicroTime(Date.UTC(2026, 0, 2));
    store.put({
      metadata: { name: LEASE },
      spec: {
        holderIdentity: 'ghost',
        leaseDurationSeconds: 15,
        acquireTime: tomorrow,
        renewTime: tomorrow,
        leaseTransitions: 4,
      },
    });
    const b = new Candidate(store, clock, 'b').start();
    await clock.tick(0);
    expect(b.events).toEqual(['leader ghost@0']);
    const took = await clock.until(() => b.elector.leading, 30_000);
    // seen at 0, expired after 15 s; attempts every 2 s × (1 + 0.5 × 1.2) = 3.2 s
    expect(took).toBeGreaterThanOrEqual(15_000);
    expect(took).toBeLessThanOrEqual(15_000 + 3_200);
    expect(store.spec(LEASE)).toMatchObject({ holderIdentity: 'b', leaseTransitions: 5 });
    expect(b.events).toEqual(['leader ghost@0', `leader b@${clock.now()}`, `started@${clock.now()}`]);
  });

  it('spaces acquisition attempts by the retry period jittered by up to 1.2 × the retry period', async () => {
    const { clock, store } = setup();
    store.put({ metadata: { name: LEASE }, spec: { holderIdentity: 'x', leaseDurationSeconds: 3600 } });
    const randoms = [0, 0.999, 0.25];
    new Candidate(store, clock, 'b', { random: () => randoms.shift() ?? 0 }).start();
    await clock.tick(20_000);
    const gets = store.calls.filter((c) => c.op === 'get').map((c) => c.at);
    const expected = [
      0,
      2_000,
      2_000 + 2_000 * (1 + 0.999 * 1.2),
      2_000 + 2_000 * (1 + 0.999 * 1.2) + 2_000 * (1 + 0.25 * 1.2),
    ];
    for (const [i, at] of expected.entries()) expect(gets[i]).toBeCloseTo(at, 6);
  });

  it('stops leading when renewals fail, at the renew deadline after the last successful renewal was sent, before the lease expires for others', async () => {
    const { clock, store } = setup();
    const a = new Candidate(store, clock, 'a').start();
    await clock.tick(2_000); // acquired at 0, renewed at 2 s
    store.gate = (call) => {
      if (call.op !== 'get' || call.at > 0) throw new NetworkError('connection refused');
    };
    const lostAfter = await clock.until(() => !a.elector.leading, 20_000, 50);
    // renewal sent at 2 s, deadline 12 s
    expect(clock.now()).toBe(12_000);
    expect(lostAfter).toBe(10_000);
    expect(a.signal?.aborted).toBe(true);
    expect(a.events).toContain('stopped@12000');
    // the lease is left alone (not released), and the work is waited for before run returns
    expect(store.spec(LEASE)?.holderIdentity).toBe('a');
    expect(a.done).toBe(false);
    a.finishWork();
    await clock.tick(0);
    expect(a.done).toBe(true);
  });

  it('stops at the renew deadline when the API server answers slower than that, aborting the request in flight', async () => {
    const { clock, store } = setup();
    const a = new Candidate(store, clock, 'a').start();
    await clock.tick(0);
    const aborted: boolean[] = [];
    store.gate = async (call, signal) => {
      if (call.op === 'update') {
        // a server that takes 30 s to answer and ignores the client going away
        await delay(30_000, undefined, clock);
        aborted.push(signal?.aborted === true);
      }
    };
    await clock.until(() => !a.elector.leading, 20_000, 50);
    expect(clock.now()).toBe(10_000);
    expect(a.signal?.aborted).toBe(true);
    await clock.tick(30_000);
    expect(aborted).toEqual([true]);
  });

  it('stops at once when a renewal reads another holder’s unexpired record', async () => {
    const { clock, store } = setup();
    const a = new Candidate(store, clock, 'a').start();
    await clock.tick(0);
    // an operator (or a split brain) hands the lease to z
    const current = store.leases.get(LEASE);
    store.put({
      ...current!,
      spec: { ...current!.spec, holderIdentity: 'z', renewTime: '2026-01-01T00:00:01.000000Z' },
    });
    await clock.tick(2_000);
    expect(a.elector.leading).toBe(false);
    expect(a.events).toEqual(['leader a@0', 'started@0', 'leader z@2000', 'stopped@2000']);
    expect(store.spec(LEASE)?.holderIdentity).toBe('z');
  });

  it('renews through a conflict: the optimistic update fails, the lease is read again and renewed', async () => {
    const { clock, store } = setup();
    const a = new Candidate(store, clock, 'a').start();
    await clock.tick(0);
    // someone labels the lease: the resourceVersion moves, the record does not
    const current = store.leases.get(LEASE);
    store.put({ ...current!, metadata: { ...current!.metadata, labels: { team: 'x' } } });
    await clock.tick(2_000);
    expect(a.elector.leading).toBe(true);
    const at2 = store.calls.filter((c) => c.at === 2_000).map((c) => c.op);
    expect(at2).toEqual(['update', 'get', 'update']);
    expect(store.leases.get(LEASE)?.metadata.labels).toEqual({ team: 'x' });
    expect(store.spec(LEASE)?.renewTime).toBe('2026-01-01T00:00:02.000000Z');
  });

  it('keeps renewing through failures shorter than the renew deadline', async () => {
    const { clock, store } = setup();
    const a = new Candidate(store, clock, 'a').start();
    await clock.tick(0);
    let failures = 3;
    store.gate = () => {
      if (failures-- > 0)
        throw new ApiStatusError('etcdserver: request timed out', { status: 500, reason: 'InternalError' });
    };
    await clock.tick(12_000);
    expect(a.elector.leading).toBe(true);
    expect(a.events).toEqual(['leader a@0', 'started@0']);
  });

  it('releases the lease on a graceful stop after the work has finished, renewing meanwhile, and a standby takes over at its next attempt', async () => {
    const { clock, store } = setup();
    const a = new Candidate(store, clock, 'a').start();
    await clock.tick(0);
    const b = new Candidate(store, clock, 'b').start();
    await clock.tick(1_000);
    a.stop.abort();
    await settle();
    expect(a.signal?.aborted).toBe(true);
    // the work takes 20 s to drain: the lease is renewed all along, b stays standby
    await clock.tick(20_000);
    expect(a.elector.leading).toBe(true);
    expect(b.elector.leading).toBe(false);
    expect(store.spec(LEASE)?.holderIdentity).toBe('a');
    a.finishWork();
    await clock.tick(0);
    expect(a.done).toBe(true);
    expect(a.events.at(-1)).toBe('stopped@21000');
    expect(store.spec(LEASE)).toMatchObject({
      holderIdentity: '',
      leaseDurationSeconds: 1,
      leaseTransitions: 0,
      renewTime: '2026-01-01T00:00:21.000000Z',
    });
    const handover = await clock.until(() => b.elector.leading, 10_000, 50);
    expect(handover).toBeLessThanOrEqual(3_200);
    expect(store.spec(LEASE)).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('does not release on a graceful stop with releaseOnStop: false', async () => {
    const { clock, store } = setup();
    const a = new Candidate(store, clock, 'a', { releaseOnStop: false }).start();
    await clock.tick(0);
    a.stop.abort();
    a.finishWork();
    await clock.tick(0);
    expect(a.done).toBe(true);
    expect(store.spec(LEASE)?.holderIdentity).toBe('a');
  });

  it('does not clear a lease that another candidate took while the stopping leader could not renew', async () => {
    const { clock, store } = setup();
    const a = new Candidate(store, clock, 'a').start();
    await clock.tick(0);
    a.stop.abort();
    const current = store.leases.get(LEASE);
    store.put({ ...current!, spec: { ...current!.spec, holderIdentity: 'c' } });
    a.finishWork();
    await clock.tick(2_000);
    expect(a.done).toBe(true);
    expect(store.spec(LEASE)?.holderIdentity).toBe('c');
  });

  it('lets exactly one of two candidates racing on one lease lead, and never both at once when the leader is cut off', async () => {
    const { clock, store } = setup();
    const views = { a: new StoreView(store), b: new StoreView(store) };
    const a = new Candidate(views.a, clock, 'a', { random: () => 0 }).start();
    const b = new Candidate(views.b, clock, 'b', { random: () => 0 }).start();
    let both = 0;
    const watch = async (ms: number): Promise<void> => {
      for (let t = 0; t < ms; t += 50) {
        await clock.tick(50);
        if (a.elector.leading && b.elector.leading) both++;
      }
    };
    await watch(1_000);
    expect([a.elector.leading, b.elector.leading].filter(Boolean)).toHaveLength(1);
    const [leader, standby] = a.elector.leading ? [a, b] : [b, a];
    expect(store.calls.filter((c) => c.op === 'create')).toHaveLength(2); // one won, one got AlreadyExists
    views[leader.identity as 'a' | 'b'].cut = true;
    await watch(30_000);
    expect(leader.elector.leading).toBe(false);
    expect(standby.elector.leading).toBe(true);
    // the cut-off leader comes back: it campaigns again and stays standby
    leader.finishWork();
    await clock.tick(0);
    expect(leader.done).toBe(true);
    views[leader.identity as 'a' | 'b'].cut = false;
    const again = new Candidate(views[leader.identity as 'a' | 'b'], clock, leader.identity, {
      random: () => 0,
    }).start();
    await watch(30_000);
    expect(again.elector.leading).toBe(false);
    expect(both).toBe(0);
    expect(store.spec(LEASE)).toMatchObject({ holderIdentity: standby.identity, leaseTransitions: 1 });
  });

  it('reports every new leader once: itself included, not "no leader"', async () => {
    const { clock, store } = setup();
    const a = new Candidate(store, clock, 'a').start();
    await clock.tick(0);
    const b = new Candidate(store, clock, 'b').start();
    await clock.tick(0);
    a.stop.abort();
    a.finishWork();
    await clock.until(() => b.elector.leading, 10_000);
    expect(b.events.filter((e) => e.startsWith('leader'))).toEqual(['leader a@0', `leader b@${clock.now()}`]);
  });

  it('keeps leading when the work of onStartedLeading fails, and logs it', async () => {
    const { clock, store } = setup();
    const errors: string[] = [];
    const elector = new LeaderElector(store, {
      name: LEASE,
      identity: 'a',
      clock,
      logger: { ...quiet, error: (m) => errors.push(m) },
      onStartedLeading: () => {
        throw new Error('boom');
      },
    });
    const stop = new AbortController();
    const run = elector.run(stop.signal);
    await clock.tick(5_000);
    expect(elector.leading).toBe(true);
    expect(errors).toEqual(['leader election: the leading work failed']);
    stop.abort();
    await clock.tick(0);
    await run;
    expect(store.spec(LEASE)?.holderIdentity).toBe('');
  });

  it('refuses a server that stores another holder than the one written', async () => {
    const { clock, store } = setup();
    const warnings: unknown[] = [];
    const origCreate = store.create.bind(store);
    store.create = async (lease, signal) =>
      origCreate({ ...lease, spec: { ...lease.spec, holderIdentity: 'mallory' } }, signal);
    const elector = new LeaderElector(store, {
      name: LEASE,
      identity: 'a',
      clock,
      logger: { ...quiet, warn: (_m, c) => warnings.push(c?.['error']) },
    });
    void elector.run();
    await clock.tick(0);
    expect(elector.leading).toBe(false);
    expect(String(warnings[0])).toContain('the server stored holder "mallory" for a write of holder "a"');
  });

  it('refuses to run twice at once, and an already aborted stop returns at once', async () => {
    const { clock, store } = setup();
    const elector = new LeaderElector(store, { name: LEASE, identity: 'a', clock, logger: quiet });
    const stop = new AbortController();
    const run = elector.run(stop.signal);
    await expect(elector.run()).rejects.toThrow(/already running/);
    stop.abort();
    await clock.tick(0);
    await run;
    await elector.run(AbortSignal.abort());
    expect(elector.leading).toBe(false);
  });

  it.each([
    [
      { leaseDurationMs: 10_000 },
      /"leaseDurationMs" \(10000\) must be greater than "renewDeadlineMs" \(10000\)/,
    ],
    [
      { renewDeadlineMs: 2_400 },
      /"renewDeadlineMs" \(2400\) must be greater than "retryPeriodMs" × 1.2 \(2400\)/,
    ],
    [{ retryPeriodMs: 0 }, /"retryPeriodMs" must be greater than zero/],
    [{ leaseDurationMs: -1 }, /must not be negative/],
    [{ identity: '' }, /"identity" must be a non-empty string/],
    [{ name: 'Not_A_Name' }, /Invalid lease name "Not_A_Name"/],
  ])('refuses options %j', (extra, message) => {
    const { clock, store } = setup();
    let error: unknown;
    try {
      new LeaderElector(store, { name: LEASE, identity: 'a', clock, ...extra });
    } catch (e) {
      error = e;
    }
    expect(isInvalidArgumentError(error)).toBe(true);
    expect(String(error)).toMatch(message);
  });
});
