/**
 * What the server commands (`get`, `watch`, `wait`, `explain`, `nudge`) share: creating the SDK client from the
 * command line and closing it ({@link withClient}), the CLI logger, resolve options, printing a resolution, and
 * following the client's connection status on stderr. Each module in `commands/` holds only its command.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Observable, Subscription } from 'rxjs';
import { createOneShotClient, type OneShotClient } from '../client-family.js';
import type { ClientOptions, ClientStatus, KcpClient } from '../client-types.js';
import { pemProblem } from '../config/material.js';
import type { EndpointResolution, ResolveOptions } from '../endpoints/types.js';
import { KubeconfigError } from '../errors.js';
import { displayUrl } from '../http/errors.js';
import type { Logger } from '../logger.js';
import { redactText } from '../redact.js';
import { escapeControl } from '../text.js';
import type { CliArgs } from './args.js';
import { ExitCode, exitCodeForResolution } from './exit-codes.js';
import { formatResolution } from './format.js';
import { styleFor, writeLine, type CliIo } from './io.js';
import { reportError } from './report-error.js';

/**
 * A logger that writes to stderr by `-v` level: errors always, warnings at ≥ 1 (those with `notice: true` in
 * their context always), info at ≥ 2, debug at ≥ 4.
 * Context objects are printed only at ≥ 6. Everything passes through redaction. Watch retries are left to the
 * client's `status$` stream so they are not reported twice.
 */
export function cliLogger(io: CliIo, verbosity: number): Logger {
  const line =
    (level: string, min: number) =>
    (message: string, context?: Record<string, unknown>): void => {
      // `notice` warnings (e.g. credentials withheld) are shown at every verbosity.
      if (verbosity < min && !(level === 'warning' && context?.['notice'] === true)) return;
      // retries are reported once, from the client's status$ stream (see `watch`)
      if (level === 'warning' && /^retrying in \d+ ms/.test(message)) return;
      const ctx = verbosity >= 6 && context !== undefined ? ` ${JSON.stringify(context)}` : '';
      writeLine(io.stderr, redactText(`${level}: ${escapeControl(message)}${ctx}`));
    };
  return {
    error: line('error', 0),
    warn: line('warning', 1),
    info: line('info', 2),
    debug: line('debug', 4),
  };
}

/** Client options from the command line (kubectl flags override the kubeconfig). */
export function clientOptions(args: CliArgs, io: CliIo): ClientOptions {
  let ca: string | undefined;
  if (args.certificateAuthority !== undefined) {
    try {
      ca = readFileSync(args.certificateAuthority, 'utf8');
    } catch (e) {
      throw new KubeconfigError(
        `cannot read --certificate-authority ${args.certificateAuthority}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        { file: args.certificateAuthority, field: '--certificate-authority' },
        { cause: e },
      );
    }
    const problem = pemProblem(ca, 'certificate');
    if (problem !== undefined) {
      throw new KubeconfigError(`--certificate-authority ${args.certificateAuthority} ${problem}`, {
        file: args.certificateAuthority,
        field: '--certificate-authority',
      });
    }
  }
  return {
    kubeconfig: args.kubeconfig,
    context: args.context,
    server: args.server,
    token: args.token,
    ca,
    insecureSkipTlsVerify: args.insecureSkipTlsVerify ? true : undefined,
    workspace: args.workspace,
    requestTimeoutMs: args.requestTimeoutMs,
    rewriteUrl: args.rewriteUrl,
    logger: cliLogger(io, args.verbosity),
  };
}

/** Resolve options from the command line. */
export function resolveOptions(args: CliArgs, signal?: AbortSignal): ResolveOptions {
  return {
    ...(args.mode === undefined ? {} : { mode: args.mode }),
    ...(args.slice === undefined ? {} : { slice: args.slice }),
    ...(signal === undefined ? {} : { signal }),
  };
}

/**
 * Prints a resolution in `args.output` and returns the exit code. With `-o urls` and no URL, stdout stays empty
 * and the message goes to stderr, as do the warnings. A `Degraded` resolution (URLs listed while a slice
 * condition is not True) exits 0 with a warning on stderr in every format.
 */
export async function printResolution(r: EndpointResolution, args: CliArgs, io: CliIo): Promise<number> {
  io.stdout.write(await formatResolution(r, args.output, styleFor(io.stdout, io.env)));
  if (r.phase === 'Degraded' && r.urls.length > 0) {
    writeLine(io.stderr, `warning: ${r.phase} (${r.reason}): ${r.message}`);
  }
  if (args.output === 'urls') {
    if (r.urls.length === 0) writeLine(io.stderr, `${r.phase} (${r.reason}): ${escapeControl(r.message)}`);
    for (const w of r.warnings) writeLine(io.stderr, `warning: ${escapeControl(w)}`);
  }
  return exitCodeForResolution(r);
}

/**
 * Runs `fn` with a client and always closes it. The client module (with rxjs and the informer cache) is
 * loaded here, on first use, so that the one-shot commands ({@link withOneShotClient}) start without it.
 */
export async function withClient<T>(
  args: CliArgs,
  io: CliIo,
  fn: (client: KcpClient) => Promise<T>,
): Promise<T> {
  const { createClient } = await import('../client.js');
  return using(createClient(clientOptions(args, io)), fn);
}

/** Runs `fn` with a client that has only the one-shot methods (no watch machinery) and always closes it. */
export function withOneShotClient<T>(
  args: CliArgs,
  io: CliIo,
  fn: (client: OneShotClient) => Promise<T>,
): Promise<T> {
  return using(createOneShotClient(clientOptions(args, io)), fn);
}

async function using<C extends { close(): Promise<void> }, T>(
  client: C,
  fn: (client: C) => Promise<T>,
): Promise<T> {
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/**
 * One stderr line for a connection status worth showing (`retrying`, `error` and a `probed` endpoint that
 * does not serve at -v ≥ 1, all at ≥ 2).
 */
export function describeStatus(s: ClientStatus, verbosity: number): string | undefined {
  const where = `${s.resource} in ${s.workspace}`;
  switch (s.type) {
    case 'retrying':
      return verbosity >= 1
        ? `retrying ${where} in ${s.delayMs} ms (attempt ${s.attempt}): ${escapeControl(s.error.message)}`
        : undefined;
    case 'error':
      return verbosity >= 1 ? `watch error on ${where}: ${escapeControl(s.error.message)}` : undefined;
    case 'relisting':
      return verbosity >= 2 ? `relisting ${where} (${s.reason})` : undefined;
    case 'connected':
      return verbosity >= 2 ? `watching ${where} from resourceVersion ${s.resourceVersion}` : undefined;
    case 'probed': {
      const at = s.endpoint === undefined ? '' : ` at ${escapeControl(displayUrl(s.endpoint))}`;
      if (s.serving) return verbosity >= 2 ? `${s.resource}${at} serves` : undefined;
      const why = s.error === undefined ? '' : `: ${escapeControl(s.error.message)}`;
      return verbosity >= 1 ? `${s.resource}${at} does not serve${why}` : undefined;
    }
    default:
      return verbosity >= 2 ? `connecting to ${where}` : undefined;
  }
}

/** Prints connection status lines on stderr by verbosity; returns the subscription. */
export function followStatus(client: KcpClient, args: CliArgs, io: CliIo): Subscription {
  return client.status$.subscribe((s) => {
    const line = describeStatus(s, args.verbosity);
    if (line !== undefined) writeLine(io.stderr, line);
  });
}

/**
 * Prints every value of `source` (a stream of `client`) with `print`, and the client's connection status on
 * stderr by verbosity, until the stream completes (exit 0), errors (reported, its exit code) or the command
 * is interrupted by SIGINT/SIGTERM (exit 0).
 */
export function followUntilInterrupted<T>(
  client: KcpClient,
  source: Observable<T>,
  print: (value: T) => void,
  args: CliArgs,
  io: CliIo,
): Promise<number> {
  const status = followStatus(client, args, io);
  return new Promise<number>((resolve) => {
    const sub = source.subscribe({
      next: print,
      error: (e: unknown) => {
        status.unsubscribe();
        resolve(reportError(e, io, args.verbosity));
      },
      complete: () => {
        status.unsubscribe();
        resolve(ExitCode.Ok);
      },
    });
    if (io.signal.aborted) sub.unsubscribe();
    io.signal.addEventListener(
      'abort',
      () => {
        sub.unsubscribe();
        status.unsubscribe();
        resolve(ExitCode.Ok);
      },
      { once: true },
    );
  });
}
