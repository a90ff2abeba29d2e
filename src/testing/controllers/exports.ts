import { PATH_ANNOTATION } from '../../kcp/meta.js';
import { timestamp } from '../clock.js';
import { deleteConditions, setConditions } from '../model/conditions.js';
import { arrAt, child, isObject, meta, objAt, strAt, type JsonObject } from '../model/json.js';
import { NAMESPACES } from '../model/kube.js';
import { sha256 } from '../model/names.js';
import { isV028OrLater, resourceDef } from '../model/resources.js';
import type { ControllerContext } from './context.js';
import { exportUrl, shardList } from './slices.js';

const EXPORTS = resourceDef('apiexports');
const SLICES = resourceDef('apiexportendpointslices');

/** The namespace of the identity Secrets of APIExports (kcp's `DefaultIdentitySecretNamespace`). */
export const IDENTITY_NAMESPACE = 'kcp-system';

/** Annotation that suppresses the default endpoint slice (kcp ≥ 0.28). */
export const SKIP_ENDPOINTSLICE_ANNOTATION = 'apiexports.apis.kcp.io/skip-endpointslice';

/** True when the legacy `status.virtualWorkspaces` field is filled under the context's profile and gates. */
export function legacyEnabled(ctx: ControllerContext): boolean {
  return !isV028OrLater(ctx.profile) || ctx.gates.EnableDeprecatedAPIExportVirtualWorkspacesUrls;
}

/** True when `slice` is owned by the export with `uid`. */
export function ownedBy(slice: JsonObject, uid: string): boolean {
  return (arrAt(meta(slice), 'ownerReferences') ?? []).some(
    (r) => isObject(r) && r['kind'] === 'APIExport' && r['uid'] === uid,
  );
}

/**
 * Reconciles one APIExport: identity hash, `IdentityValid`, the legacy `virtualWorkspaces` list with
 * `VirtualWorkspaceURLsReady` (≤ 0.27 or with the gate), and the default endpoint slice (0.28+).
 */
export function reconcileExport(ctx: ControllerContext, cluster: string, name: string): void {
  const ws = ctx.topology.resolve(cluster);
  if (ws === undefined) return;
  const exp = ctx.objects.mutate(EXPORTS, ws, name, (draft) => {
    const status = child(draft, 'status');
    const now = timestamp(ctx.clock);
    status['identityHash'] ??= sha256(`${cluster}/${name}`);
    setConditions(status, [{ type: 'IdentityValid', status: 'True' }], now);
    if (legacyEnabled(ctx)) {
      const urls = shardList(ctx)
        .filter((s) => s.vw !== '')
        .map((s) => exportUrl(s.vw, cluster, name))
        .sort();
      status['virtualWorkspaces'] = [...new Set(urls)].map((url) => ({ url }));
      setConditions(status, [{ type: 'VirtualWorkspaceURLsReady', status: 'True' }], now);
    } else {
      delete status['virtualWorkspaces'];
      deleteConditions(status, ['VirtualWorkspaceURLsReady']);
    }
  });
  // kcp keeps the export's identity in a Secret in `kcp-system`, a namespace it creates for that
  if (exp !== undefined && ctx.store.get('namespaces', cluster, IDENTITY_NAMESPACE) === undefined) {
    ctx.objects.create(NAMESPACES, ws, { metadata: { name: IDENTITY_NAMESPACE } }, 'controller');
  }
  if (exp === undefined || !isV028OrLater(ctx.profile)) return;
  const m = objAt(exp, 'metadata');
  if (m?.['deletionTimestamp'] !== undefined) return;
  if (objAt(m, 'annotations')?.[SKIP_ENDPOINTSLICE_ANNOTATION] !== undefined) return;
  if (ctx.store.get('apiexportendpointslices', cluster, name) !== undefined) return;
  ctx.objects.create(
    SLICES,
    ws,
    {
      metadata: {
        name,
        ownerReferences: [
          { apiVersion: 'apis.kcp.io/v1alpha1', kind: 'APIExport', name, uid: strAt(m, 'uid') ?? '' },
        ],
      },
      spec: { export: { path: strAt(objAt(m, 'annotations'), PATH_ANNOTATION) ?? ws.path, name } },
    },
    'controller',
  );
}

/** Garbage-collects the slices owned by a deleted export (kcp's garbage collector). */
export function collectOwnedSlices(ctx: ControllerContext, cluster: string, uid: string): void {
  const ws = ctx.topology.resolve(cluster);
  if (ws === undefined) return;
  for (const slice of ctx.store.list('apiexportendpointslices', cluster)) {
    if (!ownedBy(slice, uid)) continue;
    const name = strAt(objAt(slice, 'metadata'), 'name') ?? '';
    if (ctx.store.get('apiexportendpointslices', cluster, name) !== undefined) {
      ctx.objects.delete(SLICES, ws, name, 'controller');
    }
  }
}
