import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics as otel, type Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  ControllerMetrics,
  globalMeterProvider,
  loadControllerMetrics,
  METER_NAME,
  type MeterLike,
  type MeterProviderLike,
} from '../../src/controller/metrics.js';
import { WorkQueue } from '../../src/controller/queue.js';
import { FakeClock } from '../testing/helpers.js';

/** A reader the test collects from on demand. */
class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  async metrics(): Promise<Map<string, MetricData>> {
    const { resourceMetrics } = await this.collect();
    const out = new Map<string, MetricData>();
    for (const scope of resourceMetrics.scopeMetrics) {
      expect(scope.scope.name).toBe(METER_NAME);
      for (const m of scope.metrics) out.set(m.descriptor.name, m);
    }
    return out;
  }
}

function provider(): { provider: MeterProvider; reader: TestReader } {
  const reader = new TestReader();
  return { provider: new MeterProvider({ readers: [reader] }), reader };
}

/** The value of the data point of `m` with exactly `attributes`. */
function point(m: MetricData | undefined, attributes: Record<string, string>): unknown {
  const p = m?.dataPoints.find((d) => JSON.stringify(d.attributes) === JSON.stringify(attributes));
  return p?.value;
}

afterEach(() => {
  otel.disable();
  vi.doUnmock('@opentelemetry/api');
  vi.resetModules();
});

describe('controller metrics', () => {
  it('accept OpenTelemetry’s own MeterProvider and Meter (checked by the type checker)', () => {
    expectTypeOf<MeterProvider>().toExtend<MeterProviderLike>();
    expectTypeOf<Meter>().toExtend<MeterLike>();
  });

  it('come out with controller-runtime’s names, kinds, units and attributes', async () => {
    const { provider: mp, reader } = provider();
    const m = await loadControllerMetrics({ controller: 'cowboys', meterProvider: mp });
    m.reconciled('success', 0.02);
    m.reconciled('requeue_after', 0.5);
    m.reconciled('error', 1.2);
    m.reconciled('terminal_error', 0.001);
    m.endpointUrls(2);
    m.consumersEngaged(7);
    m.firstUrl(3.5);
    m.probeFailed('https://shard-1.example:6443/services/apiexport/root/cowboys');
    m.watchRestarted('https://shard-2.example:6443/services/apiexport/root/cowboys');
    m.ownedClusters(4);
    m.leaderStatus('cowboys-controller', true);
    m.leaseTransition('cowboys-controller');
    const got = await reader.metrics();

    const c = { controller: 'cowboys' };
    const result = (r: string): Record<string, string> => ({ controller: 'cowboys', result: r });
    const total = got.get('controller_runtime_reconcile_total');
    expect(total?.dataPointType).toBe(DataPointType.SUM);
    expect(
      [result('success'), result('requeue'), result('requeue_after'), result('error')].map((a) =>
        point(total, a),
      ),
    ).toEqual([1, 0, 1, 2]);
    expect(point(got.get('controller_runtime_reconcile_errors_total'), c)).toBe(2);
    expect(point(got.get('controller_runtime_terminal_reconcile_errors_total'), c)).toBe(1);
    const time = got.get('controller_runtime_reconcile_time_seconds');
    expect(time?.descriptor.unit).toBe('s');
    expect(time?.dataPointType).toBe(DataPointType.HISTOGRAM);
    const h = point(time, c) as Histogram;
    expect(h.count).toBe(4);
    expect(h.buckets.boundaries.slice(0, 4)).toEqual([0.005, 0.01, 0.025, 0.05]);
    expect(h.buckets.boundaries.at(-1)).toBe(60);

    expect(point(got.get('kcp_endpoints_urls'), c)).toBe(2);
    expect(got.get('kcp_endpoints_urls')?.dataPointType).toBe(DataPointType.GAUGE);
    expect(point(got.get('kcp_endpoints_consumers_engaged'), c)).toBe(7);
    expect((point(got.get('kcp_endpoints_time_to_first_url_seconds'), c) as Histogram).sum).toBe(3.5);
    expect(got.get('kcp_endpoints_time_to_first_url_seconds')?.descriptor.unit).toBe('s');
    expect(
      point(got.get('kcp_endpoints_probe_failures_total'), {
        controller: 'cowboys',
        endpoint: 'https://shard-1.example:6443/services/apiexport/root/cowboys',
      }),
    ).toBe(1);
    expect(got.get('kcp_endpoints_watch_restarts_total')?.dataPoints[0]?.value).toBe(1);
    expect(point(got.get('kcp_endpoints_owned_clusters'), c)).toBe(4);
    expect(point(got.get('leader_election_master_status'), { name: 'cowboys-controller' })).toBe(1);
    expect(point(got.get('kcp_endpoints_lease_transitions_total'), { name: 'cowboys-controller' })).toBe(1);
    m.leaderStatus('cowboys-controller', false);
    expect(
      point((await reader.metrics()).get('leader_election_master_status'), { name: 'cowboys-controller' }),
    ).toBe(0);
    for (const [name, metric] of got) expect(metric.descriptor.description, name).not.toBe('');
  });

  it('report a work queue: depth, adds, retries, queue and work durations, unfinished work, longest running', async () => {
    const { provider: mp, reader } = provider();
    const m = await loadControllerMetrics({ controller: 'cowboys', meterProvider: mp });
    const clock = new FakeClock();
    const q = new WorkQueue({ name: 'cowboys', clock, metrics: m });
    const k = (name: string): { cluster: string; name: string } => ({ cluster: 'c1', name });
    q.add(k('a'));
    q.add(k('a'));
    q.add(k('b'));
    q.add(k('c'));
    clock.advance(2000);
    const a = (await q.get())!;
    clock.advance(500);
    q.addRateLimited(k('d'));
    q.addAfter(k('e'), 1000);
    const attrs = { name: 'cowboys', controller: 'cowboys' };
    let got = await reader.metrics();
    expect(point(got.get('workqueue_depth'), attrs)).toBe(2);
    expect(point(got.get('workqueue_adds_total'), attrs)).toBe(3);
    expect(point(got.get('workqueue_retries_total'), attrs)).toBe(2);
    expect(point(got.get('workqueue_unfinished_work_seconds'), attrs)).toBe(0.5);
    expect(point(got.get('workqueue_longest_running_processor_seconds'), attrs)).toBe(0.5);
    const queued = point(got.get('workqueue_queue_duration_seconds'), attrs) as Histogram;
    expect([queued.count, queued.sum]).toEqual([1, 2]);
    expect(queued.buckets.boundaries).toEqual([
      1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10, 100, 1000,
    ]);
    q.done(a);
    await q.shutDownWithDrain();
    got = await reader.metrics();
    expect((point(got.get('workqueue_work_duration_seconds'), attrs) as Histogram).sum).toBe(0.5);
    expect(point(got.get('workqueue_depth'), attrs)).toBe(0); // a closed queue is reported at 0 once more
    for (const name of [
      'workqueue_queue_duration_seconds',
      'workqueue_work_duration_seconds',
      'workqueue_unfinished_work_seconds',
    ])
      expect(got.get(name)?.descriptor.unit, name).toBe('s');
  });

  it('define each instrument once per meter, shared by every controller on it', async () => {
    const created: string[] = [];
    const real = new MeterProvider().getMeter('x');
    const counting: MeterLike = {
      createCounter: (name, o) => (created.push(name), real.createCounter(name, o)),
      createHistogram: (name, o) => (created.push(name), real.createHistogram(name, o)),
      createGauge: (name, o) => (created.push(name), real.createGauge(name, o)),
      createObservableGauge: (name, o) => (created.push(name), real.createObservableGauge(name, o)),
      createObservableCounter: (name, o) => (created.push(name), real.createObservableCounter(name, o)),
      addBatchObservableCallback: (callback, observables) => {
        created.push('batch callback');
        real.addBatchObservableCallback(
          callback,
          observables as Parameters<typeof real.addBatchObservableCallback>[1],
        );
      },
    };
    new ControllerMetrics('one', counting);
    new ControllerMetrics('two', counting);
    expect(created.length).toBe(new Set(created).size);
    expect(created.length).toBe(20);
  });

  it('observe a closed queue once more, then no more', () => {
    let collect:
      ((result: { observe: (o: object, v: number, a?: Record<string, string>) => void }) => void) | undefined;
    const noop = { add: () => undefined, record: () => undefined };
    const meter: MeterLike = {
      createCounter: () => noop,
      createHistogram: () => noop,
      createGauge: () => noop,
      createObservableGauge: () => ({}),
      createObservableCounter: () => ({}),
      addBatchObservableCallback: (callback) => {
        collect = callback;
      },
    };
    const m = new ControllerMetrics('c', meter);
    let stats = { depth: 5, adds: 9, retries: 2, unfinishedWorkMs: 1500, longestRunningMs: 1000 };
    const observer = m.queue('q', () => stats);
    const observed = (): number[] => {
      const values: number[] = [];
      collect?.({ observe: (_o, v) => values.push(v) });
      return values;
    };
    expect(observed()).toEqual([5, 9, 2, 1.5, 1]);
    stats = { depth: 0, adds: 10, retries: 2, unfinishedWorkMs: 0, longestRunningMs: 0 };
    observer.close();
    expect(observed()).toEqual([0, 10, 2, 0, 0]);
    expect(observed()).toEqual([]);
  });

  it('leave credentials, query and fragment out of an endpoint attribute', async () => {
    const { provider: mp, reader } = provider();
    const m = new ControllerMetrics('c', mp.getMeter(METER_NAME));
    m.probeFailed('https://user:secret@shard.example:6443/services/x?token=abc#frag');
    m.probeFailed('not a url');
    const points = (await reader.metrics()).get('kcp_endpoints_probe_failures_total')?.dataPoints ?? [];
    expect(points.map((p) => p.attributes['endpoint'])).toEqual([
      'https://shard.example:6443/services/x',
      'not a url',
    ]);
  });

  it('report to the MeterProvider registered with @opentelemetry/api', async () => {
    const { provider: mp, reader } = provider();
    otel.setGlobalMeterProvider(mp);
    const m = await loadControllerMetrics({ controller: 'global' });
    m.reconciled('success', 0.1);
    const total = (await reader.metrics()).get('controller_runtime_reconcile_total');
    expect(point(total, { controller: 'global', result: 'success' })).toBe(1);
  });

  it('are no-ops without a registered MeterProvider', async () => {
    const found = await globalMeterProvider();
    expect(found).toBeDefined();
    const m = await loadControllerMetrics({ controller: 'none' });
    const q = new WorkQueue({ metrics: m, clock: new FakeClock() });
    q.add({ cluster: 'c', name: 'x' });
    m.reconciled('error', 1);
    expect(q.length).toBe(1);
    q.shutDown();
  });

  it('are no-ops when @opentelemetry/api is not installed', async () => {
    expect(
      await globalMeterProvider(() => Promise.reject(new Error("Cannot find module '@opentelemetry/api'"))),
    ).toBeUndefined();
    expect(await globalMeterProvider(() => Promise.resolve({}))).toBeUndefined();
    vi.doMock('@opentelemetry/api', () => {
      throw new Error("Cannot find module '@opentelemetry/api'");
    });
    const fresh = await import('../../src/controller/metrics.js');
    expect(await fresh.globalMeterProvider()).toBeUndefined();
    const m = await fresh.loadControllerMetrics({ controller: 'bare' });
    m.reconciled('success', 0.1);
    m.queue('q', () => ({ depth: 0, adds: 0, retries: 0, unfinishedWorkMs: 0, longestRunningMs: 0 })).started(
      1,
    );
  });
});

describe('a Prometheus scrape', () => {
  it('shows the metrics under controller-runtime’s names, through @opentelemetry/exporter-prometheus on loopback', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const mp = new MeterProvider({ readers: [exporter] });
    const server: Server = createServer((req, res) => {
      exporter.getMetricsRequestHandler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const m = await loadControllerMetrics({ controller: 'cowboys', meterProvider: mp });
      const q = new WorkQueue({ name: 'cowboys', metrics: m, clock: new FakeClock() });
      q.add({ cluster: 'c1', name: 'a' });
      q.add({ cluster: 'c2', name: 'b' });
      m.reconciled('success', 0.02);
      m.leaderStatus('cowboys-controller', true);
      const { port } = server.address() as AddressInfo;
      const text = await new Promise<string>((resolve, reject) => {
        get(`http://127.0.0.1:${port}/metrics`, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => {
            resolve(body);
          });
        }).on('error', reject);
      });
      const line = (prefix: string): string | undefined => text.split('\n').find((l) => l.startsWith(prefix));
      expect(line('workqueue_depth{name="cowboys",controller="cowboys"')).toMatch(/ 2$/);
      expect(line('workqueue_adds_total{name="cowboys",controller="cowboys"')).toMatch(/ 2$/);
      expect(line('controller_runtime_reconcile_total{controller="cowboys",result="success"')).toMatch(/ 1$/);
      expect(line('controller_runtime_reconcile_total{controller="cowboys",result="error"')).toMatch(/ 0$/);
      expect(text).toContain('# TYPE controller_runtime_reconcile_total counter');
      expect(text).toContain('# TYPE controller_runtime_reconcile_time_seconds histogram');
      expect(line('controller_runtime_reconcile_time_seconds_bucket{controller="cowboys",')).toContain(
        'le="0.005"',
      );
      expect(text).toContain('# TYPE workqueue_depth gauge');
      expect(line('leader_election_master_status{name="cowboys-controller"')).toMatch(/ 1$/);
      q.shutDown();
    } finally {
      await new Promise((r) => server.close(r));
      await mp.shutdown();
    }
  });
});
