import { afterEach, describe, expect, it } from 'vitest';
import type { KcpClient } from '../../src/client-types.js';
import type { ClientStatus } from '../../src/client-types.js';
import type { EndpointChange } from '../../src/endpoints/types.js';
import { legacyVirtualWorkspaces } from '../../src/endpoints/legacy.js';
import { isInvalidArgumentError } from '../../src/errors.js';
import { startKcpSimulator, type KcpSimulator, type SimulatorOptions } from '../../src/testing/index.js';
import { closeAll, Recorder, simClient, until } from './helpers.js';

let sim: KcpSimulator | undefined;
let client: KcpClient | undefined;
afterEach(async () => {
  await closeAll(client, sim);
  [client, sim] = [undefined, undefined];
});

async function setup(
  options: SimulatorOptions = {},
  token?: string,
): Promise<{ sim: KcpSimulator; client: KcpClient }> {
  sim = await startKcpSimulator(options);
  sim.createWorkspace('root:org:provider');
  sim.createWorkspace('root:org:consumer');
  client = simClient(sim, token === undefined ? {} : { token });
  return { sim, client };
}

const PROVIDER = 'root:org:provider';
const REF = 'root:org:provider:today-cowboys';

describe('discovery scenarios against the simulator', () => {
  it('on 0.27 uses the legacy URLs while the slice is empty, then switches to the slice with one emission', async () => {
    const { sim, client } = await setup({ profile: '0.27' });
    sim.createExport(PROVIDER, 'today-cowboys');
    sim.createSlice(PROVIDER, 'today-cowboys', { export: { path: PROVIDER, name: 'today-cowboys' } });
    await sim.waitForIdle();
    const rec = new Recorder<EndpointChange>(client.watchEndpoints(REF));
    const first = await rec.until(() => true);
    expect(first).toMatchObject({
      source: 'virtualWorkspaces',
      phase: 'AwaitingBinding',
      reason: 'LegacyFallback',
    });
    expect(first.urls.length).toBeGreaterThan(0);
    sim.bind('root:org:consumer', REF);
    const switched = await rec.until((c) => c.source === 'endpointSlice');
    expect(switched.phase).toBe('Ready');
    expect(rec.values.indexOf(switched)).toBe(1);
    rec.stop();
  });

  it('on 0.26 reads a slice populated without bindings as Ready at once', async () => {
    const { sim, client } = await setup({ profile: '0.26' });
    sim.createExport(PROVIDER, 'today-cowboys');
    sim.createSlice(PROVIDER, 'today-cowboys', { export: { path: PROVIDER, name: 'today-cowboys' } });
    await sim.waitForIdle();
    const r = await client.resolveEndpoints(REF);
    expect(r).toMatchObject({ phase: 'Ready', source: 'endpointSlice', reason: 'SliceHasEndpoints' });
    expect(r.sliceConditions.map((c) => c.type)).toContain('EndpointURLsReady');
  });

  it('reports SliceMissing for a skip-endpointslice export and uses legacy URLs only with the gate on', async () => {
    const gateOff = await setup({ profile: '0.28+' });
    gateOff.sim.createExport(PROVIDER, 'today-cowboys', { skipEndpointSlice: true });
    await gateOff.sim.waitForIdle();
    const off = await gateOff.client.resolveEndpoints(REF);
    expect(off).toMatchObject({ phase: 'SliceMissing', source: 'none', urls: [] });
    expect(off.message).toContain('skip-endpointslice');
    await client?.close();
    await sim?.close();

    const gateOn = await setup({
      profile: '0.28+',
      gates: { EnableDeprecatedAPIExportVirtualWorkspacesUrls: true },
    });
    gateOn.sim.createExport(PROVIDER, 'today-cowboys', { skipEndpointSlice: true });
    await gateOn.sim.waitForIdle();
    const on = await gateOn.client.resolveEndpoints(REF);
    expect(on).toMatchObject({
      phase: 'SliceMissing',
      source: 'virtualWorkspaces',
      reason: 'LegacyFallback',
    });
    expect(await legacyVirtualWorkspaces(gateOn.client, REF)).toEqual(on.urls.map((url) => ({ url })));
  });

  it('selects a custom partitioned slice in another workspace', async () => {
    const { sim, client } = await setup();
    sim.addShard('alpha', { labels: { region: 'eu' }, virtualWorkspaceURL: 'https://alpha.kcp.test:6443' });
    sim.createWorkspace('root:org:slices');
    sim.createWorkspace('root:org:eu-consumer', { shard: 'alpha' });
    sim.createExport(PROVIDER, 'today-cowboys');
    sim.createPartition('root:org:slices', 'eu', { matchLabels: { region: 'eu' } });
    sim.createSlice('root:org:slices', 'cowboys-eu', {
      export: { path: PROVIDER, name: 'today-cowboys' },
      partition: 'eu',
    });
    sim.bind('root:org:consumer', REF);
    sim.bind('root:org:eu-consumer', REF);
    await sim.waitForIdle();
    const slice = { path: 'root:org:slices', name: 'cowboys-eu' };
    const r = await client.resolveEndpoints(REF, { slice });
    expect(r.slice).toEqual(slice);
    expect(r.phase).toBe('Ready');
    expect(r.urls).toEqual([
      'https://alpha.kcp.test:6443/services/apiexport/' + r.urls[0]!.split('/')[5]! + '/today-cowboys',
    ]);
    const rec = new Recorder<EndpointChange>(
      client.watchEndpoints(REF, { slice: 'root:org:slices:cowboys-eu' }),
    );
    await rec.until((c) => c.phase === 'Ready' && c.urls.length === 1);
    sim.deletePartition('root:org:slices', 'eu');
    const broken = await rec.until((c) => c.phase === 'SliceNotReady');
    expect(broken.message).toContain('PartitionInvalidReference');
    rec.stop();
  });

  it('falls back with phase Forbidden when the slice is forbidden, and heals once RBAC is granted', async () => {
    sim = await startKcpSimulator({ gates: { EnableDeprecatedAPIExportVirtualWorkspacesUrls: true } });
    sim.createWorkspace(PROVIDER);
    sim.createWorkspace('root:org:consumer');
    sim.createExport(PROVIDER, 'today-cowboys');
    sim.bind('root:org:consumer', REF);
    await sim.waitForIdle();
    const token = sim.addUser('provider-bot');
    sim.grant('provider-bot', PROVIDER, { resources: ['apiexports'] });
    client = simClient(sim, { token });
    const rec = new Recorder<EndpointChange>(client.watchEndpoints(REF));
    const denied = await rec.until(() => true);
    expect(denied).toMatchObject({
      phase: 'Forbidden',
      source: 'virtualWorkspaces',
      reason: 'LegacyFallback',
    });
    sim.grant('provider-bot', PROVIDER, { resources: ['apiexportendpointslices'] });
    const healed = await rec.until((c) => c.phase === 'Ready', 8_000);
    expect(healed.source).toBe('endpointSlice');
    rec.stop();
  });

  it('rejects resolveEndpoints when everything it needed was refused', async () => {
    const { sim } = await setup();
    const token = sim.addUser('nobody');
    const c = simClient(sim, { token });
    await expect(c.resolveEndpoints(REF)).rejects.toMatchObject({ name: 'ApiStatusError', status: 403 });
    await c.close();
  });

  it('throws InvalidArgumentError synchronously for invalid paths and refs', async () => {
    const { client } = await setup();
    expect(() => client.workspace('Root:Org')).toThrow(/Invalid workspace/);
    expect(() => client.watchEndpoints('root::x:y')).toThrow(/empty segment/);
    expect(() => client.watchEndpoints({ name: 'Bad_Name' })).toThrow(/Invalid export reference name/);
    expect(() => client.watchEndpoints('x', { mode: 'legacy' as never })).toThrow(/Invalid mode/);
    let thrown: unknown;
    try {
      void client.resolveEndpoints('a:b:');
    } catch (e) {
      thrown = e;
    }
    expect(isInvalidArgumentError(thrown)).toBe(true);
  });

  it('completes every stream when the client is closed', async () => {
    const { sim, client } = await setup();
    sim.createExport(PROVIDER, 'today-cowboys');
    await sim.waitForIdle();
    let completed = 0;
    const recs = [0, 1].map(() => new Recorder<EndpointChange>(client.watchEndpoints(REF)));
    for (const r of recs) r.subscription.add(() => (completed += 1));
    await Promise.all(recs.map((r) => r.until(() => true)));
    void client.close();
    expect(completed).toBe(2);
    let late = false;
    client.watchEndpoints(REF).subscribe({ complete: () => (late = true) });
    expect(late).toBe(true);
  });

  it('completes the stream when the caller’s signal aborts', async () => {
    const { sim, client } = await setup();
    sim.createExport(PROVIDER, 'today-cowboys');
    await sim.waitForIdle();
    const ac = new AbortController();
    let completed = false;
    const rec = new Recorder<EndpointChange>(client.watchEndpoints(REF, { signal: ac.signal }));
    rec.subscription.add(() => (completed = true));
    await rec.until(() => true);
    ac.abort();
    expect(completed).toBe(true);
    await until(
      () => sim.watches() === 0,
      () => `${sim.watches()} watches`,
    );
  });

  it('shares two watch connections between 1,000 watched exports and closes them all on unsubscribe', async () => {
    const { sim, client } = await setup();
    for (let i = 0; i < 1000; i++) sim.createExport(PROVIDER, `export-${i}`);
    await sim.waitForIdle();
    const provider = client.workspace(PROVIDER);
    const firsts = new Set<number>();
    const subs = Array.from({ length: 1000 }, (_, i) =>
      provider.watchEndpoints(`export-${i}`).subscribe(() => firsts.add(i)),
    );
    const deadline = Date.now() + 10_000;
    while (firsts.size < 1000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(firsts.size).toBe(1000);
    // the first emissions follow the lists; the two watches open right after
    let maxWatches = 0;
    for (let i = 0; i < 100 && sim.watches() < 2; i++) {
      maxWatches = Math.max(maxWatches, sim.watches());
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(sim.watches()).toBe(2);
    expect(maxWatches).toBeLessThanOrEqual(2);
    for (const s of subs) s.unsubscribe();
    await until(
      () => sim.watches() === 0 && sim.connections() === 0,
      () => `${sim.watches()} watches, ${sim.connections()} connections`,
    );
  });

  it('reports retries on status$ while converging after a dropped watch', async () => {
    const { sim, client } = await setup();
    sim.createExport(PROVIDER, 'today-cowboys');
    await sim.waitForIdle();
    const statuses: ClientStatus[] = [];
    const s = client.status$.subscribe((x) => statuses.push(x));
    const rec = new Recorder<EndpointChange>(client.watchEndpoints(REF));
    await rec.until(() => true);
    sim.faults.inject({
      kind: 'http',
      status: 503,
      match: { resource: 'apiexportendpointslices', verb: 'watch' },
      times: 2,
    });
    sim.faults.inject({
      kind: 'drop',
      match: { resource: 'apiexportendpointslices', verb: 'watch' },
      afterEvents: 0,
    });
    sim.bind('root:org:consumer', REF);
    await rec.until((c) => c.phase === 'Ready');
    expect(statuses.some((x) => x.type === 'retrying' || x.type === 'connecting')).toBe(true);
    s.unsubscribe();
    rec.stop();
  });
});
