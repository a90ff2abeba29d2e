import { isValidWorkspacePath } from '../../kcp/paths.js';
import { logicalClusterName } from './names.js';

/** A workspace known to the simulator. */
export interface WorkspaceInfo {
  /** Canonical path, e.g. `root:org:ws`. */
  path: string;
  /** Generated logical cluster name (`root` for root). */
  cluster: string;
  /** Name of the shard the workspace lives on. */
  shard: string;
}

/** Workspaces (path ↔ logical cluster name) and their shard assignment. */
export class Topology {
  private readonly seed: string;
  private readonly byPath = new Map<string, WorkspaceInfo>();
  private readonly byCluster = new Map<string, WorkspaceInfo>();
  /** Called for every workspace created (parents included). */
  onCreate: (ws: WorkspaceInfo) => void = () => undefined;

  constructor(seed: string) {
    this.seed = seed;
    this.add({ path: 'root', cluster: 'root', shard: 'root' });
  }

  /** Resolves a workspace path or logical cluster name; `undefined` when unknown. */
  resolve(pathOrCluster: string): WorkspaceInfo | undefined {
    return this.byPath.get(pathOrCluster) ?? this.byCluster.get(pathOrCluster);
  }

  /** All workspaces, root first. */
  all(): WorkspaceInfo[] {
    return [...this.byPath.values()];
  }

  /**
   * Creates a workspace and any missing parents (parents on `parentShard`); returns the existing one when
   * the path is already known.
   * @throws Error for an invalid path.
   */
  create(path: string, shard: string, parentShard = 'root'): WorkspaceInfo {
    const existing = this.byPath.get(path);
    if (existing !== undefined) return existing;
    if (!isValidWorkspacePath(path) || !(path === 'root' || path.startsWith('root:'))) {
      throw new Error(`invalid workspace path "${path}": expected "root" or "root:<segment>…"`);
    }
    const parent = path.slice(0, path.lastIndexOf(':'));
    if (!this.byPath.has(parent)) this.create(parent, parentShard, parentShard);
    return this.add({ path, cluster: logicalClusterName(this.seed, path), shard });
  }

  private add(ws: WorkspaceInfo): WorkspaceInfo {
    this.byPath.set(ws.path, ws);
    this.byCluster.set(ws.cluster, ws);
    this.onCreate(ws);
    return ws;
  }
}
