import * as z from 'zod';
import { objectMetaSchema } from './meta.js';
import type { ResourceDescriptor } from './resource.js';

/** `apis.kcp.io/v1alpha1` APIResourceSchema, the subset `explain` reads (group, names, version names). */
export const apiResourceSchemaSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: objectMetaSchema,
  spec: z.looseObject({
    group: z.string(),
    names: z.looseObject({ plural: z.string(), kind: z.string() }),
    scope: z.string().optional(),
    versions: z.array(z.looseObject({ name: z.string() })),
  }),
});
/** An APIResourceSchema (the schema an APIExport exports; unknown fields are kept). */
export type APIResourceSchema = z.infer<typeof apiResourceSchemaSchema>;

/** Where APIResourceSchemas live: `apis.kcp.io/v1alpha1`, `apiresourceschemas`. */
export const APIRESOURCESCHEMAS: ResourceDescriptor<APIResourceSchema> = Object.freeze({
  group: 'apis.kcp.io',
  version: 'v1alpha1',
  plural: 'apiresourceschemas',
  kind: 'APIResourceSchema',
  schema: apiResourceSchemaSchema,
});
