import { createHash } from 'node:crypto';

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
