import { describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import type { ClientOptions } from '../src/client-types.js';
import { isInvalidArgumentError } from '../src/errors.js';
import { MAX_TIMER_MS, timerDelay } from '../src/timers.js';

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
