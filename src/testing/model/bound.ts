import { arrAt, isObject, objAt, strAt, type JsonObject } from './json.js';
import type { KcpProfile, ResourceDef } from './resources.js';
import { definitionFromSchema } from './schemas.js';
import type { Store } from './store.js';

/**
 * The APIBinding in `cluster` that binds the export `<exportCluster>/<exportName>`, matched as kcp's virtual
 * workspace authorizer does: `spec.reference.export.name` and `status.apiExportClusterName` (so a binding
 * counts once kcp has resolved its export, before it is Bound). `undefined` when there is none.
 */
export function bindingOfExport(
  store: Store,
  cluster: string,
  exportCluster: string,
  exportName: string,
): JsonObject | undefined {
  return store
    .list('apibindings', cluster)
    .find(
      (b) =>
        strAt(objAt(objAt(objAt(b, 'spec'), 'reference'), 'export'), 'name') === exportName &&
        strAt(objAt(b, 'status'), 'apiExportClusterName') === exportCluster,
    );
}

/** The resources a binding has bound (`status.boundResources`), with the identity they are stored under. */
function boundOf(
  store: Store,
  binding: JsonObject,
): Array<{ group: string; resource: string; def: ResourceDef | undefined }> {
  const status = objAt(binding, 'status');
  const exportCluster = strAt(status, 'apiExportClusterName') ?? '';
  return (arrAt(status, 'boundResources') ?? []).filter(isObject).map((br) => {
    const schemaRef = objAt(br, 'schema');
    const schema = store.get('apiresourceschemas', exportCluster, strAt(schemaRef, 'name') ?? '');
    return {
      group: strAt(br, 'group') ?? '',
      resource: strAt(br, 'resource') ?? '',
      def:
        schema === undefined
          ? undefined
          : definitionFromSchema(schema, strAt(schemaRef, 'identityHash') ?? ''),
    };
  });
}

/**
 * The resources a workspace serves through its APIBindings: every `status.boundResources` entry whose
 * APIResourceSchema is known (kcp serves a bound resource once the binding has bound it). The first binding
 * of a group/resource wins, as kcp refuses a second one with `NamingConflicts`.
 */
export function boundDefinitions(store: Store, cluster: string): ResourceDef[] {
  const out = new Map<string, ResourceDef>();
  for (const binding of store.list('apibindings', cluster)) {
    for (const b of boundOf(store, binding)) {
      const key = `${b.resource}.${b.group}`;
      if (b.def !== undefined && !out.has(key)) out.set(key, b.def);
    }
  }
  return [...out.values()];
}

/** The store keys of the resources a binding has bound. */
export function boundKeys(store: Store, binding: JsonObject): string[] {
  return boundOf(store, binding)
    .map((b) => b.def?.key)
    .filter((k): k is string => k !== undefined);
}

/**
 * The exported resources an APIExport's virtual workspace serves (`spec.resources` with CRD storage, each
 * defined by its APIResourceSchema in the export's workspace and stored under the export's identity), or
 * `undefined` while kcp builds no API set for it: the export is missing or has no identity hash yet
 * (`pkg/virtual/apiexport/controllers/apireconciler/apiexport_apireconciler_reconcile.go` in kcp).
 */
export function exportedDefinitions(
  store: Store,
  exportCluster: string,
  exportName: string,
): ResourceDef[] | undefined {
  const exp = store.get('apiexports', exportCluster, exportName);
  const identity = strAt(objAt(exp, 'status'), 'identityHash') ?? '';
  if (exp === undefined || identity === '') return undefined;
  const out: ResourceDef[] = [];
  for (const r of arrAt(objAt(exp, 'spec'), 'resources') ?? []) {
    if (!isObject(r) || objAt(objAt(r, 'storage'), 'virtual') !== undefined) continue;
    const schema = store.get('apiresourceschemas', exportCluster, strAt(r, 'schema') ?? '');
    const def = schema === undefined ? undefined : definitionFromSchema(schema, identity);
    if (def !== undefined) out.push(def);
  }
  return out;
}

/** The definition serving `<group>/<version>/<resource>` among `defs` under a profile. */
export function findDefinition(
  defs: readonly ResourceDef[],
  profile: KcpProfile,
  path: { group: string; version: string; resource: string },
): ResourceDef | undefined {
  return defs.find(
    (d) =>
      d.group === path.group && d.resource === path.resource && d.versions(profile).includes(path.version),
  );
}
