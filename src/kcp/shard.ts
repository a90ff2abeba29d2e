import * as z from 'zod';
import { objectMetaSchema } from './meta.js';
import type { ResourceDescriptor } from './resource.js';

/**
 * `core.kcp.io/v1alpha1` Shard (read from the `root` workspace). kcp publishes a shard's endpoint URL from its
 * `spec.virtualWorkspaceURL`; every shard labels itself `name: <shard>`, which Partitions select on.
 */
export const shardSchema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: objectMetaSchema,
  spec: z
    .looseObject({
      baseURL: z.string().optional(),
      externalURL: z.string().optional(),
      virtualWorkspaceURL: z.string().optional(),
    })
    .optional(),
});
/** A Shard (`spec.baseURL`, `spec.virtualWorkspaceURL`, labels). */
export type Shard = z.infer<typeof shardSchema>;

/** Where Shards live: `core.kcp.io/v1alpha1`, `shards` (in `root`). */
export const SHARDS: ResourceDescriptor<Shard> = Object.freeze({
  group: 'core.kcp.io',
  version: 'v1alpha1',
  plural: 'shards',
  kind: 'Shard',
  schema: shardSchema,
});

/** The workspace Shards are read from. */
export const SHARDS_WORKSPACE = 'root';
