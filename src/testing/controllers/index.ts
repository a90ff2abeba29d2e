import { CLUSTER_ANNOTATION } from '../../kcp/meta.js';
import { arrAt, meta, nameOf, objAt, strAt, type JsonObject } from '../model/json.js';
import { BINDING_FINALIZER } from '../model/objects.js';
import { isV028OrLater } from '../model/resources.js';
import type { StoreEvent } from '../model/store.js';
import type { WorkspaceInfo } from '../model/topology.js';
import { finalizeBinding, reconcileBinding } from './bindings.js';
import { exportKey, objectKey, refOf, resolveRef, splitKey, type ControllerContext } from './context.js';
import { collectOwnedSlices, legacyEnabled, ownedBy, reconcileExport } from './exports.js';
import { finalizeNamespace } from './namespaces.js';
import { reconcileSlice } from './slices.js';

/**
 * Routes store events to the simulated kcp controllers. Work is incremental: a binding write only
 * re-reconciles the slices of the export it references; a partition write only the slices in its workspace
 * that use it; shard writes re-reconcile exports (legacy URLs) and, on 0.26, every slice.
 */
export class Controllers {
  private readonly ctx: ControllerContext;
  /**
   * kcp's URL controller finds the slices a binding event concerns by **text**: a binding's key is
   * `<spec.reference.export.path, or its own cluster>:<export>`, a slice's keys are `<spec.export.path>:<export>`
   * and `<its own cluster>:<export>`. A slice that names the export otherwise (by logical cluster name, or
   * with an empty path from another workspace) is not re-reconciled by binding events.
   */
  private readonly slicesByText = new Map<string, Set<string>>();
  private readonly textOfSlice = new Map<string, string[]>();

  constructor(ctx: ControllerContext) {
    this.ctx = ctx;
  }

  /** Handles one committed store event. */
  handle(event: StoreEvent): void {
    switch (event.resource) {
      case 'apiexports':
        this.onExport(event);
        return;
      case 'apiexportendpointslices':
        this.onSlice(event);
        return;
      case 'apibindings':
        this.onBinding(event);
        return;
      case 'partitions':
        this.onPartition(event);
        return;
      case 'shards':
        this.onShard();
        return;
      case 'apiresourceschemas':
        return;
      case 'namespaces':
        if (event.type !== 'DELETED' && meta(event.object)['deletionTimestamp'] !== undefined) {
          const name = nameOf(event.object);
          this.ctx.scheduler.schedule(`ns|${event.cluster}|${name}`, this.ctx.delays.finalizerMs, () => {
            finalizeNamespace(this.ctx, event.cluster, name);
          });
        }
        return;
    }
  }

  /** Re-queues every export, slice and binding (like an informer resync). */
  resync(): void {
    for (const e of this.ctx.store.list('apiexports', '*')) this.enqueueExport(clusterOf(e), nameOf(e));
    for (const s of this.ctx.store.list('apiexportendpointslices', '*')) {
      this.enqueueSlice(objectKey(clusterOf(s), nameOf(s)));
    }
    for (const b of this.ctx.store.list('apibindings', '*')) {
      this.enqueueBinding(objectKey(clusterOf(b), nameOf(b)));
    }
  }

  /** Re-resolves references that named a workspace that did not exist yet. */
  onWorkspace(_ws: WorkspaceInfo): void {
    for (const key of [...this.ctx.index.unresolved]) {
      const { cluster, name } = splitKey(key.slice(2));
      const resource = key.startsWith('s:') ? 'apiexportendpointslices' : 'apibindings';
      const obj = this.ctx.store.get(resource, cluster, name);
      this.ctx.index.unresolved.delete(key);
      if (obj === undefined) continue;
      if (resource === 'apiexportendpointslices') this.indexSlice(cluster, name, obj);
      else this.indexBinding(cluster, name, obj);
      this.enqueueSlicesOf(this.exportKeyOf(cluster, obj));
    }
  }

  private onExport(ev: StoreEvent): void {
    const name = nameOf(ev.object);
    const key = exportKey(ev.cluster, name);
    if (ev.type === 'DELETED') {
      const uid = strAt(meta(ev.object), 'uid') ?? '';
      this.ctx.scheduler.schedule(`gc|${key}|${uid}`, this.ctx.delays.sliceReactionMs, () => {
        collectOwnedSlices(this.ctx, ev.cluster, uid);
      });
    } else if (ev.origin === 'client') this.enqueueExport(ev.cluster, name);
    if (ev.type !== 'MODIFIED') {
      this.enqueueSlicesOf(key);
      for (const b of this.ctx.index.bindingsOf(key)) this.enqueueBinding(b);
      // bindings referencing the export by path are indexed under the resolved cluster too
    }
  }

  private onSlice(ev: StoreEvent): void {
    const name = nameOf(ev.object);
    const key = objectKey(ev.cluster, name);
    if (ev.type === 'DELETED') {
      this.unindexSliceText(key);
      this.ctx.index.removeSlice(key);
      this.ctx.index.unresolved.delete(`s:${key}`);
      const exp = this.ctx.store.get('apiexports', ev.cluster, name);
      const uid = strAt(objAt(exp, 'metadata'), 'uid');
      if (
        this.ctx.profile !== '0.28' &&
        isV028OrLater(this.ctx.profile) &&
        uid !== undefined &&
        ownedBy(ev.object, uid)
      )
        this.enqueueExport(ev.cluster, name);
      return;
    }
    if (ev.type === 'ADDED') this.indexSlice(ev.cluster, name, ev.object);
    this.indexSliceText(key, ev.cluster, ev.object);
    if (ev.origin === 'client' || ev.type === 'ADDED') this.enqueueSlice(key);
  }

  private onBinding(ev: StoreEvent): void {
    const name = nameOf(ev.object);
    const key = objectKey(ev.cluster, name);
    if (ev.type === 'DELETED') {
      this.ctx.index.unresolved.delete(`b:${key}`);
      const expKey = this.ctx.index.removeBinding(key);
      if (expKey !== undefined) this.enqueueSlicesOfBinding(ev.cluster, ev.object, expKey);
      return;
    }
    if (ev.type === 'ADDED') {
      this.indexBinding(ev.cluster, name, ev.object);
      this.enqueueSlicesOfBinding(ev.cluster, ev.object, this.exportKeyOf(ev.cluster, ev.object));
    }
    const m = meta(ev.object);
    if (m['deletionTimestamp'] !== undefined) {
      if ((arrAt(m, 'finalizers') ?? []).includes(BINDING_FINALIZER)) {
        this.ctx.scheduler.schedule(`finalize|${key}`, this.ctx.delays.finalizerMs, () => {
          finalizeBinding(this.ctx, ev.cluster, name);
        });
      }
      return;
    }
    if (ev.type === 'ADDED' || ev.origin === 'client') this.enqueueBinding(key);
  }

  private onPartition(ev: StoreEvent): void {
    const name = nameOf(ev.object);
    for (const s of this.ctx.store.list('apiexportendpointslices', ev.cluster)) {
      if (strAt(objAt(s, 'spec'), 'partition') === name) this.enqueueSlice(objectKey(ev.cluster, nameOf(s)));
    }
  }

  private onShard(): void {
    if (legacyEnabled(this.ctx)) {
      for (const e of this.ctx.store.list('apiexports', '*')) this.enqueueExport(clusterOf(e), nameOf(e));
    }
    if (this.ctx.profile === '0.26') {
      for (const s of this.ctx.store.list('apiexportendpointslices', '*')) {
        this.enqueueSlice(objectKey(clusterOf(s), nameOf(s)));
      }
    }
  }

  private exportKeyOf(cluster: string, obj: StoreEvent['object']): string {
    const ref = resolveRef(this.ctx.topology, cluster, refOf(obj));
    return exportKey(ref.cluster, ref.name);
  }

  private indexSlice(cluster: string, name: string, obj: StoreEvent['object']): void {
    const ref = resolveRef(this.ctx.topology, cluster, refOf(obj));
    const key = objectKey(cluster, name);
    this.ctx.index.addSlice(key, exportKey(ref.cluster, ref.name));
    if (!ref.resolved) this.ctx.index.unresolved.add(`s:${key}`);
  }

  private indexBinding(cluster: string, name: string, obj: StoreEvent['object']): void {
    const ref = resolveRef(this.ctx.topology, cluster, refOf(obj));
    const key = objectKey(cluster, name);
    const shard = this.ctx.topology.resolve(cluster)?.shard ?? 'root';
    this.ctx.index.addBinding(key, exportKey(ref.cluster, ref.name), shard);
    if (!ref.resolved) this.ctx.index.unresolved.add(`b:${key}`);
  }

  private indexSliceText(key: string, cluster: string, obj: StoreEvent['object']): void {
    const ref = refOf(obj);
    const name = strAt(ref, 'name') ?? '';
    const path = strAt(ref, 'path') ?? '';
    const texts = [...new Set([...(path === '' ? [] : [`${path}:${name}`]), `${cluster}:${name}`])];
    const before = this.textOfSlice.get(key);
    if (before !== undefined && before.join('\n') === texts.join('\n')) return;
    this.unindexSliceText(key);
    this.textOfSlice.set(key, texts);
    for (const t of texts) {
      let set = this.slicesByText.get(t);
      if (set === undefined) this.slicesByText.set(t, (set = new Set()));
      set.add(key);
    }
  }

  private unindexSliceText(key: string): void {
    for (const t of this.textOfSlice.get(key) ?? []) {
      const set = this.slicesByText.get(t);
      set?.delete(key);
      if (set?.size === 0) this.slicesByText.delete(t);
    }
    this.textOfSlice.delete(key);
  }

  /** The slices a binding event re-queues: by text on kcp ≥ 0.27, by resolved export on 0.26. */
  private enqueueSlicesOfBinding(cluster: string, binding: StoreEvent['object'], expKey: string): void {
    if (this.ctx.profile === '0.26') {
      this.enqueueSlicesOf(expKey);
      return;
    }
    const ref = refOf(binding);
    const path = strAt(ref, 'path') ?? '';
    const text = `${path === '' ? cluster : path}:${strAt(ref, 'name') ?? ''}`;
    for (const s of this.slicesByText.get(text) ?? []) this.enqueueSlice(s);
  }

  private enqueueSlicesOf(expKey: string): void {
    for (const s of this.ctx.index.slicesOf(expKey)) this.enqueueSlice(s);
  }

  private enqueueSlice(key: string): void {
    const { cluster, name } = splitKey(key);
    this.ctx.scheduler.schedule(`slice|${key}`, this.ctx.delays.sliceReactionMs, () => {
      reconcileSlice(this.ctx, cluster, name);
    });
  }

  private enqueueExport(cluster: string, name: string): void {
    this.ctx.scheduler.schedule(`export|${cluster}/${name}`, this.ctx.delays.defaultSliceMs, () => {
      reconcileExport(this.ctx, cluster, name);
    });
  }

  private enqueueBinding(key: string): void {
    const { cluster, name } = splitKey(key);
    const step = (): void => {
      if (reconcileBinding(this.ctx, cluster, name)) {
        this.ctx.scheduler.schedule(`binding|${key}`, this.ctx.delays.bindingPhaseMs, step);
      }
    };
    this.ctx.scheduler.schedule(`binding|${key}`, this.ctx.delays.bindingPhaseMs, step);
  }
}

function clusterOf(obj: JsonObject): string {
  return strAt(objAt(objAt(obj, 'metadata'), 'annotations'), CLUSTER_ANNOTATION) ?? '';
}
