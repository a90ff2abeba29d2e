import type { KcpClient } from '../../client-types.js';
import { escapeControl } from '../../text.js';
import type { EndpointResolution, ResolveOptions } from '../../endpoints/types.js';
import type { CliArgs } from '../args.js';
import { connect } from '../connect.js';
import { exitCodeForResolution } from '../exit-codes.js';
import { formatResolution } from '../format.js';
import { styleFor, writeLine, type CliIo } from '../io.js';

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

/** Runs `fn` with a client and always closes it. */
export async function withClient<T>(
  args: CliArgs,
  io: CliIo,
  fn: (client: KcpClient) => Promise<T>,
): Promise<T> {
  const client = connect(args, io);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** `get <ref>`: one-shot resolution. */
export async function runGet(args: CliArgs, io: CliIo): Promise<number> {
  const ref = args.args[0] ?? '';
  return withClient(args, io, async (client) => {
    const r = await client.resolveEndpoints(ref, resolveOptions(args, io.signal));
    return printResolution(r, args, io);
  });
}
