import { describe, expect, it } from 'vitest';
import { api, coll, startSim } from './helpers.js';

const P = 'root:org:provider';

describe('authentication and RBAC', () => {
  it('answers 401 with an Unauthorized Status for a missing or unknown token', async () => {
    const sim = await startSim();
    for (const token of [null, 'wrong-token']) {
      const r = await api(sim, 'GET', '/clusters/root/apis', undefined, { token });
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({
        kind: 'Status',
        reason: 'Unauthorized',
        code: 401,
        message: 'Unauthorized',
      });
    }
    expect((await api(sim, 'GET', '/version', undefined, { token: null })).status).toBe(200);
    expect((await api(sim, 'GET', '/healthz', undefined, { token: null })).text).toBe('ok');
  });

  it('lets anonymous requests act as the admin only with anonymousAdmin', async () => {
    const sim = await startSim({ anonymousAdmin: true, token: 'fixed-admin-token' });
    expect(sim.token).toBe('fixed-admin-token');
    expect((await api(sim, 'GET', '/clusters/root/apis', undefined, { token: null })).status).toBe(200);
    expect((await api(sim, 'GET', '/clusters/root/apis', undefined, { token: 'bad-token' })).status).toBe(
      401,
    );
  });

  it("answers 403 with kube-apiserver's message when a user lacks a grant", async () => {
    const sim = await startSim();
    sim.createExport(P, 'x');
    const token = sim.addUser('alice');
    const denied = await api(sim, 'GET', `${coll(P, 'apiexportendpointslices')}/x`, undefined, { token });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toBe(
      'apiexportendpointslices.apis.kcp.io "x" is forbidden: User "alice" cannot get resource "apiexportendpointslices" in API group "apis.kcp.io" at the cluster scope: access denied',
    );
    expect(denied.body.details).toEqual({ name: 'x', group: 'apis.kcp.io', kind: 'apiexportendpointslices' });
    const list = await api(sim, 'GET', coll(P, 'apiexportendpointslices'), undefined, { token });
    expect(list.body.message).toMatch(
      /^apiexportendpointslices\.apis\.kcp\.io is forbidden: User "alice" cannot list/,
    );

    sim.grant('alice', P, { resources: ['apiexportendpointslices'], verbs: ['get', 'list', 'watch'] });
    expect(
      (await api(sim, 'GET', `${coll(P, 'apiexportendpointslices')}/x`, undefined, { token })).status,
    ).toBe(200);
    expect((await api(sim, 'GET', `${coll(P, 'apiexports')}/x`, undefined, { token })).status).toBe(403);
    expect(
      (await api(sim, 'DELETE', `${coll(P, 'apiexportendpointslices')}/x`, undefined, { token })).status,
    ).toBe(403);
    const status = await api(sim, 'PUT', `${coll(P, 'apiexportendpointslices')}/x/status`, {}, { token });
    expect(status.body.message).toContain('cannot update resource "apiexportendpointslices/status"');
    expect(
      (await api(sim, 'GET', coll('root', 'apiexportendpointslices'), undefined, { token })).status,
    ).toBe(403);
    expect(
      (
        await api(sim, 'GET', '/clusters/*/apis/apis.kcp.io/v1alpha1/apiexportendpointslices', undefined, {
          token,
        })
      ).status,
    ).toBe(403);

    sim.revoke('alice', P);
    expect(
      (await api(sim, 'GET', `${coll(P, 'apiexportendpointslices')}/x`, undefined, { token })).status,
    ).toBe(403);
    sim.grant('alice', '*');
    expect((await api(sim, 'GET', `${coll(P, 'apiexports')}/x`, undefined, { token })).status).toBe(200);
    sim.revoke('alice');
    expect((await api(sim, 'GET', `${coll(P, 'apiexports')}/x`, undefined, { token })).status).toBe(403);
  });

  it('requires bind permission on the export to create a slice', async () => {
    const sim = await startSim();
    sim.createExport(P, 'x', { skipEndpointSlice: true });
    const token = sim.addUser('bob', { token: 'bob-token-123' });
    sim.grant('bob', P, { resources: ['apiexportendpointslices'] });
    const body = { metadata: { name: 's' }, spec: { export: { path: P, name: 'x' } } };
    expect((await api(sim, 'POST', coll(P, 'apiexportendpointslices'), body, { token })).status).toBe(403);
    sim.grant('bob', P, { resources: ['apiexports'], verbs: ['bind'] });
    expect((await api(sim, 'POST', coll(P, 'apiexportendpointslices'), body, { token })).status).toBe(201);
  });

  it('answers 403 for an unknown workspace, like the front-proxy', async () => {
    const sim = await startSim();
    const r = await api(sim, 'GET', coll('root:nope', 'apiexports'));
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('Forbidden');
    expect(r.body.message).toContain('workspace access not permitted');
  });
});

describe('discovery and OpenAPI', () => {
  it('serves /version, /api and /apis with and without the cluster prefix', async () => {
    const sim = await startSim();
    expect((await api(sim, 'GET', '/clusters/root/version')).body.gitVersion).toMatch(/\+kcp-v0\.29/);
    expect((await api(sim, 'GET', '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const apis = (await api(sim, 'GET', '/clusters/root/apis')).body;
    expect(apis.kind).toBe('APIGroupList');
    expect(apis.groups.map((g: any) => g.name).sort()).toEqual([
      'apis.kcp.io',
      'coordination.k8s.io',
      'core.kcp.io',
      'topology.kcp.io',
    ]);
    const kcp = apis.groups.find((g: any) => g.name === 'apis.kcp.io');
    expect(kcp.preferredVersion.version).toBe('v1alpha2');
    const group = (await api(sim, 'GET', '/apis/apis.kcp.io')).body;
    expect(group).toMatchObject({ kind: 'APIGroup', name: 'apis.kcp.io' });
    expect((await api(sim, 'GET', '/apis/nope.io')).status).toBe(404);
  });

  it('lists resources per group version', async () => {
    const sim = await startSim();
    const v1 = (await api(sim, 'GET', '/clusters/root/apis/apis.kcp.io/v1alpha1')).body;
    expect(v1.groupVersion).toBe('apis.kcp.io/v1alpha1');
    const names = v1.resources.map((r: any) => r.name);
    expect(names).toEqual(
      expect.arrayContaining(['apiexports', 'apiexports/status', 'apiexportendpointslices', 'apibindings']),
    );
    const slice = v1.resources.find((r: any) => r.name === 'apiexportendpointslices');
    expect(slice).toMatchObject({
      singularName: 'apiexportendpointslice',
      namespaced: false,
      kind: 'APIExportEndpointSlice',
      categories: ['kcp'],
    });
    expect(slice.verbs).toEqual(
      expect.arrayContaining(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']),
    );
    const v2 = (await api(sim, 'GET', '/clusters/root/apis/apis.kcp.io/v1alpha2')).body;
    expect(v2.resources.map((r: any) => r.name)).not.toContain('apiexportendpointslices');
    const topo = (await api(sim, 'GET', '/apis/topology.kcp.io/v1alpha1')).body;
    expect(topo.resources.map((r: any) => r.name)).toEqual(['partitions']);
    expect((await api(sim, 'GET', '/apis/apis.kcp.io/v1beta1')).status).toBe(404);
  });

  it('serves an OpenAPI v3 index and per-group-version documents kubectl can use', async () => {
    const sim = await startSim();
    const index = (await api(sim, 'GET', '/clusters/root/openapi/v3')).body;
    const entry = index.paths['apis/apis.kcp.io/v1alpha2'];
    expect(entry.serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/apis\.kcp\.io\/v1alpha2\?hash=/);
    const doc = (await api(sim, 'GET', `/clusters/root${entry.serverRelativeURL}`)).body;
    const item = doc.paths['/apis/apis.kcp.io/v1alpha2/apiexports/{name}'];
    expect(item.patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'apis.kcp.io',
      version: 'v1alpha2',
      kind: 'APIExport',
    });
    expect(item.patch.parameters.map((p: any) => p.name)).toContain('fieldValidation');
    expect(
      doc.components.schemas['io.kcp.apis.v1alpha2.APIExport']['x-kubernetes-preserve-unknown-fields'],
    ).toBe(true);
    expect((await api(sim, 'GET', '/openapi/v3/apis/nope.io/v1')).status).toBe(404);
    expect((await api(sim, 'GET', '/openapi/v2')).status).toBe(404);
  });
});
