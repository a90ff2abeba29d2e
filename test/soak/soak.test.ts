import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { EndpointChange } from '../../src/endpoints/types.js';
import { reproduction, runSeed } from '../../scripts/soak/engine.js';
import { streamInvariants, type Watched } from '../../scripts/soak/invariants.js';
import { Subscriber } from '../../scripts/soak/observe.js';
import { rng } from '../../scripts/soak/rng.js';
import { planSchedule } from '../../scripts/soak/world.js';

const SEEDS = Array.from({ length: 25 }, (_, i) => i + 1);
const DURATION_MS = 600;

describe('reliability soak (short, deterministic schedule per seed)', () => {
  it.each(SEEDS)(
    'seed %i: every subscriber converges to the server’s truth, without duplicates, early emissions or leaks',
    async (seed) => {
      const result = await runSeed({ seed, durationMs: DURATION_MS });
      const repro = `seed ${seed} failed; reproduce with: ${reproduction(seed, DURATION_MS)}`;
      if (!result.ok) console.error(`${repro}\n  ${result.failures.join('\n  ')}`);
      expect(result.failures, repro).toEqual([]);
      expect(result.faults, 'faults struck').toBeGreaterThan(0);
      if (result.exec) expect(result.execRuns, 'exec plugin ran').toBeGreaterThan(0);
    },
  );
});

const change = (phase: EndpointChange['phase'], urls: string[] = []): EndpointChange =>
  ({ phase, urls, source: 'none', reason: 'NoBindingYet', message: 'm' }) as EndpointChange;

function watched(changes: EndpointChange[], listedAt: Map<string, number>): Watched {
  const s = new Subject<EndpointChange>();
  const sub = new Subscriber('X root:org:p1:e0', s);
  for (const c of changes) s.next(c);
  return { sub, family: 'X', listedAt, ref: 'root:org:p1:e0', path: 'root:org:p1', options: {} };
}

const LISTED = new Map([
  ['root:org:p1|apiexportendpointslices', 0],
  ['root:org:p1|apiexports', 0],
]);

describe('soak invariants', () => {
  it('plans the same schedule for the same seed and a different one for another seed', () => {
    expect(planSchedule(rng(7), 500)).toEqual(planSchedule(rng(7), 500));
    expect(planSchedule(rng(7), 500)).not.toEqual(planSchedule(rng(8), 500));
  });

  it('accepts a clean history', () => {
    expect(streamInvariants(watched([change('AwaitingBinding'), change('Ready', ['u'])], LISTED))).toEqual(
      [],
    );
  });

  it('flags two consecutive identical emissions', () => {
    const w = watched([change('Ready', ['u']), change('Ready', ['u'])], LISTED);
    expect(streamInvariants(w).join()).toMatch(/identical/);
  });

  it('flags an emission before the initial lists', () => {
    const w = watched([change('SliceMissing')], new Map([['root:org:p1|apiexports', 0]]));
    expect(streamInvariants(w).join()).toMatch(/before the initial list of apiexportendpointslices/);
  });

  it('flags a Forbidden emission and a stream that errored', () => {
    const s = new Subject<EndpointChange>();
    const w = watched([], LISTED);
    const sub = new Subscriber('Y', s);
    s.next(change('Forbidden'));
    s.error(new Error('boom'));
    const failures = streamInvariants({ ...w, sub });
    expect(failures.join()).toMatch(/Forbidden/);
    expect(failures.join()).toMatch(/errored/);
  });

  it('prints a one-line reproduction command', () => {
    expect(reproduction(42, 600)).toBe('npm run soak -- --seed 42 --duration 0.6');
  });
});
