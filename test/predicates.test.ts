import { describe, expect, it } from 'vitest';
import {
  AbortError,
  ApiStatusError,
  DecodeError,
  InvalidArgumentError,
  isExpired,
  isForbidden,
  isNotFound,
  isRetriable,
  isThrottlingStatus,
  isTooManyRequests,
  isUnauthorized,
  NetworkError,
  suggestsDelay,
  TimeoutError,
} from '../src/errors.js';

const status = (code: number, retryAfterSeconds?: number): ApiStatusError =>
  new ApiStatusError(`status ${code}`, { status: code, reason: 'R', retryAfterSeconds });

/** Things that are not an ApiStatusError: every predicate about a status is false for all of them. */
const others: unknown[] = [
  new NetworkError('down'),
  new TimeoutError('slow', 10),
  new DecodeError('garbled'),
  new AbortError(),
  new InvalidArgumentError('bad'),
  new Error('plain'),
  { status: 404 },
  'not found',
  undefined,
  null,
];

/** A 404 from another copy of the package: branded by name and code only. */
const foreign404 = Object.assign(new Error('gone'), { name: 'ApiStatusError', code: 'E_HTTP', status: 404 });

describe('isNotFound', () => {
  it('is true for an ApiStatusError with status 404, also from another package copy', () => {
    expect(isNotFound(status(404))).toBe(true);
    expect(isNotFound(foreign404)).toBe(true);
  });

  it('is false for every other status and for anything that is not an ApiStatusError', () => {
    expect([400, 401, 403, 409, 410, 500].map((c) => isNotFound(status(c)))).toEqual(Array(6).fill(false));
    expect(others.map(isNotFound)).toEqual(others.map(() => false));
  });
});

describe('isForbidden and isUnauthorized', () => {
  it('counts both 401 and 403 as forbidden, and only 401 as unauthorized', () => {
    expect([401, 403].map((c) => isForbidden(status(c)))).toEqual([true, true]);
    expect([401, 403].map((c) => isUnauthorized(status(c)))).toEqual([true, false]);
  });

  it('is false for other statuses and for anything that is not an ApiStatusError', () => {
    expect([400, 404, 407, 429, 500].map((c) => isForbidden(status(c)))).toEqual(Array(5).fill(false));
    expect(others.map(isForbidden)).toEqual(others.map(() => false));
    expect(others.map(isUnauthorized)).toEqual(others.map(() => false));
  });
});

describe('isExpired', () => {
  it('is true for a 410, the error whose code is E_WATCH_EXPIRED', () => {
    const gone = status(410);
    expect(isExpired(gone)).toBe(true);
    expect(gone.code).toBe('E_WATCH_EXPIRED');
  });

  it('is false for other statuses and for anything that is not an ApiStatusError', () => {
    expect([404, 409, 500].map((c) => isExpired(status(c)))).toEqual([false, false, false]);
    expect(others.map(isExpired)).toEqual(others.map(() => false));
  });
});

describe('isTooManyRequests', () => {
  it('is true for a 429 only', () => {
    expect([429, 503, 500, 404].map((c) => isTooManyRequests(status(c)))).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(others.map(isTooManyRequests)).toEqual(others.map(() => false));
  });
});

describe('isRetriable', () => {
  it('is true for network failures, timeouts, 429 and every 5xx', () => {
    expect(isRetriable(new NetworkError('down'))).toBe(true);
    expect(isRetriable(new TimeoutError('slow', 10))).toBe(true);
    expect([429, 500, 502, 503, 504].map((c) => isRetriable(status(c)))).toEqual(Array(5).fill(true));
  });

  it('is false for other 4xx (408 included), decode failures, aborts and foreign errors', () => {
    expect([400, 401, 403, 404, 408, 409, 410, 422].map((c) => isRetriable(status(c)))).toEqual(
      Array(8).fill(false),
    );
    expect(isRetriable(new DecodeError('garbled'))).toBe(false);
    expect(isRetriable(new AbortError())).toBe(false);
    expect(isRetriable(new InvalidArgumentError('bad'))).toBe(false);
    expect(isRetriable(new Error('ECONNRESET'))).toBe(false);
    expect(isRetriable(undefined)).toBe(false);
  });
});

describe('suggestsDelay', () => {
  it('is true for 429 and 503, with or without a Retry-After', () => {
    expect([429, 503].map((c) => suggestsDelay(status(c)))).toEqual([true, true]);
    expect([429, 503].map((c) => suggestsDelay(status(c, 5)))).toEqual([true, true]);
  });

  it('is true for any status that carries a positive retryAfterSeconds, in the error or in its details', () => {
    expect(suggestsDelay(status(500, 2))).toBe(true);
    const inDetails = new ApiStatusError('x', {
      status: 500,
      reason: 'R',
      details: { retryAfterSeconds: 3 },
    });
    expect(suggestsDelay(inDetails)).toBe(true);
  });

  it('is false without such a hint, for a zero or invalid one, and for anything that is not an ApiStatusError', () => {
    expect([500, 404, 410].map((c) => suggestsDelay(status(c)))).toEqual([false, false, false]);
    expect(suggestsDelay(status(500, 0))).toBe(false);
    expect(suggestsDelay(status(500, Number.NaN))).toBe(false);
    expect(others.map(suggestsDelay)).toEqual(others.map(() => false));
  });
});

describe('isThrottlingStatus', () => {
  it('names 429 and 503 as the statuses that ask a client to slow down', () => {
    expect([429, 503, 500, 502, 404].map(isThrottlingStatus)).toEqual([true, true, false, false, false]);
  });
});
