import { describe, expect, it } from 'vitest';
import { AbortError, ApiStatusError, DecodeError, NetworkError, TimeoutError } from '../../src/errors.js';
import { watchOutcomeOf } from '../../src/watch/policy.js';

const status = (code: number): ApiStatusError => new ApiStatusError('x', { status: code, reason: 'R' });

describe('watchOutcomeOf', () => {
  it('relists after a 410 because the resourceVersion expired', () => {
    expect(watchOutcomeOf(status(410))).toMatchObject({ kind: 'relist', reason: 'expired' });
  });

  it('re-watches after a 429, a network failure, a timeout and a stream decode failure', () => {
    const errors = [
      status(429),
      new NetworkError('reset'),
      new TimeoutError('idle', 5),
      new DecodeError('bad'),
    ];
    expect(errors.map((e) => watchOutcomeOf(e).kind)).toEqual(['rewatch', 'rewatch', 'rewatch', 'rewatch']);
  });

  it('relists after a 5xx and after any other failure, unlike a one-shot read that retries a 5xx', () => {
    const errors = [status(500), status(503), status(403), status(404), new AbortError()];
    expect(errors.map((e) => watchOutcomeOf(e))).toEqual(
      errors.map((error) => ({ kind: 'relist', error, reason: 'error' })),
    );
  });
});
