import type { FaultSpec, KcpSimulator } from '../../src/testing/index.js';
import { int, pick, type Rng } from './rng.js';

/** Shards consumers live on (the root shard always exists). */
export const SHARDS = ['root', 's1', 's2'] as const;
/** Provider workspaces. */
export const PROVIDERS = ['root:org:p1', 'root:org:p2'] as const;
/** Export names created in every provider workspace. */
export const EXPORTS = ['e0', 'e1', 'e2'] as const;
/** Consumer workspaces, two per shard. */
export const CONSUMERS = SHARDS.flatMap((s) =>
  [0, 1].map((i) => ({ path: `root:org:c-${s}-${i}`, shard: s })),
);

/** An export of the soak world. */
export interface ExportId {
  path: string;
  name: string;
}

/** Every export of the world. */
export const ALL_EXPORTS: ExportId[] = PROVIDERS.flatMap((path) => EXPORTS.map((name) => ({ path, name })));

/** One scheduled action of a seed. */
export type Op =
  | { kind: 'bind' | 'unbind'; consumer: string; export: ExportId; binding: string }
  | { kind: 'deleteExport' | 'createExport' | 'deleteSlice' | 'createSlice'; export: ExportId }
  | { kind: 'fault'; spec: FaultSpec };

/** An action and the time (ms after the start of the churn phase) it runs at. */
export interface Step {
  atMs: number;
  op: Op;
}

const RESOURCES = ['apiexportendpointslices', 'apiexports'];

/** Id of an export for sets and messages. */
export function exportKey(e: ExportId): string {
  return `${e.path}:${e.name}`;
}

/**
 * The names a consumer's bindings to an export take: usually the first; the second makes two bindings of one
 * workspace to one export (the consumer stays engaged until both are gone).
 */
export function bindingNames(e: ExportId): [string, string] {
  const base = `${e.path.split(':').pop() ?? 'x'}-${e.name}`;
  return [base, `${base}-b`];
}

/** The virtual-workspace URL of a shard of the world: the root shard's is the simulator's own URL. */
export function shardVirtualWorkspaceUrl(sim: KcpSimulator, shard: string): string {
  return shard === 'root' ? sim.url : `${sim.url}/shards/${shard}`;
}

/**
 * A random fault of any simulator kind, against lists or watches of slices or exports in the provider
 * workspaces, or (one in four) of APIBindings across consumers in a virtual workspace (`/clusters/*`).
 */
export function randomFault(r: Rng): FaultSpec {
  const kind = pick(r, ['drop', 'http', 'expired-event', 'stall', 'malformed-line', 'split-line'] as const);
  const streamOnly = kind === 'expired-event' || kind === 'malformed-line' || kind === 'split-line';
  const verb = streamOnly || kind === 'stall' ? 'watch' : pick(r, ['list', 'watch'] as const);
  const bindings = r() < 0.25;
  const spec: FaultSpec = {
    kind,
    match: {
      resource: bindings ? 'apibindings' : pick(r, RESOURCES),
      verb,
      ...(bindings ? { cluster: '*' } : r() < 0.3 ? { cluster: pick(r, PROVIDERS) } : {}),
    },
    times: int(r, 1, 2),
    afterEvents: int(r, 0, 3),
  };
  if (kind === 'http') {
    spec.status = pick(r, [410, 429, 500, 503]);
    if (spec.status === 429 || spec.status === 503) spec.retryAfterSeconds = 1;
  }
  if (kind === 'stall') spec.stallMs = int(r, 50, 300);
  return spec;
}

/**
 * The deterministic schedule of a seed: bindings churning across 3 shards (now and then a second binding of
 * one workspace to the same export), exports and slices deleted and re-created, and faults of every kind,
 * one action every 5–40 ms for `durationMs`. Actions are chosen against a model of the world so most of
 * them are valid; the model is approximate on purpose (an action the simulator refuses is skipped and
 * counted).
 */
export function planSchedule(r: Rng, durationMs: number): Step[] {
  const bound = new Set<string>();
  const exportsUp = new Set(ALL_EXPORTS.map(exportKey));
  const slicesUp = new Set(ALL_EXPORTS.map(exportKey));
  const steps: Step[] = [];
  for (let at = int(r, 0, 20); at < durationMs; at += int(r, 5, 40)) {
    if (r() < 0.3) {
      steps.push({ atMs: at, op: { kind: 'fault', spec: randomFault(r) } });
      continue;
    }
    const e = pick(r, ALL_EXPORTS);
    const k = exportKey(e);
    const roll = r();
    let op: Op;
    if (roll < 0.6) {
      const consumer = pick(r, CONSUMERS).path;
      const binding = bindingNames(e)[r() < 0.25 ? 1 : 0];
      const b = `${consumer}|${k}|${binding}`;
      op = { kind: bound.has(b) ? 'unbind' : 'bind', consumer, export: e, binding };
      if (bound.has(b)) bound.delete(b);
      else bound.add(b);
    } else if (roll < 0.8) {
      op = exportsUp.has(k) ? { kind: 'deleteExport', export: e } : { kind: 'createExport', export: e };
      if (exportsUp.has(k)) {
        exportsUp.delete(k);
        slicesUp.delete(k);
      } else {
        exportsUp.add(k);
        slicesUp.add(k);
      }
    } else {
      op = slicesUp.has(k) ? { kind: 'deleteSlice', export: e } : { kind: 'createSlice', export: e };
      if (slicesUp.has(k)) slicesUp.delete(k);
      else slicesUp.add(k);
    }
    steps.push({ atMs: at, op });
  }
  return steps;
}

/**
 * Creates shards (each with its virtual workspace served by the simulator, see
 * {@link shardVirtualWorkspaceUrl}), provider and consumer workspaces and every export.
 */
export function buildWorld(sim: KcpSimulator): void {
  for (const s of SHARDS)
    if (s !== 'root') sim.addShard(s, { virtualWorkspaceURL: shardVirtualWorkspaceUrl(sim, s) });
  for (const p of PROVIDERS) sim.createWorkspace(p);
  for (const c of CONSUMERS) sim.createWorkspace(c.path, { shard: c.shard });
  for (const e of ALL_EXPORTS) sim.createExport(e.path, e.name);
}

/** Applies one action; returns false when the simulator refused it. */
export function applyOp(sim: KcpSimulator, op: Op): boolean {
  try {
    switch (op.kind) {
      case 'fault':
        sim.faults.inject(op.spec);
        break;
      case 'bind':
        sim.bind(op.consumer, exportKey(op.export), { name: op.binding });
        break;
      case 'unbind':
        sim.unbind(op.consumer, op.binding);
        break;
      case 'deleteExport':
        sim.deleteExport(op.export.path, op.export.name);
        break;
      case 'createExport':
        sim.createExport(op.export.path, op.export.name);
        break;
      case 'deleteSlice':
        sim.deleteSlice(op.export.path, op.export.name);
        break;
      case 'createSlice':
        sim.createSlice(op.export.path, op.export.name, { export: { ...op.export } });
        break;
    }
    return true;
  } catch {
    return false;
  }
}

/** A one-line description of an action for failure reports. */
export function describeOp(op: Op): string {
  if (op.kind === 'fault') return `fault ${JSON.stringify(op.spec)}`;
  if (op.kind === 'bind' || op.kind === 'unbind')
    return `${op.kind} ${op.consumer} → ${exportKey(op.export)} (${op.binding})`;
  return `${op.kind} ${exportKey(op.export)}`;
}
