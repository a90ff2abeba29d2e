// Benchmark 3: K watched exports in one workspace (run with --expose-gc in a fresh process). Reports the
// number of watch connections the server sees, the client process's heap and RSS growth (after GC) from
// before the client existed to after every first emission, and the time until every subscriber emitted.
// `node --expose-gc scale.mjs --exports K [--objects sim|kcp]`; prints JSON on the last line.
// --objects sim (default): the simulator (child process) creates the K exports and its controllers the
// slices. --objects kcp: a server in a child process (lib/stream-child.mjs) lists K slices and K exports made
// from the Ready pair recorded from real kcp v0.28.0 (managedFields as kcp serves them) and holds the
// watches open.
import { createClient } from '../dist/index.js';
import { kcpObjectLists } from './lib/record.mjs';
import { startRemoteSimulator } from './lib/sim-remote.mjs';
import { startStreamServer } from './lib/stream-server.mjs';
import { flags, gc, machine, round, sleep } from './lib/stats.mjs';

const f = flags();
const K = Number(f.exports ?? 1000);
// --subscribers M watches only the first M exports (the informers still hold all K objects): separates the
// memory of the cached objects from the memory of the subscriptions.
const M = Number(f.subscribers ?? K);
const PROVIDER = 'root:org:provider';
const MB = 2 ** 20;
const OBJECTS = f.objects ?? 'sim';
if (OBJECTS !== 'sim' && OBJECTS !== 'kcp') throw new Error(`--objects sim|kcp, not ${OBJECTS}`);

/** The server: `{ url, token, watches(), connections(), close() }`. */
async function startServer() {
  if (OBJECTS === 'kcp') {
    const lists = kcpObjectLists(K, PROVIDER);
    const server = await startStreamServer({
      apiexportendpointslices: { list: lists.apiexportendpointslices },
      apiexports: { list: lists.apiexports },
    });
    return {
      url: server.url,
      token: 't',
      watches: async () => (await server.stats()).openWatches,
      connections: async () => (await server.stats()).openSockets,
      close: () => server.close(),
    };
  }
  const sim = await startRemoteSimulator({ retainedEvents: 1000 });
  await sim.call('createWorkspace', PROVIDER);
  await sim.call('createExports', PROVIDER, K);
  return {
    url: sim.url,
    token: sim.token,
    watches: async () => (await sim.call('watches')).result,
    connections: async () => (await sim.call('connections')).result,
    close: () => sim.close(),
  };
}
const sim = await startServer();
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
  objects: OBJECTS === 'kcp' ? 'kcp v0.28.0 (recorded, templated)' : 'simulator',
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
