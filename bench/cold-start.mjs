// Benchmark 4: CLI cold start. `kcp-endpoints get <export> -o urls` vs `kubectl get apiexportendpointslice
// <export> -o jsonpath='{.status.endpoints[*].url}'` against the same simulator (in a child process, over
// HTTPS), same kubeconfig, alternating runs; `node -e 0` is measured too (Node's own start, the floor of any
// Node CLI). Every contender runs in each environment:
// - "as is": this process's environment;
// - "without NODE_EXTRA_CA_CERTS" (when it is set): Node then skips reading and parsing that CA bundle at
//   start (kubectl ignores the variable);
// - "without Node start variables" (when others are set: NODE_OPTIONS, NODE_COMPILE_CACHE, …).
// kubectl is measured with its discovery cache warm (its usual state) and with an empty --cache-dir per run.
// When `kubectl` is Google Cloud SDK's dispatcher (it asks the server for /version, then execs
// kubectl.<major>.<minor>), the binary it execs is also measured directly: that is a plain kubectl install.
// `--instructions` also counts instructions with valgrind's callgrind (all threads, whole process; the Go
// binaries run with GODEBUG=asyncpreemptoff=1, without which callgrind aborts on Go's preemption signals).
//
// `node cold-start.mjs [--runs R] [--kubectl PATH] [--kubectl-direct PATH] [--instructions] [--instr-runs I]`
// Wall figures are medians of R runs. Prints JSON on the last line.
import { execFile } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRemoteSimulator } from './lib/sim-remote.mjs';
import { flags, machine, median, round, summary } from './lib/stats.mjs';

const f = flags();
const RUNS = Number(f.runs ?? 15);
const INSTR_RUNS = Number(f['instr-runs'] ?? 1);
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const KUBECTL = f.kubectl ?? 'kubectl';
const PROVIDER = 'root:org:provider';

// Environment that moves Node's start (values recorded; proxies only as "set": they may hold credentials)
const NODE_START_VARS = [
  'NODE_EXTRA_CA_CERTS',
  'NODE_OPTIONS',
  'NODE_COMPILE_CACHE',
  'NODE_DISABLE_COMPILE_CACHE',
  'NODE_V8_COVERAGE',
  'NODE_DEBUG',
  'NODE_DEBUG_NATIVE',
  'NODE_ICU_DATA',
  'NODE_PATH',
  'NODE_PENDING_DEPRECATION',
  'NODE_PRESERVE_SYMLINKS',
  'NODE_REDIRECT_WARNINGS',
  'NODE_USE_SYSTEM_CA',
  'NODE_USE_ENV_PROXY',
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'NODE_NO_WARNINGS',
  'UV_THREADPOOL_SIZE',
  'UV_USE_IO_URING',
  'OPENSSL_CONF',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];
const OTHER_VARS = ['GODEBUG', 'GOMAXPROCS', 'GOGC', 'KUBECONFIG', 'KUBECACHEDIR', 'LANG', 'TZ'];
const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];
const recordedEnv = {};
for (const k of [...NODE_START_VARS, ...OTHER_VARS])
  if (process.env[k] !== undefined) recordedEnv[k] = process.env[k];
for (const k of PROXY_VARS) if (process.env[k] !== undefined) recordedEnv[k] = '(set)';
const setNodeVars = NODE_START_VARS.filter((k) => process.env[k] !== undefined);
const environments = { 'as is': [] };
if (process.env.NODE_EXTRA_CA_CERTS !== undefined)
  environments['without NODE_EXTRA_CA_CERTS'] = ['NODE_EXTRA_CA_CERTS'];
if (setNodeVars.some((k) => k !== 'NODE_EXTRA_CA_CERTS' && !k.startsWith('SSL_')))
  environments['without Node start variables'] = setNodeVars.filter((k) => !k.startsWith('SSL_'));
const envWithout = (unset, extra = {}) =>
  Object.fromEntries(Object.entries({ ...process.env, ...extra }).filter(([k]) => !unset.includes(k)));

const run = (cmd, args, env) =>
  new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    execFile(cmd, args, { env, maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve({ ms, stdout: stdout.trim(), stderr });
    });
  });
const which = (cmd) =>
  cmd.includes('/')
    ? cmd
    : (process.env.PATH ?? '')
        .split(':')
        .map((d) => join(d, cmd))
        .find((p) => existsSync(p));

const kubectlVersion = await run(KUBECTL, ['version', '--client', '-o', 'json'], process.env).then(
  (r) => JSON.parse(r.stdout).clientVersion?.gitVersion ?? 'unknown',
  () => undefined,
);
const hasValgrind =
  f.instructions === true &&
  (await run('valgrind', ['--version'], process.env).then(
    () => true,
    () => false,
  ));
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

  // kubectl: the dispatcher of Google Cloud SDK runs kubectl.<server major>.<minor> from its own folder
  let kubectlDirect = f['kubectl-direct'];
  if (kubectlDirect === undefined && kubectlVersion?.includes('dispatcher')) {
    const dir = dirname(realpathSync(which(KUBECTL)));
    // loopback simulator with its own CA: the version is all that is read
    const serverVersion = await new Promise((resolve) =>
      httpsGet(`${sim.url}/version`, { rejectUnauthorized: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(JSON.parse(body)));
      }).on('error', () => resolve(undefined)),
    );
    const exact = join(dir, `kubectl.${serverVersion?.major}.${parseInt(serverVersion?.minor ?? '', 10)}`);
    const all = readdirSync(dir)
      .filter((n) => /^kubectl\.\d+\.\d+$/.test(n))
      .sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]));
    kubectlDirect = existsSync(exact) ? exact : all.length > 0 ? join(dir, all.at(-1)) : undefined;
  }
  const kubectlDirectVersion =
    kubectlDirect === undefined
      ? undefined
      : await run(kubectlDirect, ['version', '--client', '-o', 'json'], process.env).then(
          (r) => JSON.parse(r.stdout).clientVersion?.gitVersion ?? 'unknown',
          () => undefined,
        );

  const warmCache = join(work, 'kubectl-cache');
  const getArgs = [
    'get',
    'apiexportendpointslice',
    'today-cowboys',
    '-o',
    'jsonpath={.status.endpoints[*].url}',
    '--kubeconfig',
    kubeconfig,
  ];
  // name → argv; `{cold}` is replaced by a fresh cache folder on every run
  const contenders = {
    'node -e 0': [process.execPath, '-e', '0'],
    'kcp-endpoints': [
      process.execPath,
      CLI,
      'get',
      'today-cowboys',
      '-o',
      'urls',
      '--kubeconfig',
      kubeconfig,
    ],
  };
  if (kubectlVersion !== undefined) {
    const label = kubectlVersion.includes('dispatcher') ? 'kubectl (dispatcher)' : 'kubectl';
    contenders[`${label}, warm cache`] = [KUBECTL, ...getArgs, '--cache-dir', warmCache];
    contenders[`${label}, cold cache`] = [KUBECTL, ...getArgs, '--cache-dir', '{cold}'];
  }
  if (kubectlDirectVersion !== undefined)
    contenders[`kubectl ${kubectlDirectVersion} binary, warm cache`] = [
      kubectlDirect,
      ...getArgs,
      '--cache-dir',
      warmCache,
    ];
  let coldN = 0;
  const argv = (name) => contenders[name].map((a) => (a === '{cold}' ? join(work, `cold-${coldN++}`) : a));
  const names = Object.keys(contenders);
  const kubectlPeer = names.find((n) => n.includes('binary')) ?? names.find((n) => n.startsWith('kubectl'));

  // correctness first: every get prints the same URLs, in every environment
  const outputs = {};
  for (const [envName, unset] of Object.entries(environments))
    for (const name of names.slice(1)) {
      const [cmd, ...args] = argv(name);
      outputs[`${envName}: ${name}`] = (await run(cmd, args, envWithout(unset))).stdout
        .split(/\s+/)
        .sort()
        .join(' ');
    }
  const distinct = new Set(Object.values(outputs));
  if (distinct.size !== 1) throw new Error(`outputs differ: ${JSON.stringify(outputs, null, 2)}`);

  // wall: alternate environments and contenders, rotating the order each run
  const pairs = Object.keys(environments).flatMap((e) => names.map((n) => [e, n]));
  const times = Object.fromEntries(pairs.map(([e, n]) => [`${e}|${n}`, []]));
  for (let i = 0; i < RUNS; i++) {
    for (let j = 0; j < pairs.length; j++) {
      const [e, n] = pairs[(i + j) % pairs.length];
      const [cmd, ...args] = argv(n);
      times[`${e}|${n}`].push((await run(cmd, args, envWithout(environments[e]))).ms);
    }
  }

  // instructions: callgrind, whole process and all its threads (and an exec'd kubectl)
  const instructions = {};
  if (hasValgrind) {
    for (const [e, unset] of Object.entries(environments))
      for (const n of names) {
        // the dispatcher execs kubectl in place: callgrind would count only the exec'd binary
        if (n.includes('cold cache') || n.includes('dispatcher')) continue;
        const counts = [];
        for (let r = 0; r < INSTR_RUNS; r++) {
          const { stderr } = await run(
            'valgrind',
            ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--trace-children=yes', ...argv(n)],
            envWithout(unset, n.startsWith('kubectl') ? { GODEBUG: 'asyncpreemptoff=1' } : {}),
          );
          const collected = [...stderr.matchAll(/Collected : (\d+)/g)].map((m) => Number(m[1]));
          if (collected.length === 0) throw new Error(`callgrind printed no count for ${n}:\n${stderr}`);
          counts.push(collected.reduce((a, b) => a + b, 0));
        }
        instructions[`${e}|${n}`] = round(median(counts) / 1e6, 1);
      }
  }

  const ms = {};
  for (const [key, xs] of Object.entries(times)) {
    const s = summary(xs);
    ms[key] = { median: round(s.median, 1), min: round(s.min, 1), max: round(s.max, 1), n: s.n };
  }
  // kcp-endpoints / peer, per run (the runs of both are interleaved), median and min–max
  const ratios = {};
  for (const e of Object.keys(environments)) {
    const ours = times[`${e}|kcp-endpoints`];
    for (const n of names.filter((x) => x !== 'kcp-endpoints')) {
      const rs = ours.map((t, i) => t / times[`${e}|${n}`][i]);
      ratios[`${e}|kcp-endpoints / ${n}`] = {
        median: round(median(rs)),
        min: round(Math.min(...rs)),
        max: round(Math.max(...rs)),
      };
    }
  }
  const result = {
    machine: machine(),
    kubectl: kubectlVersion ?? 'not installed',
    kubectlDirect: kubectlDirectVersion,
    kubectlPeer,
    environment: recordedEnv,
    environments,
    runs: RUNS,
    urls: outputs[`as is: kcp-endpoints`],
    ms,
    ratios,
    instructionsM: hasValgrind ? instructions : undefined,
    instructionsNote: hasValgrind
      ? 'callgrind, all threads; Go binaries with GODEBUG=asyncpreemptoff=1'
      : f.instructions === true
        ? 'valgrind not found'
        : 'not measured (--instructions)',
  };
  console.error(`environment: ${JSON.stringify(recordedEnv)}`);
  for (const key of Object.keys(times)) {
    const [e, n] = key.split('|');
    const m = ms[key];
    const instr = instructions[key] === undefined ? '' : `, ${instructions[key]} M instructions`;
    console.error(
      `${e.padEnd(28)} ${n.padEnd(40)} median ${m.median} ms (min ${m.min}, max ${m.max})${instr}`,
    );
  }
  for (const [k, v] of Object.entries(ratios))
    console.error(`${k.replace('|', ': ')}: ${v.median}× (${v.min}–${v.max})`);
  console.log(JSON.stringify(result));
} finally {
  await sim.close();
  rmSync(work, { recursive: true, force: true });
}
