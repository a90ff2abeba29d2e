import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiStatusError, DecodeError, isAbortError, isRetriable, NetworkError } from '../../src/errors.js';
import { Backoff } from '../../src/http/backoff.js';
import { retryPolicy, withRetries } from '../../src/http/retry.js';

const status = (code: number): ApiStatusError => new ApiStatusError('x', { status: code, reason: 'R' });

/** An operation that fails with `failures` in order, then resolves with 'ok'; counts its calls. */
function flaky(...failures: Error[]): { op: () => Promise<string>; calls: () => number } {
  let n = 0;
  return {
    op: () => {
      const failure = failures[n];
      n += 1;
      return failure === undefined ? Promise.resolve('ok') : Promise.reject(failure);
    },
    calls: () => n,
  };
}

/** No jitter, 100 ms initial backoff: the waits are exactly 100, 200, 400 ms. */
const policy = retryPolicy({ backoffInitialMs: 100, random: () => 0 });

describe('retryPolicy', () => {
  it('retries exactly what isRetriable retries', () => {
    for (const e of [new NetworkError('x'), status(429), status(500), status(404), new DecodeError('x')]) {
      expect(policy.isRetriable(e)).toBe(isRetriable(e));
    }
  });

  it('gives a fresh backoff sequence to every operation', () => {
    const a = policy.backoff();
    const b = policy.backoff();
    expect(a).toBeInstanceOf(Backoff);
    expect(a).not.toBe(b);
    expect(a.next(0).delayMs).toBe(100);
    expect(a.next(0).delayMs).toBe(200);
    expect(b.next(0).delayMs).toBe(100);
  });
});

describe('withRetries', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries retriable failures with the backoff between attempts, then returns the result', async () => {
    vi.useFakeTimers();
    const f = flaky(new NetworkError('reset'), status(503));
    const p = withRetries(policy, f.op, { attempts: 4, now: () => 0 });
    expect(f.calls()).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(f.calls()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.calls()).toBe(2);
    await vi.advanceTimersByTimeAsync(200);
    await expect(p).resolves.toBe('ok');
    expect(f.calls()).toBe(3);
  });

  it('rejects at once with a failure the policy does not retry', async () => {
    const notFound = status(404);
    const f = flaky(notFound);
    await expect(withRetries(policy, f.op, { attempts: 4 })).rejects.toBe(notFound);
    expect(f.calls()).toBe(1);
  });

  it('rejects with the last failure once the attempts are used up', async () => {
    vi.useFakeTimers();
    const last = status(500);
    const f = flaky(status(500), last, status(500));
    const p = withRetries(policy, f.op, { attempts: 2, now: () => 0 });
    const settled = expect(p).rejects.toBe(last);
    await vi.advanceTimersByTimeAsync(100);
    await settled;
    expect(f.calls()).toBe(2);
  });

  it('rejects with AbortError when the signal aborts during a wait, clearing the timer', async () => {
    vi.useFakeTimers();
    const ctrl = new AbortController();
    const f = flaky(status(500), status(500));
    const p = withRetries(policy, f.op, { attempts: 4, signal: ctrl.signal, now: () => 0 });
    const settled = expect(p).rejects.toSatisfy(isAbortError);
    await vi.advanceTimersByTimeAsync(50);
    ctrl.abort();
    await settled;
    expect(vi.getTimerCount()).toBe(0);
    expect(f.calls()).toBe(1);
  });
});
