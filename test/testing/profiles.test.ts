import { describe, expect, it } from 'vitest';
import { api, coll, startSim } from './helpers.js';

const P = 'root:org:provider';
const types = (obj: any): string[] => (obj?.status?.conditions ?? []).map((c: any) => c.type);

describe('profile 0.26', () => {
  it('lists every partition-matching shard without bindings, sorted, with EndpointURLsReady', async () => {
    const sim = await startSim({ profile: '0.26' });
    sim.addShard('zeta', { virtualWorkspaceURL: 'https://zeta.example:6443' });
    sim.addShard('alpha', { virtualWorkspaceURL: 'https://alpha.example:6443', labels: { tier: 'a' } });
    sim.createExport(P, 'cowboys');
    expect(sim.get('apiexportendpointslices', P, 'cowboys')).toBeUndefined();
    sim.createSlice(P, 'all', { export: `${P}:cowboys` });
    const cluster = sim.workspace(P)!.cluster;
    const urls = sim.endpoints(P, 'all');
    expect(urls).toEqual([...urls].sort());
    expect(urls).toEqual(
      [
        `https://alpha.example:6443/services/apiexport/${cluster}/cowboys`,
        `${sim.url}/services/apiexport/${cluster}/cowboys`,
        `https://zeta.example:6443/services/apiexport/${cluster}/cowboys`,
      ].sort(),
    );
    const slice = sim.get('apiexportendpointslices', P, 'all') as any;
    expect(types(slice)).toEqual(['APIExportValid', 'EndpointURLsReady', 'PartitionValid']);
    expect(slice.status.shardSelector).toBeUndefined();
    sim.createPartition(P, 'a', { matchLabels: { tier: 'a' } });
    sim.createSlice(P, 'only-a', { export: `${P}:cowboys`, partition: 'a' });
    expect(sim.endpoints(P, 'only-a')).toEqual([
      `https://alpha.example:6443/services/apiexport/${cluster}/cowboys`,
    ]);
  });

  it('re-computes slices when shards change and fills the legacy field on every export', async () => {
    const sim = await startSim({ profile: '0.26' });
    sim.createExport(P, 'cowboys');
    sim.createSlice(P, 's', { export: `${P}:cowboys` });
    expect(sim.endpoints(P, 's')).toHaveLength(1);
    sim.addShard('beta');
    expect(sim.endpoints(P, 's')).toHaveLength(2);
    const exp = sim.get('apiexports', P, 'cowboys') as any;
    expect(exp.status.virtualWorkspaces).toHaveLength(2);
    expect(types(exp)).toContain('VirtualWorkspaceURLsReady');
  });

  it('serves apis.kcp.io only as v1alpha1', async () => {
    const sim = await startSim({ profile: '0.26' });
    sim.createExport(P, 'cowboys');
    expect((await api(sim, 'GET', coll(P, 'apiexports', 'v1alpha2'))).status).toBe(404);
    const one = await api(sim, 'GET', `${coll(P, 'apiexports')}/cowboys`);
    expect(one.body.spec.latestResourceSchemas).toEqual(['v1.widgets.cowboys.kcp-sim.dev']);
    const groups = await api(sim, 'GET', '/clusters/root/apis');
    const kcp = groups.body.groups.find((g: any) => g.name === 'apis.kcp.io');
    expect(kcp.versions).toEqual([{ groupVersion: 'apis.kcp.io/v1alpha1', version: 'v1alpha1' }]);
  });
});

describe('profile 0.27', () => {
  it('fills endpoints only for shards with bindings, serialises "no endpoints" as null, keeps the legacy field', async () => {
    const sim = await startSim({ profile: '0.27' });
    sim.createExport(P, 'cowboys');
    expect(sim.get('apiexportendpointslices', P, 'cowboys')).toBeUndefined();
    sim.createSlice(P, 's', { export: `${P}:cowboys` });
    const empty = sim.get('apiexportendpointslices', P, 's') as any;
    expect(empty.status.endpoints).toBeNull();
    expect(types(empty)).toEqual(['APIExportValid', 'PartitionValid']);
    const exp = sim.get('apiexports', P, 'cowboys', 'v1alpha1') as any;
    expect(exp.status.virtualWorkspaces).toEqual([
      { url: `${sim.url}/services/apiexport/${sim.workspace(P)!.cluster}/cowboys` },
    ]);
    sim.bind('root:c', `${P}:cowboys`);
    expect(sim.endpoints(P, 's')).toHaveLength(1);
    sim.unbind('root:c', 'cowboys');
    expect((sim.get('apiexportendpointslices', P, 's') as any).status.endpoints).toBeNull();
  });
});

describe('profile 0.28+', () => {
  it('leaves the legacy field empty and drops VirtualWorkspaceURLsReady without the gate', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys');
    const exp = sim.get('apiexports', P, 'cowboys') as any;
    expect(exp.status.virtualWorkspaces).toBeUndefined();
    expect(types(exp)).toEqual(['IdentityValid']);
    expect(exp.status.identityHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fills the legacy field for every shard with EnableDeprecatedAPIExportVirtualWorkspacesUrls', async () => {
    const sim = await startSim({ gates: { EnableDeprecatedAPIExportVirtualWorkspacesUrls: true } });
    sim.createExport(P, 'cowboys');
    sim.addShard('beta');
    const exp = sim.get('apiexports', P, 'cowboys') as any;
    expect(exp.status.virtualWorkspaces.map((v: any) => v.url)).toEqual(
      [
        `https://beta.shards.kcp.test:6443/services/apiexport/${sim.workspace(P)!.cluster}/cowboys`,
        `${sim.url}/services/apiexport/${sim.workspace(P)!.cluster}/cowboys`,
      ].sort(),
    );
    expect(types(exp)).toEqual(['IdentityValid', 'VirtualWorkspaceURLsReady']);
    expect(sim.endpoints(P, 'cowboys')).toEqual([]);
  });

  it('stores an export once and serves it as v1alpha1 and v1alpha2', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys', {
      resources: [{ name: 'cowboys', group: 'wildwest.dev', schema: 'today.cowboys.wildwest.dev' }],
    });
    const v1 = await api(sim, 'GET', `${coll(P, 'apiexports')}/cowboys`);
    const v2 = await api(sim, 'GET', `${coll(P, 'apiexports', 'v1alpha2')}/cowboys`);
    expect(v1.body.apiVersion).toBe('apis.kcp.io/v1alpha1');
    expect(v1.body.spec.latestResourceSchemas).toEqual(['today.cowboys.wildwest.dev']);
    expect(v2.body.spec.resources).toEqual([
      { name: 'cowboys', group: 'wildwest.dev', schema: 'today.cowboys.wildwest.dev', storage: { crd: {} } },
    ]);
    expect(v1.body.metadata.resourceVersion).toBe(v2.body.metadata.resourceVersion);
    expect(v1.body.status).toEqual(v2.body.status);
  });
});
