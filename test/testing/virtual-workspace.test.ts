import { describe, expect, it } from 'vitest';
import { api, startSim, WatchReader } from './helpers.js';

const P = 'root:org:provider';

describe('APIExport virtual workspace', () => {
  it('serves the bindings of an export on its shard at the published URL, wildcard and per cluster', async () => {
    const sim = await startSim();
    sim.addShard('beta', { virtualWorkspaceURL: 'https://placeholder.invalid' });
    sim.createExport(P, 'cowboys');
    sim.createExport(P, 'other');
    sim.bind('root:c1', `${P}:cowboys`);
    sim.bind('root:c2', `${P}:other`);
    sim.bind('root:c3', `${P}:cowboys`, { shard: 'beta' });
    const vw = sim.endpoints(P, 'cowboys').find((u) => u.startsWith(sim.url))!;
    const path = vw.slice(sim.url.length);
    const all = await api(sim, 'GET', `${path}/clusters/*/apis/apis.kcp.io/v1alpha1/apibindings`);
    expect(all.status).toBe(200);
    expect(all.body.items.map((b: any) => b.metadata.annotations['kcp.io/path'])).toEqual(['root:c1']);
    const c1 = sim.workspace('root:c1')!.cluster;
    const one = await api(sim, 'GET', `${path}/clusters/${c1}/apis/apis.kcp.io/v1alpha2/apibindings/cowboys`);
    expect(one.body.status.phase).toBe('Bound');
    const c2 = sim.workspace('root:c2')!.cluster;
    expect(
      (await api(sim, 'GET', `${path}/clusters/${c2}/apis/apis.kcp.io/v1alpha2/apibindings/other`)).status,
    ).toBe(404);
    expect(
      (await api(sim, 'GET', `${path}/clusters/root:c1/apis/apis.kcp.io/v1alpha2/apibindings`)).status,
    ).toBe(404);
    expect((await api(sim, 'GET', `${path}/clusters/*/apis/apis.kcp.io/v1alpha1/apiexports`)).status).toBe(
      404,
    );
    expect(
      (await api(sim, 'DELETE', `${path}/clusters/${c1}/apis/apis.kcp.io/v1alpha2/apibindings/cowboys`))
        .status,
    ).toBe(405);
    expect((await api(sim, 'GET', `${path}/clusters/*/apis`)).body.kind).toBe('APIGroupList');
    expect(
      (
        await api(
          sim,
          'GET',
          `/nowhere/services/apiexport/x/y/clusters/*/apis/apis.kcp.io/v1alpha1/apibindings`,
        )
      ).status,
    ).toBe(404);
  });

  it('streams bindings as consumers bind and unbind, and serves extra shards pointed at the simulator', async () => {
    const sim = await startSim();
    sim.addShard('beta', { virtualWorkspaceURL: `${sim.url}/shards/beta` });
    sim.createExport(P, 'cowboys');
    sim.bind('root:b1', `${P}:cowboys`, { shard: 'beta' });
    const vw = sim.endpoints(P, 'cowboys')[0]!;
    expect(vw).toContain('/shards/beta/services/apiexport/');
    const w = await WatchReader.open(
      sim,
      `${vw.slice(sim.url.length)}/clusters/*/apis/apis.kcp.io/v1alpha1/apibindings?watch=true`,
    );
    await w.until((x) => x.events.length === 1);
    sim.bind('root:a1', `${P}:cowboys`);
    sim.bind('root:b2', `${P}:cowboys`, { shard: 'beta' });
    await w.until((x) => x.events.some((e) => e.object.metadata.annotations['kcp.io/path'] === 'root:b2'));
    expect(w.events.some((e) => e.object.metadata.annotations['kcp.io/path'] === 'root:a1')).toBe(false);
    sim.unbind('root:b1', 'cowboys');
    await w.until((x) => x.events.some((e) => e.type === 'DELETED'));
    w.close();
  });

  it('requires apiexports/content access in the export workspace', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys');
    sim.bind('root:c1', `${P}:cowboys`);
    const path = sim.endpoints(P, 'cowboys')[0]!.slice(sim.url.length);
    const token = sim.addUser('provider');
    const url = `${path}/clusters/*/apis/apis.kcp.io/v1alpha1/apibindings`;
    const denied = await api(sim, 'GET', url, undefined, { token });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toContain('cannot list resource "apiexports/content"');
    sim.grant('provider', P, { resources: ['apiexports/content'] });
    expect((await api(sim, 'GET', url, undefined, { token })).body.items).toHaveLength(1);
  });
});
