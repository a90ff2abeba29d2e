import { createClient } from '../../src/client.js';
import type { EndpointResolution, ResolveOptions } from '../../src/endpoints/types.js';
import { silentLogger } from '../../src/logger.js';
import type { KcpSimulator } from '../../src/testing/index.js';
import {
  consumerDiff,
  consumerStreamInvariants,
  consumerTruth,
  type ConsumerMap,
  type ConsumerWatched,
} from './consumers.js';
import { activeHandles, outcome, type Subscriber, until } from './observe.js';

/** A subscriber with what the invariants need to know about it. */
export interface Watched {
  sub: Subscriber;
  family: string;
  /** When each `<cluster>|<resource>` list of the subscriber's client family first succeeded. */
  listedAt: Map<string, number>;
  ref: string;
  /** Workspace of the export and its slice. */
  path: string;
  options: ResolveOptions;
}

/** Input of {@link checkInvariants}. */
export interface InvariantInput {
  sim: KcpSimulator;
  subscribers: Watched[];
  /** `watchConsumers` subscribers (those stopped early are only checked for their event sequence). */
  consumers: ConsumerWatched[];
  /** When faults stopped (`performance.now()`). */
  stoppedAt: number;
  /** Active handles before any client existed. */
  baseline: Map<string, number>;
  /** Stops harness timers that are not the client's. */
  stopTokens: () => void;
}

/** Time allowed from "faults stop" to "every last emission equals the truth". */
export const CONVERGE_MS = 2_000;
/** Time allowed for sockets, watches and timers to go after unsubscribe. */
export const DRAIN_MS = 1_000;

const HANDLE_KINDS = ['Timeout', 'TCPSocketWrap', 'ProcessWrap', 'PipeWrap'];

async function serverTruth(
  sim: KcpSimulator,
  subscribers: Array<{ ref: string; options: ResolveOptions }>,
): Promise<EndpointResolution[]> {
  const client = createClient({
    server: `${sim.url}/clusters/root`,
    token: sim.token,
    kubeconfig: { apiVersion: 'v1', kind: 'Config' },
    logger: silentLogger,
  });
  try {
    return await Promise.all(subscribers.map((w) => client.resolveEndpoints(w.ref, w.options)));
  } finally {
    await client.close();
  }
}

/** The invariants of one emission history (duplicates, early first emission, Forbidden, error, completion). */
export function streamInvariants(w: Watched): string[] {
  const failures: string[] = [];
  const { label, emissions } = w.sub;
  for (let i = 1; i < emissions.length; i++) {
    const [p, c] = [emissions[i - 1]!.change, emissions[i]!.change];
    if (outcome(p) === outcome(c)) {
      failures.push(`${label}: emissions ${i - 1} and ${i} are identical (${outcome(c)})`);
      break;
    }
  }
  const first = emissions[0];
  if (first !== undefined) {
    for (const resource of ['apiexportendpointslices', 'apiexports']) {
      const listed = w.listedAt.get(`${w.path}|${resource}`);
      if (listed === undefined || listed > first.at) {
        failures.push(
          `${label}: first emission (${outcome(first.change)}) before the initial list of ${resource}`,
        );
      }
    }
  }
  const forbidden = emissions.find((e) => e.change.phase === 'Forbidden');
  if (forbidden !== undefined) {
    failures.push(
      `${label}: emitted Forbidden although its user was always authorised (${forbidden.change.message})`,
    );
  }
  if (w.sub.error !== undefined)
    failures.push(
      `${label}: the stream errored: ${w.sub.error instanceof Error ? w.sub.error.message : JSON.stringify(w.sub.error)}`,
    );
  if (w.sub.completed) failures.push(`${label}: the stream completed`);
  return failures;
}

function handleLeaks(baseline: Map<string, number>): string[] {
  const now = activeHandles();
  return HANDLE_KINDS.filter((k) => (now.get(k) ?? 0) > (baseline.get(k) ?? 0)).map(
    (k) => `${k} ${baseline.get(k) ?? 0}→${now.get(k) ?? 0}`,
  );
}

/**
 * Checks every invariant of the soak: convergence to the server's truth within 2 s of faults stopping (for
 * `watchEndpoints` subscribers their last emission, for `watchConsumers` subscribers the consumers replayed
 * from their events against the model's, see {@link consumerTruth}), no two consecutive identical emissions,
 * no emission before the initial lists, no Forbidden for authorised users, the consumer event sequence rules
 * (see {@link consumerStreamInvariants}), no stream error or completion, and after unsubscribe no watch,
 * socket, timer or child process left.
 */
export async function checkInvariants(
  input: InvariantInput,
): Promise<{ failures: string[]; convergeMs: number }> {
  const { sim, subscribers, stoppedAt } = input;
  const consumers = input.consumers.filter((c) => !c.stoppedEarly);
  const failures: string[] = [];
  const [truth, consumerUrls] = await Promise.all([
    serverTruth(sim, subscribers),
    serverTruth(sim, consumers),
  ]);
  const consumersTruth: ConsumerMap[] = consumers.map((c, i) =>
    consumerTruth(sim, c.export, consumerUrls[i]!.urls, c.options.engage),
  );
  const matches = (i: number): boolean => {
    const last = subscribers[i]!.sub.last;
    return last !== undefined && outcome(last) === outcome(truth[i]!);
  };
  const consumerMatches = (i: number): boolean =>
    consumerDiff(consumers[i]!.sub.summary(), consumersTruth[i]!).length === 0;
  const converged = await until(
    () => subscribers.every((_w, i) => matches(i)) && consumers.every((_c, i) => consumerMatches(i)),
    Math.max(0, stoppedAt + CONVERGE_MS - performance.now()),
  );
  const convergeMs = Math.round(performance.now() - stoppedAt);
  if (!converged) {
    subscribers.forEach((w, i) => {
      if (matches(i)) return;
      const last = w.sub.last;
      failures.push(
        `${w.sub.label}: last emission ${last === undefined ? 'none' : outcome(last)} ≠ truth ${outcome(truth[i]!)} ${CONVERGE_MS} ms after faults stopped`,
      );
    });
    consumers.forEach((c, i) => {
      const diff = consumerDiff(c.sub.summary(), consumersTruth[i]!);
      if (diff.length === 0) return;
      failures.push(
        `${c.sub.label}: consumers ≠ the model's ${CONVERGE_MS} ms after faults stopped (endpoints ${consumerUrls[i]!.urls.join(', ') || 'none'}):\n    ${diff.join('\n    ')}`,
      );
    });
  }
  for (const w of subscribers) failures.push(...streamInvariants(w));
  for (const c of input.consumers) failures.push(...consumerStreamInvariants(c));
  for (const w of subscribers) w.sub.stop();
  for (const c of input.consumers) {
    c.sub.stop();
    c.shadow.stop();
  }
  input.stopTokens();
  const drained = await until(() => sim.watches() === 0 && sim.connections() === 0, DRAIN_MS);
  if (!drained) {
    failures.push(
      `after unsubscribe: ${sim.watches()} watches and ${sim.connections()} connections still open`,
    );
  }
  const clean = await until(() => handleLeaks(input.baseline).length === 0, DRAIN_MS);
  if (!clean) failures.push(`after unsubscribe: handles left: ${handleLeaks(input.baseline).join(', ')}`);
  return { failures, convergeMs };
}
