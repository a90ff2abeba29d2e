// Small statistics and reporting helpers shared by the benchmarks.
import { cpus, totalmem, release } from 'node:os';

/** Sorted copy. */
const sorted = (xs) => [...xs].sort((a, b) => a - b);

/** Quantile with linear interpolation, q in [0, 1]. */
export function quantile(xs, q) {
  const s = sorted(xs);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Median. */
export const median = (xs) => quantile(xs, 0.5);

/** Median, min, max and the relative spread (max-min)/median of repeated measurements. */
export function summary(xs) {
  const m = median(xs);
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  return { median: m, min, max, spreadPct: m === 0 ? 0 : ((max - min) / m) * 100, n: xs.length };
}

/** Latency distribution of samples in ms. */
export function latency(xs) {
  return {
    n: xs.length,
    p50: quantile(xs, 0.5),
    p90: quantile(xs, 0.9),
    p99: quantile(xs, 0.99),
    max: Math.max(...xs),
  };
}

/** Machine facts printed with every result. */
export function machine() {
  const c = cpus();
  return {
    cpus: c.length,
    model: c[0]?.model ?? 'unknown',
    node: process.version,
    os: `${process.platform} ${release()}`,
    memoryGb: Math.round(totalmem() / 2 ** 30),
  };
}

/** Rounds to `d` decimals. */
export const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Formats a number with thousands separators. */
export const fmt = (x, d = 0) =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })
    : String(x);

/** Forces a full GC when `--expose-gc` is on (no-op otherwise). */
export function gc() {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
}

/** Sleeps. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Parses `--name value` flags into an object of strings (and `true` for bare flags). */
export function flags(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[a.slice(2)] = true;
    else {
      out[a.slice(2)] = next;
      i++;
    }
  }
  return out;
}
