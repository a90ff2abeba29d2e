import type { EndpointChange } from '../../endpoints/types.js';
import type { CliArgs } from '../args.js';
import { ExitCode } from '../exit-codes.js';
import { formatChangeLine, orderedChange } from '../format.js';
import { styleFor, writeLine, type CliIo } from '../io.js';
import { reportError } from '../report-error.js';
import { followStatus, resolveOptions, withClient } from '../session.js';

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
