import { createHash } from 'node:crypto';

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

/** Hex SHA-256 of a string. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * The logical cluster name kcp would generate for a workspace: 16 base-36 characters, derived from the
 * simulator seed and the path so that runs are reproducible. `root` keeps its name.
 */
export function logicalClusterName(seed: string, path: string): string {
  if (path === 'root') return 'root';
  const digest = createHash('sha256').update(`${seed}\0${path}`).digest();
  let out = '';
  for (let i = 0; i < 16; i++) out += BASE36[(digest[i] ?? 0) % 36] ?? '0';
  // kcp names never start with a digit-only prefix ambiguity we care about; keep as is.
  return out;
}

/** A deterministic RFC 4122-shaped UID from the simulator seed and a counter. */
export function deterministicUid(seed: string, counter: number): string {
  const h = sha256(`${seed}\0uid\0${counter}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
