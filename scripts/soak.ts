/**
 * Reliability soak: `npm run soak -- --seeds N --duration S` runs seeds 1..N (or `--start K`), each a random
 * schedule of faults and churn for S seconds while several watchEndpoints and watchConsumers subscribers run,
 * then checks the invariants. `--seed X` re-runs one seed. `--memory S` instead holds one watch for S seconds
 * of churn and reports heap growth. Exit code 1 when a seed failed; each failure prints a one-line reproduction command.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { reproduction, runSeed, type SeedResult } from './soak/engine.js';
import { runMemorySoak } from './soak/memory.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '100' },
    start: { type: 'string', default: '1' },
    seed: { type: 'string' },
    duration: { type: 'string', default: '1' },
    exec: { type: 'string' },
    memory: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write(
    'usage: npm run soak -- [--seeds N] [--start K] [--seed X] [--duration S] [--exec on|off] [--json]\n' +
      '       npm run soak -- --memory S\n',
  );
  process.exit(0);
}

const num = (v: string | undefined, name: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`--${name} must be a non-negative number\n`);
    process.exit(2);
  }
  return n;
};

const machine = `${cpus().length} CPU × ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}`;

if (values.memory !== undefined) {
  const seconds = num(values.memory, 'memory');
  process.stdout.write(`memory soak: one watch under churn for ${seconds} s (${machine})\n`);
  const r = await runMemorySoak(seconds, (l) => process.stdout.write(`  ${l}\n`));
  process.stdout.write(
    `heap after GC: baseline ${r.baselineMb} MB → final ${r.finalMb} MB (growth ${r.growthMb} MB, max ${r.maxMb} MB, ` +
      `slope ${r.slopeMbPerHour} MB/h), RSS ${r.rssMb} MB, ${r.writes} writes, ${r.emissions} emissions\n`,
  );
  if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}

const durationMs = Math.round(num(values.duration, 'duration') * 1000);
const exec = values.exec === undefined ? undefined : values.exec === 'on';
const seeds =
  values.seed !== undefined
    ? [num(values.seed, 'seed')]
    : Array.from({ length: num(values.seeds, 'seeds') }, (_, i) => num(values.start, 'start') + i);

process.stdout.write(
  `soak: ${seeds.length} seed(s), ${durationMs} ms of churn and faults each (${machine})\n`,
);
const started = Date.now();
const failed: SeedResult[] = [];
const converge: number[] = [];
let faults = 0;
let emissions = 0;
let consumerEvents = 0;
let execSeeds = 0;
let execRuns = 0;
for (const seed of seeds) {
  let result: SeedResult;
  try {
    result = await runSeed({ seed, durationMs, ...(exec === undefined ? {} : { exec }) });
  } catch (e) {
    result = {
      seed,
      ok: false,
      failures: [`crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`],
      steps: 0,
      skipped: 0,
      faults: 0,
      emissions: 0,
      consumerSubscribers: 0,
      consumerEvents: 0,
      consumersEngaged: 0,
      convergeMs: 0,
      exec: false,
      revokedTokens: 0,
      execRuns: 0,
      elapsedMs: 0,
    };
  }
  faults += result.faults;
  emissions += result.emissions;
  consumerEvents += result.consumerEvents;
  converge.push(result.convergeMs);
  if (result.exec) {
    execSeeds += 1;
    execRuns += result.execRuns;
  }
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  if (!result.ok) {
    failed.push(result);
    process.stdout.write(
      `FAIL seed ${seed}: ${reproduction(seed, durationMs)}\n  ${result.failures.join('\n  ')}\n`,
    );
  } else if (seeds.length <= 20 || seed % 50 === 0) {
    process.stdout.write(
      `ok   seed ${seed} (${result.steps} steps, ${result.faults} faults, ${result.emissions} emissions, ` +
        `${result.consumerEvents} consumer events, ${result.consumersEngaged} engaged at the end, converged in ${result.convergeMs} ms)\n`,
    );
  }
}
converge.sort((a, b) => a - b);
const q = (p: number): number =>
  converge[Math.min(converge.length - 1, Math.floor(p * converge.length))] ?? 0;
process.stdout.write(
  `\n${seeds.length - failed.length} passed, ${failed.length} failed in ${Math.round((Date.now() - started) / 1000)} s; ` +
    `${faults} faults injected, ${emissions} emissions, ${consumerEvents} consumer events, ${execSeeds} seeds on exec tokens (${execRuns} plugin runs); ` +
    `convergence after faults stop p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms\n`,
);
for (const f of failed) process.stdout.write(`reproduce: ${reproduction(f.seed, durationMs)}\n`);
process.exit(failed.length === 0 ? 0 : 1);
