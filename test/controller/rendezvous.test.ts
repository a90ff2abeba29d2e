import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  boundedRendezvousAssign,
  rendezvousAssign,
  rendezvousOwner,
  rendezvousWeight,
} from '../../src/controller/rendezvous.js';

/** Names shaped like kcp's logical cluster names (16 lowercase base-36 characters). */
const clusterName = (i: number, seed = 0): string =>
  BigInt(`0x${createHash('sha256').update(`${seed}/${i}`).digest('hex').slice(0, 20)}`)
    .toString(36)
    .slice(0, 16);
const clusters = (n: number, seed = 0): string[] => Array.from({ length: n }, (_, i) => clusterName(i, seed));
/** Identities shaped like `<pod name>-<pid>`. */
const members = (k: number, seed = 0): string[] =>
  Array.from({ length: k }, (_, i) => `provider-7d9f8c6b5-${seed.toString(36)}x${i}-1`);

const memberArb = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 8 });
const keyArb = fc.uniqueArray(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 60 });

function counts(assignment: Map<string, string>, ms: readonly string[]): number[] {
  const c = new Map(ms.map((m) => [m, 0]));
  for (const m of assignment.values()) c.set(m, (c.get(m) ?? 0) + 1);
  return [...c.values()];
}

describe('rendezvousWeight', () => {
  it('is a deterministic 53-bit integer that separates key and member', () => {
    expect(rendezvousWeight('cluster-a', 'replica-1')).toBe(rendezvousWeight('cluster-a', 'replica-1'));
    fc.assert(
      fc.property(fc.string(), fc.string(), (k, m) => {
        const w = rendezvousWeight(k, m);
        expect(Number.isSafeInteger(w)).toBe(true);
        expect(w).toBeGreaterThanOrEqual(0);
      }),
    );
    // the NUL between key and member: "ab"+"c" and "a"+"bc" weigh differently
    expect(rendezvousWeight('ab', 'c')).not.toBe(rendezvousWeight('a', 'bc'));
  });

  it('spreads the keys of one member evenly: every 1/8 of the range gets 1/8 of 8,000 keys (±15 %)', () => {
    const buckets = new Array<number>(8).fill(0);
    for (const k of clusters(8_000)) {
      const w = rendezvousWeight(k, 'replica-1');
      buckets[Math.floor((w / 2 ** 53) * 8)]! += 1;
    }
    for (const b of buckets) expect(Math.abs(b - 1_000)).toBeLessThan(150);
  });
});

describe('rendezvousOwner', () => {
  it('picks a member, whatever the order of the members', () => {
    fc.assert(
      fc.property(fc.string(), memberArb, fc.integer(), (key, ms, shift) => {
        const owner = rendezvousOwner(key, ms);
        expect(ms).toContain(owner);
        const rotated = [
          ...ms.slice(Math.abs(shift) % ms.length),
          ...ms.slice(0, Math.abs(shift) % ms.length),
        ];
        expect(rendezvousOwner(key, rotated.reverse())).toBe(owner);
      }),
    );
    expect(rendezvousOwner('x', [])).toBeUndefined();
  });

  it('moves only the keys the new member wins when a member joins', () => {
    fc.assert(
      fc.property(keyArb, memberArb, fc.string({ minLength: 1, maxLength: 20 }), (keys, ms, joining) => {
        fc.pre(!ms.includes(joining));
        const before = rendezvousAssign(keys, ms);
        const after = rendezvousAssign(keys, [...ms, joining]);
        for (const k of keys) {
          if (after.get(k) !== before.get(k)) expect(after.get(k)).toBe(joining);
        }
      }),
    );
  });

  it('moves only the keys the leaving member owned when a member leaves', () => {
    fc.assert(
      fc.property(keyArb, memberArb, fc.nat(), (keys, ms, i) => {
        fc.pre(ms.length >= 2);
        const leaving = ms[i % ms.length]!;
        const before = rendezvousAssign(keys, ms);
        const after = rendezvousAssign(
          keys,
          ms.filter((m) => m !== leaving),
        );
        for (const k of keys) {
          if (after.get(k) !== before.get(k)) expect(before.get(k)).toBe(leaving);
        }
      }),
    );
  });

  it('assigns nothing without members', () => {
    expect(rendezvousAssign(['a', 'b'], []).size).toBe(0);
  });
});

describe('boundedRendezvousAssign', () => {
  it('gives every key one member and no member more than ⌈N/k⌉, whatever the order of the inputs', () => {
    fc.assert(
      fc.property(keyArb, memberArb, (keys, ms) => {
        const a = boundedRendezvousAssign(keys, ms);
        expect([...a.keys()].sort()).toEqual([...keys].sort());
        for (const c of counts(a, ms)) expect(c).toBeLessThanOrEqual(Math.ceil(keys.length / ms.length));
        const b = boundedRendezvousAssign([...keys].reverse(), [...ms].reverse());
        expect([...b].sort()).toEqual([...a].sort());
      }),
    );
    expect(boundedRendezvousAssign([], ['a']).size).toBe(0);
    expect(boundedRendezvousAssign(['k'], []).size).toBe(0);
  });

  it('agrees with plain rendezvous hashing when there is room for everyone', () => {
    fc.assert(
      fc.property(keyArb, memberArb, (keys, ms) => {
        const plain = rendezvousAssign(keys, ms);
        const bounded = boundedRendezvousAssign(keys, ms);
        if (Math.max(...counts(plain, ms)) <= Math.ceil(keys.length / ms.length)) {
          expect([...bounded].sort()).toEqual([...plain].sort());
        }
      }),
    );
  });
});

/**
 * The measured spread (logged for RESULTS-style reporting): for realistic cluster and replica names, how
 * often the busiest replica stays within ⌈N/k⌉ + 1 with plain rendezvous hashing, and how many clusters move
 * when a fourth replica joins three, for both assignments.
 */
describe('spread and movement on realistic names', () => {
  it('is measured: plain rendezvous hashing exceeds ⌈N/k⌉ + 1 for large N; the bounded assignment never does and moves few more keys', () => {
    const lines: string[] = [];
    for (const k of [2, 3, 5]) {
      for (const n of [10, 30, 100, 1000]) {
        const runs = n >= 1000 ? 5 : 50;
        let within = 0;
        const maxes: number[] = [];
        for (let s = 0; s < runs; s++) {
          const ms = members(k, s);
          const keys = clusters(n, s);
          const max = Math.max(...counts(rendezvousAssign(keys, ms), ms));
          maxes.push(max);
          if (max <= Math.ceil(n / k) + 1) within++;
          expect(Math.max(...counts(boundedRendezvousAssign(keys, ms), ms))).toBeLessThanOrEqual(
            Math.ceil(n / k),
          );
        }
        maxes.sort((a, b) => a - b);
        // 1000 keys over 3 replicas: the busiest is ~√333 ≈ 18 above the mean, never within ⌈N/k⌉ + 1
        if (n === 1000 && k === 3) expect(within).toBe(0);
        lines.push(
          `k=${k} N=${n}: ⌈N/k⌉+1=${Math.ceil(n / k) + 1}, plain within it in ${within}/${runs} runs, busiest median ${maxes[maxes.length >> 1]} worst ${maxes.at(-1)}`,
        );
      }
    }
    const moved = (a: Map<string, string>, b: Map<string, string>): number =>
      [...a].filter(([key, m]) => b.get(key) !== m).length;
    let plainMoves = 0;
    let boundedMoves = 0;
    for (let s = 0; s < 20; s++) {
      const ms = members(4, s);
      const keys = clusters(300, s);
      plainMoves += moved(rendezvousAssign(keys, ms.slice(0, 3)), rendezvousAssign(keys, ms));
      boundedMoves += moved(boundedRendezvousAssign(keys, ms.slice(0, 3)), boundedRendezvousAssign(keys, ms));
    }
    lines.push(
      `4th replica joins 3 (N=300, 20 runs): plain moves ${plainMoves / 20}, bounded ${boundedMoves / 20}`,
    );
    // the minimum is N/4 = 75: plain moves about that, bounded at most 15 % more
    expect(plainMoves / 20).toBeGreaterThan(60);
    expect(plainMoves / 20).toBeLessThan(90);
    expect(boundedMoves / plainMoves).toBeLessThan(1.15);
    if (process.env['REPORT_SPREAD'] !== undefined) console.log(lines.join('\n'));
  });
});
