import { parseCli, UsageError, type CliArgs } from './args.js';
import { ExitCode } from './exit-codes.js';
import { writeLine, type CliIo } from './io.js';
import { reportError } from './report-error.js';

/** A command implementation: runs with parsed arguments and returns the exit code. */
export type CommandRunner = (args: CliArgs, io: CliIo) => Promise<number>;

async function loadCommand(args: CliArgs): Promise<CommandRunner> {
  switch (args.command) {
    case 'get':
      return (await import('./commands/get.js')).runGet;
    case 'watch':
      return (await import('./commands/watch.js')).runWatch;
    case 'wait':
      return (await import('./commands/wait.js')).runWait;
    case 'explain':
      return (await import('./commands/explain.js')).runExplain;
    case 'nudge':
      return (await import('./commands/nudge.js')).runNudge;
    case 'consumers':
      return (await import('./commands/consumers.js')).runConsumers;
    case 'demo':
      return (await import('./commands/demo.js')).runDemo;
    case 'completion':
      return (await import('./commands/completion.js')).runCompletion;
    default:
      return runHelpOrVersion;
  }
}

const runHelpOrVersion: CommandRunner = async (args, io) => {
  if (args.command === 'version' || (args.version && !args.help)) {
    const { packageVersion } = await import('./version.js');
    writeLine(io.stdout, packageVersion());
    return ExitCode.Ok;
  }
  const { commandHelp, mainHelp } = await import('./help.js');
  const topic = args.command === 'help' ? args.args[0] : args.command;
  io.stdout.write(
    topic === undefined || topic === 'help' ? mainHelp() : commandHelp(topic as CliArgs['command']),
  );
  return ExitCode.Ok;
};

/**
 * Runs the CLI: parses `argv` (without `node script`), loads only the command's module, runs it and returns the
 * exit code. Never throws.
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      writeLine(io.stderr, `error: ${e.message}`);
      writeLine(io.stderr, `hint: ${e.hint}`);
      return ExitCode.Usage;
    }
    return reportError(e, io, 0);
  }
  try {
    const runner = args.help || args.version ? runHelpOrVersion : await loadCommand(args);
    return await runner(args, io);
  } catch (e) {
    return reportError(e, io, args.verbosity);
  }
}
