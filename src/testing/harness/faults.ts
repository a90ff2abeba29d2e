import type { SimulatorClock } from '../clock.js';
import { mulberry32, type Random } from './random.js';

/** Kinds of injectable faults. */
export type FaultKind = 'drop' | 'http' | 'expired-event' | 'stall' | 'malformed-line' | 'split-line';

/** Verbs a fault can target. */
export type FaultVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/** Which requests a fault applies to. Every given field must match. */
export interface FaultMatch {
  /** Plural resource name, e.g. `apiexportendpointslices`. */
  resource?: string;
  /** Workspace path or logical cluster name as written in the URL (`*` for wildcard requests). */
  cluster?: string;
  /** Request verb. */
  verb?: FaultVerb;
  /** Substring of (or RegExp tested against) the URL path; also lets faults hit discovery requests. */
  path?: string | RegExp;
}

/** A scripted fault. */
export interface FaultSpec {
  /**
   * - `drop`: destroy the connection (mid-stream for watches, after `afterEvents` events, default 1);
   * - `http`: answer `status` with a `Status` body (`Retry-After` for 429/503);
   * - `expired-event`: send an `ERROR` event with a 410 Expired `Status` and end the watch;
   * - `stall`: send headers, then nothing (for `stallMs`, or until the client gives up);
   * - `malformed-line`: write a line that is not JSON into a watch stream;
   * - `split-line`: write the next watch event in two writes, a few milliseconds apart.
   */
  kind: FaultKind;
  /** HTTP status for `http`. @default 500 */
  status?: number;
  /** `Retry-After` seconds for `http` 429/503. @default 1 */
  retryAfterSeconds?: number;
  /** Which requests the fault applies to. @default every resource request */
  match?: FaultMatch;
  /** How many requests it applies to. @default 1 */
  times?: number;
  /** For stream faults: how many events are delivered before it strikes. @default 0 (`drop`: 1) */
  afterEvents?: number;
  /** For `stall`: close the connection after this many milliseconds. @default never */
  stallMs?: number;
}

/** Options of seeded random faults. */
export interface RandomFaultOptions {
  /** Seed of the PRNG: the same seed injects the same faults for the same request sequence. */
  seed: number | string;
  /** Probability in [0, 1] that a matching request gets a fault. */
  rate: number;
  /** Kinds to choose from. @default ['drop', 'http', 'expired-event', 'malformed-line', 'split-line'] */
  kinds?: FaultKind[];
  /** Restricts random faults to matching requests. */
  match?: FaultMatch;
}

/** One injected fault, as recorded in {@link SimulatorFaults.history}. */
export interface FaultRecord {
  kind: FaultKind;
  verb: string;
  resource: string | undefined;
  cluster: string | undefined;
  path: string;
  status: number | undefined;
  afterEvents: number | undefined;
  random: boolean;
  /** Clock time (ms since epoch). */
  time: number;
}

/** Handle of a scripted fault. */
export interface FaultHandle {
  /** Requests it still applies to. */
  readonly remaining: number;
  /** Withdraws the fault. */
  remove(): void;
}

/** The fault-injection API of a simulator (`sim.faults`). */
export interface SimulatorFaults {
  /** Adds a scripted fault; faults are tried in insertion order, the first match wins. */
  inject(spec: FaultSpec): FaultHandle;
  /** Turns on seeded random faults (replaces earlier random settings). */
  random(options: RandomFaultOptions): void;
  /** Removes every scripted and random fault (the history is kept). */
  clear(): void;
  /** Faults injected so far, oldest first (the last 10,000). */
  readonly history: readonly FaultRecord[];
}

/** Facts about a request used for matching. */
export interface RequestFacts {
  verb: string;
  resource: string | undefined;
  cluster: string | undefined;
  path: string;
  /** Resource requests only (discovery requests need `match.path`). */
  isResource: boolean;
}

/** A fault chosen for one request. */
export type ChosenFault = Required<Pick<FaultSpec, 'kind'>> & Omit<FaultSpec, 'kind' | 'times' | 'match'>;

const MAX_HISTORY = 10_000;
const STREAM_ONLY: FaultKind[] = ['expired-event', 'malformed-line', 'split-line'];
const RANDOM_STATUSES = [429, 500, 503];

function matchesRequest(match: FaultMatch | undefined, req: RequestFacts): boolean {
  if (match?.path === undefined && !req.isResource) return false;
  if (match === undefined) return true;
  if (match.resource !== undefined && match.resource !== req.resource) return false;
  if (match.cluster !== undefined && match.cluster !== req.cluster) return false;
  if (match.verb !== undefined && match.verb !== req.verb) return false;
  if (match.path !== undefined) {
    if (typeof match.path === 'string' ? !req.path.includes(match.path) : !match.path.test(req.path))
      return false;
  }
  return true;
}

/** Fault injector: scripted rules plus optional seeded random faults. */
export class FaultInjector implements SimulatorFaults {
  private rules: Array<{ spec: FaultSpec; remaining: number }> = [];
  private randomOptions: { options: RandomFaultOptions; rng: Random } | undefined;
  private readonly records: FaultRecord[] = [];
  private readonly clock: SimulatorClock;

  constructor(clock: SimulatorClock) {
    this.clock = clock;
  }

  get history(): readonly FaultRecord[] {
    return this.records;
  }

  inject(spec: FaultSpec): FaultHandle {
    const rule = { spec: { ...spec }, remaining: spec.times ?? 1 };
    this.rules.push(rule);
    return {
      get remaining() {
        return rule.remaining;
      },
      remove: () => {
        this.rules = this.rules.filter((r) => r !== rule);
      },
    };
  }

  random(options: RandomFaultOptions): void {
    this.randomOptions = { options: { ...options }, rng: mulberry32(options.seed) };
  }

  clear(): void {
    this.rules = [];
    this.randomOptions = undefined;
  }

  /** Picks (and consumes) the fault for a request, if any. */
  take(req: RequestFacts): ChosenFault | undefined {
    const isWatch = req.verb === 'watch';
    for (const rule of this.rules) {
      if (rule.remaining <= 0 || !matchesRequest(rule.spec.match, req)) continue;
      if (!isWatch && STREAM_ONLY.includes(rule.spec.kind)) continue;
      rule.remaining--;
      if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      const { times: _t, match: _m, ...chosen } = rule.spec;
      return this.record(chosen, req, false);
    }
    const r = this.randomOptions;
    if (r === undefined || !matchesRequest(r.options.match, req)) return undefined;
    if (r.rng() >= r.options.rate) return undefined;
    const kinds = (
      r.options.kinds ?? ['drop', 'http', 'expired-event', 'malformed-line', 'split-line']
    ).filter((k) => isWatch || !STREAM_ONLY.includes(k));
    const kind = kinds[Math.floor(r.rng() * kinds.length)];
    if (kind === undefined) return undefined;
    const statuses = req.verb === 'list' || isWatch ? [410, ...RANDOM_STATUSES] : RANDOM_STATUSES;
    const chosen: ChosenFault = { kind, afterEvents: Math.floor(r.rng() * 4) };
    if (kind === 'http') {
      chosen.status = statuses[Math.floor(r.rng() * statuses.length)] ?? 500;
      chosen.retryAfterSeconds = 1;
    }
    return this.record(chosen, req, true);
  }

  private record(chosen: ChosenFault, req: RequestFacts, random: boolean): ChosenFault {
    if (this.records.length >= MAX_HISTORY) this.records.splice(0, this.records.length - MAX_HISTORY + 1);
    this.records.push({
      kind: chosen.kind,
      verb: req.verb,
      resource: req.resource,
      cluster: req.cluster,
      path: req.path,
      status: chosen.kind === 'http' ? (chosen.status ?? 500) : undefined,
      afterEvents: chosen.afterEvents,
      random,
      time: this.clock.now(),
    });
    return chosen;
  }
}
