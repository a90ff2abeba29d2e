import type { Subscription } from 'rxjs';
import { escapeControl } from '../../text.js';
import type { KcpClient } from '../../client-types.js';
import type { ClientStatus } from '../../client-types.js';
import type { EndpointChange } from '../../endpoints/types.js';
import type { CliArgs } from '../args.js';
import { ExitCode } from '../exit-codes.js';
import { formatChangeLine, orderedChange } from '../format.js';
import { styleFor, writeLine, type CliIo } from '../io.js';
import { reportError } from '../report.js';
import { resolveOptions, withClient } from './get.js';

/** One stderr line for a connection status worth showing (`retrying` and `error` at -v ≥ 1, all at ≥ 2). */
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

/** `watch <ref>`: prints changes until SIGINT/SIGTERM (exit 0). */
export async function runWatch(args: CliArgs, io: CliIo): Promise<number> {
  const ref = args.args[0] ?? '';
  const style = styleFor(io.stdout, io.env);
  return withClient(args, io, (client) => {
    const status = followStatus(client, args, io);
    return new Promise<number>((resolve) => {
      const print = (c: EndpointChange): void => {
        if (args.output === 'ndjson') writeLine(io.stdout, JSON.stringify(orderedChange(c)));
        else writeLine(io.stdout, formatChangeLine(c, new Date(), style));
      };
      const sub = client.watchEndpoints(ref, resolveOptions(args, io.signal)).subscribe({
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
  });
}
