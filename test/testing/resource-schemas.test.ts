import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import type { KcpProfile } from '../../src/testing/index.js';
import { resourceSchemaFor } from '../../src/testing/model/schemas.js';
import { api, coll, startSim, WatchReader } from './helpers.js';

const P = 'root:org:provider';
const SCHEMAS = coll(P, 'apiresourceschemas');
const WIDGETS = 'v1.widgets.cowboys.kcp-sim.dev';

const valid = (name = 'v1.things.example.dev'): any => ({
  apiVersion: 'apis.kcp.io/v1alpha1',
  kind: 'APIResourceSchema',
  metadata: { name },
  spec: {
    group: 'example.dev',
    names: { plural: 'things', singular: 'thing', kind: 'Thing', listKind: 'ThingList' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { type: 'object' } }],
  },
});

describe('APIResourceSchemas', () => {
  it('creates one schema per exported resource with the export, readable by get and list', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys');
    const got = await api(sim, 'GET', `${SCHEMAS}/${WIDGETS}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      apiVersion: 'apis.kcp.io/v1alpha1',
      kind: 'APIResourceSchema',
      metadata: { name: WIDGETS, annotations: { 'kcp.io/cluster': sim.workspace(P)!.cluster } },
      spec: {
        group: 'cowboys.kcp-sim.dev',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        scope: 'Cluster',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          },
        ],
      },
    });
    expect(got.body.status).toBeUndefined();
    const list = await api(sim, 'GET', SCHEMAS);
    expect(list.body.kind).toBe('APIResourceSchemaList');
    expect(list.body.items.map((i: any) => i.metadata.name)).toEqual([WIDGETS]);
    const exp = await api(sim, 'GET', `${coll(P, 'apiexports')}/cowboys`);
    expect(exp.body.spec.latestResourceSchemas).toEqual([WIDGETS]);
    expect(sim.list('apiresourceschemas', 'root:org:other')).toEqual([]);
    expect((await api(sim, 'GET', coll(P, 'apiresourceschemas', 'v1alpha2'))).status).toBe(404);
  });

  it('names schemas as the export entries, skips identical ones and refuses clashing ones', async () => {
    const sim = await startSim();
    const resources = [
      { name: 'policies', group: 'shared.dev', schema: 'v1.policies.shared.dev' },
      { name: 'sheep', group: 'shared.dev', schema: 'v1.sheep.shared.dev' },
    ];
    sim.createExport(P, 'a', { resources });
    sim.createExport(P, 'b', { resources: resources.slice(0, 1) });
    const names = sim.list('apiresourceschemas', P).map((o: any) => [o.metadata.name, o.spec.names.kind]);
    expect(names).toEqual([
      ['v1.policies.shared.dev', 'Policy'],
      ['v1.sheep.shared.dev', 'Sheep'],
    ]);
    const clash = [{ name: 'other', group: 'shared.dev', schema: 'v1.policies.shared.dev' }];
    expect(() => sim.createExport(P, 'c', { resources: clash })).toThrow(InvalidArgumentError);
    expect(() => sim.createExport(P, 'c', { resources: clash })).toThrow(/already exists .* another spec/);
    const twice = [
      { name: 'x', group: 'g.dev', schema: 'v1.x.g.dev' },
      { name: 'y', group: 'g.dev', schema: 'v1.x.g.dev' },
    ];
    expect(() => sim.createExport(P, 'e', { resources: twice })).toThrow(
      /v1\.x\.g\.dev is named by two exported resources/,
    );
    const bad = [{ name: 'x', group: 'g.dev', schema: 'Not_A_Name' }];
    expect(() => sim.createExport(P, 'd', { resources: bad })).toThrow(
      /invalid APIResourceSchema Not_A_Name/,
    );
    expect(sim.get('apiexports', P, 'c')).toBeUndefined();
    expect(sim.get('apiexports', P, 'd')).toBeUndefined();
    expect(sim.get('apiexports', P, 'e')).toBeUndefined();
    expect(sim.list('apiresourceschemas', P)).toHaveLength(2);
  });

  it('builds names for short plurals', () => {
    const s = resourceSchemaFor({ name: 's', group: '', schema: 'v1.s.core' }) as any;
    expect(s.spec.names).toEqual({ plural: 's', singular: 's', kind: 'S', listKind: 'SList' });
  });

  it('creates, watches and deletes schemas posted by a client', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    const w = await WatchReader.open(sim, `${SCHEMAS}?watch=true`);
    const created = await api(sim, 'POST', SCHEMAS, valid());
    expect(created.status).toBe(201);
    expect(created.body.spec.scope).toBe('Namespaced');
    await w.until((x) => x.events.length === 1);
    expect(w.events[0]).toMatchObject({ type: 'ADDED', object: { kind: 'APIResourceSchema' } });
    expect((await api(sim, 'POST', SCHEMAS, valid())).status).toBe(409);
    const deleted = await api(sim, 'DELETE', `${SCHEMAS}/v1.things.example.dev`);
    expect(deleted.status).toBe(200);
    await w.until((x) => x.events.length === 2);
    expect(w.events[1].type).toBe('DELETED');
    expect((await api(sim, 'GET', `${SCHEMAS}/v1.things.example.dev`)).status).toBe(404);
    w.close();
  });

  it('rejects invalid schemas with 422 naming the field', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    const cases: Array<[string, (o: any) => void]> = [
      ['spec.group', (o) => delete o.spec.group],
      ['spec.group', (o) => (o.spec.group = 5)],
      ['spec.names.plural', (o) => delete o.spec.names.plural],
      ['spec.names.plural', (o) => (o.spec.names.plural = '')],
      ['spec.names.kind', (o) => delete o.spec.names.kind],
      ['spec.names', (o) => delete o.spec.names],
      ['spec.names', (o) => (o.spec.names = 'x')],
      ['spec.scope', (o) => delete o.spec.scope],
      ['spec.scope', (o) => (o.spec.scope = 'Galaxy')],
      ['spec.versions', (o) => delete o.spec.versions],
      ['spec.versions', (o) => (o.spec.versions = [])],
      ['spec.versions', (o) => (o.spec.versions = {})],
      ['spec.versions[0]', (o) => (o.spec.versions = ['v1'])],
      ['spec.versions[0].name', (o) => delete o.spec.versions[0].name],
      ['spec', (o) => delete o.spec],
    ];
    for (const [field, mutate] of cases) {
      const body = valid();
      mutate(body);
      const r = await api(sim, 'POST', SCHEMAS, body);
      expect(r.status, field).toBe(422);
      expect(r.body.reason).toBe('Invalid');
      expect(r.body.details.kind).toBe('APIResourceSchema');
      expect(
        r.body.details.causes.map((c: any) => c.field),
        JSON.stringify(r.body),
      ).toContain(field);
      expect(r.body.message).toContain(field);
    }
    const core = valid('v1.things.core');
    core.spec.group = '';
    expect((await api(sim, 'POST', SCHEMAS, core)).status).toBe(201);
    expect(sim.list('apiresourceschemas', P).map((o: any) => o.metadata.name)).toEqual(['v1.things.core']);
  });

  it('refuses spec updates with 422 "field is immutable" but allows metadata changes', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys');
    const patch = (body: unknown): ReturnType<typeof api> =>
      api(sim, 'PATCH', `${SCHEMAS}/${WIDGETS}`, body, { contentType: 'application/merge-patch+json' });
    const r = await patch({ spec: { group: 'other.dev' } });
    expect(r.status).toBe(422);
    expect(r.body.message).toBe(
      `APIResourceSchema.apis.kcp.io "${WIDGETS}" is invalid: spec: Invalid value: "object": field is immutable`,
    );
    const current = (await api(sim, 'GET', `${SCHEMAS}/${WIDGETS}`)).body;
    current.spec.versions[0].served = false;
    expect((await api(sim, 'PUT', `${SCHEMAS}/${WIDGETS}`, current)).status).toBe(422);
    const labelled = await patch({ metadata: { labels: { team: 'a' } } });
    expect(labelled.status).toBe(200);
    expect(labelled.body.metadata.labels).toEqual({ team: 'a' });
    expect(labelled.body.metadata.generation).toBe(1);
    expect((await api(sim, 'PUT', `${SCHEMAS}/${WIDGETS}/status`, current)).status).toBe(404);
  });

  it.each<KcpProfile>(['0.26', '0.27', '0.28+'])(
    'is discoverable in apis.kcp.io/v1alpha1 only, without a status subresource (profile %s)',
    async (profile) => {
      const sim = await startSim({ profile });
      const v1 = (await api(sim, 'GET', '/clusters/root/apis/apis.kcp.io/v1alpha1')).body;
      const entries = v1.resources.filter((r: any) => r.name.startsWith('apiresourceschemas'));
      expect(entries).toEqual([
        expect.objectContaining({
          name: 'apiresourceschemas',
          singularName: 'apiresourceschema',
          namespaced: false,
          kind: 'APIResourceSchema',
          categories: ['kcp'],
        }),
      ]);
      const v2 = await api(sim, 'GET', '/clusters/root/apis/apis.kcp.io/v1alpha2');
      if (v2.status === 200) {
        expect(v2.body.resources.map((r: any) => r.name)).not.toContain('apiresourceschemas');
      }
      const doc = (await api(sim, 'GET', '/openapi/v3/apis/apis.kcp.io/v1alpha1')).body;
      expect(doc.paths['/apis/apis.kcp.io/v1alpha1/apiresourceschemas/{name}'].get).toMatchObject({
        'x-kubernetes-group-version-kind': {
          group: 'apis.kcp.io',
          version: 'v1alpha1',
          kind: 'APIResourceSchema',
        },
      });
    },
  );
});
