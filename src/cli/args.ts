import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ResolveMode } from '../endpoints/types.js';
import { MAX_TIMER_MS } from '../timers.js';
import { parseDuration } from './duration.js';
import { parseRewriteUrls, RewriteUrlError } from './rewrite.js';

/** {@link MAX_TIMER_MS} as a duration flag value: `596h31m23s`. */
const MAX_DURATION_TEXT = `${Math.floor(MAX_TIMER_MS / 3_600_000)}h${Math.floor((MAX_TIMER_MS % 3_600_000) / 60_000)}m${Math.floor((MAX_TIMER_MS % 60_000) / 1_000)}s`;
import { COMMANDS, FLAGS, OUTPUTS, flagsOf, type CommandName } from './flags.js';

/** A usage error: exit 2 with a one-line reason and a hint. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** What to try instead. */
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

/** What `wait --for` waits for. */
export type WaitCondition = { kind: 'ready' } | { kind: 'urls'; count: number };

/** The parsed, validated command line. */
export interface CliArgs {
  /** The subcommand; `help` when none was given. */
  command: CommandName;
  /** Positional arguments after the command. */
  args: string[];
  /** `--help` was given. */
  help: boolean;
  /** `--version` was given. */
  version: boolean;
  /** `-v` level (0 = quiet). */
  verbosity: number;
  /** `--kubeconfig`. */
  kubeconfig?: string | undefined;
  /** `--context`. */
  context?: string | undefined;
  /** `-s/--server`. */
  server?: string | undefined;
  /** `--token`. */
  token?: string | undefined;
  /** `--certificate-authority` (a file path). */
  certificateAuthority?: string | undefined;
  /** `--insecure-skip-tls-verify`. */
  insecureSkipTlsVerify: boolean;
  /** `-w/--workspace`. */
  workspace?: string | undefined;
  /** `--request-timeout` in ms (0 = none). */
  requestTimeoutMs?: number | undefined;
  /** `--mode`. */
  mode?: ResolveMode | undefined;
  /** `--slice`. */
  slice?: string | undefined;
  /** `--rewrite-url FROM=TO` (repeatable) as the client's `rewriteUrl`; `undefined` without the flag. */
  rewriteUrl?: ((url: string) => string) | undefined;
  /** Output format (validated against the command). */
  output: string;
  /** `wait --for`. */
  waitFor: WaitCondition;
  /** `wait --timeout` in ms (0 = forever). */
  timeoutMs: number;
  /** `explain --consumer`. */
  consumers: string[];
  /** `explain`: probe each endpoint URL; false with `--no-probe`. */
  probe: boolean;
  /** `consumers --watch`. */
  watch: boolean;
  /** `consumers --engage`. */
  engage: 'ready' | 'any';
  /** `demo --fast`. */
  fast: boolean;
}

/** Default `wait --timeout`. */
export const DEFAULT_WAIT_TIMEOUT_MS = 30_000;

const hintFor = (command: CommandName | undefined): string =>
  command === undefined || command === 'help'
    ? "run 'kcp-endpoints --help' for usage"
    : `run 'kcp-endpoints ${command} --help' for usage`;

/** Pulls kubectl-style verbosity (`-v 6`, `-v=6`, `-v6`, `--v=6`, `-vv`) out of argv. */
export function extractVerbosity(argv: readonly string[]): { rest: string[]; verbosity: number } {
  const rest: string[] = [];
  let verbosity = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    const eq = /^--?v=?(\d+)$/.exec(a);
    if (eq !== null) {
      verbosity = Number(eq[1]);
      continue;
    }
    if (a === '-v' || a === '--v') {
      const next = argv[i + 1];
      if (next !== undefined && /^\d+$/.test(next)) {
        verbosity = Number(next);
        i++;
      } else verbosity = Math.max(verbosity, 1);
      continue;
    }
    if (/^-v{2,}$/.test(a)) {
      verbosity = a.length - 1;
      continue;
    }
    rest.push(a);
  }
  return { rest, verbosity };
}

function parseConfig(): ParseArgsConfig['options'] {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const f of FLAGS) {
    options[f.name] = {
      type: f.type,
      ...(f.short === undefined ? {} : { short: f.short }),
      ...(f.multiple === true ? { multiple: true } : {}),
    };
  }
  return options;
}

function quoted(message: string): string {
  return /'([^']+)'/.exec(message)?.[1] ?? '';
}

function rawParse(argv: string[], command: CommandName | undefined): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({
      args: argv,
      options: parseConfig(),
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : String(e);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new UsageError(`unknown flag ${quoted(message)}`, hintFor(command));
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && message.includes('argument is ambiguous')) {
      // `--flag -value`: the value starts with a dash.
      const flag = quoted(message);
      const value = argv[argv.indexOf(flag) + 1] ?? '';
      if (/^-[^-]/.test(value) && parseDuration(value.slice(1)) !== undefined) {
        throw new UsageError(`invalid ${flag} "${value}": the value is negative`, hintFor(command));
      }
      throw new UsageError(
        `flag ${flag} needs a value; to give one that starts with "-", write ${flag}=${value}`,
        hintFor(command),
      );
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = /^Option '(?:-\w, )?(--[\w-]+)/.exec(message)?.[1] ?? quoted(message);
      const takes = message.includes('argument missing') || message.includes('<value>');
      throw new UsageError(
        takes ? `flag ${flag} needs a value` : `flag ${flag} does not take a value`,
        hintFor(command),
      );
    }
    throw new UsageError(message.split('\n')[0] ?? message, hintFor(command));
  }
}

function guessCommand(argv: readonly string[]): CommandName | undefined {
  return COMMANDS.find((c) => argv.includes(c));
}

/**
 * Parses and validates the command line (without the `node script` prefix).
 * @throws UsageError for unknown flags or commands, missing or extra arguments, invalid values.
 */
export function parseCli(argv: readonly string[]): CliArgs {
  const { rest, verbosity } = extractVerbosity(argv);
  const parsed = rawParse(rest, guessCommand(rest));
  const [first, ...args] = parsed.positionals;
  const help = parsed.values['help'] === true;
  const version = parsed.values['version'] === true;
  let command: CommandName;
  if (first === undefined) command = version ? 'version' : 'help';
  else if ((COMMANDS as readonly string[]).includes(first)) command = first as CommandName;
  else {
    throw new UsageError(
      `unknown command "${first}"`,
      `commands: ${COMMANDS.join(', ')}; run 'kcp-endpoints --help'`,
    );
  }
  const accepted = new Set(flagsOf(command).map((f) => f.name));
  for (const t of parsed.tokens ?? []) {
    if (t.kind === 'option' && !accepted.has(t.name)) {
      throw new UsageError(`flag --${t.name} is not accepted by "${command}"`, hintFor(command));
    }
  }
  const v = parsed.values;
  const str = (name: string): string | undefined => {
    const x = v[name];
    return typeof x === 'string' ? x : undefined;
  };
  const out: CliArgs = {
    command,
    args,
    help,
    version,
    verbosity,
    kubeconfig: str('kubeconfig'),
    context: str('context'),
    server: str('server'),
    token: str('token'),
    certificateAuthority: str('certificate-authority'),
    insecureSkipTlsVerify: v['insecure-skip-tls-verify'] === true,
    workspace: str('workspace'),
    slice: str('slice'),
    output: OUTPUTS[command]?.[0] ?? 'text',
    waitFor: { kind: 'ready' },
    timeoutMs: DEFAULT_WAIT_TIMEOUT_MS,
    consumers: Array.isArray(v['consumer']) ? v['consumer'].filter((x) => typeof x === 'string') : [],
    probe: v['no-probe'] !== true,
    watch: v['watch'] === true,
    engage: 'ready',
    fast: v['fast'] === true,
  };
  if (help || version) return out;
  validate(out, str);
  out.rewriteUrl = rewriteFlag(v['rewrite-url'], hintFor(command));
  return out;
}

function rewriteFlag(value: unknown, hint: string): ((url: string) => string) | undefined {
  const values = Array.isArray(value) ? value.filter((x) => typeof x === 'string') : [];
  try {
    return parseRewriteUrls(values);
  } catch (e) {
    if (e instanceof RewriteUrlError) throw new UsageError(e.message, hint);
    throw e;
  }
}

function validate(out: CliArgs, str: (name: string) => string | undefined): void {
  const { command } = out;
  const hint = hintFor(command);
  const output = str('output');
  if (output !== undefined) {
    const allowed = OUTPUTS[command] ?? [];
    if (!allowed.includes(output)) {
      throw new UsageError(`invalid --output "${output}" for ${command}: use ${allowed.join('|')}`, hint);
    }
    out.output = output;
  }
  const mode = str('mode');
  if (mode !== undefined) {
    if (mode !== 'auto' && mode !== 'endpointSlice' && mode !== 'virtualWorkspaces') {
      throw new UsageError(`invalid --mode "${mode}": use auto|endpointSlice|virtualWorkspaces`, hint);
    }
    out.mode = mode;
  }
  for (const name of NON_EMPTY) {
    if (str(name)?.trim() === '') {
      throw new UsageError(`flag --${name} is empty: give a value or leave the flag out`, hint);
    }
  }
  const rt = str('request-timeout');
  if (rt !== undefined) out.requestTimeoutMs = durationFlag('request-timeout', rt, hint);
  const timeout = str('timeout');
  if (timeout !== undefined) out.timeoutMs = durationFlag('timeout', timeout, hint);
  const engage = str('engage');
  if (engage !== undefined) {
    if (engage !== 'ready' && engage !== 'any') {
      throw new UsageError(`invalid --engage "${engage}": use ready|any`, hint);
    }
    out.engage = engage;
  }
  if (out.command === 'consumers' && out.output === 'json' && out.watch) {
    throw new UsageError('consumers --watch prints a stream: use -o text or -o ndjson', hint);
  }
  const cond = str('for');
  if (cond !== undefined) out.waitFor = parseWaitFor(cond, hint);
  checkPositionals(out, hint);
}

function durationFlag(flag: string, text: string, hint: string): number {
  if (text.trim() === '')
    throw new UsageError(`flag --${flag} is empty: give a duration like 30s or 2m`, hint);
  if (text.trim().startsWith('-') && parseDuration(text.trim().slice(1)) !== undefined) {
    throw new UsageError(`invalid --${flag} "${text}": the value is negative; use 0 for no timeout`, hint);
  }
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new UsageError(`invalid --${flag} "${text}": use a duration like 30s, 2m, 1h30m or 0`, hint);
  }
  if (ms > MAX_TIMER_MS) {
    throw new UsageError(
      `invalid --${flag} "${text}": longer than the maximum of ${MAX_DURATION_TEXT} (2^31 − 1 ms); use 0 for no timeout`,
      hint,
    );
  }
  return ms;
}

/** Value flags that must not be given an empty value (`--server=`): an empty value is always a mistake. */
const NON_EMPTY = ['kubeconfig', 'context', 'server', 'token', 'certificate-authority', 'workspace', 'slice'];

function parseWaitFor(text: string, hint: string): WaitCondition {
  if (text === 'ready') return { kind: 'ready' };
  const m = /^urls=(\d+)$/.exec(text);
  if (m !== null && Number(m[1]) >= 1) return { kind: 'urls', count: Number(m[1]) };
  throw new UsageError(`invalid --for "${text}": use ready or urls=N (N ≥ 1)`, hint);
}

function checkPositionals(out: CliArgs, hint: string): void {
  const { command, args } = out;
  const n = args.length;
  const extra = (max: number): void => {
    if (n > max) throw new UsageError(`unexpected argument "${args[max] ?? ''}" for ${command}`, hint);
  };
  switch (command) {
    case 'get':
    case 'watch':
    case 'wait':
    case 'explain':
    case 'nudge':
    case 'consumers':
      if (n === 0) {
        throw new UsageError(
          `${command} needs an export reference, e.g. root:org:provider:today-cowboys`,
          hint,
        );
      }
      extra(1);
      return;
    case 'completion':
      if (n === 0) throw new UsageError('completion needs a shell: bash, zsh or fish', hint);
      if (!['bash', 'zsh', 'fish'].includes(args[0] ?? '')) {
        throw new UsageError(`unsupported shell "${args[0] ?? ''}": use bash, zsh or fish`, hint);
      }
      extra(1);
      return;
    case 'help':
      if (n > 0 && !(COMMANDS as readonly string[]).includes(args[0] ?? '')) {
        throw new UsageError(`unknown command "${args[0] ?? ''}"`, hint);
      }
      extra(1);
      return;
    default:
      extra(0);
  }
}
