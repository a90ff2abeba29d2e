import type { z } from 'zod';

/**
 * Describes one kcp/Kubernetes resource for the transport: where it lives on the wire and how to validate it.
 * All kcp resources this package reads are cluster-scoped.
 */
export interface ResourceDescriptor<T> {
  /** API group, e.g. `apis.kcp.io` (`''` for the core group). */
  group: string;
  /** API version, e.g. `v1alpha1`. */
  version: string;
  /** Plural resource name used in URLs, e.g. `apiexportendpointslices`. */
  plural: string;
  /** Kind, e.g. `APIExportEndpointSlice`. */
  kind: string;
  /** zod schema that validates one object of this kind. */
  schema: z.ZodType<T>;
}

/** `group/version` as used in `apiVersion`. */
export function apiVersionOf(d: { group: string; version: string }): string {
  return d.group === '' ? d.version : `${d.group}/${d.version}`;
}
