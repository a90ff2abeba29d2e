import * as z from 'zod';
import { readEndpointItems, sliceEndpointSchema } from './endpoint.js';
import { isSliceEndpoint } from './guards.generated.js';
import type { EndpointList, SliceEndpoint } from './endpoint.js';
import { conditionSchema, objectMetaSchema } from './meta.js';
import type { ResourceDescriptor } from './resource.js';

/**
 * A reference to an APIExport (`ExportBindingReference`): `path` is the export's workspace path or logical
 * cluster name (empty = the referencing object's own cluster), `name` the export's name.
 */
export const exportBindingReferenceSchema = z.looseObject({
  path: z.string().optional(),
  name: z.string(),
});
/** A reference to an APIExport by workspace path (optional) and name. */
export type ExportBindingReference = z.infer<typeof exportBindingReferenceSchema>;

/**
 * `apis.kcp.io/v1alpha1` APIExportEndpointSlice. `status.endpoints` items are kept raw (read them with
 * {@link readSliceEndpoints}) so one malformed endpoint never rejects the whole object; `null` (kcp 0.27–0.29)
 * and absence both mean "no endpoints".
 */
export const apiExportEndpointSliceSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: objectMetaSchema,
  spec: z.looseObject({
    export: exportBindingReferenceSchema,
    partition: z.string().optional(),
  }),
  status: z
    .looseObject({
      conditions: z.array(conditionSchema).nullish(),
      endpoints: z.array(z.unknown()).nullish(),
      shardSelector: z.string().optional(),
    })
    .optional(),
});
/** An APIExportEndpointSlice as kcp serves it (unknown fields are kept). */
export type APIExportEndpointSlice = z.infer<typeof apiExportEndpointSliceSchema>;

/** Where APIExportEndpointSlices live: `apis.kcp.io/v1alpha1`, `apiexportendpointslices`. */
export const APIEXPORTENDPOINTSLICES: ResourceDescriptor<APIExportEndpointSlice> = Object.freeze({
  group: 'apis.kcp.io',
  version: 'v1alpha1',
  plural: 'apiexportendpointslices',
  kind: 'APIExportEndpointSlice',
  schema: apiExportEndpointSliceSchema,
});

/**
 * Reads `status.endpoints`, validating each item on its own: `url` must be an absolute http(s) URL with a host;
 * `shards` (kcp main) must be `{ matchAll?, selector? }` with a valid label selector, not both. Invalid items are
 * returned in `invalid` with the reason; missing `status`, missing `endpoints` and `null` all give an empty list.
 * Works for any kind that follows kcp's `status.endpoints[].url` convention (e.g. ClusterCachedResourceEndpointSlice).
 */
export function readSliceEndpoints(slice: {
  status?: { endpoints?: unknown } | null | undefined;
}): EndpointList<SliceEndpoint> {
  return readEndpointItems(slice.status?.endpoints, sliceEndpointSchema, {
    withShards: true,
    guard: isSliceEndpoint,
  });
}
