import * as z from 'zod';
import { objectMetaSchema } from './meta.js';
import type { ResourceDescriptor } from './resource.js';

/** What a `SelfSubjectAccessReview` asks: may the caller do `verb` on this resource? */
export interface ResourceAttributes {
  /** API group, e.g. `apis.kcp.io`. */
  group: string;
  /** Plural resource, e.g. `apiexports`. */
  resource: string;
  /** Subresource, e.g. `content`. */
  subresource?: string | undefined;
  /** Verb, e.g. `list`. */
  verb: string;
  /** Object name (omit for every object). */
  name?: string | undefined;
}

/** `authorization.k8s.io/v1` SelfSubjectAccessReview (request and answer). */
export const selfSubjectAccessReviewSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: objectMetaSchema.partial().optional(),
  status: z
    .looseObject({
      allowed: z.boolean(),
      denied: z.boolean().optional(),
      reason: z.string().optional(),
    })
    .optional(),
});
/** A SelfSubjectAccessReview as the server answers it (`status.allowed`). */
export type SelfSubjectAccessReview = z.infer<typeof selfSubjectAccessReviewSchema>;

/** Where SelfSubjectAccessReviews are created: `authorization.k8s.io/v1`, `selfsubjectaccessreviews`. */
export const SELFSUBJECTACCESSREVIEWS: ResourceDescriptor<SelfSubjectAccessReview> = Object.freeze({
  group: 'authorization.k8s.io',
  version: 'v1',
  plural: 'selfsubjectaccessreviews',
  kind: 'SelfSubjectAccessReview',
  schema: selfSubjectAccessReviewSchema,
});

/** The request body of a SelfSubjectAccessReview. */
export function accessReviewBody(attributes: ResourceAttributes): Record<string, unknown> {
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { ...attributes } },
  };
}
