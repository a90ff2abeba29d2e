import { describe, expect, it } from 'vitest';
import { api, coll, startSim } from './helpers.js';

const P = 'root:org:provider';
const SLICES = coll(P, 'apiexportendpointslices');
const EXPORTS2 = coll(P, 'apiexports', 'v1alpha2');

describe('REST reads', () => {
  it('gets one object by path or by logical cluster name', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys');
    const byPath = await api(sim, 'GET', `${SLICES}/cowboys`);
    const byName = await api(
      sim,
      'GET',
      `${coll(sim.workspace(P)!.cluster, 'apiexportendpointslices')}/cowboys`,
    );
    expect(byPath.status).toBe(200);
    expect(byPath.body.kind).toBe('APIExportEndpointSlice');
    expect(byName.body).toEqual(byPath.body);
  });

  it('answers 404 with a NotFound Status for a missing object and an unknown resource', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    const missing = await api(sim, 'GET', `${SLICES}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: 'apiexportendpointslices.apis.kcp.io "nope" not found',
      details: { name: 'nope', group: 'apis.kcp.io', kind: 'apiexportendpointslices' },
    });
    for (const path of [
      coll(P, 'widgets'),
      coll(P, 'apiexports', 'v9'),
      '/clusters/root/nothing',
      `${SLICES}/a/scale`,
    ]) {
      const r = await api(sim, 'GET', path);
      expect(r.status, path).toBe(404);
      expect(r.body.kind).toBe('Status');
    }
  });

  it('lists with fieldSelector, labelSelector and limit/continue', async () => {
    const sim = await startSim();
    for (const n of ['a', 'b', 'c', 'd'])
      sim.createExport(P, n, { labels: { tier: n === 'a' ? 'gold' : 'std' } });
    const all = await api(sim, 'GET', EXPORTS2);
    expect(all.body.kind).toBe('APIExportList');
    expect(all.body.items.map((i: any) => i.metadata.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(all.body.metadata.resourceVersion).toBe(sim.resourceVersion());
    const one = await api(sim, 'GET', `${EXPORTS2}?fieldSelector=${encodeURIComponent('metadata.name=c')}`);
    expect(one.body.items.map((i: any) => i.metadata.name)).toEqual(['c']);
    const gold = await api(sim, 'GET', `${EXPORTS2}?labelSelector=${encodeURIComponent('tier in (gold)')}`);
    expect(gold.body.items.map((i: any) => i.metadata.name)).toEqual(['a']);
    const p1 = await api(sim, 'GET', `${EXPORTS2}?limit=3`);
    expect(p1.body.items).toHaveLength(3);
    expect(p1.body.metadata.remainingItemCount).toBe(1);
    const p2 = await api(sim, 'GET', `${EXPORTS2}?limit=3&continue=${p1.body.metadata.continue}`);
    expect(p2.body.items.map((i: any) => i.metadata.name)).toEqual(['d']);
    expect(p2.body.metadata.continue).toBeUndefined();
    sim.createExport(P, 'e');
    sim.compact();
    const stale = await api(sim, 'GET', `${EXPORTS2}?limit=3&continue=${p1.body.metadata.continue}`);
    expect(stale.status).toBe(410);
    expect(stale.body.reason).toBe('Expired');
  });

  it('rejects bad selectors, limits and continue tokens with 400', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    for (const q of [
      'fieldSelector=spec.x%3Dy',
      'fieldSelector=metadata.name!%3Dy',
      'fieldSelector=%3D%3D',
      'labelSelector=a%20b%20c',
      'limit=-1',
      'continue=xyz',
    ]) {
      const r = await api(sim, 'GET', `${SLICES}?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.reason).toBe('BadRequest');
    }
  });

  it('lists across all clusters with the wildcard, and refuses other verbs there', async () => {
    const sim = await startSim();
    sim.createExport('root:a', 'x');
    sim.createExport('root:b', 'x');
    const all = await api(sim, 'GET', '/clusters/*/apis/apis.kcp.io/v1alpha1/apiexportendpointslices');
    expect(all.body.items).toHaveLength(2);
    expect(new Set(all.body.items.map((i: any) => i.metadata.annotations['kcp.io/cluster'])).size).toBe(2);
    expect(
      (await api(sim, 'GET', '/clusters/*/apis/apis.kcp.io/v1alpha1/apiexportendpointslices/x')).status,
    ).toBe(403);
  });
});

describe('REST writes', () => {
  const slice = (name: string, exportName = 'cowboys'): any => ({
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIExportEndpointSlice',
    metadata: { name },
    spec: { export: { path: P, name: exportName } },
  });

  it('creates (201), updates with optimistic concurrency (409 on a stale RV) and deletes', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys', { skipEndpointSlice: true });
    const created = await api(sim, 'POST', SLICES, slice('mine'));
    expect(created.status).toBe(201);
    expect(created.body.metadata.annotations['kcp.io/cluster']).toBe(sim.workspace(P)!.cluster);
    expect((await api(sim, 'POST', SLICES, slice('mine'))).body.reason).toBe('AlreadyExists');
    const current = (await api(sim, 'GET', `${SLICES}/mine`)).body;
    const next = { ...current, metadata: { ...current.metadata, labels: { a: 'b' } } };
    const updated = await api(sim, 'PUT', `${SLICES}/mine`, next);
    expect(updated.status).toBe(200);
    expect(updated.body.metadata.labels).toEqual({ a: 'b' });
    const stale = await api(sim, 'PUT', `${SLICES}/mine`, next);
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    const wrongName = await api(sim, 'PUT', `${SLICES}/mine`, { ...slice('other') });
    expect(wrongName.status).toBe(400);
    const deleted = await api(sim, 'DELETE', `${SLICES}/mine`);
    expect(deleted.status).toBe(200);
    expect((await api(sim, 'DELETE', `${SLICES}/mine`)).status).toBe(404);
    expect((await api(sim, 'PUT', `${SLICES}/mine`, slice('mine'))).status).toBe(404);
  });

  it('generates a name from generateName', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    const r = await api(sim, 'POST', coll(P, 'partitions', 'v1alpha1', 'topology.kcp.io'), {
      metadata: { generateName: 'part-' },
      spec: { selector: { matchLabels: { a: 'b' } } },
    });
    expect(r.status).toBe(201);
    expect(r.body.metadata.name).toMatch(/^part-[0-9a-f]{5}$/);
  });

  it('merge-patches an object and its status subresource; status in a main-resource write is ignored', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys');
    const patched = await api(
      sim,
      'PATCH',
      `${SLICES}/cowboys`,
      { metadata: { labels: { x: 'y' } }, status: { endpoints: [] } },
      {
        contentType: 'application/merge-patch+json',
      },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.metadata.labels).toEqual({ x: 'y' });
    expect(patched.body.status.conditions).toHaveLength(2);
    const status = await api(
      sim,
      'PATCH',
      `${SLICES}/cowboys/status`,
      { status: { endpoints: [{ url: 'https://x' }] } },
      {
        contentType: 'application/merge-patch+json',
      },
    );
    expect(status.body.status.endpoints).toEqual([{ url: 'https://x' }]);
    const put = await api(sim, 'PUT', `${SLICES}/cowboys/status`, {
      ...status.body,
      status: { conditions: [] },
    });
    expect(put.body.status).toEqual({ conditions: [] });
    const bad = await api(sim, 'PATCH', `${SLICES}/cowboys`, [{ op: 'add' }], {
      contentType: 'application/json-patch+json',
    });
    expect(bad.status).toBe(422);
    const strategic = await api(
      sim,
      'PATCH',
      `${SLICES}/cowboys`,
      {},
      {
        contentType: 'application/strategic-merge-patch+json',
      },
    );
    expect(strategic.status).toBe(415);
    expect(strategic.body.message).toContain('application/json-patch+json, application/merge-patch+json');
    expect(
      (await api(sim, 'PATCH', `${SLICES}/nope`, {}, { contentType: 'application/merge-patch+json' })).status,
    ).toBe(404);
  });

  it('bumps generation only on spec changes', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    const part = coll(P, 'partitions', 'v1alpha1', 'topology.kcp.io');
    await api(sim, 'POST', part, { metadata: { name: 'p' }, spec: { selector: {} } });
    const m = { contentType: 'application/merge-patch+json' };
    expect(
      (await api(sim, 'PATCH', `${part}/p`, { metadata: { labels: { a: 'b' } } }, m)).body.metadata
        .generation,
    ).toBe(1);
    const g2 = await api(sim, 'PATCH', `${part}/p`, { spec: { selector: { matchLabels: { a: 'b' } } } }, m);
    expect(g2.body.metadata.generation).toBe(2);
  });

  it('rejects invalid objects with 422 naming the field', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys');
    const cases: Array<[string, unknown, string]> = [
      [SLICES, { metadata: { name: 'a' }, spec: { export: { path: P } } }, 'spec.export.name'],
      [SLICES, { metadata: { name: 'a' } }, 'spec'],
      [
        SLICES,
        { metadata: { name: 'a' }, spec: { export: { name: 'x', path: 'Root:Bad' } } },
        'spec.export.path',
      ],
      [SLICES, { metadata: { name: 'Bad_Name' }, spec: { export: { name: 'x' } } }, 'metadata.name'],
      [SLICES, { metadata: {}, spec: { export: { name: 'x' } } }, 'metadata.name'],
      [
        SLICES,
        { metadata: { name: 'a', labels: { a: 1 } }, spec: { export: { name: 'x' } } },
        'metadata.labels.a',
      ],
      [SLICES, { metadata: { name: 'a' }, spec: 'x' }, 'spec'],
      [
        coll(P, 'apibindings'),
        { metadata: { name: 'b' }, spec: { reference: { export: {} } } },
        'spec.reference.export.name',
      ],
      [coll(P, 'apibindings'), { metadata: { name: 'b' }, spec: {} }, 'spec.reference'],
      [
        EXPORTS2,
        { metadata: { name: 'e' }, spec: { resources: [{ name: 'x' }] } },
        'spec.resources[0].schema',
      ],
      [
        EXPORTS2,
        {
          metadata: { name: 'e' },
          spec: { resources: [{ name: 'x', group: '', schema: 's', storage: {} }] },
        },
        'spec.resources[0].storage',
      ],
      [
        coll(P, 'apiexports'),
        { metadata: { name: 'e' }, spec: { latestResourceSchemas: [1] } },
        'spec.latestResourceSchemas[0]',
      ],
      [
        coll(P, 'partitions', 'v1alpha1', 'topology.kcp.io'),
        { metadata: { name: 'p' }, spec: { selector: 'x' } },
        'spec.selector',
      ],
    ];
    for (const [path, body, field] of cases) {
      const r = await api(sim, 'POST', path, body);
      expect(r.status, field).toBe(422);
      expect(r.body.reason).toBe('Invalid');
      expect(
        r.body.details.causes.map((c: any) => c.field),
        JSON.stringify(r.body),
      ).toContain(field);
      expect(r.body.message).toContain(field);
    }
    const st = await api(sim, 'PUT', `${SLICES}/cowboys/status`, { status: { endpoints: [{}] } });
    expect(st.status).toBe(422);
    expect(st.body.details.causes[0].field).toBe('status.endpoints[0].url');
  });

  it('rejects changes of the immutable export reference', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys');
    sim.createExport(P, 'other');
    const r = await api(
      sim,
      'PATCH',
      `${SLICES}/cowboys`,
      { spec: { export: { name: 'other' } } },
      {
        contentType: 'application/merge-patch+json',
      },
    );
    expect(r.status).toBe(422);
    expect(r.body.message).toBe(
      'APIExportEndpointSlice.apis.kcp.io "cowboys" is invalid: spec.export: Invalid value: "object": APIExport reference must not be changed',
    );
    sim.bind('root:c', `${P}:cowboys`);
    const b = await api(
      sim,
      'PATCH',
      `${coll('root:c', 'apibindings')}/cowboys`,
      { spec: { reference: { export: { name: 'other' } } } },
      {
        contentType: 'application/merge-patch+json',
      },
    );
    expect(b.status).toBe(422);
    expect(b.body.details.causes[0].field).toBe('spec.reference');
  });

  it('refuses a slice for a missing export with 403 like kcp admission', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    const r = await api(sim, 'POST', SLICES, slice('s', 'ghost'));
    expect(r.status).toBe(403);
    expect(r.body.message).toBe(
      `unable to create APIExportEndpointSlice: no permission to bind to export ${P}:ghost`,
    );
  });

  it('answers 400 for malformed bodies, wrong apiVersion or kind, and 405 for wrong methods', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys');
    expect((await api(sim, 'POST', SLICES, undefined, { raw: '{"metadata":' })).status).toBe(400);
    expect((await api(sim, 'POST', SLICES, undefined, { raw: '[1,2]' })).status).toBe(400);
    expect(
      (await api(sim, 'POST', SLICES, { ...slice('a'), apiVersion: 'apis.kcp.io/v1alpha2' })).status,
    ).toBe(400);
    expect((await api(sim, 'POST', SLICES, { ...slice('a'), kind: 'APIExport' })).status).toBe(400);
    expect((await api(sim, 'POST', `${SLICES}/a`, slice('a'))).status).toBe(405);
    expect((await api(sim, 'DELETE', SLICES)).status).toBe(405);
    expect((await api(sim, 'OPTIONS', SLICES)).status).toBe(405);
    const big = await api(sim, 'POST', SLICES, undefined, {
      raw: `{"x":"${'a'.repeat(3.5 * 1024 * 1024)}"}`,
    });
    expect(big.status).toBe(413);
    expect(sim.errors).toEqual([]);
  });

  it('converts v1alpha1 writes of an export into the v1alpha2 storage shape and back', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    const r = await api(sim, 'POST', coll(P, 'apiexports'), {
      metadata: { name: 'old' },
      spec: {
        latestResourceSchemas: ['v1.things.example.dev'],
        permissionClaims: [{ group: '', resource: 'configmaps', all: true }],
      },
    });
    expect(r.status).toBe(201);
    const v2 = await api(sim, 'GET', `${EXPORTS2}/old`);
    expect(v2.body.spec.resources).toEqual([
      { name: 'things', group: 'example.dev', schema: 'v1.things.example.dev', storage: { crd: {} } },
    ]);
    expect(v2.body.spec.permissionClaims).toEqual([
      { group: '', resource: 'configmaps', verbs: ['*'], identityHash: '' },
    ]);
    const v1 = await api(sim, 'GET', `${coll(P, 'apiexports')}/old`);
    expect(v1.body.spec.latestResourceSchemas).toEqual(['v1.things.example.dev']);
    expect(v1.body.spec.permissionClaims).toEqual([{ group: '', resource: 'configmaps', all: true }]);
  });
});
