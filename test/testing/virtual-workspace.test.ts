import { describe, expect, it } from 'vitest';
import { api, FakeClock, startSim, WatchReader } from './helpers.js';

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
    // a cluster bound to another export only: kcp's bound-API authorizer denies
    const c2 = sim.workspace('root:c2')!.cluster;
    const other = await api(sim, 'GET', `${path}/clusters/${c2}/apis/apis.kcp.io/v1alpha2/apibindings/other`);
    expect(other.status).toBe(403);
    expect(other.body.message).toBe(
      `apibindings.apis.kcp.io "other" is forbidden: User "kcp-admin" cannot get resource "apibindings" in API group "apis.kcp.io" at the cluster scope: access denied`,
    );
    // a workspace path is resolved by no virtual workspace
    const byPath = `${path}/clusters/root:c1/apis/apis.kcp.io/v1alpha2/apibindings`;
    const unresolved = await api(sim, 'GET', byPath);
    expect(unresolved.status).toBe(403);
    expect(unresolved.body.message).toBe(
      `forbidden: User "kcp-admin" cannot get path "${byPath}": Path not resolved to a valid virtual workspace`,
    );
    expect((await api(sim, 'GET', `${path}/clusters/*/apis/apis.kcp.io/v1alpha1/apiexports`)).status).toBe(
      404,
    );
    expect(
      (await api(sim, 'DELETE', `${path}/clusters/${c1}/apis/apis.kcp.io/v1alpha2/apibindings/cowboys`))
        .status,
    ).toBe(403);
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
    expect(denied.body.message).toBe(
      'apibindings.apis.kcp.io is forbidden: User "provider" cannot list resource "apibindings" in API group "apis.kcp.io" at the cluster scope: access denied',
    );
    sim.grant('provider', P, { resources: ['apiexports/content'] });
    expect((await api(sim, 'GET', url, undefined, { token })).body.items).toHaveLength(1);
  });
});

const COWBOYS = {
  name: 'cowboys',
  group: 'wildwest.dev',
  schema: 'today.cowboys.wildwest.dev',
  scope: 'Namespaced' as const,
  versions: ['v1alpha1'],
  statusSubresource: true,
};
const CB = 'apis/wildwest.dev/v1alpha1';

/** An export of cowboys, consumers c1 and c2 (root shard) and b1 (shard beta, served by the simulator). */
async function cowboysSetup(options: Parameters<typeof startSim>[0] = {}) {
  const sim = await startSim(options);
  sim.addShard('beta', { virtualWorkspaceURL: `${sim.url}/shards/beta` });
  sim.createExport(P, 'cowboys', { resources: [COWBOYS] });
  for (const c of ['root:c1', 'root:c2']) sim.bind(c, `${P}:cowboys`);
  sim.bind('root:b1', `${P}:cowboys`, { shard: 'beta' });
  sim.createWorkspace('root:stranger');
  await sim.waitForIdle();
  const urls = sim.endpoints(P, 'cowboys');
  const root = urls.find((u) => !u.includes('/shards/'))!.slice(sim.url.length);
  const beta = urls.find((u) => u.includes('/shards/beta'))!.slice(sim.url.length);
  const cluster = (path: string): string => sim.workspace(path)!.cluster;
  const inWs = (ws: string, name = ''): string =>
    `/clusters/${ws}/${CB}/namespaces/default/cowboys${name === '' ? '' : `/${name}`}`;
  return { sim, root, beta, cluster, inWs };
}

describe('APIExport virtual workspace: exported resources', () => {
  it('lists and watches the objects of every bound consumer on its shard through /clusters/*', async () => {
    const { sim, root, beta, inWs } = await cowboysSetup();
    for (const ws of ['root:c1', 'root:c2', 'root:b1']) {
      expect((await api(sim, 'POST', inWs(ws), { metadata: { name: `cb-${ws.slice(5)}` } })).status).toBe(
        201,
      );
    }
    const list = await api(sim, 'GET', `${root}/clusters/*/${CB}/cowboys`);
    expect(list.status).toBe(200);
    expect(list.body.kind).toBe('CowboyList');
    expect(list.body.items.map((o: any) => o.metadata.name).sort()).toEqual(['cb-c1', 'cb-c2']);
    expect(list.body.items.map((o: any) => o.metadata.annotations['kcp.io/cluster']).sort()).toEqual(
      [sim.workspace('root:c1')!.cluster, sim.workspace('root:c2')!.cluster].sort(),
    );
    const onBeta = await api(sim, 'GET', `${beta}/clusters/*/${CB}/cowboys`);
    expect(onBeta.body.items.map((o: any) => o.metadata.name)).toEqual(['cb-b1']);
    const w = await WatchReader.open(
      sim,
      `${root}/clusters/*/${CB}/cowboys?watch=true&resourceVersion=${list.body.metadata.resourceVersion}`,
    );
    await api(sim, 'POST', inWs('root:b1'), { metadata: { name: 'late-b1' } });
    await api(sim, 'POST', inWs('root:c2'), { metadata: { name: 'late-c2' } });
    await w.until((x) => x.events.length === 1);
    expect(w.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'late-c2' } } });
    w.close();
    const scoped = await api(sim, 'GET', `${root}/clusters/*/${CB}/namespaces/default/cowboys`);
    expect(scoped.status).toBe(400);
    expect(scoped.body.message).toBe(
      'cross-cluster LIST and WATCH are required to be cross-namespace, not scoped to namespace default',
    );
    const get = await api(sim, 'GET', `${root}/clusters/*/${CB}/namespaces/default/cowboys/cb-c1`);
    expect(get.status).toBe(405);
  });

  it('writes to one consumer through /clusters/<logical cluster>: create, status, patches, delete', async () => {
    const { sim, root, cluster, inWs } = await cowboysSetup();
    const base = `${root}/clusters/${cluster('root:c1')}/${CB}/namespaces/default/cowboys`;
    const created = await api(sim, 'POST', base, {
      apiVersion: 'wildwest.dev/v1alpha1',
      kind: 'Cowboy',
      metadata: { name: 'via-vw' },
      spec: { intent: 'ride' },
    });
    expect(created.status).toBe(201);
    expect(created.body.metadata.annotations['kcp.io/cluster']).toBe(cluster('root:c1'));
    const status = await api(sim, 'PUT', `${base}/via-vw/status`, {
      ...created.body,
      status: { result: 'rode' },
    });
    expect(status.status).toBe(200);
    await api(
      sim,
      'PATCH',
      `${base}/via-vw`,
      { spec: { horse: 'silver' } },
      {
        contentType: 'application/merge-patch+json',
      },
    );
    await api(sim, 'PATCH', `${base}/via-vw`, [{ op: 'add', path: '/spec/hat', value: 'black' }], {
      contentType: 'application/json-patch+json',
    });
    const seen = await api(sim, 'GET', inWs('root:c1', 'via-vw'));
    expect(seen.body).toMatchObject({
      spec: { intent: 'ride', horse: 'silver', hat: 'black' },
      status: { result: 'rode' },
    });
    expect((await api(sim, 'GET', `${base}/via-vw`)).body.metadata.uid).toBe(seen.body.metadata.uid);
    expect((await api(sim, 'DELETE', `${base}/via-vw`)).status).toBe(200);
    expect((await api(sim, 'GET', inWs('root:c1', 'via-vw'))).status).toBe(404);
  });

  it('refuses clusters without a binding, on another shard or not yet bound (403), and workspace paths (403)', async () => {
    const { sim, root, cluster } = await cowboysSetup({ delays: { bindingPhaseMs: 30 } });
    const at = (c: string): string => `${root}/clusters/${c}/${CB}/namespaces/default/cowboys`;
    const stranger = await api(sim, 'GET', at(cluster('root:stranger')));
    expect(stranger.status).toBe(403);
    expect(stranger.body).toMatchObject({ reason: 'Forbidden', code: 403 });
    expect(stranger.body.message).toBe(
      'cowboys.wildwest.dev is forbidden: User "kcp-admin" cannot list resource "cowboys" in API group "wildwest.dev" in the namespace "default": access denied',
    );
    expect((await api(sim, 'GET', at(cluster('root:b1')))).status, 'other shard').toBe(403);
    expect((await api(sim, 'GET', at('nosuchcluster'))).status).toBe(403);
    expect(
      (await api(sim, 'GET', `${root}/clusters/${cluster('root:stranger')}/apis/nope.dev/v1/things`)).status,
    ).toBe(403);
    const byPath = await api(sim, 'GET', at('root:c1'));
    expect(byPath.status).toBe(403);
    expect(byPath.body.message).toContain('Path not resolved to a valid virtual workspace');
    sim.bind('root:late', `${P}:cowboys`);
    await new Promise((r) => setTimeout(r, 45));
    expect(sim.get('apibindings', 'root:late', 'cowboys')?.['status']).toMatchObject({ phase: 'Binding' });
    expect((await api(sim, 'GET', at(cluster('root:late')))).status, 'binding, not bound yet').toBe(403);
    await sim.waitForIdle();
    expect((await api(sim, 'GET', at(cluster('root:late')))).status).toBe(200);
  });

  it('serves discovery of the exported resources and read-only APIBindings only', async () => {
    const { sim, root, cluster } = await cowboysSetup();
    for (const c of ['*', cluster('root:c1')]) {
      const groups = await api(sim, 'GET', `${root}/clusters/${c}/apis`);
      expect(groups.body.groups.map((g: any) => g.name).sort()).toEqual(['apis.kcp.io', 'wildwest.dev']);
    }
    const kcp = (await api(sim, 'GET', `${root}/clusters/*/apis/apis.kcp.io`)).body;
    expect(kcp.versions.map((v: any) => v.version)).toEqual(['v1alpha2', 'v1alpha1']);
    const bindings = (await api(sim, 'GET', `${root}/clusters/*/apis/apis.kcp.io/v1alpha1`)).body;
    expect(bindings.resources).toEqual([
      expect.objectContaining({ name: 'apibindings', verbs: ['get', 'list', 'watch'] }),
    ]);
    const cowboys = (await api(sim, 'GET', `${root}/clusters/*/${CB}`)).body;
    expect(cowboys.resources.map((r: any) => [r.name, r.namespaced])).toEqual([
      ['cowboys', true],
      ['cowboys/status', true],
    ]);
    // what the API set lacks reaches kcp's plain-text 404 (Go's http.NotFoundHandler), not a Status
    for (const missing of [
      '/api',
      '/api/v1',
      '/apis/topology.kcp.io',
      '/apis/topology.kcp.io/v1alpha1',
      '/apis/wildwest.dev/v1beta1',
      '/apis/apis.kcp.io/v1alpha1/apiexports',
    ]) {
      const r = await api(sim, 'GET', `${root}/clusters/*${missing}`);
      expect([r.status, r.text, r.headers['content-type']], missing).toEqual([
        404,
        '404 page not found\n',
        'text/plain; charset=utf-8',
      ]);
    }
    // discovery is no resource request: a concrete cluster needs no binding to read it
    const stranger = await api(sim, 'GET', `${root}/clusters/${cluster('root:stranger')}/${CB}`);
    expect(stranger.body.resources.map((r: any) => r.name)).toEqual(['cowboys', 'cowboys/status']);
  });

  it('answers 404 for a missing export, and behaves as kcp 0.26 (no binding authorizer) on that profile', async () => {
    const sim = await startSim({ profile: '0.26' });
    sim.createExport(P, 'cowboys', { resources: [COWBOYS] });
    sim.bind('root:c1', `${P}:cowboys`);
    sim.createWorkspace('root:stranger');
    await sim.waitForIdle();
    // kcp 0.26 creates no default slice: the URL is in the export's legacy field
    const exp = sim.get('apiexports', P, 'cowboys') as any;
    const root = (exp.status.virtualWorkspaces[0].url as string).slice(sim.url.length);
    const c1 = sim.workspace('root:c1')!.cluster;
    const stranger = sim.workspace('root:stranger')!.cluster;
    expect(
      (await api(sim, 'GET', `${root}/clusters/${stranger}/${CB}/namespaces/default/cowboys`)).status,
    ).toBe(404);
    expect((await api(sim, 'GET', `${root}/clusters/${c1}/${CB}/namespaces/default/cowboys`)).status).toBe(
      200,
    );
    expect(
      (await api(sim, 'DELETE', `${root}/clusters/${c1}/apis/apis.kcp.io/v1alpha1/apibindings/cowboys`))
        .status,
    ).toBe(405);
    expect((await api(sim, 'GET', `${root}/clusters/*/apis/apis.kcp.io/v1alpha2/apibindings`)).status).toBe(
      404,
    );
    const ghost = root.replace(/\/cowboys$/, '/ghost');
    expect((await api(sim, 'GET', `${ghost}/clusters/*/apis`)).status).toBe(404);
  });

  it('answers 404 during the vwServeDelayMs window after the URL is published, then serves', async () => {
    const clock = new FakeClock();
    const sim = await startSim({ clock, vwServeDelayMs: 2_000 });
    sim.createExport(P, 'cowboys', { resources: [COWBOYS] });
    const early = `/services/apiexport/${sim.workspace(P)!.cluster}/cowboys/clusters/*/apis`;
    expect((await api(sim, 'GET', early)).status, 'not published yet: served').toBe(200);
    sim.bind('root:c1', `${P}:cowboys`);
    await sim.waitForIdle();
    const root = sim.endpoints(P, 'cowboys')[0]!.slice(sim.url.length);
    const list = `${root}/clusters/*/${CB}/cowboys`;
    const first = await api(sim, 'GET', list);
    expect(first.status).toBe(404);
    expect(first.text).toBe('404 page not found\n');
    expect((await api(sim, 'GET', `${root}/clusters/*/apis`)).status).toBe(404);
    expect((await api(sim, 'GET', `${root}/clusters/*/apis/wildwest.dev/v1alpha1`)).status).toBe(404);
    clock.advance(1_999);
    expect((await api(sim, 'GET', list)).status).toBe(404);
    clock.advance(1);
    expect((await api(sim, 'GET', list)).status).toBe(200);
  });
});
