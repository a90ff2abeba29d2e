import type { ConsumerList } from '../../consumers/list.js';
import type { ConsumerEvent, ConsumerOptions, ConsumerState } from '../../consumers/types.js';
import { escapeControl as x } from '../../text.js';
import type { CliArgs } from '../args.js';
import { ExitCode, exitCodeForError, exitCodeForResolution } from '../exit-codes.js';
import { table } from '../format.js';
import { styleFor, writeLine, type CliIo, type Style } from '../io.js';
import { followUntilInterrupted, resolveOptions, withClient } from '../session.js';

/** A consumer with its keys in a stable order (JSON, NDJSON). */
function orderedConsumer(c: ConsumerState): Record<string, unknown> {
  return {
    cluster: c.cluster,
    ...(c.path === undefined ? {} : { path: c.path }),
    endpoint: c.endpoint,
    url: c.url,
    binding: {
      name: c.binding.name,
      phase: c.binding.phase,
      ready: c.binding.ready,
      conditions: c.binding.conditions.map((cond) => ({ ...cond })),
    },
  };
}

/** An event with its keys in a stable order: `type` (and `reason`), then the consumer. */
function orderedEvent(e: ConsumerEvent): Record<string, unknown> {
  return {
    type: e.type,
    ...(e.type === 'disengaged' ? { reason: e.reason } : {}),
    ...orderedConsumer(e),
  };
}

function row(c: ConsumerState, style: Style): string[] {
  return [
    x(c.cluster),
    x(c.path ?? '-'),
    x(c.endpoint),
    x(c.binding.phase === '' ? '-' : c.binding.phase),
    c.binding.ready ? style.green('True') : style.yellow('False'),
  ];
}

function consumerOptions(args: CliArgs, signal: AbortSignal): ConsumerOptions {
  return { ...resolveOptions(args, signal), engage: args.engage };
}

/** Prints a one-shot list and returns the exit code. */
function printList(list: ConsumerList, args: CliArgs, io: CliIo): number {
  const style = styleFor(io.stdout, io.env);
  const r = list.resolution;
  if (args.output === 'json') {
    const body = {
      export: { path: r.export.path, name: r.export.name },
      phase: r.phase,
      reason: r.reason,
      urls: [...r.urls],
      consumers: list.consumers.map(orderedConsumer),
      failures: list.failures.map((f) => ({
        endpoint: f.endpoint,
        code: f.error.code,
        message: f.error.message,
      })),
    };
    writeLine(io.stdout, JSON.stringify(body, null, 2));
  } else if (args.output === 'ndjson') {
    for (const c of list.consumers) writeLine(io.stdout, JSON.stringify(orderedConsumer(c)));
  } else if (list.consumers.length > 0) {
    const header = ['CLUSTER', 'PATH', 'ENDPOINT', 'PHASE', 'READY'];
    for (const line of table([header, ...list.consumers.map((c) => row(c, style))]))
      writeLine(io.stdout, line);
  }
  if (r.urls.length === 0) {
    writeLine(io.stderr, `${r.phase} (${r.reason}): ${x(r.message)}`);
    return exitCodeForResolution(r);
  }
  if (args.output === 'text' && list.consumers.length === 0 && list.failures.length === 0) {
    writeLine(
      io.stderr,
      `no consumers${args.engage === 'ready' ? ' with a ready binding' : ''} behind ${r.urls.length} endpoint(s)`,
    );
  }
  for (const f of list.failures) {
    writeLine(
      io.stderr,
      `error: listing the consumers behind ${x(f.endpoint)} failed: ${x(f.error.message)}`,
    );
  }
  const [first] = list.failures;
  return first === undefined ? ExitCode.Ok : exitCodeForError(first.error);
}

function eventLine(e: ConsumerEvent, at: Date, style: Style): string {
  const what =
    e.type === 'engaged'
      ? style.green('engaged')
      : e.type === 'updated'
        ? style.yellow('updated')
        : style.red(`disengaged (${e.reason})`);
  const phase = e.binding.phase === '' ? '-' : e.binding.phase;
  return `${at.toISOString()}  ${what}  ${x(e.cluster)}  ${x(e.path ?? '-')}  ${x(e.endpoint)}  ${x(phase)}  ready=${e.binding.ready}`;
}

/** `consumers <ref>`: the consumers behind every endpoint once, or as they change with `--watch`. */
export async function runConsumers(args: CliArgs, io: CliIo): Promise<number> {
  const ref = args.args[0] ?? '';
  if (!args.watch) {
    return withClient(args, io, async (client) =>
      printList(await client.listConsumers(ref, consumerOptions(args, io.signal)), args, io),
    );
  }
  const style = styleFor(io.stdout, io.env);
  return withClient(args, io, (client) =>
    followUntilInterrupted(
      client,
      client.watchConsumers(ref, consumerOptions(args, io.signal)),
      (e) => {
        if (args.output === 'ndjson') writeLine(io.stdout, JSON.stringify(orderedEvent(e)));
        else writeLine(io.stdout, eventLine(e, new Date(), style));
      },
      args,
      io,
    ),
  );
}
