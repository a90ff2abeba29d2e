import { describe, expect, it } from 'vitest';
import { ClusterFence } from '../../src/controller/fencing.js';
import { isInvalidArgumentError, NetworkError } from '../../src/errors.js';
import { FakeClock, MemoryLeaseStore } from './helpers.js';

const CLUSTER = '2hwz9858ph0d4yx5';

function setup() {
  const clock = new FakeClock();
  const store = new MemoryLeaseStore(clock);
  const fence = (identity: string) =>
    new ClusterFence(store, CLUSTER, {
      prefix: 'cowboys-shard-',
      identity,
      clock,
      labels: { app: 'cowboys' },
    });
  return { clock, store, fence };
}

describe('ClusterFence', () => {
  it('holds the cluster from a successful acquire until the renew deadline after the last renewal was sent', async () => {
    const { clock, store, fence } = setup();
    const a = fence('a');
    expect(a.leaseName).toBe(`cowboys-shard-${CLUSTER}`);
    expect(a.holds()).toBe(false);
    expect(await a.acquire()).toMatchObject({ held: true, acquired: true, sentAt: 0 });
    expect(store.leases.get(a.leaseName)?.metadata.labels).toEqual({ app: 'cowboys' });
    expect(a.holds()).toBe(true);
    expect(a.heldUntil()).toBe(10_000);
    await clock.tick(4_000);
    expect(await a.acquire()).toMatchObject({ held: true, acquired: false, sentAt: 4_000 });
    expect(a.heldUntil()).toBe(14_000);
    store.gate = () => {
      throw new NetworkError('connection reset');
    };
    await clock.tick(4_000);
    expect(await a.acquire()).toMatchObject({ held: false, reason: 'error' });
    expect(a.holds()).toBe(true);
    await clock.tick(6_000);
    expect(a.holds()).toBe(false);
    expect(a.holds(13_999)).toBe(true);
  });

  it('is refused to a second replica until the holder’s record has not changed for the lease duration', async () => {
    const { clock, fence } = setup();
    const a = fence('a');
    const b = fence('b');
    await a.acquire();
    const refused = await b.acquire();
    expect(refused).toEqual({ held: false, reason: 'held', holder: 'a', expiresAt: 15_000 });
    expect(b.holder).toBe('a');
    await clock.tick(14_999);
    expect(await b.acquire()).toMatchObject({ held: false, reason: 'held' });
    await clock.tick(1);
    expect(await b.acquire()).toMatchObject({ held: true, acquired: true });
    expect(b.holds()).toBe(true);
    // a renews from its stale object: a conflict, then it reads b's record and backs off
    expect(await a.acquire()).toMatchObject({ held: false, reason: 'held', holder: 'b' });
    expect(a.holds()).toBe(false);
  });

  it('is taken over at once from a holder the caller knows to be gone', async () => {
    const { fence } = setup();
    await fence('a').acquire();
    const b = fence('b');
    expect(await b.acquire(undefined, { holderGone: (h) => h === 'a' })).toMatchObject({
      held: true,
      acquired: true,
    });
  });

  it('is released for the next owner, who acquires it at once; a fence held by another is not released', async () => {
    const { store, fence } = setup();
    const a = fence('a');
    const b = fence('b');
    await a.acquire();
    expect(await a.release()).toBe(true);
    expect(a.holds()).toBe(false);
    expect(store.spec(a.leaseName)).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    expect(await b.acquire()).toMatchObject({ held: true, acquired: true });
    expect(store.spec(a.leaseName)).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(await a.release()).toBe(false);
    expect(store.spec(a.leaseName)?.holderIdentity).toBe('b');
    expect(await fence('c').release()).toBe(false);
  });

  it('reports the losing side of a create race as a conflict', async () => {
    const { store, fence } = setup();
    const a = fence('a');
    const b = fence('b');
    store.gate = async (call) => {
      if (call.op === 'create') await Promise.resolve();
    };
    const [ra, rb] = await Promise.all([a.acquire(), b.acquire()]);
    expect([ra.held, rb.held].sort()).toEqual([false, true]);
    expect([ra, rb].find((r) => !r.held)).toMatchObject({ reason: 'conflict' });
  });

  it('refuses a renew deadline that is not shorter than the lease duration', () => {
    const { store, clock } = setup();
    let error: unknown;
    try {
      new ClusterFence(store, CLUSTER, {
        prefix: 'x-',
        identity: 'a',
        clock,
        leaseDurationMs: 5_000,
        renewDeadlineMs: 5_000,
      });
    } catch (e) {
      error = e;
    }
    expect(isInvalidArgumentError(error)).toBe(true);
  });
});
