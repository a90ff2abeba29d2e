import { CLUSTER_ANNOTATION } from '../../kcp/meta.js';
import { refOf, resolveRef } from '../controllers/context.js';
import { objAt, strAt, type JsonObject } from '../model/json.js';
import type { Store } from '../model/store.js';
import type { Topology } from '../model/topology.js';

/** A request addressed to an APIExport virtual workspace served by the simulator. */
export interface VirtualWorkspaceTarget {
  /** Shard whose `virtualWorkspaceURL` the request used. */
  shard: string;
  /** Logical cluster name of the export. */
  exportCluster: string;
  /** Export name. */
  exportName: string;
  /** The rest of the path, starting with `/clusters/<x>`. */
  rest: string;
}

const VW_RE = /^(.*?)\/services\/apiexport\/([^/]+)\/([^/]+)(\/clusters\/[^/]+(?:\/.*)?)$/;

/**
 * Recognises `<shard VW URL>/services/apiexport/<cluster>/<export>/clusters/<x>/…` for shards whose
 * `virtualWorkspaceURL` points at this simulator (the root shard's does).
 */
export function matchVirtualWorkspace(
  store: Store,
  baseUrl: string,
  path: string,
): VirtualWorkspaceTarget | undefined {
  const m = VW_RE.exec(path);
  if (m === null) return undefined;
  const want = `${baseUrl}${m[1] ?? ''}`.replace(/\/+$/, '');
  const shard = store
    .list('shards', 'root')
    .find((s) => (strAt(objAt(s, 'spec'), 'virtualWorkspaceURL') ?? '').replace(/\/+$/, '') === want);
  if (shard === undefined) return undefined;
  return {
    shard: strAt(objAt(shard, 'metadata'), 'name') ?? '',
    exportCluster: m[2] ?? '',
    exportName: m[3] ?? '',
    rest: m[4] ?? '',
  };
}

/** True when an APIBinding is visible in the virtual workspace: it binds that export and lives on that shard. */
export function visibleInVirtualWorkspace(
  topology: Topology,
  vw: VirtualWorkspaceTarget,
  binding: JsonObject,
): boolean {
  const cluster = strAt(objAt(objAt(binding, 'metadata'), 'annotations'), CLUSTER_ANNOTATION) ?? '';
  const ref = resolveRef(topology, cluster, refOf(binding));
  return (
    ref.cluster === vw.exportCluster &&
    ref.name === vw.exportName &&
    topology.resolve(cluster)?.shard === vw.shard
  );
}
