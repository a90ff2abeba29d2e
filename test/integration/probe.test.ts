import { afterEach, describe, expect, it } from 'vitest';
import type { ClientStatus, KcpClient } from '../../src/client-types.js';
import type { ConsumerEvent } from '../../src/consumers/types.js';
import type { EndpointChange } from '../../src/endpoints/types.js';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';
import { Recorder, closeAll, simClient, until } from './helpers.js';

const P = 'root:org:provider';
const REF = `${P}:cowboys`;
/** How long a published virtual-workspace URL answers 404 before it serves. */
const WINDOW_MS = 1_500;

let sim: KcpSimulator | undefined;
let client: KcpClient | undefined;
afterEach(async () => {
  await closeAll(client, sim);
  [client, sim] = [undefined, undefined];
});

/**
 * A provider with an export bound by consumers on two shards whose virtual workspaces the simulator serves,
 * each URL answering 404 for {@link WINDOW_MS} after it is published.
 */
async function twoShardsNotServingYet() {
  const s = await startKcpSimulator({ vwServeDelayMs: WINDOW_MS });
  sim = s;
  const betaUrl = `${s.url}/shards/beta`;
  s.addShard('beta', { virtualWorkspaceURL: betaUrl });
  s.createWorkspace(P);
  s.createWorkspace('root:org:consumer-a');
  s.createWorkspace('root:org:consumer-b', { shard: 'beta' });
  s.createWorkspace('root:org:consumer-c', { shard: 'beta' });
  s.createExport(P, 'cowboys');
  s.bind('root:org:consumer-a', REF);
  s.bind('root:org:consumer-b', REF);
  await s.waitForIdle();
  const exportCluster = s.workspace(P)!.cluster;
  const urlOf = (base: string) => `${base}/services/apiexport/${exportCluster}/cowboys`;
  client = simClient(s);
  const statuses: ClientStatus[] = [];
  const statusSub = client.status$.subscribe((st) => statuses.push(st));
  return { s, client, statuses, statusSub, rootVw: urlOf(s.url), betaVw: urlOf(betaUrl) };
}

describe('readiness probes against the simulator (two shards, URLs published before they serve)', () => {
  it('watchEndpoints with probe reports both URLs not serving, then serving, and says so on status$', async () => {
    const { client, statuses, statusSub, rootVw, betaVw } = await twoShardsNotServingYet();
    const rec = new Recorder<EndpointChange>(client.watchEndpoints(REF, { probe: true }));
    const first = await rec.until(() => true);
    expect(first).toMatchObject({
      urls: [rootVw, betaVw].sort(),
      serving: { [rootVw]: false, [betaVw]: false },
    });
    const ready = await rec.until((c) => c.serving?.[rootVw] === true && c.serving[betaVw] === true);
    expect(ready).toMatchObject({ added: [], removed: [], urls: first.urls, phase: 'Ready' });
    // one change per flip: the two URLs turn serving one after the other (or together)
    expect(rec.values.length).toBeLessThanOrEqual(3);
    for (const c of rec.values) expect(Object.keys(c.serving ?? {}).sort()).toEqual(c.urls);
    statusSub.unsubscribe();
    for (const endpoint of [rootVw, betaVw]) {
      const outcomes = statuses.flatMap((st) =>
        st.type === 'probed' && st.endpoint === endpoint ? [st] : [],
      );
      expect(outcomes.map((o) => o.serving)).toEqual([false, true]);
      expect(outcomes[0]).toMatchObject({ resource: 'apis', workspace: '*', error: { status: 404 } });
      expect(outcomes[0]!.error!.message).toContain('404 page not found');
    }
    rec.stop();
  });

  it('watchConsumers with probe follows each endpoint once it serves and loses no consumer event', async () => {
    const { s, client, statuses, statusSub, rootVw, betaVw } = await twoShardsNotServingYet();
    const rec = new Recorder<ConsumerEvent>(client.watchConsumers(REF, { probe: true }));
    await until(
      () => statuses.some((st) => st.type === 'probed' && !st.serving),
      () => 'a probe that failed',
    );
    // a consumer binds while neither endpoint serves yet
    s.bind('root:org:consumer-c', REF);
    const brief = (e: ConsumerEvent) =>
      `${e.type} ${e.path ?? e.cluster} ${e.endpoint === rootVw ? 'root' : 'beta'}`;
    await rec.until(() => rec.values.length >= 3);
    expect(rec.values.map(brief).sort()).toEqual([
      'engaged root:org:consumer-a root',
      'engaged root:org:consumer-b beta',
      'engaged root:org:consumer-c beta',
    ]);
    s.unbind(
      'root:org:consumer-c',
      (s.list('apibindings', 'root:org:consumer-c')[0]!['metadata'] as { name: string }).name,
    );
    await rec.until((e) => e.type === 'disengaged');
    expect(rec.values.filter((e) => e.type === 'disengaged').map(brief)).toEqual([
      'disengaged root:org:consumer-c beta',
    ]);
    statusSub.unsubscribe();
    rec.stop();
    // the consumer watches started only once their endpoint served: none of them failed
    const failed = statuses.filter(
      (st) => (st.type === 'retrying' || st.type === 'error') && st.endpoint !== undefined,
    );
    expect(failed).toEqual([]);
    expect(
      statuses
        .filter((st) => st.type === 'probed')
        .map((st) => [st.endpoint === betaVw ? 'beta' : 'root', st.serving]),
    ).toEqual(
      expect.arrayContaining([
        ['root', false],
        ['beta', false],
        ['root', true],
        ['beta', true],
      ]),
    );
  });
});

describe('exported() with probe (simulator, URLs published before they serve)', () => {
  it('follows each endpoint once its resource is served there, and the objects made meanwhile come as added', async () => {
    const { s, client, statuses, statusSub } = await twoShardsNotServingYet();
    const widgets = client.exported(REF, {
      group: 'cowboys.kcp-sim.dev',
      version: 'v1',
      resource: 'widgets',
      probe: true,
    });
    const rec = new Recorder(widgets.watch());
    await until(
      () => statuses.some((st) => st.type === 'probed' && !st.serving),
      () => 'a probe that failed',
    );
    const res = await fetch(`${s.url}/clusters/root:org:consumer-a/apis/cowboys.kcp-sim.dev/v1/widgets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'cowboys.kcp-sim.dev/v1',
        kind: 'Widget',
        metadata: { name: 'early' },
      }),
    });
    expect(res.status).toBe(201);
    const added = await rec.until((e) => e.object.metadata.name === 'early', 5_000);
    expect(added).toMatchObject({ type: 'added', cluster: s.workspace('root:org:consumer-a')!.cluster });
    statusSub.unsubscribe();
    const probed = statuses.flatMap((st) => (st.type === 'probed' ? [st] : []));
    expect(probed.every((p) => p.resource === 'widgets.cowboys.kcp-sim.dev')).toBe(true);
    expect(probed.some((p) => p.serving)).toBe(true);
    // no list or watch of widgets reached an endpoint before it served
    const early = statuses.filter(
      (st) => st.type === 'error' && st.resource === 'widgets.cowboys.kcp-sim.dev',
    );
    expect(early).toEqual([]);
    rec.stop();
    expect(() =>
      client.exported(REF, {
        group: 'g.dev',
        version: 'v1',
        resource: 'x',
        probe: 'yes' as unknown as boolean,
      }),
    ).toThrow(/probe must be true or false/);
  });
});
