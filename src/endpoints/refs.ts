import { InvalidArgumentError } from '../errors.js';
import { parseExportRef, type ObjectRef } from '../kcp/paths.js';
import type { ResolveMode, ResolveOptions } from './types.js';

/** The validated inputs of one resolution. */
export interface ResolveTarget {
  export: ObjectRef;
  slice: ObjectRef;
  mode: ResolveMode;
}

const MODES: readonly ResolveMode[] = ['auto', 'endpointSlice', 'virtualWorkspaces'];

/**
 * Validates a reference and options against the client's workspace. The slice defaults to the export's name
 * in the export's workspace (kcp ≥ 0.28's default slice); a bare slice name lives in the export's workspace.
 * @throws InvalidArgumentError synchronously for any invalid input.
 */
export function resolveTarget(ref: unknown, workspace: string, options: ResolveOptions = {}): ResolveTarget {
  const exp = parseExportRef(ref, workspace, 'export reference');
  const mode = options.mode ?? 'auto';
  if (!MODES.includes(mode)) {
    throw new InvalidArgumentError(
      `Invalid mode ${JSON.stringify(mode)}: expected one of ${MODES.map((m) => `"${m}"`).join(', ')}`,
      'mode',
    );
  }
  const slice =
    options.slice === undefined ? { ...exp } : parseExportRef(options.slice, exp.path, 'slice reference');
  return { export: exp, slice, mode };
}
