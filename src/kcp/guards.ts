/**
 * The fast path of decoding: which generated guard (`guards.generated.ts`, compiled from the zod schemas by
 * `scripts/gen-guards.ts`) goes with which of the package's resource descriptors. A guard accepts a JSON value
 * only when its schema would accept it and output an equal value, so the decoders keep the parsed object and
 * never call zod for it; zod runs only when a guard refuses (to word the error, or for the rare value zod
 * would change).
 */
import { APIBINDINGS_V1ALPHA1, APIBINDINGS_V1ALPHA2 } from './apibinding.js';
import { APIEXPORTS_V1ALPHA1, APIEXPORTS_V1ALPHA2 } from './apiexport.js';
import { APIEXPORTENDPOINTSLICES } from './apiexportendpointslice.js';
import { SELFSUBJECTACCESSREVIEWS } from './access-review.js';
import { APIRESOURCESCHEMAS } from './apiresourceschema.js';
import { exportedObjectSchema } from './exported.js';
import {
  isApiBindingV1alpha1,
  isApiBindingV1alpha2,
  isApiExportEndpointSlice,
  isApiExportV1alpha1,
  isApiExportV1alpha2,
  isApiResourceSchema,
  isExportedObject,
  isLease,
  isPartition,
  isSelfSubjectAccessReview,
  isShard,
} from './guards.generated.js';
import { LEASES } from './lease.js';
import { PARTITIONS } from './partition.js';
import type { ResourceDescriptor } from './resource.js';
import { SHARDS } from './shard.js';

/**
 * A check that is true only when the schema it was generated from would accept `value` and output a value
 * equal to it: the value can then be used as the decoded object.
 */
export type Guard<T> = (value: unknown) => value is T;

let table: ReadonlyMap<object, (value: unknown) => boolean> | undefined;

/**
 * The guard of one of the package's descriptors (by identity: a copy, or a descriptor of your own, has none
 * and is decoded with its zod schema alone), of any exported-resource descriptor, or `undefined`.
 */
export function guardOf<T>(desc: ResourceDescriptor<T>): Guard<T> | undefined {
  // Built on first use: the descriptor modules import each other, so no table at import time.
  table ??= new Map<object, (value: unknown) => boolean>([
    [APIEXPORTENDPOINTSLICES, isApiExportEndpointSlice],
    [APIEXPORTS_V1ALPHA1, isApiExportV1alpha1],
    [APIEXPORTS_V1ALPHA2, isApiExportV1alpha2],
    [APIBINDINGS_V1ALPHA1, isApiBindingV1alpha1],
    [APIBINDINGS_V1ALPHA2, isApiBindingV1alpha2],
    [PARTITIONS, isPartition],
    [APIRESOURCESCHEMAS, isApiResourceSchema],
    [SELFSUBJECTACCESSREVIEWS, isSelfSubjectAccessReview],
    [SHARDS, isShard],
    [LEASES, isLease],
  ]);
  // Descriptors of exported resources are made at run time; they share one schema and so one guard.
  if (desc.schema === (exportedObjectSchema as unknown)) return isExportedObject as unknown as Guard<T>;
  return table.get(desc) as Guard<T> | undefined;
}
