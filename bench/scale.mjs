// Benchmark 3: K watched exports in one workspace (run with --expose-gc in a fresh process). Reports the
// number of watch connections the server sees, the client process's heap and RSS growth (after GC) from
// before the client existed to after every first emission, and the time until every subscriber emitted.
// `node --expose-gc scale.mjs --exports K [--objects sim|kcp]`; prints JSON on the last line.
// --objects sim (default): simulator objects; kcp: objects made from real kcp's (lib/watch-server.mjs).
import { createClient } from '../dist/index.js';
import { startWatchServer } from './lib/watch-server.mjs';
import { flags, gc, machine, round, sleep } from './lib/stats.mjs';

const f = flags();
const K = Number(f.exports ?? 1000);
// --subscribers M watches only the first M exports (the informers still hold all K objects): separates the
// memory of the cached objects from the memory of the subscriptions.
const M = Number(f.subscribers ?? K);
const PROVIDER = 'root:org:provider';
const MB = 2 ** 20;
const OBJECTS = f.objects ?? 'sim';
const sim = await startWatchServer(OBJECTS, K, PROVIDER, { retainedEvents: 1000 });
await sleep(100);
gc();
const before = process.memoryUsage();
const t0 = performance.now();
const client = createClient({
  server: `${sim.url}/clusters/root`,
  token: sim.token,
  kubeconfig: { apiVersion: 'v1', kind: 'Config' },
  logger: { warn() {}, error() {} },
});
const provider = client.workspace(PROVIDER);
let firsts = 0;
let emissions = 0;
let lastFirstAt = 0;
const seen = new Uint8Array(M);
const firstPhases = {}; // phase of each first emission: every export should resolve (Ready)
const subs = Array.from({ length: M }, (_, i) =>
  provider.watchEndpoints(`export-${i}`).subscribe((change) => {
    emissions += 1;
    if (seen[i] === 0) {
      seen[i] = 1;
      firstPhases[change.phase] = (firstPhases[change.phase] ?? 0) + 1;
      firsts += 1;
      if (firsts === M) lastFirstAt = performance.now();
    }
  }),
);
const subscribedMs = performance.now() - t0;
while (firsts < M) await sleep(1);
const firstAllMs = lastFirstAt - t0;
let watches = 0;
for (let i = 0; i < 200 && watches < 2; i++) {
  watches = await sim.watches();
  await sleep(5);
}
await sleep(500);
watches = await sim.watches();
const connections = await sim.connections();
gc();
const after = process.memoryUsage();
for (const s of subs) s.unsubscribe();
await sleep(100);
const watchesAfter = await sim.watches();
client.close();
await sim.close();
const result = {
  machine: machine(),
  exports: K,
  objects: sim.objects,
  subscribers: M,
  watchConnections: watches,
  tcpConnections: connections,
  watchesAfterUnsubscribe: watchesAfter,
  subscribeMs: round(subscribedMs, 1),
  firstEmissionAllMs: round(firstAllMs, 1),
  emissions,
  firstPhases,
  heapGrowthMb: round((after.heapUsed - before.heapUsed) / MB, 1),
  rssGrowthMb: round((after.rss - before.rss) / MB, 1),
  heapMb: round(after.heapUsed / MB, 1),
  rssMb: round(after.rss / MB, 1),
};
console.error(
  `${K} exports (${result.objects} objects), ${M} subscribers: ${watches} watch connections, all first emissions after ${result.firstEmissionAllMs} ms, ` +
    `heap +${result.heapGrowthMb} MB, RSS +${result.rssGrowthMb} MB; first phases ${JSON.stringify(firstPhases)}`,
);
console.log(JSON.stringify(result));
