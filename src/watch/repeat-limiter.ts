/**
 * Rate-limits repeated, identical log lines: the first occurrence of a key is admitted, repeats within
 * `intervalMs` are counted and suppressed, and the next admitted line reports how many were suppressed.
 * Remembers at most `maxKeys` keys (least recently admitted are forgotten first).
 */
export class RepeatLimiter {
  private readonly seen = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly maxKeys = 64,
  ) {}

  /**
   * Decides whether to log a line with `key` at time `now` (ms).
   * @returns `undefined` to suppress it, else the number of repeats suppressed since it was last logged.
   */
  admit(key: string, now: number): number | undefined {
    const entry = this.seen.get(key);
    if (entry !== undefined && now - entry.at < this.intervalMs) {
      entry.suppressed += 1;
      return undefined;
    }
    this.seen.delete(key);
    this.seen.set(key, { at: now, suppressed: 0 });
    if (this.seen.size > this.maxKeys) {
      const [oldest] = this.seen.keys();
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return entry?.suppressed ?? 0;
  }
}

/** A log key for a message that ignores the numbers in it (delays, attempts, durations, positions). */
export function repeatKey(message: string): string {
  return message.replace(/\d+/g, '#');
}
