import { describe, expect, it } from 'vitest';
import { ApiStatusError, NetworkError } from '../../src/errors.js';
import { Backoff, MAX_RETRY_AFTER_MS, retryAfterMs } from '../../src/http/backoff.js';

const tooMany = (seconds: number | undefined, status = 429): ApiStatusError =>
  new ApiStatusError('slow down', { status, reason: 'TooManyRequests', retryAfterSeconds: seconds });

describe('Backoff', () => {
  it('doubles from 0.8 s to the 30 s cap with jitter 0 as the lower bound', () => {
    const b = new Backoff({ random: () => 0 });
    const delays = Array.from({ length: 8 }, (_, i) => b.next(i).delayMs);
    expect(delays).toEqual([800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
  });

  it('sleeps in [d, 2d) with the default jitter of 1', () => {
    const half = new Backoff({ random: () => 0.5 });
    expect([half.next(0).delayMs, half.next(0).delayMs, half.next(0).delayMs]).toEqual([1200, 2400, 4800]);
    const almostOne = new Backoff({ random: () => 0.999 });
    const first = almostOne.next(0).delayMs;
    expect(first).toBeGreaterThanOrEqual(800);
    expect(first).toBeLessThan(1600);
  });

  it('settles at [30, 60) s once capped', () => {
    const b = new Backoff({ random: () => 0.75 });
    let last = 0;
    for (let i = 0; i < 20; i++) last = b.next(0).delayMs;
    expect(last).toBe(52_500);
  });

  it('counts attempts and honours custom initial, factor, jitter and cap', () => {
    const b = new Backoff({
      backoffInitialMs: 10,
      backoffFactor: 3,
      backoffMaxMs: 50,
      backoffJitter: 0.5,
      random: () => 1,
    });
    expect(b.next(0)).toEqual({ delayMs: 15, attempt: 1 });
    expect(b.next(0)).toEqual({ delayMs: 45, attempt: 2 });
    expect(b.next(0)).toEqual({ delayMs: 75, attempt: 3 });
  });

  it('resets after backoffResetMs of health since the last sleep ended', () => {
    const b = new Backoff({ random: () => 0, backoffResetMs: 1000 });
    expect(b.next(0).delayMs).toBe(800); // sleep ends at 800
    expect(b.next(1800).delayMs).toBe(1600); // 1000 ms healthy: not more than the reset window
    // second sleep ends at 3400; 3400 + 1001 is beyond the window
    expect(b.next(4401)).toEqual({ delayMs: 800, attempt: 1 });
  });

  it('resets on demand', () => {
    const b = new Backoff({ random: () => 0 });
    b.next(0);
    b.next(0);
    b.reset();
    expect(b.next(0)).toEqual({ delayMs: 800, attempt: 1 });
  });

  it('uses Retry-After as a floor but never lowers a longer backoff', () => {
    const b = new Backoff({ random: () => 0 });
    expect(b.next(0, tooMany(5)).delayMs).toBe(5000);
    expect(b.next(0, tooMany(1, 503)).delayMs).toBe(1600);
    expect(b.next(0, new NetworkError('refused')).delayMs).toBe(3200);
  });
});

describe('retryAfterMs', () => {
  it('reads retryAfterSeconds or details.retryAfterSeconds of an ApiStatusError', () => {
    expect(retryAfterMs(tooMany(2))).toBe(2000);
    const fromDetails = new ApiStatusError('x', {
      status: 429,
      reason: 'TooManyRequests',
      details: { retryAfterSeconds: 3 },
    });
    expect(retryAfterMs(fromDetails)).toBe(3000);
  });

  it('ignores other errors and absent, zero or invalid values', () => {
    expect(retryAfterMs(new NetworkError('x'))).toBeUndefined();
    expect(retryAfterMs(new Error('x'))).toBeUndefined();
    expect(retryAfterMs(tooMany(undefined))).toBeUndefined();
    expect(retryAfterMs(tooMany(0))).toBeUndefined();
    expect(retryAfterMs(tooMany(Number.NaN))).toBeUndefined();
  });

  it('caps absurd Retry-After values', () => {
    expect(retryAfterMs(tooMany(1e9))).toBe(MAX_RETRY_AFTER_MS);
  });
});
