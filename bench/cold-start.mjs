// Benchmark 4: CLI cold start. `kcp-endpoints get <export> -o urls` vs `kubectl get apiexportendpointslice
// <export> -o jsonpath='{.status.endpoints[*].url}'` against the same simulator (in a child process), same
// kubeconfig, alternating runs. kubectl is measured twice: with its discovery cache warm (its usual state)
// and with an empty --cache-dir per run (a truly cold kubectl). `node cold-start.mjs --runs R`.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRemoteSimulator } from './lib/sim-remote.mjs';
import { flags, machine, median, round, summary } from './lib/stats.mjs';

const f = flags();
const RUNS = Number(f.runs ?? 15);
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const KUBECTL = f.kubectl ?? 'kubectl';
const PROVIDER = 'root:org:provider';

const run = (cmd, args, env) =>
  new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    execFile(cmd, args, { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve({ ms, stdout: stdout.trim() });
    });
  });

const kubectlVersion = await run(KUBECTL, ['version', '--client', '-o', 'json']).then(
  (r) => JSON.parse(r.stdout).clientVersion?.gitVersion ?? 'unknown',
  () => undefined,
);
const work = mkdtempSync(join(tmpdir(), 'kcp-bench-cli-'));
// HTTPS like a real kcp (kubectl sends no bearer token to a plain-http server)
const sim = await startRemoteSimulator({ tls: true });
try {
  await sim.call('createWorkspace', PROVIDER);
  await sim.call('createExport', PROVIDER, 'today-cowboys');
  await sim.call('addShard', 's1');
  await sim.call('bind', 'root:org:consumer-a', `${PROVIDER}:today-cowboys`);
  await sim.call('bind', 'root:org:consumer-b', `${PROVIDER}:today-cowboys`, { shard: 's1' });
  await sim.call('waitForIdle');
  const kubeconfig = join(work, 'kubeconfig');
  const { result: kc } = await sim.call('kubeconfig', { workspace: PROVIDER });
  writeFileSync(kubeconfig, kc.text, { mode: 0o600 });
  const warmCache = join(work, 'kubectl-cache');
  const contenders = {
    'kcp-endpoints': () =>
      run(process.execPath, [CLI, 'get', 'today-cowboys', '-o', 'urls', '--kubeconfig', kubeconfig]),
  };
  if (kubectlVersion !== undefined) {
    const args = [
      'get',
      'apiexportendpointslice',
      'today-cowboys',
      '-o',
      'jsonpath={.status.endpoints[*].url}',
      '--kubeconfig',
      kubeconfig,
    ];
    contenders['kubectl (warm discovery cache)'] = () => run(KUBECTL, [...args, '--cache-dir', warmCache]);
    let n = 0;
    contenders['kubectl (cold cache)'] = () =>
      run(KUBECTL, [...args, '--cache-dir', join(work, `cold-${n++}`)]);
  }
  const names = Object.keys(contenders);
  // correctness first: both print the same URLs
  const outputs = {};
  for (const name of names) outputs[name] = (await contenders[name]()).stdout.split(/\s+/).sort().join(' ');
  const distinct = new Set(Object.values(outputs));
  if (distinct.size !== 1) throw new Error(`outputs differ: ${JSON.stringify(outputs)}`);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < RUNS; i++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length];
      times[name].push((await contenders[name]()).ms);
    }
  }
  const ours = times['kcp-endpoints'];
  const result = {
    machine: machine(),
    kubectl: kubectlVersion ?? 'not installed',
    runs: RUNS,
    urls: outputs['kcp-endpoints'],
    ms: Object.fromEntries(
      names.map((n) => [n, { ...summary(times[n]), median: round(median(times[n]), 1) }]),
    ),
    ratios: {},
  };
  for (const n of names.slice(1)) {
    const rs = times[n].map((t, i) => t / ours[i]);
    result.ratios[`${n} / kcp-endpoints`] = {
      median: round(median(rs)),
      min: round(Math.min(...rs)),
      max: round(Math.max(...rs)),
    };
  }
  for (const n of names)
    console.error(
      `${n.padEnd(32)} median ${round(median(times[n]), 1)} ms (min ${round(Math.min(...times[n]), 1)}, max ${round(Math.max(...times[n]), 1)})`,
    );
  for (const [k, v] of Object.entries(result.ratios)) console.error(`${k}: ${v.median}× (${v.min}–${v.max})`);
  console.log(JSON.stringify(result));
} finally {
  await sim.close();
  rmSync(work, { recursive: true, force: true });
}
