import { boundDefinitions } from '../model/bound.js';
import { meta, objAt, strAt } from '../model/json.js';
import { KUBE_RESOURCES } from '../model/kube.js';
import { objectName } from '../model/store.js';
import type { ControllerContext } from './context.js';

/**
 * kube's namespace controller, for a Namespace marked for deletion: deletes everything in it (Leases and the
 * namespaced resources bound in the workspace), then the Namespace itself.
 */
export function finalizeNamespace(ctx: ControllerContext, cluster: string, name: string): void {
  const ns = ctx.store.get('namespaces', cluster, name);
  if (ns === undefined || meta(ns)['deletionTimestamp'] === undefined) return;
  for (const def of [...KUBE_RESOURCES, ...boundDefinitions(ctx.store, cluster)]) {
    if (!def.namespaced) continue;
    for (const obj of ctx.store.list(def.key, cluster)) {
      if (strAt(objAt(obj, 'metadata'), 'namespace') === name) {
        ctx.store.remove(def.key, cluster, objectName(obj), 'controller');
      }
    }
  }
  ctx.store.remove('namespaces', cluster, name, 'controller');
}
