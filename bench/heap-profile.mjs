// Where the memory of K watched exports goes: samples live allocations (V8 sampling heap profiler) while K
// subscriptions are made and synced, then prints the allocation sites holding the most retained bytes.
// `node --expose-gc heap-profile.mjs --exports K [--subscribers M] [--objects sim|kcp]` (objects: see scale.mjs).
import { Session } from 'node:inspector/promises';
import { createClient } from '../dist/index.js';
import { startWatchServer } from './lib/watch-server.mjs';
import { flags, gc, sleep } from './lib/stats.mjs';

const f = flags();
const K = Number(f.exports ?? 2000);
const M = Number(f.subscribers ?? K);
const sim = await startWatchServer(f.objects ?? 'sim', K, 'root:org:provider');
const session = new Session();
session.connect();
gc();
await session.post('HeapProfiler.startSampling', { samplingInterval: 4096 });
const client = createClient({
  server: `${sim.url}/clusters/root`,
  token: sim.token,
  kubeconfig: { apiVersion: 'v1', kind: 'Config' },
  logger: { warn() {}, error() {} },
});
let firsts = 0;
const subs = Array.from({ length: M }, (_, i) =>
  client
    .workspace('root:org:provider')
    .watchEndpoints(`export-${i}`)
    .subscribe(() => (firsts += 1)),
);
while (firsts < M) await sleep(2);
await sleep(300);
gc();
const { profile } = await session.post('HeapProfiler.stopSampling');
session.disconnect();
const sites = new Map();
let total = 0;
const walk = (node, stack) => {
  const cf = node.callFrame;
  const file = cf.url.replace(/^.*\/(node_modules\/[^/]+|dist)\//, '$1/');
  const frame = `${cf.functionName || '(anonymous)'} ${file}:${cf.lineNumber + 1}`;
  const here = [...stack, frame];
  if (node.selfSize > 0) {
    // attribute to the innermost frame that is our code (dist/), else the innermost frame
    const ours = [...here].reverse().find((s) => s.includes('dist/')) ?? frame;
    const key = `${frame}  ←  ${ours === frame ? '' : ours}`;
    sites.set(key, (sites.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
  }
  for (const c of node.children) walk(c, here);
};
walk(profile.head, []);
console.log(`${K} exports, ${M} subscribers: ~${(total / 2 ** 20).toFixed(1)} MB live sampled allocations`);
for (const [k, v] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, Number(f.top ?? 25))) {
  console.log(`${(v / 2 ** 20).toFixed(2).padStart(7)} MB  ${k}`);
}
for (const s of subs) s.unsubscribe();
client.close();
await sim.close();
