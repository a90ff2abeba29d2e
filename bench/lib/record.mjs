// Records a realistic watch stream from the kcp simulator: 3 shards, exports, consumers binding and unbinding
// across shards; then replays those events, with increasing resourceVersions, up to N events per resource.
import { readFileSync } from 'node:fs';
import { startKcpSimulator } from '../../dist/testing.js';

const RESOURCES = [
  { plural: 'apiexportendpointslices', version: 'v1alpha1' },
  { plural: 'apibindings', version: 'v1alpha2' },
];

/** Raw watch lines of slices and bindings as the simulator serves them. */
export async function recordEvents() {
  const sim = await startKcpSimulator({ seed: 'bench-record' });
  try {
    const shards = ['root', 's1', 's2'];
    sim.addShard('s1');
    sim.addShard('s2');
    for (let i = 0; i < 10; i++) sim.createExport('root:org:provider', `export-${i}`);
    await sim.waitForIdle();
    const rv0 = sim.resourceVersion();
    for (let round = 0; round < 3; round++) {
      for (let c = 0; c < 30; c++) {
        sim.bind(`root:org:consumer-${c}`, `root:org:provider:export-${c % 10}`, { shard: shards[c % 3] });
      }
      await sim.waitForIdle();
      for (let c = 0; c < 30; c += 2) sim.unbind(`root:org:consumer-${c}`, `export-${c % 10}`);
      await sim.waitForIdle();
      for (let c = 1; c < 30; c += 2) sim.unbind(`root:org:consumer-${c}`, `export-${c % 10}`);
      await sim.waitForIdle();
    }
    const out = {};
    for (const r of RESOURCES) {
      const url = `${sim.url}/clusters/*/apis/apis.kcp.io/${r.version}/${r.plural}?watch=true&resourceVersion=${rv0}&timeoutSeconds=1`;
      const res = await fetch(url, { headers: { authorization: `Bearer ${sim.token}` } });
      const lines = (await res.text()).split('\n').filter((l) => l.trim() !== '');
      out[r.plural] = lines.filter((l) => {
        const t = JSON.parse(l).type;
        return t === 'ADDED' || t === 'MODIFIED' || t === 'DELETED';
      });
    }
    return out;
  } finally {
    await sim.close();
  }
}

/**
 * Watch lines recorded from a real kcp v0.28.0 (test/fixtures/kcp-v0.28.0, `npm run record:fixtures`): objects
 * as kcp serves them, with managedFields, shard field managers, finalizers and kcp's labels.
 */
export function recordedKcpEvents() {
  const dir = new URL('../../test/fixtures/kcp-v0.28.0/', import.meta.url);
  const out = {};
  for (const r of RESOURCES) {
    const text = readFileSync(new URL(`${r.plural}-watch.ndjson`, dir), 'utf8');
    // recorded as v1alpha1; the benchmark watches `r.version`, which kcp serves with that apiVersion
    out[r.plural] = text
      .split('\n')
      .filter((l) => {
        if (l.trim() === '') return false;
        const t = JSON.parse(l).type;
        return t === 'ADDED' || t === 'MODIFIED' || t === 'DELETED';
      })
      .map((l) => {
        const ev = JSON.parse(l);
        ev.object.apiVersion = `apis.kcp.io/${r.version}`;
        return JSON.stringify(ev);
      });
  }
  return out;
}

/**
 * `n` watch lines cycling through `lines` with strictly increasing resourceVersions; the last one is a
 * MODIFIED event carrying `finalRv` so consumers know when they are done. Returns the payload as one Buffer.
 */
export function expand(lines, n) {
  const objects = lines.map((l) => JSON.parse(l));
  const out = [];
  for (let i = 0; i < n; i++) {
    const ev = structuredClone(objects[i % objects.length]);
    if (i === n - 1) ev.type = 'MODIFIED';
    ev.object.metadata.resourceVersion = String(1000 + i);
    out.push(JSON.stringify(ev));
  }
  return { payload: Buffer.from(`${out.join('\n')}\n`), finalRv: String(1000 + n - 1) };
}
