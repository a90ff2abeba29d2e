import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  DEFAULT_RETRY_BASE_DELAY_MS,
  DEFAULT_RETRY_BURST,
  DEFAULT_RETRY_MAX_DELAY_MS,
  DEFAULT_RETRY_QPS,
  resolveRateLimit,
  TokenBucket,
} from '../../src/controller/rate-limit.js';

describe('retry delays', () => {
  it('default to client-go’s controller rate limiter: 5 ms → 1000 s per key, 10/s with bursts of 100', () => {
    expect(resolveRateLimit()).toEqual({ baseDelayMs: 5, maxDelayMs: 1_000_000, qps: 10, burst: 100 });
    expect([
      DEFAULT_RETRY_BASE_DELAY_MS,
      DEFAULT_RETRY_MAX_DELAY_MS,
      DEFAULT_RETRY_QPS,
      DEFAULT_RETRY_BURST,
    ]).toEqual([5, 1_000_000, 10, 100]);
  });

  it('double with each failure up to the cap, without overflowing', () => {
    expect([0, 1, 2, 3, 10].map((f) => backoffDelayMs(f, 5, 1_000_000))).toEqual([5, 10, 20, 40, 5120]);
    expect(backoffDelayMs(17, 5, 1_000_000)).toBe(655_360);
    expect(backoffDelayMs(18, 5, 1_000_000)).toBe(1_000_000);
    expect(backoffDelayMs(5000, 5, 1_000_000)).toBe(1_000_000);
  });
});

describe('TokenBucket', () => {
  it('lets a full burst through, then one token per 1/qps seconds, going into debt', () => {
    const bucket = new TokenBucket(10, 100, 0);
    for (let i = 0; i < 100; i++) expect(bucket.reserve(0)).toBe(0);
    expect(bucket.reserve(0)).toBeCloseTo(100);
    expect(bucket.reserve(0)).toBeCloseTo(200);
    expect(bucket.reserve(50)).toBeCloseTo(250); // 0.5 token refilled, 3 owed
  });

  it('refills at qps up to its size while idle', () => {
    const bucket = new TokenBucket(10, 100, 0);
    for (let i = 0; i < 100; i++) bucket.reserve(0);
    for (let i = 0; i < 10; i++) expect(bucket.reserve(1000)).toBe(0);
    expect(bucket.reserve(1000)).toBeGreaterThan(0);
    for (let i = 0; i < 100; i++) expect(bucket.reserve(1_000_000)).toBe(0); // capped at 100
    expect(bucket.reserve(1_000_000)).toBeCloseTo(100);
  });

  it('never waits with an infinite rate, and ignores time going backwards', () => {
    const open = new TokenBucket(Infinity, 1, 0);
    for (let i = 0; i < 1000; i++) expect(open.reserve(0)).toBe(0);
    const bucket = new TokenBucket(1, 1, 1000);
    expect(bucket.reserve(1000)).toBe(0);
    expect(bucket.reserve(500)).toBeCloseTo(1000);
  });
});
