import type { CliArgs } from '../args.js';
import { ExitCode } from '../exit-codes.js';
import { formatJson } from '../format.js';
import { writeLine, type CliIo } from '../io.js';
import { formatRef } from '../../kcp/paths.js';
import { withOneShotClient } from '../session.js';

/** `nudge <ref> [--slice <slice>]`: annotates the slice so kcp reconciles it again. */
export async function runNudge(args: CliArgs, io: CliIo): Promise<number> {
  const ref = args.args[0] ?? '';
  return withOneShotClient(args, io, async (client) => {
    const r = await client.nudgeSlice(ref, {
      ...(args.slice === undefined ? {} : { slice: args.slice }),
      signal: io.signal,
    });
    if (args.output === 'json') {
      io.stdout.write(
        formatJson({
          slice: { path: r.slice.path, name: r.slice.name },
          annotation: r.annotation,
          value: r.value,
          ...(r.resourceVersion === undefined ? {} : { resourceVersion: r.resourceVersion }),
        }),
      );
    } else {
      writeLine(
        io.stdout,
        `nudged APIExportEndpointSlice ${formatRef(r.slice)}: ${r.annotation}=${r.value}; kcp reconciles it again now (check with: kcp-endpoints get ${ref}${args.slice === undefined ? '' : ` --slice ${args.slice}`})`,
      );
    }
    return ExitCode.Ok;
  });
}
