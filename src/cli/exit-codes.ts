import type { EndpointResolution } from '../endpoints/types.js';
import { isForbidden, isInvalidArgumentError, isNotFound } from '../errors.js';

/** The CLI's exit codes (stable; documented in the README and in `--help`). */
export const ExitCode = {
  /** Success. */
  Ok: 0,
  /** Failure: network, server, kubeconfig. */
  Failure: 1,
  /** Usage error: unknown flag, missing argument, invalid value. */
  Usage: 2,
  /** Resolved, but there is no URL. */
  NoUrls: 3,
  /** The APIExport or the endpoint slice was not found (and there is no URL). */
  NotFound: 4,
  /** Unauthorised or forbidden. */
  Forbidden: 5,
  /** `wait` timed out. */
  Timeout: 124,
  /** Interrupted (SIGINT) while waiting. */
  Interrupted: 130,
} as const;
/** One of {@link ExitCode}. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code of a resolution: 0 with URLs, else 5 (forbidden), 4 (not found) or 3. */
export function exitCodeForResolution(r: EndpointResolution): ExitCode {
  if (r.urls.length > 0) return ExitCode.Ok;
  if (r.phase === 'Forbidden' || r.reason === 'Forbidden') return ExitCode.Forbidden;
  if (
    r.phase === 'ExportMissing' ||
    r.phase === 'SliceMissing' ||
    r.reason === 'ExportNotFound' ||
    r.reason === 'SliceNotFound'
  ) {
    return ExitCode.NotFound;
  }
  return ExitCode.NoUrls;
}

/** The exit code of an error: 2 for invalid arguments, 5 for 401/403, 4 for 404, else 1. */
export function exitCodeForError(e: unknown): ExitCode {
  if (isInvalidArgumentError(e)) return ExitCode.Usage;
  if (isForbidden(e)) return ExitCode.Forbidden;
  if (isNotFound(e)) return ExitCode.NotFound;
  return ExitCode.Failure;
}
