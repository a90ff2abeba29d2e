import * as z from 'zod';
import { readEndpointItems, virtualWorkspaceSchema } from './endpoint.js';
import { isVirtualWorkspace } from './guards.generated.js';
import type { EndpointList, VirtualWorkspace } from './endpoint.js';
import { conditionSchema, objectMetaSchema } from './meta.js';
import type { ResourceDescriptor } from './resource.js';

/**
 * Annotation that stops kcp (≥ 0.28) from creating the default APIExportEndpointSlice for an export. Its
 * presence is enough; the value is ignored.
 */
export const SKIP_ENDPOINTSLICE_ANNOTATION = 'apiexports.apis.kcp.io/skip-endpointslice';

/**
 * APIExport status, identical in v1alpha1 and v1alpha2. `virtualWorkspaces` (deprecated, empty by default since
 * kcp 0.28) is kept raw: read it with {@link readVirtualWorkspaces}.
 */
export const apiExportStatusSchema = z.looseObject({
  identityHash: z.string().optional(),
  conditions: z.array(conditionSchema).nullish(),
  virtualWorkspaces: z.array(z.unknown()).nullish(),
});
/** APIExport status (`identityHash`, `conditions`, legacy `virtualWorkspaces`). */
export type APIExportStatus = z.infer<typeof apiExportStatusSchema>;

/** `apis.kcp.io/v1alpha1` APIExport. */
export const apiExportV1alpha1Schema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: objectMetaSchema,
  spec: z
    .looseObject({
      latestResourceSchemas: z.array(z.string()).nullish(),
    })
    .optional(),
  status: apiExportStatusSchema.optional(),
});
/** An `apis.kcp.io/v1alpha1` APIExport (spec `latestResourceSchemas`). */
export type APIExportV1alpha1 = z.infer<typeof apiExportV1alpha1Schema>;

/** One `spec.resources[]` entry of a v1alpha2 APIExport. */
export const apiExportResourceSchema = z.looseObject({
  name: z.string(),
  group: z.string().optional(),
  schema: z.string(),
  storage: z.looseObject({}).optional(),
});
/** One exported resource: `{ name, group, schema, storage }`. */
export type APIExportResource = z.infer<typeof apiExportResourceSchema>;

/** `apis.kcp.io/v1alpha2` APIExport (storage version since kcp 0.28). */
export const apiExportV1alpha2Schema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: objectMetaSchema,
  spec: z
    .looseObject({
      resources: z.array(apiExportResourceSchema).nullish(),
    })
    .optional(),
  status: apiExportStatusSchema.optional(),
});
/** An `apis.kcp.io/v1alpha2` APIExport (spec `resources`). */
export type APIExportV1alpha2 = z.infer<typeof apiExportV1alpha2Schema>;

/** An APIExport of either served version. */
export type APIExport = APIExportV1alpha1 | APIExportV1alpha2;

/** Where v1alpha1 APIExports live: `apis.kcp.io/v1alpha1`, `apiexports`. */
export const APIEXPORTS_V1ALPHA1: ResourceDescriptor<APIExportV1alpha1> = Object.freeze({
  group: 'apis.kcp.io',
  version: 'v1alpha1',
  plural: 'apiexports',
  kind: 'APIExport',
  schema: apiExportV1alpha1Schema,
});

/** Where v1alpha2 APIExports live: `apis.kcp.io/v1alpha2`, `apiexports` (kcp ≥ 0.28). */
export const APIEXPORTS_V1ALPHA2: ResourceDescriptor<APIExportV1alpha2> = Object.freeze({
  group: 'apis.kcp.io',
  version: 'v1alpha2',
  plural: 'apiexports',
  kind: 'APIExport',
  schema: apiExportV1alpha2Schema,
});

/**
 * Reads the legacy `status.virtualWorkspaces`, validating each item on its own (absolute http(s) URL with a
 * host). Invalid items are returned in `invalid`; missing or `null` gives an empty list.
 */
export function readVirtualWorkspaces(exp: {
  status?: APIExportStatus | undefined;
}): EndpointList<VirtualWorkspace> {
  return readEndpointItems(exp.status?.virtualWorkspaces, virtualWorkspaceSchema, {
    withShards: false,
    guard: isVirtualWorkspace,
  });
}

/** True when the export carries {@link SKIP_ENDPOINTSLICE_ANNOTATION} (kcp creates no default slice for it). */
export function skipsDefaultEndpointSlice(exp: Pick<APIExport, 'metadata'>): boolean {
  const annotations = exp.metadata.annotations ?? {};
  return Object.hasOwn(annotations, SKIP_ENDPOINTSLICE_ANNOTATION);
}
