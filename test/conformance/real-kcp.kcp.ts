/**
 * The conformance scenarios against real kcp, built from kcp's Go modules (`npm run test:kcp`). The runner
 * (scripts/test-kcp.mjs) passes the binaries, the version and the targets in the environment:
 * KCP_BIN, KCP_VERSION, KCP_TARGETS (comma-separated: `single`, `single-gate`, `sharded`).
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { KCP_VERSIONS, startKcp, type KcpVersion, type RunningKcp } from '../realkcp/harness.js';
import { kcpBackend, type ConformanceBackend } from './backend.js';
import { conformanceScenarios } from './scenarios.js';

const bin = process.env['KCP_BIN'] ?? '';
const version = (process.env['KCP_VERSION'] ?? 'v0.28.0') as KcpVersion;
if (bin === '') throw new Error('KCP_BIN is not set: run the suite with `npm run test:kcp`');
if (!KCP_VERSIONS.includes(version))
  throw new Error(`KCP_VERSION ${version} is not one of ${KCP_VERSIONS.join(', ')}`);
const targets = (process.env['KCP_TARGETS'] ?? 'single,single-gate,sharded')
  .split(',')
  .filter((t) => t !== '');

const NAMES: Record<string, string> = {
  single: 'one shard, legacy gate off',
  'single-gate': 'one shard, legacy gate on',
  sharded: 'two shards',
};

for (const target of targets) {
  const name =
    target === 'single' && version !== 'v0.28.0'
      ? 'one shard (legacy field always filled)'
      : (NAMES[target] ?? target);
  describe(`conformance on real kcp ${version}, ${name}`, () => {
    let kcp: RunningKcp | undefined;
    let backend: ConformanceBackend | undefined;
    beforeAll(async () => {
      kcp = await startKcp({
        bin,
        version,
        topology: target === 'sharded' ? 'sharded' : 'single',
        legacyGate: target === 'single-gate',
        log: (line) => {
          process.stderr.write(`[kcp] ${line}\n`);
        },
      });
      backend = await kcpBackend(kcp);
    });
    afterAll(async () => {
      await backend?.close();
      await kcp?.stop();
    });
    conformanceScenarios(() => {
      if (backend === undefined) throw new Error('kcp did not start');
      return backend;
    });
  });
}
