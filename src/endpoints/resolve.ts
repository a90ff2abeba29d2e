import { ApiStatusError, isForbidden, isNotFound, isUnauthorized, type KcpError } from '../errors.js';
import { retryPolicy, withRetries } from '../http/retry.js';
import type { Transport } from '../http/types.js';
import { APIEXPORTS_V1ALPHA1, type APIExport } from '../kcp/apiexport.js';
import { APIEXPORTENDPOINTSLICES, type APIExportEndpointSlice } from '../kcp/apiexportendpointslice.js';
import type { ResourceDescriptor } from '../kcp/resource.js';
import type { WatchTuning } from '../watch/tuning.js';
import { exportFacts, sliceFacts } from './facts.js';
import type { ResolveTarget } from './refs.js';
import { resolveRules, type Observation } from './rules.js';
import type { EndpointResolution } from './types.js';

/** Attempts for one read before a transport failure is reported (network, 5xx, 429). */
export const RESOLVE_ATTEMPTS = 4;

async function observe<T, F>(
  transport: Transport,
  desc: ResourceDescriptor<T>,
  cluster: string,
  name: string,
  facts: (obj: T) => F,
  tuning: WatchTuning | undefined,
  signal: AbortSignal | undefined,
): Promise<Observation<F>> {
  try {
    const obj = await withRetries(retryPolicy(tuning), () => transport.get(desc, cluster, name, { signal }), {
      attempts: RESOLVE_ATTEMPTS,
      signal,
    });
    return { state: 'found', facts: facts(obj) };
  } catch (e) {
    if (isNotFound(e)) return { state: 'notFound' };
    if (isForbidden(e))
      return { state: 'forbidden', status: isUnauthorized(e) ? 401 : 403, message: e.message };
    throw e;
  }
}

function authError(
  results: Array<PromiseSettledResult<Observation<unknown>>>,
  needed: boolean[],
): KcpError | undefined {
  let first: KcpError | undefined;
  for (const [i, r] of results.entries()) {
    if (needed[i] !== true) continue;
    if (r.status !== 'fulfilled' || r.value.state !== 'forbidden') return undefined;
    first ??= new ApiStatusError(r.value.message ?? 'Forbidden', {
      status: r.value.status,
      reason: r.value.status === 401 ? 'Unauthorized' : 'Forbidden',
    });
  }
  return first;
}

/**
 * Reads the endpoint slice and the APIExport in parallel (retrying transport failures) and applies the
 * resolution rules. Rejects only for invalid input, when every object it needed was refused (401/403), or
 * for a transport failure that outlasted the retries.
 */
export async function resolveOnce(
  transport: Transport,
  target: ResolveTarget,
  options: { signal?: AbortSignal | undefined; tuning?: WatchTuning | undefined } = {},
): Promise<EndpointResolution> {
  const { signal, tuning } = options;
  const results = await Promise.allSettled([
    observe(
      transport,
      APIEXPORTENDPOINTSLICES,
      target.slice.path,
      target.slice.name,
      (s: APIExportEndpointSlice) => sliceFacts(s),
      tuning,
      signal,
    ),
    observe(
      transport,
      APIEXPORTS_V1ALPHA1,
      target.export.path,
      target.export.name,
      (e: APIExport) => exportFacts(e),
      tuning,
      signal,
    ),
  ]);
  const [sliceResult, exportResult] = results;
  if (sliceResult.status === 'rejected') throw sliceResult.reason;
  if (exportResult.status === 'rejected') throw exportResult.reason;
  const needed = [target.mode !== 'virtualWorkspaces', target.mode !== 'endpointSlice'];
  const refused = authError(results, needed);
  if (refused !== undefined) throw refused;
  return resolveRules({
    export: target.export,
    slice: target.slice,
    mode: target.mode,
    sliceObservation: sliceResult.value,
    exportObservation: exportResult.value,
  });
}
