import { isAbortError, isExecCredentialError, isKcpError } from '../errors.js';
import { redactText } from '../redact.js';
import { escapeControl } from '../text.js';
import { ExitCode, exitCodeForError } from './exit-codes.js';
import { writeLine, type CliIo } from './io.js';

/**
 * Prints `error: <message>` and a hint (the stack only at `-v` ≥ 6) and returns the exit code; an aborted
 * operation (Ctrl-C) prints `interrupted` and returns 130.
 */
export function reportError(e: unknown, io: CliIo, verbosity: number): number {
  if (isAbortError(e)) {
    writeLine(io.stderr, 'interrupted');
    return ExitCode.Interrupted;
  }
  const message = e instanceof Error ? e.message : String(e);
  // Continuation lines are indented so that a newline inside a server message cannot forge a line.
  writeLine(io.stderr, `error: ${redactText(message).split('\n').map(escapeControl).join('\n  ')}`);
  if (isExecCredentialError(e) && e.stderrTail !== undefined) {
    if (verbosity >= 1) {
      for (const line of e.stderrTail.split('\n'))
        writeLine(io.stderr, `plugin stderr: ${escapeControl(line)}`);
    } else writeLine(io.stderr, "hint: run again with -v to see the plugin's stderr (redacted)");
  }
  const hint = hintForError(e);
  if (hint !== undefined) writeLine(io.stderr, `hint: ${hint}`);
  if (verbosity >= 6 && e instanceof Error && e.stack !== undefined) {
    writeLine(io.stderr, redactText(e.stack).split('\n').map(escapeControl).join('\n'));
  }
  return exitCodeForError(e);
}

function hintForError(e: unknown): string | undefined {
  if (!isKcpError(e)) return 'run again with -v 6 for details';
  switch (e.code) {
    case 'E_KUBECONFIG':
      return 'pass --kubeconfig <file>, set KUBECONFIG, or pass --server and --token; no kcp? try: kcp-endpoints demo';
    case 'E_NETWORK':
    case 'E_TIMEOUT':
      return 'check that the server is reachable (--server, --context) and try a longer --request-timeout';
    case 'E_INVALID_ARGUMENT':
      return 'a reference looks like root:org:ws:export; see kcp-endpoints --help';
    case 'E_HTTP':
      return 'check the credentials and permissions of the kubeconfig user (-v 6 shows the request)';
    default:
      return undefined;
  }
}
