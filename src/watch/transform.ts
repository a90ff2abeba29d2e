/**
 * What informers keep of an object (client-go's `TransformStripManagedFields` idea). kcp objects carry
 * `metadata.managedFields`, often half their size, and objects written with `kubectl apply` carry the
 * whole previous object again in an annotation; resolution reads neither, and a cache of thousands of
 * objects holds both for every object.
 */
import type { KubeObject } from './keys.js';

/** The annotation `kubectl apply` writes: the last applied object, as JSON. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The default transform of informers: `object` without `metadata.managedFields` and without the
 * {@link LAST_APPLIED_ANNOTATION}; everything else (name, resourceVersion, other annotations, labels, spec,
 * status) is kept. It builds new `metadata` (and `annotations`) objects rather than deleting keys, so cached
 * objects keep the shape the parser gave them, and never changes its argument. Returns `object` itself when
 * there is nothing to drop.
 */
export function stripForCache<T extends KubeObject>(object: T): T {
  const meta = object.metadata as Readonly<Record<string, unknown>>;
  const annotations = object.metadata.annotations;
  const lastApplied = annotations != null && Object.hasOwn(annotations, LAST_APPLIED_ANNOTATION);
  if (!lastApplied && !Object.hasOwn(meta, 'managedFields')) return object;
  const metadata: Record<string, unknown> = {};
  for (const key of Object.keys(meta)) {
    // Decoded objects never have an own __proto__ key (the guards and zod drop it); never assign one.
    if (key === 'managedFields' || key === '__proto__') continue;
    metadata[key] = key === 'annotations' && lastApplied ? withoutLastApplied(annotations) : meta[key];
  }
  return { ...object, metadata };
}

function withoutLastApplied(annotations: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(annotations)) {
    if (key !== LAST_APPLIED_ANNOTATION && key !== '__proto__') out[key] = annotations[key] as string;
  }
  return out;
}
