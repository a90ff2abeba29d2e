/**
 * How the watch layer keys objects and compares keyed collections. An object's key is `cluster|name` or
 * `cluster|namespace/name`, the cluster taken from its `kcp.io/cluster` annotation (else the cluster the list
 * was made in), so that objects of the same name in different logical clusters of a wildcard list never
 * collide.
 */
import { clusterOf as annotatedCluster } from '../kcp/decode.js';

/** The part of a Kubernetes object the watch layer reads. Every kcp model type satisfies it. */
export interface KubeObject {
  metadata: {
    name: string;
    namespace?: string | undefined;
    resourceVersion?: string | undefined;
    annotations?: Record<string, string> | null | undefined;
  };
}

/** What changed between two versions of a store, as lists of store keys. */
export interface StoreDelta {
  /** Keys present now but not before. */
  added: string[];
  /** Keys present in both with a different resourceVersion. */
  modified: string[];
  /** Keys present before but gone now. */
  deleted: string[];
}

/** The logical cluster of `obj`: its `kcp.io/cluster` annotation, else `fallback` (the requested cluster). */
export function clusterOf(obj: KubeObject, fallback: string): string {
  return annotatedCluster(obj) ?? fallback;
}

/** Store key of an object: `cluster|name`, or `cluster|namespace/name` for namespaced objects. */
export function objectKey(obj: KubeObject, fallbackCluster: string): string {
  return storeKey(clusterOf(obj, fallbackCluster), obj.metadata.namespace, obj.metadata.name);
}

/** The store key of the object `name` (in `namespace`, if any) in logical cluster `cluster`. */
export function storeKey(cluster: string, namespace: string | undefined, name: string): string {
  return namespace === undefined || namespace === ''
    ? `${cluster}|${name}`
    : `${cluster}|${namespace}/${name}`;
}

/** The object name of a key made by {@link objectKey}. */
export function nameOfKey(key: string): string {
  const afterCluster = key.slice(key.indexOf('|') + 1);
  return afterCluster.slice(afterCluster.lastIndexOf('/') + 1);
}

/** Builds a store from a list, keyed by {@link objectKey}. */
export function buildStore<T extends KubeObject>(items: readonly T[], cluster: string): Map<string, T> {
  const store = new Map<string, T>();
  for (const item of items) store.set(objectKey(item, cluster), item);
  return store;
}

/** Computes what changed from `before` to `after` (a relist against the previous store). */
export function diffStores<T extends KubeObject>(
  before: ReadonlyMap<string, T>,
  after: ReadonlyMap<string, T>,
): StoreDelta {
  const delta: StoreDelta = { added: [], modified: [], deleted: [] };
  for (const [key, obj] of after) {
    const old = before.get(key);
    if (old === undefined) delta.added.push(key);
    else if (old !== obj && old.metadata.resourceVersion !== obj.metadata.resourceVersion)
      delta.modified.push(key);
  }
  for (const key of before.keys()) if (!after.has(key)) delta.deleted.push(key);
  return delta;
}

/** True when a delta has no change at all. */
export function isEmptyDelta(delta: StoreDelta): boolean {
  return delta.added.length === 0 && delta.modified.length === 0 && delta.deleted.length === 0;
}
