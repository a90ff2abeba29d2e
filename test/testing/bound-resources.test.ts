import { describe, expect, it } from 'vitest';
import type { KcpSimulator } from '../../src/testing/index.js';
import { api, startSim, WatchReader } from './helpers.js';

const P = 'root:org:provider';
const C = 'root:org:consumer';
const COWBOYS = {
  name: 'cowboys',
  group: 'wildwest.dev',
  schema: 'today.cowboys.wildwest.dev',
  scope: 'Namespaced' as const,
  versions: ['v1alpha1'],
  statusSubresource: true,
};
const ns = (ws: string, namespace = 'default'): string =>
  `/clusters/${ws}/apis/wildwest.dev/v1alpha1/namespaces/${namespace}/cowboys`;
const merge = { contentType: 'application/merge-patch+json' };
const jsonPatch = { contentType: 'application/json-patch+json' };

async function bound(sim: KcpSimulator, consumer = C, exportName = 'cowboys'): Promise<void> {
  sim.bind(consumer, `${P}:${exportName}`);
  await sim.waitForIdle();
}

describe('resources of bound APIExports in consumer workspaces', () => {
  it('serves create, get, list, update, status, merge and JSON patches and delete, with the consumer cluster annotation', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys', { resources: [COWBOYS] });
    await bound(sim);
    const created = await api(sim, 'POST', ns(C), {
      apiVersion: 'wildwest.dev/v1alpha1',
      kind: 'Cowboy',
      metadata: { name: 'lucky' },
      spec: { intent: 'ride' },
      status: { result: 'ignored on create' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      apiVersion: 'wildwest.dev/v1alpha1',
      kind: 'Cowboy',
      metadata: {
        name: 'lucky',
        namespace: 'default',
        generation: 1,
        annotations: { 'kcp.io/cluster': sim.workspace(C)!.cluster },
      },
      spec: { intent: 'ride' },
    });
    expect(created.body.status).toBeUndefined();
    expect(created.body.metadata.annotations['kcp.io/path']).toBeUndefined();

    const status = await api(sim, 'PUT', `${ns(C)}/lucky/status`, {
      ...created.body,
      status: { result: 'rode' },
    });
    expect(status.status).toBe(200);
    expect(status.body.status).toEqual({ result: 'rode' });
    expect(status.body.metadata.generation).toBe(1);
    const main = await api(sim, 'PUT', `${ns(C)}/lucky`, {
      ...status.body,
      spec: { intent: 'rest' },
      status: { result: 'not through the main resource' },
    });
    expect(main.body).toMatchObject({ spec: { intent: 'rest' }, status: { result: 'rode' } });
    expect(main.body.metadata.generation).toBe(2);
    const merged = await api(sim, 'PATCH', `${ns(C)}/lucky`, { spec: { horse: 'silver' } }, merge);
    expect(merged.body.spec).toEqual({ intent: 'rest', horse: 'silver' });
    const patched = await api(
      sim,
      'PATCH',
      `${ns(C)}/lucky/status`,
      [
        { op: 'test', path: '/status/result', value: 'rode' },
        { op: 'replace', path: '/status/result', value: 'home' },
      ],
      jsonPatch,
    );
    expect(patched.status).toBe(200);
    expect(patched.body.status).toEqual({ result: 'home' });
    const failed = await api(
      sim,
      'PATCH',
      `${ns(C)}/lucky`,
      [{ op: 'test', path: '/spec/intent', value: 'ride' }],
      jsonPatch,
    );
    expect(failed.status).toBe(422);
    expect(
      (await api(sim, 'PATCH', `${ns(C)}/lucky`, { op: 'add' }, jsonPatch)).status,
      'a JSON patch must be an array',
    ).toBe(400);

    // kube's namespace lifecycle: a namespace must exist before anything is created in it
    const nowhere = await api(sim, 'POST', ns(C, 'other'), { metadata: { name: 'lucky' }, spec: {} });
    expect([nowhere.status, nowhere.body.message]).toEqual([404, 'namespaces "other" not found']);
    expect(nowhere.body.details).toEqual({ name: 'other', kind: 'namespaces' });
    await api(sim, 'POST', `/clusters/${C}/api/v1/namespaces`, { metadata: { name: 'other' } });
    await api(sim, 'POST', ns(C, 'other'), { metadata: { name: 'lucky' }, spec: {} });
    const all = await api(sim, 'GET', `/clusters/${C}/apis/wildwest.dev/v1alpha1/cowboys`);
    expect(all.body.kind).toBe('CowboyList');
    expect(all.body.items.map((o: any) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'default/lucky',
      'other/lucky',
    ]);
    const inOther = await api(sim, 'GET', ns(C, 'other'));
    expect(inOther.body.items.map((o: any) => o.metadata.namespace)).toEqual(['other']);
    const bySelector = await api(
      sim,
      'GET',
      `/clusters/${C}/apis/wildwest.dev/v1alpha1/cowboys?fieldSelector=metadata.namespace%3Ddefault`,
    );
    expect(bySelector.body.items).toHaveLength(1);

    expect((await api(sim, 'DELETE', `${ns(C)}/lucky`)).status).toBe(200);
    expect((await api(sim, 'GET', `${ns(C)}/lucky`)).body).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'cowboys.wildwest.dev "lucky" not found',
    });
    expect((await api(sim, 'GET', `${ns(C, 'other')}/lucky`)).status).toBe(200);
  });

  it('refuses a body in another namespace than the path, and namespaced paths for cluster-scoped resources', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys', { resources: [COWBOYS] });
    await bound(sim);
    const r = await api(sim, 'POST', ns(C), { metadata: { name: 'x', namespace: 'elsewhere' } });
    expect(r.status).toBe(400);
    expect(r.body.message).toBe(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
    expect((await api(sim, 'GET', `/clusters/${C}/apis/wildwest.dev/v1alpha1/cowboys/x`)).status).toBe(404);
    expect(
      (await api(sim, 'GET', `/clusters/${C}/apis/apis.kcp.io/v1alpha1/namespaces/default/apibindings`))
        .status,
    ).toBe(404);
  });

  it('serves the resource only where a binding has bound it, and watches it', async () => {
    const sim = await startSim({ delays: { bindingPhaseMs: 50 } });
    sim.createExport(P, 'cowboys', { resources: [COWBOYS] });
    sim.createWorkspace('root:org:stranger');
    sim.bind(C, `${P}:cowboys`);
    expect((await api(sim, 'GET', ns(C))).status, 'not bound yet').toBe(404);
    await sim.waitForIdle();
    expect((await api(sim, 'GET', ns(C))).status).toBe(200);
    expect((await api(sim, 'GET', ns('root:org:stranger'))).status).toBe(404);
    const w = await WatchReader.open(sim, `${ns(C)}?watch=true`);
    await api(sim, 'POST', `/clusters/${C}/api/v1/namespaces`, { metadata: { name: 'other' } });
    await api(sim, 'POST', ns(C), { metadata: { name: 'a' } });
    await api(sim, 'POST', ns(C, 'other'), { metadata: { name: 'b' } });
    await api(sim, 'PATCH', `${ns(C)}/a`, { metadata: { labels: { x: 'y' } } }, merge);
    await w.until((x) => x.events.length === 2);
    expect(w.events.map((e) => `${e.type} ${e.object.metadata.namespace}/${e.object.metadata.name}`)).toEqual(
      ['ADDED default/a', 'MODIFIED default/a'],
    );
    w.close();
  });

  it('lists the bound group in the consumer workspace discovery and OpenAPI, and nowhere else', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys', { resources: [COWBOYS] });
    await bound(sim);
    const groups = (await api(sim, 'GET', `/clusters/${C}/apis`)).body.groups.map((g: any) => g.name);
    expect(groups).toContain('wildwest.dev');
    expect(groups).toContain('apis.kcp.io');
    expect((await api(sim, 'GET', `/clusters/${P}/apis`)).body.groups.map((g: any) => g.name)).not.toContain(
      'wildwest.dev',
    );
    expect((await api(sim, 'GET', `/clusters/${C}/apis/wildwest.dev`)).body).toMatchObject({
      kind: 'APIGroup',
      preferredVersion: { groupVersion: 'wildwest.dev/v1alpha1' },
    });
    const list = (await api(sim, 'GET', `/clusters/${C}/apis/wildwest.dev/v1alpha1`)).body;
    expect(list.resources).toEqual([
      expect.objectContaining({ name: 'cowboys', singularName: 'cowboy', namespaced: true, kind: 'Cowboy' }),
      expect.objectContaining({
        name: 'cowboys/status',
        namespaced: true,
        verbs: ['get', 'patch', 'update'],
      }),
    ]);
    const index = (await api(sim, 'GET', `/clusters/${C}/openapi/v3`)).body;
    const gv = index.paths['apis/wildwest.dev/v1alpha1'].serverRelativeURL as string;
    const doc = (await api(sim, 'GET', `/clusters/${C}${gv}`)).body;
    expect(Object.keys(doc.paths)).toContain(
      '/apis/wildwest.dev/v1alpha1/namespaces/{namespace}/cowboys/{name}',
    );
    expect((await api(sim, 'GET', '/clusters/root/apis/wildwest.dev/v1alpha1')).status).toBe(404);
  });

  it('deletes the objects of the bound resources when the binding goes, like kcp’s deletion controller', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys', { resources: [COWBOYS] });
    await bound(sim);
    await api(sim, 'POST', ns(C), { metadata: { name: 'a' } });
    sim.unbind(C, 'cowboys');
    await sim.waitForIdle();
    expect(sim.get('apibindings', C, 'cowboys')).toBeUndefined();
    await bound(sim);
    expect((await api(sim, 'GET', ns(C))).body.items).toEqual([]);
  });

  it('keeps the objects of the same resource bound from two exports apart (the export identity)', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys', { resources: [COWBOYS] });
    sim.createExport('root:org:rival', 'cowboys', { resources: [COWBOYS] });
    await bound(sim);
    sim.bind('root:org:other', 'root:org:rival:cowboys');
    await sim.waitForIdle();
    await api(sim, 'POST', ns(C), { metadata: { name: 'a' } });
    await api(sim, 'POST', ns('root:org:other'), { metadata: { name: 'b' } });
    const vw = sim.endpoints(P, 'cowboys')[0]!.slice(sim.url.length);
    const all = await api(sim, 'GET', `${vw}/clusters/*/apis/wildwest.dev/v1alpha1/cowboys`);
    expect(all.body.items.map((o: any) => o.metadata.name)).toEqual(['a']);
  });
});
