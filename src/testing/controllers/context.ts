import type { Scheduler, SimulatorClock } from '../clock.js';
import { objAt, strAt, type JsonObject } from '../model/json.js';
import type { Objects } from '../model/objects.js';
import type { KcpProfile } from '../model/resources.js';
import type { Store } from '../model/store.js';
import type { Topology } from '../model/topology.js';

/** Reaction delays of the simulated controllers, in milliseconds. */
export interface SimulatorDelays {
  /** Delay of each APIBinding phase step (`''` → `Binding` → `Bound`). @default 0 */
  bindingPhaseMs?: number;
  /** Delay before an endpoint slice reacts to a change (conditions, URLs). @default 0 */
  sliceReactionMs?: number;
  /** Delay before the APIBinding finalizer is removed after a delete. @default 0 */
  finalizerMs?: number;
  /** Delay before an APIExport gets its status and its default endpoint slice. @default 0 */
  defaultSliceMs?: number;
}

/** Feature gates the simulator honours. */
export interface SimulatorGates {
  /** Fill `APIExport.status.virtualWorkspaces` on the 0.28+ profile too. @default false */
  EnableDeprecatedAPIExportVirtualWorkspacesUrls?: boolean;
}

/** Everything a controller needs. */
export interface ControllerContext {
  store: Store;
  objects: Objects;
  topology: Topology;
  scheduler: Scheduler;
  clock: SimulatorClock;
  profile: KcpProfile;
  gates: Required<SimulatorGates>;
  delays: Required<SimulatorDelays>;
  index: ExportIndex;
}

/** Key of an APIExport: `<logical cluster or unresolved path>/<name>`. */
export function exportKey(cluster: string, name: string): string {
  return `${cluster}/${name}`;
}

/** Key of a cluster-scoped object: `<logical cluster>/<name>`. */
export function objectKey(cluster: string, name: string): string {
  return `${cluster}/${name}`;
}

/** Splits an {@link objectKey}. */
export function splitKey(key: string): { cluster: string; name: string } {
  const i = key.indexOf('/');
  return { cluster: key.slice(0, i), name: key.slice(i + 1) };
}

/** Resolves an export reference (`{path?, name}`) of an object stored in `ownCluster`. */
export function resolveRef(
  topology: Topology,
  ownCluster: string,
  ref: JsonObject | undefined,
): { cluster: string; path: string; name: string; resolved: boolean } {
  const rawPath = strAt(ref, 'path');
  const path = rawPath === undefined || rawPath === '' ? ownCluster : rawPath;
  const ws = topology.resolve(path);
  return { cluster: ws?.cluster ?? path, path, name: strAt(ref, 'name') ?? '', resolved: ws !== undefined };
}

/** The export reference of a slice (`spec.export`) or binding (`spec.reference.export`). */
export function refOf(obj: JsonObject): JsonObject | undefined {
  const spec = objAt(obj, 'spec');
  return objAt(spec, 'export') ?? objAt(objAt(spec, 'reference'), 'export');
}

/**
 * Indexes slices and bindings by the export they reference, and bindings by shard, so that a write only
 * re-reconciles the slices it can affect.
 */
export class ExportIndex {
  private readonly slices = new Map<string, Set<string>>();
  private readonly sliceExport = new Map<string, string>();
  private readonly bindings = new Map<string, Map<string, Set<string>>>();
  private readonly bindingExport = new Map<string, { key: string; shard: string }>();
  /** Slices and bindings whose reference did not resolve to a known workspace yet. */
  readonly unresolved = new Set<string>();

  /** Records a slice's export. */
  addSlice(sliceKey: string, expKey: string): void {
    this.removeSlice(sliceKey);
    this.sliceExport.set(sliceKey, expKey);
    let set = this.slices.get(expKey);
    if (set === undefined) this.slices.set(expKey, (set = new Set()));
    set.add(sliceKey);
  }

  /** Forgets a slice. */
  removeSlice(sliceKey: string): void {
    const key = this.sliceExport.get(sliceKey);
    if (key === undefined) return;
    this.sliceExport.delete(sliceKey);
    const set = this.slices.get(key);
    set?.delete(sliceKey);
    if (set?.size === 0) this.slices.delete(key);
  }

  /** Slices referencing an export. */
  slicesOf(expKey: string): string[] {
    return [...(this.slices.get(expKey) ?? [])];
  }

  /** The export key a slice was indexed under. */
  exportOfSlice(sliceKey: string): string | undefined {
    return this.sliceExport.get(sliceKey);
  }

  /** Records a binding on a shard. */
  addBinding(bindingKey: string, expKey: string, shard: string): void {
    this.removeBinding(bindingKey);
    this.bindingExport.set(bindingKey, { key: expKey, shard });
    let byShard = this.bindings.get(expKey);
    if (byShard === undefined) this.bindings.set(expKey, (byShard = new Map<string, Set<string>>()));
    let set = byShard.get(shard);
    if (set === undefined) byShard.set(shard, (set = new Set()));
    set.add(bindingKey);
  }

  /** Forgets a binding; returns the export key it referenced. */
  removeBinding(bindingKey: string): string | undefined {
    const entry = this.bindingExport.get(bindingKey);
    if (entry === undefined) return undefined;
    this.bindingExport.delete(bindingKey);
    const byShard = this.bindings.get(entry.key);
    const set = byShard?.get(entry.shard);
    set?.delete(bindingKey);
    if (set?.size === 0) byShard?.delete(entry.shard);
    if (byShard?.size === 0) this.bindings.delete(entry.key);
    return entry.key;
  }

  /** Number of bindings referencing an export on a shard. */
  bindingCount(expKey: string, shard: string): number {
    return this.bindings.get(expKey)?.get(shard)?.size ?? 0;
  }

  /** Bindings referencing an export (all shards). */
  bindingsOf(expKey: string): string[] {
    const out: string[] = [];
    for (const set of this.bindings.get(expKey)?.values() ?? []) out.push(...set);
    return out;
  }
}
