import { ApiStatusError, isForbidden, isNotFound, isUnauthorized } from '../errors.js';
import type { Transport } from '../http/types.js';
import { APIEXPORTENDPOINTSLICES } from '../kcp/apiexportendpointslice.js';
import { formatRef, type ObjectRef } from '../kcp/paths.js';
import { grantPatchStep } from './next-steps.js';
import type { ResolveTarget } from './refs.js';

/** The annotation `nudgeSlice` sets on a slice (value: the current time, RFC 3339). */
export const NUDGE_ANNOTATION = 'kcp-endpoints.dev/nudged-at';

/** Options of `nudgeSlice`. */
export interface NudgeOptions {
  /** The endpoint slice to nudge. @default the export's name, in the export's workspace */
  slice?: string | { name: string; path?: string | undefined } | undefined;
  /** Cancels the call (rejects with `AbortError`). */
  signal?: AbortSignal | undefined;
}

/** What `nudgeSlice` did. */
export interface NudgeResult {
  /** The slice that was annotated. */
  slice: ObjectRef;
  /** The annotation key ({@link NUDGE_ANNOTATION}). */
  annotation: string;
  /** The value written (the current time). */
  value: string;
  /** The slice's resourceVersion after the patch. */
  resourceVersion?: string | undefined;
}

/**
 * Sets {@link NUDGE_ANNOTATION} to the current time on the slice with a JSON merge patch, which makes kcp
 * reconcile the slice again. A 403 is rethrown with the missing verb (`patch` on apiexportendpointslices)
 * and the command that grants it; a 404 says the slice does not exist.
 */
export async function nudgeOnce(
  transport: Transport,
  target: Pick<ResolveTarget, 'slice'>,
  options: { signal?: AbortSignal | undefined; now?: () => Date } = {},
): Promise<NudgeResult> {
  const { slice } = target;
  const value = (options.now ?? (() => new Date()))().toISOString();
  try {
    const patched = await transport.patch(
      APIEXPORTENDPOINTSLICES,
      slice.path,
      slice.name,
      { metadata: { annotations: { [NUDGE_ANNOTATION]: value } } },
      { signal: options.signal },
    );
    return {
      slice: { ...slice },
      annotation: NUDGE_ANNOTATION,
      value,
      resourceVersion: patched.metadata.resourceVersion,
    };
  } catch (e) {
    if (!isForbidden(e) && !isNotFound(e)) throw e;
    const what = `APIExportEndpointSlice ${formatRef(slice)}`;
    const message = isNotFound(e)
      ? `${what} does not exist, so there is nothing to nudge; check --slice (kubectl ws ${slice.path} && kubectl get apiexportendpointslices)`
      : isUnauthorized(e)
        ? `Not allowed to nudge ${what}: the credentials were rejected (401)`
        : `Not allowed to nudge ${what}: missing verb "patch" on apiexportendpointslices in ${slice.path}; ${grantPatchStep(slice)}`;
    throw new ApiStatusError(
      `${message} (server said: ${e.message})`,
      {
        status: e.status,
        reason: e.reason,
        details: e.details,
        method: e.method,
        url: e.url,
        retryAfterSeconds: e.retryAfterSeconds,
      },
      { cause: e },
    );
  }
}
