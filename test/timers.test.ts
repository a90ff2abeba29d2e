import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient } from '../src/client.js';
import type { ClientOptions } from '../src/client-types.js';
import { isAbortError, isInvalidArgumentError } from '../src/errors.js';
import { delay, MAX_TIMER_MS, timerDelay } from '../src/timers.js';
import { FakeClock } from './testing/helpers.js';

const base: ClientOptions = {
  server: 'https://kcp.example:6443',
  kubeconfig: { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] },
};

function rejection(options: ClientOptions): unknown {
  try {
    void createClient({ ...base, ...options }).close();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('duration options', () => {
  it.each([
    ['requestTimeoutMs', { requestTimeoutMs: 2 ** 31 }],
    ['requestTimeoutMs', { requestTimeoutMs: -1 }],
    ['requestTimeoutMs', { requestTimeoutMs: Number.NaN }],
    ['execTimeoutMs', { execTimeoutMs: 597 * 3_600_000 }],
    ['tokenFilePeriodMs', { tokenFilePeriodMs: Number.POSITIVE_INFINITY }],
    ['execExpirySkewMs', { execExpirySkewMs: -5 }],
    ['watch.backoffMaxMs', { watch: { backoffMaxMs: 2 ** 40 } }],
    ['watch.connectTimeoutMs', { watch: { connectTimeoutMs: -1 } }],
    ['watch.minWatchTimeoutSeconds', { watch: { minWatchTimeoutSeconds: 2 ** 31 / 1000 } }],
  ] satisfies Array<[string, ClientOptions]>)(
    'rejects %s that a timer cannot wait (negative, NaN or ≥ 2^31 ms) naming the option',
    (name, options) => {
      const e = rejection(options);
      expect(isInvalidArgumentError(e)).toBe(true);
      expect((e as { argument?: string }).argument).toBe(name);
      expect((e as Error).message).toContain(`"${name}"`);
    },
  );

  it('accepts the longest delay a timer can wait', () => {
    expect(
      rejection({
        requestTimeoutMs: MAX_TIMER_MS,
        watch: { backoffMaxMs: MAX_TIMER_MS, minWatchTimeoutSeconds: 300 },
      }),
    ).toBeUndefined();
  });

  it('clamps computed delays into what setTimeout honours', () => {
    expect(timerDelay(2 ** 31)).toBe(MAX_TIMER_MS);
    expect(timerDelay(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_MS);
    expect(timerDelay(-5)).toBe(0);
    expect(timerDelay(Number.NaN)).toBe(0);
    expect(timerDelay(1234)).toBe(1234);
  });
});

describe('delay', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves once the delay has passed, and not before', async () => {
    vi.useFakeTimers();
    let done = false;
    const p = delay(1000).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with AbortError at once, arming no timer, when the signal is already aborted', async () => {
    vi.useFakeTimers();
    const p = delay(1000, AbortSignal.abort());
    expect(vi.getTimerCount()).toBe(0);
    await expect(p).rejects.toSatisfy(isAbortError);
  });

  it('rejects with AbortError when aborted during the wait, and clears its timer', async () => {
    vi.useFakeTimers();
    const ctrl = new AbortController();
    const p = delay(60_000, ctrl.signal);
    expect(vi.getTimerCount()).toBe(1);
    ctrl.abort();
    await expect(p).rejects.toSatisfy(isAbortError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops listening to the signal once it resolved, so a later abort changes nothing', async () => {
    vi.useFakeTimers();
    const ctrl = new AbortController();
    const remove = vi.spyOn(ctrl.signal, 'removeEventListener');
    const p = delay(10, ctrl.signal);
    await vi.advanceTimersByTimeAsync(10);
    await expect(p).resolves.toBeUndefined();
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
    ctrl.abort();
  });

  it('clamps a delay too long for setTimeout instead of firing after 1 ms', async () => {
    vi.useFakeTimers();
    let done = false;
    void delay(2 ** 40).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(done).toBe(false);
    vi.clearAllTimers();
  });

  it('waits on the timers it is given (a clock’s), and clears its timer there when aborted', async () => {
    const clock = new FakeClock();
    let done = false;
    void delay(500, undefined, clock).then(() => {
      done = true;
    });
    clock.advance(499);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(1);
    await Promise.resolve();
    expect(done).toBe(true);
    const ctrl = new AbortController();
    const aborted = delay(500, ctrl.signal, clock);
    expect(clock.pending).toBe(1);
    ctrl.abort();
    await expect(aborted).rejects.toSatisfy(isAbortError);
    expect(clock.pending).toBe(0);
  });
});
