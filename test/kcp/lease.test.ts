import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMicroTime } from '../../src/kcp/lease.js';

/** Go's `RFC3339Micro` layout as kube-apiserver parses a MicroTime: exactly six fractional digits. */
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

describe('formatMicroTime', () => {
  it('writes RFC 3339 in UTC with exactly six fractional digits', () => {
    expect(formatMicroTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05.678000Z');
    expect(formatMicroTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678) + 0.9)).toBe('2026-01-02T03:04:05.678900Z');
    expect(formatMicroTime(0)).toBe('1970-01-01T00:00:00.000000Z');
  });

  it('round-trips through Date to the millisecond for any time of this millennium', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(2999, 11, 31) }), (ms) => {
        const text = formatMicroTime(ms);
        expect(text).toMatch(MICRO_TIME);
        expect(Date.parse(text)).toBe(ms);
      }),
    );
  });
});
