import { readFileSync } from 'node:fs';
import type { ClientOptions } from '../client-types.js';
import { createClient } from '../client.js';
import type { KcpClient } from '../client-types.js';
import { pemProblem } from '../config/material.js';
import { KubeconfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import { redactText } from '../redact.js';
import { escapeControl } from '../text.js';
import type { CliArgs } from './args.js';
import { writeLine, type CliIo } from './io.js';

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
    logger: cliLogger(io, args.verbosity),
  };
}

/** Creates the SDK client for a server command. */
export function connect(args: CliArgs, io: CliIo): KcpClient {
  return createClient(clientOptions(args, io));
}
