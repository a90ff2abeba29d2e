/** The streams and environment a CLI run uses; injectable so commands run in-process in tests. */
export interface CliStream {
  /** Writes text as is (no newline added). */
  write(text: string): unknown;
  /** True when the stream is a terminal. */
  readonly isTTY?: boolean | undefined;
  /** Terminal width, when a terminal. */
  readonly columns?: number | undefined;
}

/** Everything a command needs from its process. */
export interface CliIo {
  /** Results. */
  stdout: CliStream;
  /** Progress and diagnostics. */
  stderr: CliStream;
  /** Environment variables (`NO_COLOR`, `KUBECONFIG`, …). */
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT/SIGTERM: `watch` then stops and exits 0, `wait` gives up. */
  signal: AbortSignal;
}

/** ANSI styling that is a no-op when colour is off. */
export interface Style {
  /** Whether colour is on. */
  readonly enabled: boolean;
  /** Bold text. */
  bold(text: string): string;
  /** Dim text. */
  dim(text: string): string;
  /** Green text. */
  green(text: string): string;
  /** Yellow text. */
  yellow(text: string): string;
  /** Red text. */
  red(text: string): string;
  /** Cyan text. */
  cyan(text: string): string;
}

const wrap =
  (on: boolean, open: number, close: number) =>
  (text: string): string =>
    on ? `\u001b[${open}m${text}\u001b[${close}m` : text;

/** Colour only on a terminal, and never when `NO_COLOR` is set (to any non-empty value). */
export function styleFor(stream: CliStream, env: CliIo['env']): Style {
  const noColor = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
  const enabled = stream.isTTY === true && !noColor && env['TERM'] !== 'dumb';
  return {
    enabled,
    bold: wrap(enabled, 1, 22),
    dim: wrap(enabled, 2, 22),
    green: wrap(enabled, 32, 39),
    yellow: wrap(enabled, 33, 39),
    red: wrap(enabled, 31, 39),
    cyan: wrap(enabled, 36, 39),
  };
}

/** Writes one line. */
export function writeLine(stream: CliStream, text = ''): void {
  stream.write(`${text}\n`);
}
