import { InvalidArgumentError } from '../errors.js';

/** Default cap of a (decompressed) non-watch response body: 64 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Default cap of one watch event line: 16 Mi characters. */
export const DEFAULT_MAX_WATCH_EVENT_CHARS = 16 * 1024 * 1024;
/** Default cap of the pages one list follows through `continue` tokens. */
export const DEFAULT_MAX_LIST_PAGES = 10_000;
/** Default cap of the items one list collects across its pages. */
export const DEFAULT_MAX_LIST_ITEMS = 1_000_000;

/**
 * Size limits on what a server may send. Exceeding one is a `DecodeError` naming the limit: the transport
 * stops reading at once and the answer is never downloaded again by a network retry.
 */
export interface ResponseLimits {
  /**
   * Largest body of a non-watch response, in bytes after decompression (a gzip bomb stops here).
   * @default 67108864 (64 MiB, {@link DEFAULT_MAX_RESPONSE_BYTES})
   */
  maxResponseBytes?: number | undefined;
  /**
   * Longest line (one event) of a watch stream, in characters; a longer line ends the watch.
   * @default 16777216 ({@link DEFAULT_MAX_WATCH_EVENT_CHARS})
   */
  maxWatchEventChars?: number | undefined;
  /**
   * Most pages one list follows through `continue` tokens.
   * @default 10000 ({@link DEFAULT_MAX_LIST_PAGES})
   */
  maxListPages?: number | undefined;
  /**
   * Most items one list collects across all of its pages.
   * @default 1000000 ({@link DEFAULT_MAX_LIST_ITEMS})
   */
  maxListItems?: number | undefined;
}

/** {@link ResponseLimits} with every default filled in. */
export type ResolvedResponseLimits = { [K in keyof ResponseLimits]-?: number };

/**
 * Fills every unset field of `limits` with its default.
 * @throws InvalidArgumentError when a limit is not a positive integer.
 */
export function resolveLimits(limits: ResponseLimits = {}): ResolvedResponseLimits {
  const out: ResolvedResponseLimits = {
    maxResponseBytes: limits.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    maxWatchEventChars: limits.maxWatchEventChars ?? DEFAULT_MAX_WATCH_EVENT_CHARS,
    maxListPages: limits.maxListPages ?? DEFAULT_MAX_LIST_PAGES,
    maxListItems: limits.maxListItems ?? DEFAULT_MAX_LIST_ITEMS,
  };
  for (const [name, value] of Object.entries(out)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new InvalidArgumentError(
        `Invalid limits.${name} ${String(value)}: expected a positive integer`,
        `limits.${name}`,
      );
    }
  }
  return out;
}

/** `67108864` → `64 MiB`, `1500` → `1500 bytes`: a limit as people read it. */
export function formatBytes(n: number): string {
  const MiB = 1024 * 1024;
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
