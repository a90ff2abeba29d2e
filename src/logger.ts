/**
 * Logging hook, shaped like octokit's: four levels, a message and an optional context object.
 * Debug and info default to no-ops; warn and error default to `console`. Never receives secrets.
 */
export interface Logger {
  /** Fine-grained tracing (requests, watch events). */
  debug(message: string, context?: Record<string, unknown>): void;
  /** Lifecycle information (connected, relisted). */
  info(message: string, context?: Record<string, unknown>): void;
  /** Something degraded but handled (legacy fallback used, retrying). */
  warn(message: string, context?: Record<string, unknown>): void;
  /** Something failed. */
  error(message: string, context?: Record<string, unknown>): void;
}

const noop = (): void => undefined;

/** Fills missing levels with the defaults: no-op debug/info, `console.warn`/`console.error`. */
export function resolveLogger(logger?: Partial<Logger>): Logger {
  return {
    debug: logger?.debug?.bind(logger) ?? noop,
    info: logger?.info?.bind(logger) ?? noop,
    warn:
      logger?.warn?.bind(logger) ??
      ((m, c) => {
        console.warn(m, c ?? '');
      }),
    error:
      logger?.error?.bind(logger) ??
      ((m, c) => {
        console.error(m, c ?? '');
      }),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
