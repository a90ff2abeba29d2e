import type { Observable, Subscription } from 'rxjs';
import type { ConsumerEvent, ConsumerState } from '../../src/consumers/types.js';
import type { ResolveOptions } from '../../src/endpoints/types.js';
import type { KcpSimulator, SimObject } from '../../src/testing/index.js';
import { stamp, type Stamp, type Subscriber } from './observe.js';
import type { ExportId } from './world.js';

/** Which bindings engage a consumer (`watchConsumers`' `engage` option). */
export type Engage = 'ready' | 'any';

/**
 * What the invariants compare of one engaged consumer: the deciding binding's name, phase and readiness (so a
 * missed `updated` shows as well as a missed `engaged` or `disengaged`).
 */
export function consumerSummary(binding: { name: string; phase: string; ready: boolean }): string {
  return `${binding.name} (${binding.phase === '' ? 'no phase' : binding.phase}, ${binding.ready ? 'ready' : 'not ready'})`;
}

/** Consumers by endpoint URL, then logical cluster: the {@link consumerSummary} of each. */
export type ConsumerMap = Map<string, Map<string, string>>;

/** Most sequence violations kept per subscriber (the first one is the one that matters). */
const MAX_VIOLATIONS = 5;

/**
 * One `watchConsumers` subscriber: every event with its {@link Stamp}, the state replayed from them
 * (endpoint → cluster → state) and the sequence rules checked as each event arrives: `updated` and
 * `disengaged` only for an engaged consumer, no second `engaged` without a `disengaged` between, an event's
 * `url` is its endpoint's `/clusters/<cluster>`, with `engage: 'ready'` only ready bindings engage, with
 * `'any'` nothing is disengaged as `BindingNotReady`, and nothing arrives after {@link stop}.
 */
export class ConsumerSubscriber {
  /** Events with their {@link Stamp}. */
  readonly events: Array<Stamp & { event: ConsumerEvent }> = [];
  /** Engaged consumers replayed from the events: endpoint → cluster → state. */
  readonly state = new Map<string, Map<string, ConsumerState>>();
  /** Sequence rules broken so far (the first {@link MAX_VIOLATIONS}). */
  readonly violations: string[] = [];
  /** An error the stream ended with (it never should). */
  error: unknown;
  completed = false;
  /** When {@link stop} was called. */
  stoppedAt: Stamp | undefined;
  private readonly subscription: Subscription;

  constructor(
    /** A label for reports, e.g. `A root:org:p1:e0 consumers engage=any`. */
    readonly label: string,
    readonly engage: Engage,
    source: Observable<ConsumerEvent>,
  ) {
    this.subscription = source.subscribe({
      next: (event) => {
        this.record(event);
      },
      error: (e: unknown) => {
        this.error = e;
      },
      complete: () => {
        this.completed = true;
      },
    });
  }

  /** Ends the subscription; any later event is a violation. Idempotent. */
  stop(): void {
    if (this.stoppedAt !== undefined) return;
    this.stoppedAt = stamp();
    this.subscription.unsubscribe();
  }

  /** Number of engaged consumers right now. */
  get engagedCount(): number {
    let n = 0;
    for (const byCluster of this.state.values()) n += byCluster.size;
    return n;
  }

  /** The replayed state as a {@link ConsumerMap}. */
  summary(): ConsumerMap {
    const out: ConsumerMap = new Map();
    for (const [endpoint, byCluster] of this.state) {
      if (byCluster.size === 0) continue;
      out.set(endpoint, new Map([...byCluster].map(([c, s]) => [c, consumerSummary(s.binding)])));
    }
    return out;
  }

  /** Records and checks one event (public so that tests can feed histories). */
  record(event: ConsumerEvent): void {
    const at = stamp();
    const i = this.events.length;
    this.events.push({ ...at, event });
    const what = `event ${i} (${describeEvent(event)})`;
    if (this.stoppedAt !== undefined) this.violate(`${what} arrived after unsubscribe`);
    if (event.url !== `${event.endpoint}/clusters/${event.cluster}`)
      this.violate(`${what} has url ${event.url}, not ${event.endpoint}/clusters/${event.cluster}`);
    let byCluster = this.state.get(event.endpoint);
    const previous = byCluster?.get(event.cluster);
    switch (event.type) {
      case 'engaged':
        if (previous !== undefined) this.violate(`${what}: engaged twice without a disengaged between`);
        break;
      case 'updated':
        if (previous === undefined) this.violate(`${what}: updated a consumer that is not engaged`);
        break;
      case 'disengaged':
        if (previous === undefined) this.violate(`${what}: disengaged a consumer that is not engaged`);
        if (event.reason === 'BindingNotReady' && this.engage === 'any')
          this.violate(`${what}: BindingNotReady with engage 'any' (every binding engages)`);
        break;
    }
    if (event.type === 'disengaged') {
      byCluster?.delete(event.cluster);
      if (byCluster?.size === 0) this.state.delete(event.endpoint);
      return;
    }
    if (this.engage === 'ready' && !event.binding.ready)
      this.violate(`${what}: a binding that is not ready engages with engage 'ready'`);
    if (byCluster === undefined)
      this.state.set(event.endpoint, (byCluster = new Map<string, ConsumerState>()));
    byCluster.set(event.cluster, event);
  }

  private violate(message: string): void {
    if (this.violations.length < MAX_VIOLATIONS) this.violations.push(message);
  }
}

/** One line for an event in reports. */
export function describeEvent(e: ConsumerEvent): string {
  const reason = e.type === 'disengaged' ? ` ${e.reason}` : '';
  return `${e.type}${reason} ${e.cluster} at ${e.endpoint}: ${consumerSummary(e.binding)}`;
}

/**
 * A `watchConsumers` subscriber with what the invariants need: its export and options, and its shadow, a
 * `watchEndpoints` subscriber of the same client family, export and options subscribed just before it (so it
 * sees the same endpoint changes the consumer stream follows).
 */
export interface ConsumerWatched {
  sub: ConsumerSubscriber;
  shadow: Subscriber;
  family: string;
  ref: string;
  export: ExportId;
  options: ResolveOptions & { engage: Engage };
  /** True when it was unsubscribed before the end of the churn (it is then not compared with the truth). */
  stoppedEarly: boolean;
}

/**
 * "`EndpointRemoved` only for an endpoint that was removed from the export's URLs": every run of
 * `disengaged EndpointRemoved` events of one endpoint (they come together) must be matched, in order, by a
 * distinct emission of the shadow that dropped that URL, no later than the run (in the same synchronous burst
 * at the latest: both follow one informer event).
 */
export function endpointRemovedInvariants(w: ConsumerWatched): string[] {
  const removals = new Map<string, number[]>();
  let previous: readonly string[] = [];
  for (const e of w.shadow.emissions) {
    for (const url of previous) {
      if (e.change.urls.includes(url)) continue;
      const list = removals.get(url) ?? [];
      list.push(e.burst);
      removals.set(url, list);
    }
    previous = e.change.urls;
  }
  const used = new Map<string, number>();
  const failures: string[] = [];
  let run: { endpoint: string; burst: number; clusters: Set<string> } | undefined;
  w.sub.events.forEach(({ event, burst }, i) => {
    if (event.type !== 'disengaged' || event.reason !== 'EndpointRemoved') {
      run = undefined;
      return;
    }
    if (
      run !== undefined &&
      run.endpoint === event.endpoint &&
      run.burst === burst &&
      !run.clusters.has(event.cluster)
    ) {
      run.clusters.add(event.cluster);
      return;
    }
    run = { endpoint: event.endpoint, burst, clusters: new Set([event.cluster]) };
    const candidates = removals.get(event.endpoint) ?? [];
    const next = used.get(event.endpoint) ?? 0;
    const match = candidates[next];
    if (match === undefined || match > burst) {
      failures.push(
        `${w.sub.label}: event ${i} (${describeEvent(event)}) but the export's URLs had not dropped ${event.endpoint} ` +
          `(${candidates.length} removal(s) of it seen, ${next} already matched)`,
      );
    } else {
      used.set(event.endpoint, next + 1);
    }
  });
  return failures;
}

/** The invariants of one consumer event history: the sequence rules, `EndpointRemoved`, error, completion. */
export function consumerStreamInvariants(w: ConsumerWatched): string[] {
  const failures = w.sub.violations.map((v) => `${w.sub.label}: ${v}`);
  failures.push(...endpointRemovedInvariants(w));
  if (w.sub.error !== undefined)
    failures.push(
      `${w.sub.label}: the stream errored: ${w.sub.error instanceof Error ? w.sub.error.message : JSON.stringify(w.sub.error)}`,
    );
  if (w.sub.completed) failures.push(`${w.sub.label}: the stream completed`);
  return failures;
}

const CLUSTER_ANNOTATION = 'kcp.io/cluster';

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A binding as the model stores it: what the truth needs. */
function bindingFacts(b: SimObject): {
  name: string;
  cluster: string;
  exportPath: string | undefined;
  exportName: string;
  phase: string;
  ready: boolean;
} {
  const metadata = obj(b['metadata']);
  const exp = obj(obj(obj(b['spec'])?.['reference'])?.['export']);
  const status = obj(b['status']);
  const conditions = Array.isArray(status?.['conditions']) ? (status['conditions'] as unknown[]) : [];
  const readyCondition = conditions.map(obj).find((c) => c?.['type'] === 'Ready');
  const phase = str(status?.['phase']) ?? '';
  return {
    name: str(metadata?.['name']) ?? '',
    cluster: str(obj(metadata?.['annotations'])?.[CLUSTER_ANNOTATION]) ?? '',
    exportPath: str(exp?.['path']),
    exportName: str(exp?.['name']) ?? '',
    phase,
    // kcp's rule: the Ready condition decides; a binding without one is ready once Bound
    ready: readyCondition === undefined ? phase === 'Bound' : readyCondition['status'] === 'True',
  };
}

/**
 * What the simulator's model says the consumers of `exp` are, behind each URL of `urls` (the export's
 * endpoints now): the logical clusters on that URL's shard with a binding to the export that engages under
 * `engage` (any binding, or a ready one), each with its deciding binding (the first engaging one by name).
 * A URL of no shard of the simulator has no consumers.
 */
export function consumerTruth(sim: KcpSimulator, exp: ExportId, urls: string[], engage: Engage): ConsumerMap {
  const exportCluster = sim.workspace(exp.path)?.cluster;
  const shards = sim.list('shards').map((s) => ({
    name: str(obj(s['metadata'])?.['name']) ?? '',
    vw: (str(obj(s['spec'])?.['virtualWorkspaceURL']) ?? '').replace(/\/+$/, ''),
  }));
  const bindings = sim.list('apibindings').map(bindingFacts);
  const truth: ConsumerMap = new Map();
  for (const url of urls) {
    const shard = shards.find((s) => s.vw !== '' && url.startsWith(`${s.vw}/services/apiexport/`));
    const byCluster = new Map<string, string>();
    for (const b of [...bindings].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
      if (shard === undefined || exportCluster === undefined || byCluster.has(b.cluster)) continue;
      const exportWs = sim.workspace(
        b.exportPath === undefined || b.exportPath === '' ? b.cluster : b.exportPath,
      );
      if (exportWs?.cluster !== exportCluster || b.exportName !== exp.name) continue;
      if (sim.workspace(b.cluster)?.shard !== shard.name) continue;
      if (engage === 'ready' && !b.ready) continue;
      byCluster.set(b.cluster, consumerSummary(b));
    }
    if (byCluster.size > 0) truth.set(url, byCluster);
  }
  return truth;
}

/** The entries where two consumer maps differ, one line each (`endpoint cluster: got …, want …`). */
export function consumerDiff(got: ConsumerMap, want: ConsumerMap): string[] {
  const lines: string[] = [];
  for (const endpoint of [...new Set([...got.keys(), ...want.keys()])].sort()) {
    const g = got.get(endpoint) ?? new Map<string, string>();
    const w = want.get(endpoint) ?? new Map<string, string>();
    for (const cluster of [...new Set([...g.keys(), ...w.keys()])].sort()) {
      const [a, b] = [g.get(cluster), w.get(cluster)];
      if (a !== b)
        lines.push(`${endpoint} ${cluster}: got ${a ?? 'not engaged'}, want ${b ?? 'not engaged'}`);
    }
  }
  return lines;
}
