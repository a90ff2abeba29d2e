import * as z from 'zod';

/**
 * Kubernetes API discovery documents, as kcp and its virtual workspaces serve them under
 * `/clusters/<x>/apis` (an `APIGroupList`) and `/clusters/<x>/apis/<group>/<version>` (an
 * `APIResourceList`). Loose: unknown fields pass through; only what this package reads is validated.
 */

/** One resource of an {@link APIResourceList} (`metav1.APIResource`; `<plural>/status` for a subresource). */
export const discoveryResourceSchema = z.looseObject({
  name: z.string(),
  singularName: z.string().optional(),
  namespaced: z.boolean().optional(),
  kind: z.string().optional(),
  verbs: z.array(z.string()).nullish(),
});
/** One resource as discovery lists it. */
export type DiscoveryResource = z.infer<typeof discoveryResourceSchema>;

/** `GET /apis/<group>/<version>`: the resources served at one group/version. */
export const apiResourceListSchema = z.looseObject({
  kind: z.literal('APIResourceList').optional(),
  apiVersion: z.string().optional(),
  groupVersion: z.string(),
  resources: z.array(discoveryResourceSchema),
});
/** An `APIResourceList` (`groupVersion`, `resources[].name`). */
export type APIResourceList = z.infer<typeof apiResourceListSchema>;

/** One version of an API group, as discovery lists it. */
export const groupVersionForDiscoverySchema = z.looseObject({
  groupVersion: z.string(),
  version: z.string(),
});

/** `GET /apis`: the API groups served (the core group is at `/api` and not in it). */
export const apiGroupListSchema = z.looseObject({
  kind: z.literal('APIGroupList').optional(),
  apiVersion: z.string().optional(),
  groups: z.array(
    z.looseObject({
      name: z.string(),
      versions: z.array(groupVersionForDiscoverySchema),
      preferredVersion: groupVersionForDiscoverySchema.optional(),
    }),
  ),
});
/** An `APIGroupList` (`groups[].name`, `groups[].versions`). */
export type APIGroupList = z.infer<typeof apiGroupListSchema>;
