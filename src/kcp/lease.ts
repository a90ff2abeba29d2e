import * as z from 'zod';
import { objectMetaSchema } from './meta.js';
import type { ResourceDescriptor } from './resource.js';

/**
 * `coordination.k8s.io/v1` LeaseSpec: who holds the lease and since when. kcp serves Leases in every
 * workspace. Times are `MicroTime` strings (`2006-01-02T15:04:05.000000Z`); the holder's clock wrote them, so
 * a reader compares them only for change, never against its own clock.
 */
export const leaseSpecSchema = z.looseObject({
  holderIdentity: z.string().nullish(),
  leaseDurationSeconds: z.number().nullish(),
  acquireTime: z.string().nullish(),
  renewTime: z.string().nullish(),
  leaseTransitions: z.number().nullish(),
  preferredHolder: z.string().nullish(),
  strategy: z.string().nullish(),
});
/** The spec of a Lease. */
export type LeaseSpec = z.infer<typeof leaseSpecSchema>;

/** `coordination.k8s.io/v1` Lease (namespaced). */
export const leaseSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: objectMetaSchema,
  spec: leaseSpecSchema.nullish(),
});
/** A Lease as the server returns it. */
export type Lease = z.infer<typeof leaseSchema>;

/** Where Leases live: `coordination.k8s.io/v1`, `leases`, in a namespace of a workspace. */
export const LEASES: ResourceDescriptor<Lease> = Object.freeze({
  group: 'coordination.k8s.io',
  version: 'v1',
  plural: 'leases',
  kind: 'Lease',
  schema: leaseSchema,
});

/**
 * Formats epoch milliseconds as a Kubernetes `MicroTime`: RFC 3339 in UTC with exactly six fractional digits
 * (`2006-01-02T15:04:05.000000Z`), the only form kube-apiserver accepts in `acquireTime` and `renewTime`.
 */
export function formatMicroTime(epochMs: number): string {
  const ms = Math.floor(epochMs);
  const micros = Math.min(999, Math.round((epochMs - ms) * 1000));
  return `${new Date(ms).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
}
