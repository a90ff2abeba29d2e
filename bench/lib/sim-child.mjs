// The kcp simulator (built dist) in its own process, driven over IPC, so client-side measurements (CPU, heap,
// RSS) are not mixed with the server's. In: `{ id, method, args }`; out: `{ id, result?, error?, t0 }` where
// `t0` is process.hrtime.bigint() (as a string) taken right before the call — the same monotonic clock the
// parent reads, so write→emission latency can be measured across processes.
import { startKcpSimulator } from '../../dist/testing.cjs';
import { buildCowboys } from './cowboys.mjs';
import { tapEndpointTraffic } from './endpoint-traffic.mjs';

const sim = await startKcpSimulator({ seed: 'bench', ...JSON.parse(process.argv[2] ?? '{}') });
let tap;
const extra = {
  createExports(path, n, prefix = 'export') {
    for (let i = 0; i < n; i++) sim.createExport(path, `${prefix}-${i}`);
    return sim.waitForIdle();
  },
  /** The consumers benchmark's world (lib/cowboys.mjs). */
  cowboys: (options) => buildCowboys(sim, options),
  /** Starts counting traffic per virtual-workspace endpoint (lib/endpoint-traffic.mjs). */
  tapTraffic() {
    tap ??= tapEndpointTraffic(sim.url);
  },
  /** Traffic per endpoint so far, with the simulator's own totals. */
  traffic: () => ({
    endpoints: tap?.snapshot() ?? {},
    watches: sim.watches(),
    connections: sim.connections(),
  }),
  memory: () => process.memoryUsage(),
};
process.on('message', async ({ id, method, args }) => {
  let t0;
  try {
    const fn = extra[method] ?? sim[method];
    if (typeof fn !== 'function') throw new Error(`unknown method ${method}`);
    t0 = process.hrtime.bigint();
    const result = await fn.apply(sim, args);
    process.send({ id, result: result === undefined ? null : result, t0: String(t0) }, () => {
      if (method === 'close') process.exit(0);
    });
  } catch (e) {
    process.send({ id, error: e instanceof Error ? e.message : String(e), t0: String(t0 ?? 0n) });
  }
});
process.on('disconnect', () => sim.close().then(() => process.exit(0)));
process.send({ ready: { url: sim.url, token: sim.token } });
