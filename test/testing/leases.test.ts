/**
 * The simulator's Namespaces and Leases, beyond the conformance scenario (which holds both to real kcp): the
 * answers checked here were read from kcp 0.28.0 with the same requests.
 */
import { describe, expect, it } from 'vitest';
import { parseMicroTime } from '../../src/testing/model/kube.js';
import { api, startSim, WatchReader } from './helpers.js';

const WS = 'root:org:provider';
const leases = (ns = 'default', name = ''): string =>
  `/clusters/${WS}/apis/coordination.k8s.io/v1/namespaces/${ns}/leases${name === '' ? '' : `/${name}`}`;
const namespaces = (name = ''): string => `/clusters/${WS}/api/v1/namespaces${name === '' ? '' : `/${name}`}`;
const SMP = 'application/strategic-merge-patch+json';

async function sim(options: Parameters<typeof startSim>[0] = {}) {
  const s = await startSim(options);
  s.createWorkspace(WS);
  return s;
}

describe('Namespaces', () => {
  it('has `default` in every workspace (as kcp creates it) and no kube-system; `kcp-system` comes with an APIExport', async () => {
    const s = await sim();
    for (const ws of ['root', 'root:org', WS]) {
      const list = await api(s, 'GET', `/clusters/${ws}/api/v1/namespaces`);
      expect(
        list.body.items.map((n: any) => n.metadata.name),
        ws,
      ).toEqual(['default']);
    }
    const d = (await api(s, 'GET', namespaces('default'))).body;
    expect(d).toMatchObject({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        labels: { 'kubernetes.io/metadata.name': 'default' },
        annotations: { 'bootstrap.kcp.io/create-only': 'true' },
      },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
    expect(d.metadata.generation).toBeUndefined();
    expect((await api(s, 'GET', namespaces('kube-system'))).body).toMatchObject({
      code: 404,
      message: 'namespaces "kube-system" not found',
      details: { name: 'kube-system', kind: 'namespaces' },
    });
    s.createExport(WS, 'cowboys');
    await s.waitForIdle();
    expect((await api(s, 'GET', namespaces())).body.items.map((n: any) => n.metadata.name)).toEqual([
      'default',
      'kcp-system',
    ]);
  });

  it('refuses names that are not RFC 1123 labels with kube’s words, and refuses to delete default', async () => {
    const s = await sim();
    const cases: Array<[string, string]> = [
      ['a.b', 'Namespace "a.b" is invalid: metadata.name: Invalid value: "a.b": must not contain dots'],
      [
        'Foo',
        `Namespace "Foo" is invalid: metadata.name: Invalid value: "Foo": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ],
      [
        '-x',
        `Namespace "-x" is invalid: [metadata.name: Invalid value: "-x": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?'), metadata.labels: Invalid value: "-x": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')]`,
      ],
      [
        'x'.repeat(64),
        `Namespace "${'x'.repeat(64)}" is invalid: [metadata.name: Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters, metadata.labels: Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters]`,
      ],
    ];
    for (const [name, message] of cases) {
      const r = await api(s, 'POST', namespaces(), { metadata: { name } });
      expect([r.status, r.body.message], name).toEqual([422, message]);
      expect(r.body.details).toMatchObject({ name, kind: 'Namespace' });
      expect(r.body.details.group).toBeUndefined();
    }
    for (const name of ['default', 'kube-system', 'kube-public']) {
      await api(s, 'POST', namespaces(), { metadata: { name } });
      const r = await api(s, 'DELETE', namespaces(name));
      expect([r.status, r.body.reason, r.body.message]).toEqual([
        403,
        'Forbidden',
        `namespaces "${name}" is forbidden: this namespace may not be deleted`,
      ]);
    }
  });

  it('turns a deleted namespace Terminating, refuses new content in it, then deletes its content and itself', async () => {
    const s = await sim({ delays: { finalizerMs: 200 } });
    await api(s, 'POST', namespaces(), { metadata: { name: 'team' } });
    await api(s, 'POST', leases('team'), { metadata: { name: 'inside' } });
    const deleted = await api(s, 'DELETE', namespaces('team'));
    expect(deleted.status).toBe(200);
    expect(deleted.body.metadata.deletionTimestamp).toBeDefined();
    expect(deleted.body.status.phase).toBe('Terminating');
    expect((await api(s, 'DELETE', namespaces('team'))).status).toBe(200);
    const late = await api(s, 'POST', leases('team'), { metadata: { name: 'late' } });
    expect(late.body).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message:
        'leases.coordination.k8s.io "late" is forbidden: unable to create new content in namespace team because it is being terminated',
      details: {
        name: 'late',
        group: 'coordination.k8s.io',
        kind: 'leases',
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: 'namespace team is being terminated',
            field: 'metadata.namespace',
          },
        ],
      },
    });
    await s.waitForIdle();
    expect((await api(s, 'GET', namespaces('team'))).status).toBe(404);
    expect((await api(s, 'GET', leases('team', 'inside'))).status).toBe(404);
    expect((await api(s, 'GET', leases('default'))).status).toBe(200);
  });

  it('answers a protobuf body (kubectl create namespace) with 415, as a server without that codec', async () => {
    const s = await sim();
    const r = await api(s, 'POST', namespaces(), undefined, {
      raw: 'k8s\u0000\n\u000f\n\u0002v1\u0012\tNamespace',
      contentType: 'application/vnd.kubernetes.protobuf',
    });
    expect([r.status, r.body.reason]).toEqual([415, 'UnsupportedMediaType']);
  });
});

describe('Leases', () => {
  it('is discovered under coordination.k8s.io/v1 and /api/v1, with OpenAPI documents kubectl can apply with', async () => {
    const s = await sim();
    expect((await api(s, 'GET', `/clusters/${WS}/api`)).body).toMatchObject({
      kind: 'APIVersions',
      versions: ['v1'],
    });
    const core = (await api(s, 'GET', `/clusters/${WS}/api/v1`)).body;
    expect(core).toMatchObject({ kind: 'APIResourceList', groupVersion: 'v1' });
    expect(core.resources.map((r: any) => r.name)).toEqual(['namespaces', 'namespaces/status']);
    expect(core.resources[0]).toMatchObject({ namespaced: false, kind: 'Namespace', shortNames: ['ns'] });
    const group = (await api(s, 'GET', `/clusters/${WS}/apis/coordination.k8s.io`)).body;
    expect(group.preferredVersion).toEqual({ groupVersion: 'coordination.k8s.io/v1', version: 'v1' });
    const list = (await api(s, 'GET', `/clusters/${WS}/apis/coordination.k8s.io/v1`)).body;
    expect(list.resources).toEqual([
      {
        name: 'leases',
        singularName: 'lease',
        namespaced: true,
        kind: 'Lease',
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      },
    ]);
    const groups = (await api(s, 'GET', `/clusters/${WS}/apis`)).body.groups.map((g: any) => g.name);
    expect(groups).toContain('coordination.k8s.io');
    expect(groups).not.toContain('');
    const index = (await api(s, 'GET', `/clusters/${WS}/openapi/v3`)).body.paths;
    expect(index['api/v1'].serverRelativeURL).toMatch(/^\/openapi\/v3\/api\/v1\?hash=/);
    const doc = (
      await api(s, 'GET', `/clusters/${WS}${index['apis/coordination.k8s.io/v1'].serverRelativeURL}`)
    ).body;
    expect(Object.keys(doc.paths)).toEqual([
      '/apis/coordination.k8s.io/v1/leases',
      '/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases',
      '/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}',
    ]);
    const schema = doc.components.schemas['io.k8s.api.coordination.v1.Lease'];
    expect(schema.properties.metadata.properties.finalizers['x-kubernetes-patch-strategy']).toBe('merge');
    const coreDoc = (await api(s, 'GET', `/clusters/${WS}/openapi/v3/api/v1`)).body;
    expect(Object.keys(coreDoc.paths)).toEqual(['/api/v1/namespaces', '/api/v1/namespaces/{name}']);
  });

  it('decodes a Lease as the typed decoder: wrong types refused with Go’s words, unknown fields dropped with a warning, refused under Strict', async () => {
    const s = await sim();
    const bad = async (spec: unknown): Promise<string> => {
      const r = await api(s, 'POST', leases(), { metadata: { name: 'x' }, spec });
      expect(r.status).toBe(400);
      return r.body.message.replace('Lease in version "v1" cannot be handled as a Lease: ', '');
    };
    expect(await bad({ leaseDurationSeconds: '15' })).toBe(
      'json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32',
    );
    expect(await bad({ leaseDurationSeconds: 1.5 })).toBe(
      'json: cannot unmarshal number 1.5 into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32',
    );
    expect(await bad({ leaseTransitions: 2147483648 })).toBe(
      'json: cannot unmarshal number 2147483648 into Go struct field LeaseSpec.spec.leaseTransitions of type int32',
    );
    expect(await bad({ holderIdentity: 5 })).toBe(
      'json: cannot unmarshal number into Go struct field LeaseSpec.spec.holderIdentity of type string',
    );
    expect(await bad({ renewTime: 5 })).toBe(
      'json: cannot unmarshal number into Go struct field LeaseSpec.spec.renewTime of type string',
    );
    expect(await bad('x')).toBe(
      'json: cannot unmarshal string into Go struct field Lease.spec of type v1.LeaseSpec',
    );
    expect(await bad({ acquireTime: 'yesterday' })).toBe(
      'parsing time "yesterday" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "yesterday" as "2006"',
    );

    const warned = await api(s, 'POST', leases(), {
      metadata: { name: 'warned', bogus: true },
      spec: { holder: 'a', holderIdentity: 'b' },
      extra: 1,
    });
    expect(warned.status).toBe(201);
    expect(warned.body.spec).toEqual({ holderIdentity: 'b' });
    expect(warned.body.extra).toBeUndefined();
    expect(warned.headers['warning']).toBe(
      '299 - "unknown field \\"metadata.bogus\\"", 299 - "unknown field \\"spec.holder\\"", 299 - "unknown field \\"extra\\""',
    );
    const ignored = await api(s, 'POST', `${leases()}?fieldValidation=Ignore`, {
      metadata: { name: 'i' },
      spec: { holder: 'a' },
    });
    expect([ignored.status, ignored.headers['warning']]).toEqual([201, undefined]);
    const strict = await api(s, 'POST', `${leases()}?fieldValidation=Strict`, {
      metadata: { name: 'strict' },
      spec: { holder: 'a' },
      extra: 1,
    });
    expect([strict.status, strict.body.message]).toEqual([
      400,
      'Lease in version "v1" cannot be handled as a Lease: strict decoding error: unknown field "spec.holder", unknown field "extra"',
    ]);
  });

  it('parses MicroTimes as Go’s RFC3339Micro layout and stores them in UTC', () => {
    expect(parseMicroTime('2026-01-01T02:00:00.123456+02:00')).toBe('2026-01-01T00:00:00.123456Z');
    expect(parseMicroTime('2026-03-01T00:30:00.000001-01:00')).toBe('2026-03-01T01:30:00.000001Z');
    expect(parseMicroTime('2024-02-29T23:59:59.999999Z')).toBe('2024-02-29T23:59:59.999999Z');
    expect(parseMicroTime('0099-01-01T00:00:00.000000Z')).toBe('0099-01-01T00:00:00.000000Z');
    const layout = '"2006-01-02T15:04:05.000000Z07:00"';
    const fails: Array<[string, string]> = [
      [
        '2026-01-01T00:00:00Z',
        `parsing time "2026-01-01T00:00:00Z" as ${layout}: cannot parse "Z" as ".000000"`,
      ],
      [
        '2026-01-01T00:00:00.1234567Z',
        `parsing time "2026-01-01T00:00:00.1234567Z" as ${layout}: cannot parse "7Z" as "Z07:00"`,
      ],
      [
        '2026-01-01T00:00:00.123456Zjunk',
        'parsing time "2026-01-01T00:00:00.123456Zjunk": extra text: "junk"',
      ],
      ['2026-13-01T00:00:00.123456Z', 'parsing time "2026-13-01T00:00:00.123456Z": month out of range'],
      ['2025-02-29T00:00:00.123456Z', 'parsing time "2025-02-29T00:00:00.123456Z": day out of range'],
      ['2026-01-01T24:00:00.123456Z', 'parsing time "2026-01-01T24:00:00.123456Z": hour out of range'],
      ['2026-01-01T00:60:00.123456Z', 'parsing time "2026-01-01T00:60:00.123456Z": minute out of range'],
      ['2026-01-01T00:00:60.123456Z', 'parsing time "2026-01-01T00:00:60.123456Z": second out of range'],
      [
        '0000-01-01T00:00:00.000000+01:00',
        'parsing time "0000-01-01T00:00:00.000000+01:00": year out of range',
      ],
    ];
    for (const [text, message] of fails) expect(() => parseMicroTime(text), text).toThrow(message);
  });

  it('updates only with a resourceVersion, creates on an update of a missing name, drops the gated fields, and answers a DELETE with a Status', async () => {
    const s = await sim();
    const put = await api(s, 'PUT', leases('default', 'l'), {
      metadata: { name: 'l' },
      spec: { holderIdentity: 'a', strategy: 'OldestEmulationVersion', preferredHolder: 'b' },
    });
    expect(put.status).toBe(201);
    expect(put.body.spec).toEqual({ holderIdentity: 'a' });
    const blind = await api(s, 'PUT', leases('default', 'l'), { metadata: { name: 'l' }, spec: {} });
    expect(blind.body).toMatchObject({
      code: 422,
      message:
        'leases.coordination.k8s.io "l" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
    });
    const both = await api(s, 'PUT', leases('default', 'l'), {
      ...put.body,
      spec: { leaseDurationSeconds: -1, leaseTransitions: -1 },
    });
    expect(both.body.message).toBe(
      'Lease.coordination.k8s.io "l" is invalid: [spec.leaseDurationSeconds: Invalid value: -1: must be greater than 0, spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0]',
    );
    const everywhere = await api(s, 'POST', `/clusters/${WS}/apis/coordination.k8s.io/v1/leases`, {
      metadata: { name: 'x', namespace: 'default' },
    });
    expect([everywhere.status, everywhere.body.reason]).toEqual([405, 'MethodNotAllowed']);
    const gone = await api(s, 'DELETE', leases('default', 'l'));
    expect(gone.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'l', group: 'coordination.k8s.io', kind: 'leases', uid: put.body.metadata.uid },
    });
    expect((await api(s, 'DELETE', leases('default', 'l'))).body.message).toBe(
      'leases.coordination.k8s.io "l" not found',
    );
  });

  it('applies strategic merge patches: finalizers merged as a set, owner references by uid, and kubectl’s directives', async () => {
    const s = await sim();
    await api(s, 'POST', leases(), {
      metadata: {
        name: 'p',
        labels: { a: '1', b: '2' },
        finalizers: ['x/one'],
        ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p1', uid: 'u1' }],
      },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
    });
    const r = await api(
      s,
      'PATCH',
      leases('default', 'p'),
      {
        metadata: {
          labels: { b: null, c: '3' },
          finalizers: ['x/two', 'x/one'],
          '$setElementOrder/finalizers': ['x/one', 'x/two'],
          ownerReferences: [
            { uid: 'u1', name: 'renamed' },
            { apiVersion: 'v1', kind: 'Pod', name: 'p2', uid: 'u2' },
          ],
        },
        spec: { holderIdentity: 'b', $retainKeys: ['holderIdentity'] },
      },
      { contentType: SMP },
    );
    expect(r.status).toBe(200);
    expect(r.body.metadata.labels).toEqual({ a: '1', c: '3' });
    expect(r.body.metadata.finalizers).toEqual(['x/one', 'x/two']);
    expect(r.body.metadata.ownerReferences.map((o: any) => `${o.uid}:${o.name}`)).toEqual([
      'u1:renamed',
      'u2:p2',
    ]);
    expect(r.body.spec).toEqual({ holderIdentity: 'b' });
    const removed = await api(
      s,
      'PATCH',
      leases('default', 'p'),
      {
        metadata: {
          '$deleteFromPrimitiveList/finalizers': ['x/one'],
          ownerReferences: [{ uid: 'u1', $patch: 'delete' }],
          labels: { $patch: 'replace', only: 'me' },
        },
        spec: { $patch: 'delete' },
      },
      { contentType: SMP },
    );
    expect(removed.body.metadata.finalizers).toEqual(['x/two']);
    expect(removed.body.metadata.ownerReferences.map((o: any) => o.uid)).toEqual(['u2']);
    expect(removed.body.metadata.labels).toEqual({ only: 'me' });
    expect(removed.body.spec).toBeUndefined();
    const bogus = await api(
      s,
      'PATCH',
      leases('default', 'p'),
      { spec: { $patch: 'bogus' } },
      { contentType: SMP },
    );
    expect([bogus.status, bogus.body.message]).toEqual([
      500,
      'unknown patch type: bogus in map: map[$patch:bogus]',
    ]);
    // kcp's own resources are custom resources: no strategic merge patch for them
    const crd = await api(
      s,
      'PATCH',
      `/clusters/${WS}/apis/apis.kcp.io/v1alpha1/apiexports/x`,
      {},
      { contentType: SMP },
    );
    expect(crd.status).toBe(415);
  });

  it('watches the Leases of one namespace or of all, with kcp’s cluster annotation and no generation', async () => {
    const s = await sim();
    await api(s, 'POST', namespaces(), { metadata: { name: 'other' } });
    const one = await WatchReader.open(s, `${leases()}?watch=true`);
    const all = await WatchReader.open(s, `/clusters/${WS}/apis/coordination.k8s.io/v1/leases?watch=true`);
    await api(s, 'POST', leases('other'), { metadata: { name: 'b' } });
    const created = await api(s, 'POST', leases(), {
      metadata: { name: 'a' },
      spec: { holderIdentity: 'x' },
    });
    await api(s, 'PUT', leases('default', 'a'), { ...created.body, spec: { holderIdentity: 'y' } });
    await api(s, 'DELETE', leases('default', 'a'));
    await one.until((w) => w.events.length === 3);
    await all.until((w) => w.events.length === 4);
    expect(one.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED a',
      'MODIFIED a',
      'DELETED a',
    ]);
    expect(
      all.events.map((e) => `${e.type} ${e.object.metadata.namespace}/${e.object.metadata.name}`),
    ).toEqual(['ADDED other/b', 'ADDED default/a', 'MODIFIED default/a', 'DELETED default/a']);
    expect(one.events[0]?.object).toMatchObject({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { annotations: { 'kcp.io/cluster': s.workspace(WS)?.cluster } },
    });
    expect(one.events[1]?.object.metadata.generation).toBeUndefined();
    one.close();
    all.close();
  });

  it('names the namespace in a 403 for a user without access to Leases, and the core group as ""', async () => {
    const s = await sim();
    const token = s.addUser('bot');
    s.grant('bot', WS, { resources: ['leases'], verbs: ['get'] });
    const denied = await api(s, 'POST', leases(), { metadata: { name: 'x' } }, { token });
    expect(denied.body).toMatchObject({
      code: 403,
      message:
        'leases.coordination.k8s.io is forbidden: User "bot" cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "default": access denied',
    });
    const ns = await api(s, 'POST', namespaces(), { metadata: { name: 'x' } }, { token });
    expect(ns.body).toMatchObject({
      code: 403,
      message:
        'namespaces is forbidden: User "bot" cannot create resource "namespaces" in API group "" at the cluster scope: access denied',
      details: { kind: 'namespaces' },
    });
    expect((await api(s, 'GET', leases('default', 'nope'), undefined, { token })).status).toBe(404);
  });
});
