/**
 * The metrics of the controller runtime, through OpenTelemetry's metrics API (`@opentelemetry/api`, an
 * optional peer dependency). Every instrument is defined here, once per meter, with controller-runtime's
 * names, so dashboards written for Go controllers work unchanged:
 *
 * | instrument | kind | attributes |
 * |---|---|---|
 * | `controller_runtime_reconcile_total` | counter | `controller`, `result` (`success`, `error`, `requeue`, `requeue_after`) |
 * | `controller_runtime_reconcile_errors_total` | counter | `controller` |
 * | `controller_runtime_terminal_reconcile_errors_total` | counter | `controller` |
 * | `controller_runtime_reconcile_time_seconds` | histogram (s) | `controller` |
 * | `workqueue_depth` | gauge | `name`, `controller` |
 * | `workqueue_adds_total` | counter | `name`, `controller` |
 * | `workqueue_queue_duration_seconds` | histogram (s) | `name`, `controller` |
 * | `workqueue_work_duration_seconds` | histogram (s) | `name`, `controller` |
 * | `workqueue_retries_total` | counter | `name`, `controller` |
 * | `workqueue_unfinished_work_seconds` | gauge (s) | `name`, `controller` |
 * | `workqueue_longest_running_processor_seconds` | gauge (s) | `name`, `controller` |
 * | `kcp_endpoints_urls` | gauge | `controller` |
 * | `kcp_endpoints_consumers_engaged` | gauge | `controller` |
 * | `kcp_endpoints_time_to_first_url_seconds` | histogram (s) | `controller` |
 * | `kcp_endpoints_probe_failures_total` | counter | `controller`, `endpoint` |
 * | `kcp_endpoints_watch_restarts_total` | counter | `controller`, `endpoint` |
 * | `kcp_endpoints_owned_clusters` | gauge | `controller` |
 * | `leader_election_master_status` | gauge (1 leading, 0 standby) | `name` (the lease) |
 * | `kcp_endpoints_lease_transitions_total` | counter | `name` (the lease) |
 *
 * Without a registered MeterProvider (or without `@opentelemetry/api` installed) every instrument is a no-op.
 * A work queue's depth, adds, retries and unfinished work are read from it when metrics are collected, so a
 * busy queue pays for its two histograms only; a queue that closed is reported once more, then no more.
 */
import type { QueueMetrics, QueueObserver, QueueStats } from './queue.js';

/** Attributes of one measurement. */
export type MetricAttributes = Record<string, string>;

/** The part of OpenTelemetry's `Counter` used here. */
export interface CounterLike {
  add(value: number, attributes?: MetricAttributes): void;
}

/** The part of OpenTelemetry's `Histogram` and `Gauge` used here. */
export interface RecorderLike {
  record(value: number, attributes?: MetricAttributes): void;
}

/** An OpenTelemetry `ObservableGauge` or `ObservableCounter`, observed through {@link MeterLike.addBatchObservableCallback}. */
export type ObservableLike = object;

/** The part of OpenTelemetry's `BatchObservableResult` used here. */
export interface BatchObservationLike {
  observe(observable: ObservableLike, value: number, attributes?: MetricAttributes): void;
}

/** Options of an instrument (OpenTelemetry's `MetricOptions`). */
export interface InstrumentOptions {
  description?: string;
  unit?: string;
  advice?: { explicitBucketBoundaries?: number[] };
}

/** The part of OpenTelemetry's `Meter` used here (any `Meter` of `@opentelemetry/api` ≥ 1.9 is one). */
export interface MeterLike {
  createCounter(name: string, options?: InstrumentOptions): CounterLike;
  createHistogram(name: string, options?: InstrumentOptions): RecorderLike;
  createGauge(name: string, options?: InstrumentOptions): RecorderLike;
  createObservableGauge(name: string, options?: InstrumentOptions): ObservableLike;
  createObservableCounter(name: string, options?: InstrumentOptions): ObservableLike;
  addBatchObservableCallback(
    callback: (result: BatchObservationLike) => void,
    observables: ObservableLike[],
  ): void;
}

/** The part of OpenTelemetry's `MeterProvider` used here. */
export interface MeterProviderLike {
  getMeter(name: string, version?: string): MeterLike;
}

/** Name of the meter (OpenTelemetry's instrumentation scope) the instruments belong to. */
export const METER_NAME = 'kcp-endpoints';

/** How a reconcile ended, for `controller_runtime_reconcile_total` and the error counters. */
export type ReconcileOutcome = 'success' | 'requeue' | 'requeue_after' | 'error' | 'terminal_error';

/** controller-runtime's buckets of `controller_runtime_reconcile_time_seconds`. */
const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5,
  1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** controller-runtime's buckets of the work-queue durations: 10 ns × 10^i, i = 0…11 (up to 1000 s). */
const QUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));
const FIRST_URL_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** A queue that reports its gauges: its attributes and how to read it. */
interface QueueSource {
  attributes: MetricAttributes;
  stats: () => QueueStats;
  /** The queue closed (idle, its stats final): observe it once more, then forget it. */
  closed: boolean;
}

/** Every instrument of one meter, created once. */
class Instruments {
  readonly reconcileTotal: CounterLike;
  readonly reconcileErrors: CounterLike;
  readonly terminalErrors: CounterLike;
  readonly reconcileTime: RecorderLike;
  readonly queueDuration: RecorderLike;
  readonly workDuration: RecorderLike;
  readonly urls: RecorderLike;
  readonly consumersEngaged: RecorderLike;
  readonly timeToFirstUrl: RecorderLike;
  readonly probeFailures: CounterLike;
  readonly watchRestarts: CounterLike;
  readonly ownedClusters: RecorderLike;
  readonly leaderStatus: RecorderLike;
  readonly leaseTransitions: CounterLike;
  /** The queues the three queue gauges read. */
  readonly queues = new Set<QueueSource>();

  constructor(m: MeterLike) {
    const seconds = (description: string, buckets: number[]): InstrumentOptions => ({
      description,
      unit: 's',
      advice: { explicitBucketBoundaries: buckets },
    });
    this.reconcileTotal = m.createCounter('controller_runtime_reconcile_total', {
      description: 'Total number of reconciliations per controller',
    });
    this.reconcileErrors = m.createCounter('controller_runtime_reconcile_errors_total', {
      description: 'Total number of reconciliation errors per controller',
    });
    this.terminalErrors = m.createCounter('controller_runtime_terminal_reconcile_errors_total', {
      description: 'Total number of terminal reconciliation errors per controller',
    });
    this.reconcileTime = m.createHistogram(
      'controller_runtime_reconcile_time_seconds',
      seconds('Length of time per reconciliation per controller', RECONCILE_BUCKETS),
    );
    this.queueDuration = m.createHistogram(
      'workqueue_queue_duration_seconds',
      seconds('How long in seconds an item stays in workqueue before being requested', QUEUE_BUCKETS),
    );
    this.workDuration = m.createHistogram(
      'workqueue_work_duration_seconds',
      seconds('How long in seconds processing an item from workqueue takes', QUEUE_BUCKETS),
    );
    const depth = m.createObservableGauge('workqueue_depth', { description: 'Current depth of workqueue' });
    const unfinished = m.createObservableGauge('workqueue_unfinished_work_seconds', {
      description:
        'How many seconds of work has been done that is in progress and has not been observed by work_duration. Large values indicate stuck workers.',
      unit: 's',
    });
    const longest = m.createObservableGauge('workqueue_longest_running_processor_seconds', {
      description: 'How many seconds the longest running processor of the workqueue has been running',
      unit: 's',
    });
    const adds = m.createObservableCounter('workqueue_adds_total', {
      description: 'Total number of adds handled by workqueue',
    });
    const retries = m.createObservableCounter('workqueue_retries_total', {
      description:
        'Total number of items added to the workqueue with a delay (retries and requeues after a time)',
    });
    m.addBatchObservableCallback(
      (result) => {
        for (const q of this.queues) {
          const stats = q.stats();
          result.observe(depth, stats.depth, q.attributes);
          result.observe(adds, stats.adds, q.attributes);
          result.observe(retries, stats.retries, q.attributes);
          result.observe(unfinished, stats.unfinishedWorkMs / 1000, q.attributes);
          result.observe(longest, stats.longestRunningMs / 1000, q.attributes);
          if (q.closed) this.queues.delete(q); // observed once more after it closed: its last values
        }
      },
      [depth, adds, retries, unfinished, longest],
    );
    this.urls = m.createGauge('kcp_endpoints_urls', {
      description: 'Virtual-workspace URLs the endpoint slice of the export lists',
    });
    this.consumersEngaged = m.createGauge('kcp_endpoints_consumers_engaged', {
      description: 'Consumer clusters engaged (bound to the export and served by an endpoint)',
    });
    this.timeToFirstUrl = m.createHistogram(
      'kcp_endpoints_time_to_first_url_seconds',
      seconds('Time from start until the export listed its first endpoint URL', FIRST_URL_BUCKETS),
    );
    this.probeFailures = m.createCounter('kcp_endpoints_probe_failures_total', {
      description: 'Readiness probes of an endpoint URL that failed',
    });
    this.watchRestarts = m.createCounter('kcp_endpoints_watch_restarts_total', {
      description: 'Watches through an endpoint URL that failed and were started again',
    });
    this.ownedClusters = m.createGauge('kcp_endpoints_owned_clusters', {
      description: 'Consumer clusters this replica reconciles',
    });
    this.leaderStatus = m.createGauge('leader_election_master_status', {
      description:
        'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. "name" is the string used to identify the lease.',
    });
    this.leaseTransitions = m.createCounter('kcp_endpoints_lease_transitions_total', {
      description: 'Times the holder of a lease changed, as this replica saw it',
    });
  }
}

const instrumentsOf = new WeakMap<MeterLike, Instruments>();

function instruments(meter: MeterLike): Instruments {
  let found = instrumentsOf.get(meter);
  if (found === undefined) {
    found = new Instruments(meter);
    instrumentsOf.set(meter, found);
  }
  return found;
}

const noop = (): void => undefined;
const NOOP_INSTRUMENT = { add: noop, record: noop };
/** A meter whose instruments record nothing (what OpenTelemetry gives without a MeterProvider). */
const NOOP_METER: MeterLike = {
  createCounter: () => NOOP_INSTRUMENT,
  createHistogram: () => NOOP_INSTRUMENT,
  createGauge: () => NOOP_INSTRUMENT,
  createObservableGauge: () => ({}),
  createObservableCounter: () => ({}),
  addBatchObservableCallback: noop,
};

/**
 * The MeterProvider registered with `@opentelemetry/api` (its no-op provider when none is), or `undefined`
 * when `@opentelemetry/api` is not installed. Call it when the controller starts: a meter taken before the
 * application registered its provider stays a no-op.
 * @param load how to import `@opentelemetry/api` (tests replace it).
 */
export async function globalMeterProvider(
  load: () => Promise<unknown> = () => import('@opentelemetry/api'),
): Promise<MeterProviderLike | undefined> {
  try {
    const api = (await load()) as { metrics?: { getMeterProvider?: () => MeterProviderLike } };
    return api.metrics?.getMeterProvider?.();
  } catch {
    return undefined;
  }
}

/** Options of {@link loadControllerMetrics}. */
export interface ControllerMetricsOptions {
  /** The controller's name: the `controller` attribute. */
  controller: string;
  /** The provider to report to. @default the one registered with `@opentelemetry/api`, if any */
  meterProvider?: MeterProviderLike | undefined;
  /** How to import `@opentelemetry/api` when no provider is given (tests replace it). */
  load?: (() => Promise<unknown>) | undefined;
}

/**
 * The metrics of one controller: `options.meterProvider`, else the provider registered with
 * `@opentelemetry/api`, else (the package is not installed) no-ops.
 */
export async function loadControllerMetrics(options: ControllerMetricsOptions): Promise<ControllerMetrics> {
  const provider = options.meterProvider ?? (await globalMeterProvider(options.load));
  return new ControllerMetrics(options.controller, provider?.getMeter(METER_NAME));
}

/**
 * What one controller reports. Each method records into the instruments of its meter (shared by every
 * controller on that meter) with the controller's attributes. With no meter, every method does nothing.
 */
export class ControllerMetrics implements QueueMetrics {
  /** The controller's name (the `controller` attribute). */
  readonly controller: string;
  private readonly i: Instruments;
  private readonly attributes: MetricAttributes;
  private readonly results: Record<'success' | 'requeue' | 'requeue_after' | 'error', MetricAttributes>;

  constructor(controller: string, meter: MeterLike | undefined) {
    this.controller = controller;
    this.i = instruments(meter ?? NOOP_METER);
    this.attributes = { controller };
    this.results = {
      success: { controller, result: 'success' },
      requeue: { controller, result: 'requeue' },
      requeue_after: { controller, result: 'requeue_after' },
      error: { controller, result: 'error' },
    };
    // every series exists from the start, at 0, as controller-runtime does
    for (const attributes of Object.values(this.results)) this.i.reconcileTotal.add(0, attributes);
    this.i.reconcileErrors.add(0, this.attributes);
    this.i.terminalErrors.add(0, this.attributes);
  }

  /** Registers a work queue (see {@link QueueMetrics}); its gauges are reported until it closes. */
  queue(name: string, stats: () => QueueStats): QueueObserver {
    const i = this.i;
    const attributes = { name, controller: this.controller };
    const source: QueueSource = { attributes, stats, closed: false };
    i.queues.add(source);
    return {
      started: (queuedMs) => {
        i.queueDuration.record(queuedMs / 1000, attributes);
      },
      finished: (workMs) => {
        i.workDuration.record(workMs / 1000, attributes);
      },
      close: () => {
        source.closed = true;
      },
    };
  }

  /** One reconcile ended with `outcome` after `seconds`. A terminal error counts as an error too. */
  reconciled(outcome: ReconcileOutcome, seconds: number): void {
    const i = this.i;
    i.reconcileTime.record(seconds, this.attributes);
    if (outcome === 'error' || outcome === 'terminal_error') {
      i.reconcileTotal.add(1, this.results.error);
      i.reconcileErrors.add(1, this.attributes);
      if (outcome === 'terminal_error') i.terminalErrors.add(1, this.attributes);
    } else i.reconcileTotal.add(1, this.results[outcome]);
  }

  /** The export's endpoint slice lists `count` URLs. */
  endpointUrls(count: number): void {
    this.i.urls.record(count, this.attributes);
  }

  /** `count` consumer clusters are engaged. */
  consumersEngaged(count: number): void {
    this.i.consumersEngaged.record(count, this.attributes);
  }

  /** The first endpoint URL was listed `seconds` after the controller started. */
  firstUrl(seconds: number): void {
    this.i.timeToFirstUrl.record(seconds, this.attributes);
  }

  /** A readiness probe of `endpoint` (a URL; its credentials, query and fragment are left out) failed. */
  probeFailed(endpoint: string): void {
    this.i.probeFailures.add(1, { controller: this.controller, endpoint: endpointLabel(endpoint) });
  }

  /** The watch through `endpoint` failed and was started again. */
  watchRestarted(endpoint: string): void {
    this.i.watchRestarts.add(1, { controller: this.controller, endpoint: endpointLabel(endpoint) });
  }

  /** This replica reconciles `count` consumer clusters. */
  ownedClusters(count: number): void {
    this.i.ownedClusters.record(count, this.attributes);
  }

  /** This replica leads (`true`) or stands by for the lease `lease`. */
  leaderStatus(lease: string, leading: boolean): void {
    this.i.leaderStatus.record(leading ? 1 : 0, { name: lease });
  }

  /** The holder of the lease `lease` changed. */
  leaseTransition(lease: string): void {
    this.i.leaseTransitions.add(1, { name: lease });
  }
}

/** `url` without user information, query and fragment (a metric label is public); as is when not a URL. */
function endpointLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url;
  }
}
