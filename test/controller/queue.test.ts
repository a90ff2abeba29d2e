import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/controller/clock.js';
import {
  queueKeyId,
  WorkQueue,
  type QueueKey,
  type QueueMetrics,
  type QueueStats,
  type WorkQueueOptions,
} from '../../src/controller/queue.js';
import { isInvalidArgumentError } from '../../src/errors.js';
import { FakeClock } from '../testing/helpers.js';

interface Key extends QueueKey {
  endpoint?: string;
}

const key = (cluster: string, name: string, namespace?: string): Key =>
  namespace === undefined ? { cluster, name } : { cluster, name, namespace };

function setup(options: WorkQueueOptions<Key> = {}): { q: WorkQueue<Key>; clock: FakeClock } {
  const clock = new FakeClock();
  return { q: new WorkQueue<Key>({ clock, ...options }), clock };
}

/** Takes every queued key (each marked done at once) and returns their `cluster/name`. */
async function drain(q: WorkQueue<Key>): Promise<string[]> {
  const out: string[] = [];
  while (q.length > 0) {
    const k = (await q.get())!;
    out.push(`${k.cluster}/${k.name}`);
    q.done(k);
  }
  return out;
}

/** Resolves on the next macrotask: whatever promise could settle has settled. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** True when `p` settled by now. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await settle();
  return done;
}

describe('WorkQueue: client-go semantics', () => {
  it('queues a key added several times before a worker takes it once', async () => {
    const { q } = setup();
    q.add(key('a', 'x'));
    q.add(key('a', 'x'));
    q.add(key('a', 'x', 'default'));
    expect(q.length).toBe(2);
    expect(await drain(q)).toEqual(['a/x', 'a/x']);
  });

  it('identifies keys by cluster, namespace and name by default', () => {
    expect(queueKeyId(key('c1', 'x'))).toBe('c1|x');
    expect(queueKeyId(key('c1', 'x', 'ns'))).toBe('c1|ns/x');
    expect(queueKeyId({ cluster: 'c1', name: 'x', namespace: '' })).toBe('c1|x');
  });

  it('hands out the latest key object added under an identity', async () => {
    const { q } = setup();
    q.add({ cluster: 'a', name: 'x', endpoint: 'https://shard-1' });
    q.add({ cluster: 'a', name: 'x', endpoint: 'https://shard-2' });
    expect((await q.get())?.endpoint).toBe('https://shard-2');
  });

  it('uses keyOf as the identity of a key within its cluster', async () => {
    const { q } = setup({ keyOf: (k) => k.name.toLowerCase() });
    q.add(key('a', 'X'));
    q.add(key('a', 'x'));
    q.add(key('b', 'x'));
    expect(await drain(q)).toEqual(['a/x', 'b/x']);
  });

  it('never hands a key to a second worker while the first has not called done', async () => {
    const { q } = setup();
    const k = key('a', 'x');
    q.add(k);
    const first = await q.get();
    q.add(k);
    q.add(k);
    expect(q.length).toBe(0);
    const second = q.get();
    expect(await settled(second)).toBe(false);
    q.done(first!);
    expect(await second).toEqual(k);
    expect(q.inFlight).toBe(1);
  });

  it('runs a key added while it is processed once more after done, and not again', async () => {
    const { q } = setup();
    q.add(key('a', 'x'));
    const k = (await q.get())!;
    q.add(k);
    q.add(k);
    q.done(k);
    expect(await drain(q)).toEqual(['a/x']);
    expect(q.length).toBe(0);
  });

  it('ignores done for a key that no worker holds', async () => {
    const { q } = setup();
    q.done(key('a', 'x'));
    q.add(key('a', 'x'));
    q.done(key('a', 'x'));
    expect(q.length).toBe(1);
    expect(q.inFlight).toBe(0);
    expect(await drain(q)).toEqual(['a/x']);
  });

  it('hands keys to waiting workers in the order they asked, one key each', async () => {
    const { q } = setup();
    const w1 = q.get();
    const w2 = q.get();
    const w3 = q.get();
    q.add(key('a', 'x'));
    q.add(key('b', 'y'));
    expect(await w1).toEqual(key('a', 'x'));
    expect(await w2).toEqual(key('b', 'y'));
    expect(await settled(w3)).toBe(false);
    q.shutDown();
    expect(await w3).toBeUndefined();
  });
});

describe('WorkQueue: delays and retries', () => {
  it('queues a key after addAfter’s delay, at once for a delay ≤ 0, and rejects a delay that is not finite', () => {
    const { q, clock } = setup();
    q.addAfter(key('a', 'x'), 100);
    q.addAfter(key('a', 'now'), 0);
    q.addAfter(key('a', 'negative'), -5);
    expect(q.length).toBe(2);
    clock.advance(99);
    expect(q.length).toBe(2);
    clock.advance(1);
    expect(q.length).toBe(3);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      let thrown: unknown;
      try {
        q.addAfter(key('a', 'y'), bad);
      } catch (e) {
        thrown = e;
      }
      expect(isInvalidArgumentError(thrown)).toBe(true);
    }
  });

  it('keeps the earlier time of a key delayed twice', () => {
    const { q, clock } = setup();
    q.addAfter(key('a', 'x'), 100);
    q.addAfter(key('a', 'x'), 50);
    q.addAfter(key('a', 'x'), 200);
    expect(q.delayedCount).toBe(1);
    clock.advance(50);
    expect(q.length).toBe(1);
    expect(q.delayedCount).toBe(0);
    clock.advance(500);
    expect(q.length).toBe(1);
  });

  it('holds one timer for every delayed key, and queues them in the order they are due', async () => {
    const { q, clock } = setup();
    const delays = [500, 20, 300, 20, 1, 999, 42];
    delays.forEach((ms, i) => {
      q.addAfter(key(`c${i}`, `k${i}`), ms);
    });
    expect(clock.pending).toBe(1);
    clock.advance(1000);
    expect(clock.pending).toBe(0);
    const order = delays
      .map((ms, i) => ({ ms, i }))
      .sort((a, b) => a.ms - b.ms || a.i - b.i)
      .map(({ i }) => `c${i}/k${i}`);
    expect(await drain(q)).toEqual(order);
  });

  it('retries a failing key after 5 ms, 10 ms, 20 ms … up to 1000 s, and from 5 ms again after forget', async () => {
    const { q, clock } = setup({ rateLimit: { qps: Infinity } });
    const k = key('a', 'x');
    const seen: number[] = [];
    for (let n = 0; n < 22; n++) {
      q.addRateLimited(k);
      expect(q.numRequeues(k)).toBe(n + 1);
      const started = clock.now();
      clock.advance(Math.min(5 * 2 ** n, 1_000_000) - 1);
      expect(q.length).toBe(0);
      clock.advance(1);
      expect(q.length).toBe(1);
      seen.push(clock.now() - started);
      q.done((await q.get())!);
    }
    expect(seen.slice(0, 5)).toEqual([5, 10, 20, 40, 80]);
    expect(seen.slice(-5)).toEqual([655_360, 1_000_000, 1_000_000, 1_000_000, 1_000_000]);
    q.forget(k);
    expect(q.numRequeues(k)).toBe(0);
    q.addRateLimited(k);
    clock.advance(5);
    expect(q.length).toBe(1);
  });

  it('spaces retries of many keys by the shared token bucket: a burst of 100, then 10 per second', () => {
    const { q, clock } = setup();
    for (let i = 0; i < 103; i++) q.addRateLimited(key('a', `k${i}`));
    clock.advance(5);
    expect(q.length).toBe(100);
    clock.advance(94);
    expect(q.length).toBe(100);
    clock.advance(1);
    expect(q.length).toBe(101);
    clock.advance(100);
    expect(q.length).toBe(102);
    clock.advance(100);
    expect(q.length).toBe(103);
  });

  it('uses the configured backoff and bucket', () => {
    const { q, clock } = setup({ rateLimit: { baseDelayMs: 100, maxDelayMs: 150, qps: 1, burst: 1 } });
    q.addRateLimited(key('a', 'x'));
    q.addRateLimited(key('a', 'y')); // the bucket is empty: 1 s
    clock.advance(100);
    expect(q.length).toBe(1);
    clock.advance(900);
    expect(q.length).toBe(2);
  });

  it.each([
    [{ baseDelayMs: -1 }, 'rateLimit.baseDelayMs'],
    [{ maxDelayMs: Number.NaN }, 'rateLimit.maxDelayMs'],
    [{ qps: 0 }, 'rateLimit.qps'],
    [{ qps: Number.NaN }, 'rateLimit.qps'],
    [{ burst: 0 }, 'rateLimit.burst'],
    [{ burst: 1.5 }, 'rateLimit.burst'],
  ])('rejects the rate limit %o naming %s', (rateLimit, name) => {
    let thrown: unknown;
    try {
      new WorkQueue({ rateLimit });
    } catch (e) {
      thrown = e;
    }
    expect(isInvalidArgumentError(thrown)).toBe(true);
    expect((thrown as { argument: string }).argument).toBe(name);
  });
});

describe('WorkQueue: fairness across clusters', () => {
  it('serves clusters round-robin, each cluster’s keys in the order they were queued', async () => {
    const { q } = setup();
    for (const [c, n] of [
      ['a', '1'],
      ['a', '2'],
      ['a', '3'],
      ['b', '1'],
      ['b', '2'],
      ['c', '1'],
    ] as const)
      q.add(key(c, n));
    expect(await drain(q)).toEqual(['a/1', 'b/1', 'c/1', 'a/2', 'b/2', 'a/3']);
  });

  it('serves the one key of a cluster within one round while another cluster has 100,000 keys queued', async () => {
    const { q } = setup();
    for (let i = 0; i < 100_000; i++) q.add(key('flood', `k${i}`));
    const first = (await q.get())!;
    q.add(key('quiet', 'only'));
    q.add(key('other-flood', 'k0'));
    for (let i = 1; i < 1000; i++) q.add(key('other-flood', `k${i}`));
    const next: Key[] = [];
    for (let i = 0; i < 3; i++) next.push((await q.get())!);
    expect(first.cluster).toBe('flood');
    expect(next.map((k) => k.cluster)).toEqual(['flood', 'quiet', 'other-flood']);
    expect(q.length).toBe(100_000 - 2 + 999);
  });

  it('drops a disengaged cluster’s queued and delayed keys and backoff, and does not re-run its key in flight', async () => {
    const { q, clock } = setup();
    q.add(key('gone', 'busy'));
    const busy = (await q.get())!;
    q.add(busy); // would run again after done
    q.add(key('gone', 'queued'));
    q.add(key('stays', 'x'));
    q.addAfter(key('gone', 'later'), 1000);
    q.addRateLimited(key('gone', 'failing'));
    q.addAfter(key('stays', 'later'), 2000);
    expect(q.numRequeues(key('gone', 'failing'))).toBe(1);
    q.dropCluster('gone');
    expect(q.length).toBe(1);
    expect(q.delayedCount).toBe(1);
    expect(q.numRequeues(key('gone', 'failing'))).toBe(0);
    q.done(busy);
    expect(q.length).toBe(1);
    clock.advance(2000);
    expect(await drain(q)).toEqual(['stays/x', 'stays/later']);
    expect(clock.pending).toBe(0);
    q.dropCluster('never-seen');
    q.add(key('gone', 'back'));
    expect(await drain(q)).toEqual(['gone/back']);
  });

  it('puts a dropped cluster that gets keys again at the end of the round', async () => {
    const { q } = setup();
    for (const c of ['a', 'b', 'c']) {
      q.add(key(c, '1'));
      q.add(key(c, '2'));
    }
    q.dropCluster('a');
    q.add(key('a', '3'));
    expect(await drain(q)).toEqual(['b/1', 'c/1', 'a/3', 'b/2', 'c/2']);
  });
});

describe('WorkQueue: shut down', () => {
  it('drops queued and delayed keys, stops waiting workers, ignores later adds and leaves no timer', async () => {
    const { q, clock } = setup();
    const waiting = q.get();
    q.addAfter(key('a', 'later'), 1000);
    q.addRateLimited(key('a', 'retry'));
    expect(clock.pending).toBe(1);
    q.add(key('a', 'x'));
    expect(await waiting).toEqual(key('a', 'x'));
    q.add(key('a', 'queued'));
    q.shutDown();
    expect(q.shuttingDown).toBe(true);
    expect(clock.pending).toBe(0);
    expect([q.length, q.delayedCount, q.inFlight]).toEqual([0, 0, 1]);
    q.add(key('a', 'y'));
    q.addAfter(key('a', 'y'), 10);
    q.addRateLimited(key('a', 'y'));
    expect([q.length, q.delayedCount, clock.pending]).toEqual([0, 0, 0]);
    expect(await q.get()).toBeUndefined();
    q.done(key('a', 'x'));
    expect(q.inFlight).toBe(0);
    q.shutDown();
  });

  it('drains: resolves true once the keys in flight are done, clearing its timeout', async () => {
    const { q, clock } = setup();
    q.add(key('a', 'x'));
    q.add(key('b', 'y'));
    const x = (await q.get())!;
    const y = (await q.get())!;
    const drained = q.shutDownWithDrain({ timeoutMs: 30_000 });
    q.done(x);
    expect(await settled(drained)).toBe(false);
    q.done(y);
    expect(await drained).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('drains: resolves false when a key is still in flight after the timeout', async () => {
    const { q, clock } = setup();
    q.add(key('a', 'stuck'));
    const stuck = (await q.get())!;
    const drained = q.shutDownWithDrain({ timeoutMs: 1000 });
    clock.advance(999);
    expect(await settled(drained)).toBe(false);
    clock.advance(1);
    expect(await drained).toBe(false);
    expect(clock.pending).toBe(0);
    q.done(stuck);
    expect(q.inFlight).toBe(0);
  });

  it('drains at once when nothing is in flight, and rejects a bad timeout', async () => {
    const { q } = setup();
    expect(() => q.shutDownWithDrain({ timeoutMs: -1 })).toThrow(/timeoutMs/);
    expect(await q.shutDownWithDrain()).toBe(true);
    expect(await q.shutDownWithDrain({ timeoutMs: 5 })).toBe(true);
  });

  it('leaves no Node timer behind with the real clock', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const q = new WorkQueue<Key>({ clock: systemClock });
    for (let i = 0; i < 100; i++) q.addAfter(key(`c${i % 7}`, `k${i}`), 60_000 + i);
    q.addRateLimited(key('c0', 'retry'));
    q.add(key('c1', 'x'));
    const k = (await q.get())!;
    expect(timers()).toBe(before + 1);
    const drained = q.shutDownWithDrain({ timeoutMs: 60_000 });
    expect(timers()).toBe(before + 1); // the drain timeout only
    q.done(k);
    expect(await drained).toBe(true);
    expect(timers()).toBe(before);
  });
});

describe('WorkQueue: metrics', () => {
  it('reports queue and work durations, its stats (adds once per queued key, retries), and closes when idle', async () => {
    const events: string[] = [];
    let stats: (() => QueueStats) | undefined;
    const metrics: QueueMetrics = {
      queue(name, read) {
        events.push(`queue ${name}`);
        stats = read;
        return {
          started: (ms) => events.push(`started ${ms}`),
          finished: (ms) => events.push(`finished ${ms}`),
          close: () => events.push('close'),
        };
      },
    };
    const { q, clock } = setup({ name: 'cowboys', metrics });
    q.add(key('a', 'x'));
    q.add(key('a', 'x'));
    q.add(key('a', 'y'));
    expect(stats?.()).toEqual({ depth: 2, adds: 2, retries: 0, unfinishedWorkMs: 0, longestRunningMs: 0 });
    clock.advance(7);
    const x = (await q.get())!;
    clock.advance(3);
    const y = (await q.get())!;
    expect(stats?.()).toEqual({ depth: 0, adds: 2, retries: 0, unfinishedWorkMs: 3, longestRunningMs: 3 });
    clock.advance(2);
    expect(stats?.()).toEqual({ depth: 0, adds: 2, retries: 0, unfinishedWorkMs: 7, longestRunningMs: 5 });
    q.done(x);
    q.addAfter(y, 10);
    q.addAfter(y, 0);
    q.addRateLimited(x);
    expect(stats?.()).toMatchObject({ depth: 0, adds: 3, retries: 2 });
    const drained = q.shutDownWithDrain();
    q.done(y);
    await drained;
    expect(events).toEqual(['queue cowboys', 'started 7', 'started 10', 'finished 5', 'finished 2', 'close']);
    expect(stats?.()).toEqual({ depth: 0, adds: 3, retries: 2, unfinishedWorkMs: 0, longestRunningMs: 0 });
  });
});
