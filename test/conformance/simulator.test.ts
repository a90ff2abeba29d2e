/**
 * The conformance scenarios against the simulator, for every kcp version profile and topology the real-kcp
 * suite runs (`npm run test:kcp`): the simulator is held to the same expectations as real kcp.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import type { KcpVersion } from '../realkcp/harness.js';
import { simulatorBackend, type ConformanceBackend } from './backend.js';
import { conformanceScenarios } from './scenarios.js';

const TARGETS: Array<{ version: KcpVersion; sharded?: boolean; legacyGate?: boolean; name: string }> = [
  { version: 'v0.28.0', name: 'one shard, legacy gate off' },
  { version: 'v0.28.0', legacyGate: true, name: 'one shard, legacy gate on' },
  { version: 'v0.28.0', sharded: true, name: 'two shards' },
  { version: 'v0.27.1', name: 'one shard (legacy field always filled)' },
  { version: 'v0.27.1', sharded: true, name: 'two shards' },
  { version: 'v0.26.1', name: 'one shard (legacy field always filled)' },
  { version: 'v0.26.1', sharded: true, name: 'two shards' },
];

for (const target of TARGETS) {
  describe(`conformance on the simulator emulating kcp ${target.version}, ${target.name}`, () => {
    let backend: ConformanceBackend | undefined;
    beforeAll(async () => {
      backend = await simulatorBackend(target);
    });
    afterAll(async () => {
      await backend?.close();
    });
    conformanceScenarios(() => {
      if (backend === undefined) throw new Error('backend not started');
      return backend;
    });
  });
}
