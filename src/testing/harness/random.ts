/**
 * The seeded random numbers of the fault injector: reproducible for a seed, so a failing run can be replayed.
 *
 * @module
 */

/** A seeded pseudo-random generator returning floats in [0, 1) (mulberry32). */
export type Random = () => number;

/** Hashes a string to a 32-bit unsigned integer (FNV-1a). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: a tiny, fast, reproducible PRNG. Same seed → same sequence. */
export function mulberry32(seed: number | string): Random {
  let a = typeof seed === 'number' ? seed >>> 0 : hash32(seed);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
