import type { WaitCondition, CliArgs } from '../args.js';
import { escapeControl } from '../../text.js';
import type { KcpError } from '../../errors.js';
import type { EndpointResolution } from '../../endpoints/types.js';
import { formatDuration } from '../duration.js';
import { ExitCode } from '../exit-codes.js';
import { writeLine, type CliIo } from '../io.js';
import { reportError } from '../report-error.js';
import { Spinner } from '../spinner.js';
import { followStatus, printResolution, resolveOptions, withClient } from '../session.js';

/** True when `r` meets the condition. */
export function conditionMet(r: EndpointResolution, cond: WaitCondition): boolean {
  return cond.kind === 'ready' ? r.phase === 'Ready' : r.urls.length >= cond.count;
}

/** The condition as text: `ready` or `urls=N`. */
export function describeCondition(cond: WaitCondition): string {
  return cond.kind === 'ready' ? 'ready' : `urls=${cond.count}`;
}

function progress(r: EndpointResolution | undefined, retry: KcpError | undefined): string {
  if (r === undefined)
    return retry === undefined ? 'connecting…' : `retrying: ${escapeControl(retry.message)}`;
  return `${r.phase} (${r.reason}), ${r.urls.length} URL${r.urls.length === 1 ? '' : 's'}`;
}

/**
 * `wait <ref>`: blocks until the condition holds (exit 0 and the result on stdout like `get`), the timeout
 * elapses (exit 124, last phase and message on stderr), or SIGINT (exit 130).
 */
export async function runWait(args: CliArgs, io: CliIo): Promise<number> {
  const ref = args.args[0] ?? '';
  const cond = args.waitFor;
  return withClient(args, io, async (client) => {
    const spinner = io.stderr.isTTY === true ? new Spinner(io.stderr) : undefined;
    let last: EndpointResolution | undefined;
    let lastRetry: KcpError | undefined;
    const status = followStatus(client, args, io);
    const retries = client.status$.subscribe((s) => {
      if (s.type === 'retrying' || s.type === 'error') lastRetry = s.error;
      else if (s.type === 'connected') lastRetry = undefined;
      spinner?.update(progress(last, lastRetry));
    });
    spinner?.start(progress(undefined, undefined));
    type Outcome = { met: EndpointResolution } | { code: number };
    let settle: (o: Outcome) => void = () => undefined;
    const done = new Promise<Outcome>((resolve) => {
      settle = resolve;
    });
    const sub = client.watchEndpoints(ref, resolveOptions(args)).subscribe({
      next: (c) => {
        last = c;
        if (conditionMet(c, cond)) settle({ met: c });
        else if (spinner === undefined) {
          writeLine(io.stderr, `waiting for ${describeCondition(cond)}: ${progress(c, undefined)}`);
        } else spinner.update(progress(c, lastRetry));
      },
      error: (e: unknown) => {
        spinner?.stop();
        settle({ code: reportError(e, io, args.verbosity) });
      },
    });
    const timer =
      args.timeoutMs > 0
        ? setTimeout(() => {
            settle({ code: ExitCode.Timeout });
          }, args.timeoutMs)
        : undefined;
    const onAbort = (): void => {
      settle({ code: ExitCode.Interrupted });
    };
    if (io.signal.aborted) onAbort();
    io.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const outcome = await done;
      spinner?.stop();
      sub.unsubscribe();
      if ('met' in outcome) return await printResolution(outcome.met, args, io);
      if (outcome.code === ExitCode.Timeout) reportTimeout(args, io, last, lastRetry);
      else if (outcome.code === ExitCode.Interrupted) writeLine(io.stderr, 'interrupted');
      return outcome.code;
    } finally {
      spinner?.stop();
      sub.unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
      io.signal.removeEventListener('abort', onAbort);
      status.unsubscribe();
      retries.unsubscribe();
    }
  });
}

function reportTimeout(
  args: CliArgs,
  io: CliIo,
  last: EndpointResolution | undefined,
  lastRetry: KcpError | undefined,
): void {
  writeLine(
    io.stderr,
    `error: timed out after ${formatDuration(args.timeoutMs)} waiting for ${describeCondition(args.waitFor)}`,
  );
  if (last !== undefined) {
    writeLine(io.stderr, `last phase: ${last.phase} (${last.reason}), ${last.urls.length} URL(s)`);
    writeLine(io.stderr, `message: ${escapeControl(last.message)}`);
  } else {
    writeLine(
      io.stderr,
      `no answer from the server yet${lastRetry === undefined ? '' : `; last error: ${escapeControl(lastRetry.message)}`}`,
    );
  }
}
