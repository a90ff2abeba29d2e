import { timestamp } from '../clock.js';
import { setConditions, type ConditionInput } from '../model/conditions.js';
import { boundKeys } from '../model/bound.js';
import { arrAt, child, isObject, meta, nameOf, objAt, strAt, type Json } from '../model/json.js';
import { deterministicUid } from '../model/names.js';
import { BINDING_FINALIZER } from '../model/objects.js';
import { resourceDef } from '../model/resources.js';
import { objectName } from '../model/store.js';
import { refOf, resolveRef, type ControllerContext } from './context.js';

const BINDINGS = resourceDef('apibindings');
const WAITING = 'Waiting for API(s) to be established';

function schemasOf(exp: Json | undefined): Array<{ name: string; group: string; schema: string }> {
  const resources = arrAt(objAt(isObject(exp) ? exp : undefined, 'spec'), 'resources') ?? [];
  return resources.filter(isObject).map((r) => ({
    name: strAt(r, 'name') ?? '',
    group: strAt(r, 'group') ?? '',
    schema: strAt(r, 'schema') ?? '',
  }));
}

/**
 * Advances one APIBinding by one step: `''` → `Binding` (first pass) → `Binding` with the export resolved
 * → `Bound`, as kcp's APIBinding controller does. Returns true when another step is due.
 */
export function reconcileBinding(ctx: ControllerContext, cluster: string, name: string): boolean {
  const ws = ctx.topology.resolve(cluster);
  const current = ctx.store.get('apibindings', cluster, name);
  if (ws === undefined || current === undefined || meta(current)['deletionTimestamp'] !== undefined)
    return false;
  let again = false;
  ctx.objects.mutate(BINDINGS, ws, name, (b) => {
    const status = child(b, 'status');
    const now = timestamp(ctx.clock);
    const phase = strAt(status, 'phase') ?? '';
    const ref = resolveRef(ctx.topology, cluster, refOf(b));
    const exp = ref.resolved ? ctx.store.get('apiexports', ref.cluster, ref.name) : undefined;
    const schemas = schemasOf(exp);
    const waiting = (message: string): ConditionInput => ({
      type: '',
      status: 'False',
      severity: 'Info',
      reason: 'WaitingForEstablished',
      message,
    });
    if (phase === '') {
      status['phase'] = 'Binding';
      setConditions(
        status,
        [
          { ...waiting(WAITING), type: 'InitialBindingCompleted' },
          { ...waiting(WAITING), type: 'Ready' },
        ],
        now,
      );
      again = true;
      return;
    }
    if (exp === undefined) {
      setConditions(
        status,
        [
          {
            type: 'APIExportValid',
            status: 'False',
            severity: 'Error',
            reason: 'APIExportNotFound',
            message: `APIExport ${ref.path}|${ref.name} not found`,
          },
        ],
        now,
      );
      return;
    }
    const identityHash = strAt(objAt(exp, 'status'), 'identityHash') ?? '';
    status['apiExportClusterName'] = ref.cluster;
    if (phase === 'Bound') {
      setConditions(status, [{ type: 'APIExportValid', status: 'True' }], now);
      return;
    }
    const valid = (arrAt(status, 'conditions') ?? []).some(
      (c) => isObject(c) && c['type'] === 'APIExportValid' && c['status'] === 'True',
    );
    if (!valid) {
      const msg = `${WAITING}: ${schemas.map((s) => s.schema).join(', ')}`;
      setConditions(
        status,
        [
          { type: 'APIExportValid', status: 'True' },
          { ...waiting(msg), type: 'BindingUpToDate' },
          { ...waiting(msg), type: 'InitialBindingCompleted' },
          { ...waiting(msg), type: 'Ready' },
        ],
        now,
      );
      again = true;
      return;
    }
    status['phase'] = 'Bound';
    status['boundResources'] = schemas.map((s, i) => {
      // the schema's UID and storage version when the schema exists (kcp refuses to bind without it)
      const schema = ctx.store.get('apiresourceschemas', ref.cluster, s.schema);
      const uid =
        strAt(objAt(schema, 'metadata'), 'uid') ?? deterministicUid(`${ref.cluster}/${ref.name}`, i);
      const versions = (arrAt(objAt(schema, 'spec'), 'versions') ?? []).filter(isObject);
      const storage = versions.find((v) => v['storage'] === true) ?? versions[0];
      return {
        group: s.group,
        resource: s.name,
        schema: { name: s.schema, UID: uid, identityHash },
        storageVersions: [strAt(storage, 'name') ?? 'v1alpha1'],
      };
    });
    setConditions(
      status,
      [
        'Ready',
        'BindingUpToDate',
        'InitialBindingCompleted',
        'PermissionClaimsApplied',
        'PermissionClaimsValid',
      ].map((type) => ({ type, status: 'True' as const })),
      now,
    );
  });
  return again;
}

/**
 * Finalizes a binding being deleted, as kcp's APIBinding deletion controller does: deletes the objects of
 * the resources it bound in its workspace (unless another binding there binds them too), then removes the
 * binding finalizer.
 */
export function finalizeBinding(ctx: ControllerContext, cluster: string, name: string): void {
  const ws = ctx.topology.resolve(cluster);
  const current = ctx.store.get('apibindings', cluster, name);
  if (ws === undefined || current === undefined || meta(current)['deletionTimestamp'] === undefined) return;
  const kept = new Set(
    ctx.store
      .list('apibindings', cluster)
      .filter((b) => nameOf(b) !== name)
      .flatMap((b) => boundKeys(ctx.store, b)),
  );
  for (const key of boundKeys(ctx.store, current)) {
    if (kept.has(key)) continue;
    for (const obj of ctx.store.list(key, cluster))
      ctx.store.remove(key, cluster, objectName(obj), 'controller');
  }
  ctx.objects.mutate(BINDINGS, ws, name, (b) => {
    const m = meta(b);
    const fin = (arrAt(m, 'finalizers') ?? []).filter((f) => f !== BINDING_FINALIZER);
    if (fin.length > 0) m['finalizers'] = fin;
    else delete m['finalizers'];
  });
}
