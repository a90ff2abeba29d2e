import { escapeControlChar, hasControl, isControlCode } from '../text.js';

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

/** Writes one line; control characters other than newlines are escaped (see {@link safeText}). */
export function writeLine(stream: CliStream, text = ''): void {
  stream.write(`${safeText(text)}\n`);
}

/** Length of the SGR colour sequence (`ESC [ digits ; m`) at `i`, or 0. */
function sgrLength(text: string, i: number): number {
  if (text.charCodeAt(i) !== 0x1b || text[i + 1] !== '[') return 0;
  let j = i + 2;
  while (j < text.length && /[0-9;]/.test(text[j] ?? '')) j += 1;
  return text[j] === 'm' ? j + 1 - i : 0;
}

/**
 * Text as it may reach a terminal: every control character but the newline is escaped (see
 * {@link escapeControl}); the colour codes of {@link Style} are kept. Server data must still be passed through
 * {@link escapeControl} where it is formatted, so a newline or colour code inside a value cannot pass.
 */
export function safeText(text: string): string {
  if (!hasControl(text)) return text;
  let out = '';
  for (let i = 0; i < text.length;) {
    const sgr = sgrLength(text, i);
    if (sgr > 0) {
      out += text.slice(i, i + sgr);
      i += sgr;
      continue;
    }
    const c = text[i] ?? '';
    out += c !== '\n' && isControlCode(c.charCodeAt(0)) ? escapeControlChar(c) : c;
    i += 1;
  }
  return out;
}
