import type { EndpointChange } from '../../endpoints/types.js';
import type { CliArgs } from '../args.js';
import { formatChangeLine, orderedChange } from '../format.js';
import { styleFor, writeLine, type CliIo } from '../io.js';
import { followUntilInterrupted, resolveOptions, withClient } from '../session.js';

/** `watch <ref>`: prints changes until SIGINT/SIGTERM (exit 0). */
export async function runWatch(args: CliArgs, io: CliIo): Promise<number> {
  const ref = args.args[0] ?? '';
  const style = styleFor(io.stdout, io.env);
  return withClient(args, io, (client) =>
    followUntilInterrupted(
      client,
      client.watchEndpoints(ref, resolveOptions(args, io.signal)),
      (c: EndpointChange) => {
        if (args.output === 'ndjson') writeLine(io.stdout, JSON.stringify(orderedChange(c)));
        else writeLine(io.stdout, formatChangeLine(c, new Date(), style));
      },
      args,
      io,
    ),
  );
}
