import * as z from 'zod';
import { labelSelectorSchema } from './labels.js';
import { objectMetaSchema } from './meta.js';
import type { ResourceDescriptor } from './resource.js';

/**
 * `topology.kcp.io/v1alpha1` Partition: a label selector over Shard labels. An endpoint slice's
 * `spec.partition` names a Partition in the slice's own workspace.
 */
export const partitionSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: objectMetaSchema,
  spec: z.looseObject({ selector: labelSelectorSchema.nullish() }).optional(),
});
/** A Partition (`spec.selector` over Shard labels; every shard is labelled `name: <shard>`). */
export type Partition = z.infer<typeof partitionSchema>;

/** Where Partitions live: `topology.kcp.io/v1alpha1`, `partitions`. */
export const PARTITIONS: ResourceDescriptor<Partition> = Object.freeze({
  group: 'topology.kcp.io',
  version: 'v1alpha1',
  plural: 'partitions',
  kind: 'Partition',
  schema: partitionSchema,
});
