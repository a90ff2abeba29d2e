import type { ExportRef } from '../kcp/paths.js';
import type { EndpointResolution, ResolveOptions } from './types.js';

/**
 * Drop-in replacement for code that read `APIExport.status.virtualWorkspaces`: resolves to the same
 * `Array<{ url }>` shape, sourced by the same rules as `resolveEndpoints` (the endpoint slice when it lists
 * URLs, the legacy field as a fallback). An empty array means no URL is available yet; call
 * `resolveEndpoints` for the phase and the reason.
 *
 * @example
 * ```ts
 * // before: const urls = apiExport.status.virtualWorkspaces;
 * const urls = await legacyVirtualWorkspaces(client, 'root:org:provider:today-cowboys');
 * ```
 */
export async function legacyVirtualWorkspaces(
  // `Pick<KcpClient, 'resolveEndpoints'>`, spelt out: the endpoints layer does not import the client layer.
  client: { resolveEndpoints(ref: ExportRef, options?: ResolveOptions): Promise<EndpointResolution> },
  ref: ExportRef,
  options?: ResolveOptions,
): Promise<Array<{ url: string }>> {
  const r = await client.resolveEndpoints(ref, options);
  return r.urls.map((url) => ({ url }));
}
