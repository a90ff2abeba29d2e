import type { CliArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { printResolution, resolveOptions, withOneShotClient } from '../session.js';

/** `get <ref>`: one-shot resolution. */
export async function runGet(args: CliArgs, io: CliIo): Promise<number> {
  const ref = args.args[0] ?? '';
  return withOneShotClient(args, io, async (client) => {
    const r = await client.resolveEndpoints(ref, resolveOptions(args, io.signal));
    return printResolution(r, args, io);
  });
}
