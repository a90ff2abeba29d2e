import { afterEach, describe, expect, it } from 'vitest';
import type { KcpClient } from '../../src/client-types.js';
import type { ClientStatus } from '../../src/client-types.js';
import type { EndpointChange } from '../../src/endpoints/types.js';
import { startKcpSimulator, type FaultSpec, type KcpSimulator } from '../../src/testing/index.js';
import { closeAll, Recorder, simClient, TINY } from './helpers.js';

let sim: KcpSimulator | undefined;
let client: KcpClient | undefined;
afterEach(async () => {
  await closeAll(client, sim);
  [client, sim] = [undefined, undefined];
});

const PROVIDER = 'root:org:provider';
const REF = 'root:org:provider:today-cowboys';
const onSlices = { resource: 'apiexportendpointslices' };

const faults: Array<[string, FaultSpec[]]> = [
  [
    'a connection dropped mid-stream',
    [{ kind: 'drop', match: { ...onSlices, verb: 'watch' }, afterEvents: 0 }],
  ],
  [
    'HTTP 410 on watch and on the next list',
    [
      { kind: 'http', status: 410, match: { ...onSlices, verb: 'watch' } },
      { kind: 'http', status: 410, match: { ...onSlices, verb: 'list' } },
    ],
  ],
  ['an ERROR 410 Expired event', [{ kind: 'expired-event', match: { ...onSlices, verb: 'watch' } }]],
  [
    '429 with Retry-After',
    [{ kind: 'http', status: 429, retryAfterSeconds: 1, match: { ...onSlices, verb: 'watch' } }],
  ],
  [
    '500 then 503',
    [
      { kind: 'http', status: 500, match: { ...onSlices, verb: 'watch' } },
      { kind: 'http', status: 503, retryAfterSeconds: 1, match: { ...onSlices, verb: 'list' } },
    ],
  ],
  ['a stalled watch (headers, then nothing)', [{ kind: 'stall', match: { ...onSlices, verb: 'watch' } }]],
  ['a malformed JSON line', [{ kind: 'malformed-line', match: { ...onSlices, verb: 'watch' } }]],
  ['a JSON line split across writes', [{ kind: 'split-line', match: { ...onSlices, verb: 'watch' } }]],
];

describe('watchEndpoints under injected faults', () => {
  it.each(faults)('converges to the server’s truth after %s', async (_name, specs) => {
    sim = await startKcpSimulator({ profile: '0.28+' });
    sim.createWorkspace(PROVIDER);
    sim.createWorkspace('root:org:consumer');
    sim.createExport(PROVIDER, 'today-cowboys');
    await sim.waitForIdle();
    // short watch timeouts so a stalled stream is detected within a second
    client = simClient(sim, { watch: { ...TINY, minWatchTimeoutSeconds: 0.3, inactivitySlackMs: 300 } });
    const statuses: ClientStatus[] = [];
    const statusSub = client.status$.subscribe((s) => statuses.push(s));
    const rec = new Recorder<EndpointChange>(client.watchEndpoints(REF));
    await rec.until(() => true);
    for (const spec of specs) sim.faults.inject(spec);
    // let the current watch end so the faults hit the next requests
    sim.faults.inject({ kind: 'drop', match: { ...onSlices, verb: 'watch' }, afterEvents: 0 });
    sim.bind('root:org:consumer', REF);
    await rec.until((c) => c.phase === 'Ready', 8_000);
    sim.unbind('root:org:consumer', 'today-cowboys');
    await sim.waitForIdle();
    const last = await rec.until(
      (c) => c.phase === 'AwaitingBinding' && c.previous?.phase === 'Ready',
      8_000,
    );
    const truth = await client.resolveEndpoints(REF);
    expect({ phase: last.phase, urls: last.urls, source: last.source }).toEqual({
      phase: truth.phase,
      urls: truth.urls,
      source: truth.source,
    });
    // no duplicates, and never a state the server did not have (only AwaitingBinding and Ready exist here)
    for (let i = 1; i < rec.values.length; i++) {
      const [p, c] = [rec.values[i - 1]!, rec.values[i]!];
      expect(`${p.phase}|${p.urls.join()}`).not.toBe(`${c.phase}|${c.urls.join()}`);
    }
    expect(rec.values.every((c) => c.phase === 'AwaitingBinding' || c.phase === 'Ready')).toBe(true);
    // every scripted fault really struck
    for (const spec of specs) {
      expect(
        sim.faults.history.some(
          (h) => h.kind === spec.kind && h.verb === spec.match?.verb && h.status === spec.status,
        ),
      ).toBe(true);
    }
    expect(
      statuses.some((s) => s.type === 'retrying' || s.type === 'relisting' || s.type === 'connecting'),
    ).toBe(true);
    statusSub.unsubscribe();
    rec.stop();
  });
});
