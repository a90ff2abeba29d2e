// The consumers benchmark: the multi-cluster informer `client.exported()` over a simulator with two shards,
// N consumer workspaces (half on each shard, each bound to an export of namespaced `cowboys.wildwest.dev`) and
// K cowboys of realistic size (spec, status, labels, annotations with kubectl's last-applied configuration,
// the managedFields the simulator writes; see lib/cowboys.mjs). The simulator runs in a child process.
//
// 1. Heap per 1,000 objects held: a fresh process (`--expose-gc`) per measurement, heap after GC before the
//    client exists and after the view holds every object, divided by the objects it holds. Ours: one
//    `exported().watch()` subscription (one wildcard list+watch of `<endpoint>/clusters/*` per endpoint,
//    whole objects). Peer: @kubernetes/client-node's `ListWatch` informer over the same wildcard URL per
//    endpoint (the endpoints read from the APIExportEndpointSlice), the usual JavaScript approach. Its cache
//    keys objects by namespace/name only, so objects of one name in different clusters collide: the run
//    counts the objects it lost (every consumer has a `default/main`). Rounds alternate which runs first.
//    Also, once: `--heap-subscriptions M` (default 10) subscriptions of ours, for what a subscription costs.
// 2. Connections per endpoint, as the simulator sees them (counted in its process by
//    lib/endpoint-traffic.mjs): S = 1, 10, 100 subscribers of `exported().watch()` (each from its own
//    `exported()` call) plus S of `watchConsumers()`, all on one client; then `list()` and `get()` calls
//    while those watches run. In this process (it holds no other client).
//
// `node consumers.mjs --objects K [--consumers N] [--rounds R] [--subscribers 1,10,100] [--reads Q]
//  [--heap-subscriptions M] [--only heap|connections]`; prints JSON on the last line of stdout. The script
// forks itself for the heap measurements (`--role heap --impl ours|client-node --world <json>`).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { COWBOYS, PROVIDER, EXPORT, REF } from './lib/cowboys.mjs';
import { startRemoteSimulator } from './lib/sim-remote.mjs';
import { flags, gc, machine, median, round, sleep } from './lib/stats.mjs';

const f = flags();
const MB = 2 ** 20;

/** Polls `done` every 5 ms; rejects after `ms` with `what`. */
async function until(done, what, ms = 300_000) {
  const end = performance.now() + ms;
  while (!done()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const clientOptions = (world) => ({
  server: `${world.url}/clusters/root`,
  token: world.token,
  kubeconfig: { apiVersion: 'v1', kind: 'Config' },
  logger: { warn() {}, error() {} },
});

// ---- role heap: one implementation in a fresh process ----

/**
 * Ours: `subscriptions` (default 1) `exported().watch()` subscriptions on one client, each from its own
 * `exported()` call; resolves once each of them holds every object.
 */
async function heapOurs(world, subscriptions) {
  const { createClient } = await import('../dist/index.js');
  await sleep(100);
  gc();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const client = createClient(clientOptions(world));
  const byEndpoint = new Map();
  const held = new Array(subscriptions).fill(0);
  const subs = held.map((_, i) =>
    client
      .exported(REF, COWBOYS)
      .watch()
      .subscribe((e) => {
        const d = e.type === 'added' ? 1 : e.type === 'deleted' ? -1 : 0;
        held[i] += d;
        if (i === 0) byEndpoint.set(e.endpoint, (byEndpoint.get(e.endpoint) ?? 0) + d);
      }),
  );
  await until(() => held.every((n) => n >= world.objects), `${world.objects} objects`);
  const syncMs = performance.now() - t0;
  await sleep(300);
  gc();
  const after = process.memoryUsage();
  for (const s of subs) s.unsubscribe();
  await client.close();
  return { before, after, held: held[0], byEndpoint: Object.fromEntries(byEndpoint), syncMs };
}

/** Peer: client-node's ListWatch per endpoint over `<endpoint>/clusters/*`; resolves once every list is in. */
async function heapClientNode(world) {
  const { CustomObjectsApi, KubeConfig, ListWatch, Watch } = await import('@kubernetes/client-node');
  const kubeConfig = (server) => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server, skipTLSVerify: true }],
      users: [{ name: 'c', token: world.token }],
      contexts: [{ name: 'c', cluster: 'c', user: 'c' }],
      currentContext: 'c',
    });
    return kc;
  };
  await sleep(100);
  gc();
  const before = process.memoryUsage();
  const t0 = performance.now();
  // where the objects are: the endpoints of the export's APIExportEndpointSlice
  const slice = await kubeConfig(`${world.url}/clusters/${PROVIDER}`)
    .makeApiClient(CustomObjectsApi)
    .getClusterCustomObject({
      group: 'apis.kcp.io',
      version: 'v1alpha1',
      plural: 'apiexportendpointslices',
      name: EXPORT,
    });
  const urls = slice.status.endpoints.map((e) => e.url);
  let stopping = false;
  const { group, version, resource } = COWBOYS;
  const informers = urls.map((url) => {
    const kc = kubeConfig(`${url}/clusters/*`);
    const api = kc.makeApiClient(CustomObjectsApi);
    const informer = new ListWatch(
      `/apis/${group}/${version}/${resource}`,
      new Watch(kc),
      () => api.listClusterCustomObject({ group, version, plural: resource }),
      false,
    );
    informer.on('error', (err) => {
      if (!stopping) console.error(`client-node ListWatch ${url}: ${err?.message ?? err}`);
    });
    return informer;
  });
  // start() resolves once the list is in the cache and the watch is started
  await Promise.all(informers.map((i) => i.start()));
  const syncMs = performance.now() - t0;
  await sleep(300);
  gc();
  const after = process.memoryUsage();
  const byEndpoint = Object.fromEntries(urls.map((u, i) => [u, informers[i].list().length]));
  const held = Object.values(byEndpoint).reduce((a, b) => a + b, 0);
  stopping = true;
  await Promise.all(informers.map((i) => i.stop()));
  return { before, after, held, byEndpoint, syncMs };
}

async function heapRole() {
  const world = JSON.parse(f.world);
  const impl = f.impl;
  const run = impl === 'ours' ? heapOurs : impl === 'client-node' ? heapClientNode : undefined;
  if (run === undefined) throw new Error(`--impl ours|client-node, not ${impl}`);
  const subscriptions = Number(f.subscriptions ?? 1);
  const { before, after, held, byEndpoint, syncMs } = await run(world, subscriptions);
  const heapGrowthMb = (after.heapUsed - before.heapUsed) / MB;
  console.log(
    JSON.stringify({
      impl,
      subscriptions,
      held,
      lost: world.objects - held,
      byEndpoint,
      syncMs: round(syncMs, 0),
      heapGrowthMb: round(heapGrowthMb, 2),
      rssGrowthMb: round((after.rss - before.rss) / MB, 1),
      heapMbPerThousand: round((heapGrowthMb / held) * 1000, 3),
    }),
  );
  // the peer's watch sockets may linger; the figures are out
  process.exit(0);
}

/** Runs this script with `args` in a fresh node process with --expose-gc; resolves its last JSON line. */
function child(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const kill = () => p.kill('SIGTERM');
    process.once('exit', kill);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => {
      process.off('exit', kill);
      const last = out.trim().split('\n').pop();
      if (code !== 0 || !last?.startsWith('{')) reject(new Error(`${args.join(' ')} exited with ${code}`));
      else resolve(JSON.parse(last));
    });
  });
}

// ---- connections: in the orchestrator's process ----

/** How many requests whose key (`<verb> <resource>`) starts with `prefix` an endpoint got between two snapshots. */
const grew = (a, b, prefix) => {
  let n = 0;
  for (const [k, v] of Object.entries(b?.requests ?? {}))
    if (k.startsWith(prefix)) n += v - (a?.requests[k] ?? 0);
  return n;
};

async function connections(sim, world, subscribers, reads) {
  const { createClient } = await import('../dist/index.js');
  await sim.call('tapTraffic');
  const traffic = async () => (await sim.call('traffic')).result;
  const label = (endpoint) =>
    endpoint === 'front-proxy'
      ? 'front-proxy'
      : endpoint.startsWith(`${world.url}/shards/beta/`)
        ? 'beta shard'
        : 'root shard';
  const out = [];
  for (const S of subscribers) {
    const t0 = await traffic();
    const started = performance.now();
    const client = createClient(clientOptions(world));
    const added = new Array(S).fill(0);
    const engaged = new Array(S).fill(0);
    const subs = [];
    for (let i = 0; i < S; i++) {
      subs.push(
        client
          .exported(REF, COWBOYS)
          .watch()
          .subscribe((e) => {
            if (e.type === 'added') added[i] += 1;
            else if (e.type === 'deleted') added[i] -= 1;
          }),
        client.watchConsumers(REF).subscribe((e) => {
          if (e.type === 'engaged') engaged[i] += 1;
          else if (e.type === 'disengaged') engaged[i] -= 1;
        }),
      );
    }
    await until(
      () => added.every((n) => n >= world.objects) && engaged.every((n) => n >= world.consumers),
      `${S} subscribers to sync`,
    );
    const syncMs = performance.now() - started;
    await sleep(300);
    const t1 = await traffic();
    // reads while the watches run, through a handle of its own (it shares the client's informers)
    const cows = client.exported(REF, COWBOYS);
    let listed = 0;
    let found = 0;
    for (let q = 0; q < reads; q++) {
      const [items, one] = await Promise.all([
        cows.list(),
        cows.get(world.clusters[q % world.clusters.length], 'default', 'main'),
      ]);
      listed = items.length;
      if (one !== undefined) found += 1;
    }
    if (listed !== world.objects || found !== reads)
      throw new Error(`list() gave ${listed} of ${world.objects} objects, get() found ${found} of ${reads}`);
    await sleep(100);
    const t2 = await traffic();
    for (const s of subs) s.unsubscribe();
    await client.close();
    await sleep(300);
    const t3 = await traffic();
    const endpoints = {};
    for (const endpoint of new Set([...Object.keys(t1.endpoints), ...Object.keys(t2.endpoints)])) {
      const [a, b, c, z] = [t0, t1, t2, t3].map((t) => t.endpoints[endpoint]);
      if (b === undefined || (grew(a, b, '') === 0 && (b?.connections ?? 0) === 0)) continue;
      endpoints[label(endpoint)] = {
        url: endpoint,
        connections: b.connections,
        openWatches: Object.fromEntries(
          Object.entries(b.openWatches)
            .filter(([, n]) => n !== 0)
            .sort(([x], [y]) => (x < y ? -1 : 1)),
        ),
        watchRequests: grew(a, b, 'watch '),
        listRequests: grew(a, b, 'get/list '),
        mixedConnections: b.mixed - (a?.mixed ?? 0),
        duringReads: {
          watchRequests: grew(b, c, 'watch '),
          listRequests: grew(b, c, 'get/list '),
          otherRequests: grew(b, c, '') - grew(b, c, 'watch ') - grew(b, c, 'get/list '),
          connections: c.connections,
        },
        afterClose: {
          connections: z?.connections ?? 0,
          openWatches: Object.values(z?.openWatches ?? {}).reduce((x, y) => x + y, 0),
        },
      };
    }
    const r = {
      subscribers: S,
      syncMs: round(syncMs, 0),
      endpoints,
      simulator: { watches: t1.watches, connections: t1.connections },
      reads: { calls: reads, listed, found },
    };
    console.error(
      `${S} × exported().watch() + ${S} × watchConsumers(): ${Object.entries(endpoints)
        .map(
          ([k, e]) =>
            `${k}: ${e.connections} conn, watches ${JSON.stringify(e.openWatches)} (${e.watchRequests} watch / ${e.listRequests} list requests; during ${reads} list()+get(): +${e.duringReads.watchRequests} watch, +${e.duringReads.listRequests} list)`,
        )
        .join('; ')}; simulator total ${t1.watches} watches, ${t1.connections} connections`,
    );
    out.push(r);
  }
  return out;
}

// ---- orchestrator ----

async function main() {
  const K = Number(f.objects ?? 1000);
  const N = Number(f.consumers ?? 100);
  const R = Number(f.rounds ?? 3);
  const reads = Number(f.reads ?? 10);
  const subscribers = String(f.subscribers ?? '1,10,100')
    .split(',')
    .map(Number);
  const only = f.only;
  const sim = await startRemoteSimulator();
  try {
    const built = performance.now();
    const w = (await sim.call('cowboys', { consumers: N, objects: K })).result;
    const world = { url: sim.url, token: sim.token, objects: K, consumers: N, clusters: w.clusters };
    console.error(
      `${K} cowboys in ${N} consumers (${JSON.stringify(w.consumersPerShard)}), ${w.endpoints.length} endpoints; ` +
        `object ${w.objectBytes.median} B (${w.objectBytes.min}–${w.objectBytes.max}), ${w.managedFieldsEntries} managedFields entries; built in ${round((performance.now() - built) / 1000, 1)} s`,
    );
    const result = {
      machine: machine(),
      objects: K,
      consumers: N,
      consumersPerShard: w.consumersPerShard,
      endpoints: w.endpoints.length,
      objectBytes: w.objectBytes,
      managedFieldsEntries: w.managedFieldsEntries,
      sharedName: w.sharedName,
      objectsWithSharedName: w.objectsWithSharedName,
      peerNote:
        'client-node ListWatch keys its cache by namespace/name only: objects of one name in different clusters collide and all but one are lost',
    };
    if (only === undefined || only === 'heap') {
      const rounds = [];
      for (let r = 0; r < R; r++) {
        const order = r % 2 === 0 ? ['ours', 'client-node'] : ['client-node', 'ours'];
        const got = {};
        for (const impl of order)
          got[impl] = await child(['--role', 'heap', '--impl', impl, '--world', JSON.stringify(world)]);
        rounds.push(got);
        console.error(
          `round ${r + 1}: ours ${got.ours.heapGrowthMb} MB for ${got.ours.held} objects (${got.ours.heapMbPerThousand} MB/1,000); ` +
            `client-node ${got['client-node'].heapGrowthMb} MB for ${got['client-node'].held} objects (${got['client-node'].heapMbPerThousand} MB/1,000, lost ${got['client-node'].lost})`,
        );
      }
      const per = (impl) => rounds.map((g) => g[impl].heapMbPerThousand);
      const ratios = rounds.map((g) => g.ours.heapMbPerThousand / g['client-node'].heapMbPerThousand);
      const stat = (xs) => ({
        median: round(median(xs), 3),
        min: round(Math.min(...xs), 3),
        max: round(Math.max(...xs), 3),
      });
      result.heap = {
        rounds,
        ours: {
          mbPerThousand: stat(per('ours')),
          heapGrowthMb: stat(rounds.map((g) => g.ours.heapGrowthMb)),
          held: rounds[0].ours.held,
          lost: rounds[0].ours.lost,
        },
        clientNode: {
          mbPerThousand: stat(per('client-node')),
          heapGrowthMb: stat(rounds.map((g) => g['client-node'].heapGrowthMb)),
          held: rounds[0]['client-node'].held,
          lost: rounds[0]['client-node'].lost,
        },
        // ours / client-node per 1,000 objects held, per round
        ratio: {
          median: round(median(ratios), 2),
          min: round(Math.min(...ratios), 2),
          max: round(Math.max(...ratios), 2),
        },
      };
      // what more subscriptions of the same view cost (one run)
      const M = Number(f['heap-subscriptions'] ?? 10);
      if (M > 1) {
        const many = await child([
          '--role',
          'heap',
          '--impl',
          'ours',
          '--subscriptions',
          String(M),
          '--world',
          JSON.stringify(world),
        ]);
        const one = median(rounds.map((g) => g.ours.heapGrowthMb));
        result.heap.oursSubscriptions = {
          subscriptions: M,
          heapGrowthMb: many.heapGrowthMb,
          perExtraSubscriptionMbPerThousand: round(((many.heapGrowthMb - one) / (M - 1) / K) * 1000, 3),
        };
        console.error(
          `ours with ${M} subscriptions: ${many.heapGrowthMb} MB (${result.heap.oursSubscriptions.perExtraSubscriptionMbPerThousand} MB per extra subscription per 1,000 objects)`,
        );
      }
    }
    if (only === undefined || only === 'connections')
      result.connections = await connections(sim, world, subscribers, reads);
    console.log(JSON.stringify(result));
  } finally {
    await sim.close();
  }
}

if (f.role === 'heap') await heapRole();
else await main();
