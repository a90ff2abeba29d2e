/**
 * A kcp simulator in its own process, driven over IPC, so the memory soak measures the client's heap only.
 * Messages in: `{ id, method, args }` calling a simulator method (`faults.inject` for faults); out: `{ id,
 * result?, error? }`. The first message out is `{ ready: { url, token } }`.
 */
import { startKcpSimulator } from '../../src/testing/index.js';
import { buildWorld } from './world.js';

interface Call {
  id: number;
  method: string;
  args: unknown[];
}

const sim = await startKcpSimulator({ seed: 'soak-memory', retainedEvents: 1_000 });
buildWorld(sim);
await sim.waitForIdle();
const send = (m: unknown): void => {
  process.send?.(m);
};
process.on('message', (raw) => {
  const { id, method, args } = raw as Call;
  void (async () => {
    try {
      let result: unknown;
      if (method === 'close') {
        await sim.close();
        send({ id });
        process.exit(0);
      } else if (method === 'faults.inject') {
        sim.faults.inject(args[0] as Parameters<typeof sim.faults.inject>[0]);
      } else {
        const fn = (sim as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
        if (typeof fn !== 'function') throw new Error(`no simulator method ${method}`);
        result = await fn(...args);
      }
      send({ id, result });
    } catch (e) {
      send({ id, error: e instanceof Error ? e.message : String(e) });
    }
  })();
});
process.on('disconnect', () => {
  void sim.close().then(() => process.exit(0));
});
send({ ready: { url: sim.url, token: sim.token } });
