import { afterEach, describe, expect, it } from 'vitest';
import type { KcpClient } from '../../src/client-types.js';
import type { ExportedEvent } from '../../src/consumers/exported.js';
import {
  isApiStatusError,
  isConflict,
  isInvalidArgumentError,
  isNotFound,
  type ConflictError,
} from '../../src/errors.js';
import type { ExportedObject } from '../../src/kcp/exported.js';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';
import { Recorder, closeAll, simClient, until } from './helpers.js';

const P = 'root:org:provider';
const REF = `${P}:cowboys`;
const COWBOYS = { group: 'wildwest.dev', version: 'v1alpha1', resource: 'cowboys', kind: 'Cowboy' };

interface Cowboy extends ExportedObject {
  spec?: { intent?: string };
  status?: { result?: string };
}

let sim: KcpSimulator | undefined;
let client: KcpClient | undefined;
afterEach(async () => {
  await closeAll(client, sim);
  [client, sim] = [undefined, undefined];
});

/** Consumers a (root shard), b and c (beta shard); a and b bound to an export of namespaced cowboys. */
async function twoShards(extra: Parameters<typeof simClient>[1] = {}) {
  const s = await startKcpSimulator();
  sim = s;
  const betaUrl = `${s.url}/shards/beta`;
  s.addShard('beta', { virtualWorkspaceURL: betaUrl });
  s.createWorkspace(P);
  for (const [name, shard] of [
    ['a', 'root'],
    ['b', 'beta'],
    ['c', 'beta'],
  ] as const)
    s.createWorkspace(`root:org:consumer-${name}`, { shard });
  s.createExport(P, 'cowboys', {
    resources: [
      {
        name: 'cowboys',
        group: 'wildwest.dev',
        schema: 'today.cowboys.wildwest.dev',
        scope: 'Namespaced',
        versions: ['v1alpha1'],
        statusSubresource: true,
      },
    ],
  });
  s.bind('root:org:consumer-a', REF);
  s.bind('root:org:consumer-b', REF);
  await s.waitForIdle();
  const cluster = (name: string) => s.workspace(`root:org:consumer-${name}`)!.cluster;
  const exportCluster = s.workspace(P)!.cluster;
  const urlOf = (base: string) => `${base}/services/apiexport/${exportCluster}/cowboys`;
  const requests: string[] = [];
  client = simClient(s, {
    logger: {
      debug: (_message: string, context?: Record<string, unknown>) => {
        requests.push(`${String(context?.['method'])} ${String(context?.['url'])}`);
      },
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    },
    ...extra,
  });
  /** Creates a cowboy in a consumer workspace through the workspace's own REST (as kubectl would). */
  const createCowboy = async (name: string, cowboy: string, intent = 'ride'): Promise<Cowboy> => {
    const res = await fetch(
      `${s.url}/clusters/root:org:consumer-${name}/apis/wildwest.dev/v1alpha1/namespaces/default/cowboys`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          apiVersion: 'wildwest.dev/v1alpha1',
          kind: 'Cowboy',
          metadata: { name: cowboy, namespace: 'default' },
          spec: { intent },
        }),
      },
    );
    expect(res.status, await res.clone().text()).toBe(201);
    return (await res.json()) as Cowboy;
  };
  return { s, client, cluster, rootVw: urlOf(s.url), betaVw: urlOf(betaUrl), createCowboy, requests };
}

const brief = (e: ExportedEvent<Cowboy>) => `${e.type} ${e.cluster}/${e.object.metadata.name}`;

describe('exported(): a multi-cluster informer over the virtual workspaces (simulator, two shards)', () => {
  it('merges the objects of every consumer on both shards, and objects of one name in two clusters never collide', async () => {
    const { client, cluster, rootVw, betaVw, createCowboy } = await twoShards();
    await createCowboy('a', 'same');
    await createCowboy('b', 'same');
    const cows = client.exported<Cowboy>(REF, COWBOYS);
    const rec = new Recorder(cows.watch());
    await rec.until(() => rec.values.length >= 2);
    expect(rec.values.map(brief).sort()).toEqual(
      [`added ${cluster('a')}/same`, `added ${cluster('b')}/same`].sort(),
    );
    const items = await cows.list();
    expect(items.map((i) => [i.endpoint, i.cluster, i.object.metadata.name])).toEqual(
      [
        [rootVw, cluster('a'), 'same'],
        [betaVw, cluster('b'), 'same'],
      ].sort((x, y) => (x[0]! < y[0]! ? -1 : 1)),
    );
    expect((await cows.get(cluster('b'), 'default', 'same'))?.endpoint).toBe(betaVw);
    expect(await cows.get(cluster('b'), 'other', 'same')).toBeUndefined();

    await createCowboy('a', 'late');
    await rec.until((e) => e.type === 'added' && e.object.metadata.name === 'late');
    expect(rec.values.at(-1)).toMatchObject({ endpoint: rootVw, cluster: cluster('a') });
    rec.subscription.unsubscribe();
  });

  it('writes through the endpoint of the shard that hosts the cluster: create, update, merge and JSON patches, status, delete', async () => {
    const { client, cluster, betaVw, rootVw, createCowboy, requests } = await twoShards();
    await createCowboy('b', 'bob');
    const cows = client.exported<Cowboy>(REF, COWBOYS);
    const rec = new Recorder(cows.watch());
    await rec.until((e) => e.object.metadata.name === 'bob');
    const b = cows.inCluster(cluster('b'));

    const patched = await b.patchStatus('bob', { status: { result: 'rode' } }, { namespace: 'default' });
    expect(patched.status?.result).toBe('rode');
    const modified = await rec.until((e) => e.type === 'modified' && e.object.status?.result === 'rode');
    expect(modified).toMatchObject({ endpoint: betaVw, cluster: cluster('b') });
    expect(
      requests.some((l) =>
        l.includes(
          `PATCH ${betaVw}/clusters/${cluster('b')}/apis/wildwest.dev/v1alpha1/namespaces/default/cowboys/bob/status`,
        ),
      ),
    ).toBe(true);
    expect(requests.some((l) => l.includes(`${rootVw}/clusters/${cluster('b')}`))).toBe(false);

    const json = await b.patch('bob', [{ op: 'replace', path: '/spec/intent', value: 'rest' }], {
      namespace: 'default',
      patchType: 'json',
    });
    expect(json.spec?.intent).toBe('rest');
    const updated = await b.update({ ...json, spec: { intent: 'ride again' } });
    expect(updated.spec?.intent).toBe('ride again');
    const status = await b.updateStatus({ ...updated, status: { result: 'home' } });
    expect(status.status?.result).toBe('home');
    expect((await b.get('bob', { namespace: 'default' })).status?.result).toBe('home');

    // a cluster without any object yet: its endpoint comes from the consumers' APIBindings
    const a = cows.inCluster(cluster('a'));
    const created = await a.create({
      apiVersion: 'wildwest.dev/v1alpha1',
      kind: 'Cowboy',
      metadata: { name: 'new', namespace: 'default' },
      spec: { intent: 'arrive' },
    });
    expect(created.metadata.annotations?.['kcp.io/cluster']).toBe(cluster('a'));
    await rec.until((e) => e.type === 'added' && e.object.metadata.name === 'new');

    await b.delete('bob', { namespace: 'default' });
    const deleted = await rec.until((e) => e.type === 'deleted');
    expect(brief(deleted)).toBe(`deleted ${cluster('b')}/bob`);
    rec.subscription.unsubscribe();
  });

  it('reports a conflict with the current resourceVersion, and an AlreadyExists create as a conflict too', async () => {
    const { client, cluster, createCowboy } = await twoShards();
    const original = await createCowboy('a', 'ann');
    const a = client.exported<Cowboy>(REF, COWBOYS).inCluster(cluster('a'));
    const newer = await a.patch('ann', { spec: { intent: 'newer' } }, { namespace: 'default' });
    const stale = await a.update({ ...original, spec: { intent: 'stale' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isConflict(stale)).toBe(true);
    expect(isApiStatusError(stale)).toBe(true);
    const conflict = stale as ConflictError;
    expect(conflict.name).toBe('ConflictError');
    expect(conflict.status).toBe(409);
    expect(conflict.currentResourceVersion).toBe(newer.metadata.resourceVersion);
    expect(conflict.message).toContain(`current resourceVersion ${newer.metadata.resourceVersion ?? ''}`);

    const exists = await a.create(original).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isConflict(exists)).toBe(true);
    expect((exists as ConflictError).reason).toBe('AlreadyExists');
  });

  it('keeps the server’s 409 when the object cannot be read again, without a current resourceVersion', async () => {
    const { s, client, cluster, createCowboy } = await twoShards();
    const original = await createCowboy('a', 'ann');
    const a = client.exported<Cowboy>(REF, COWBOYS).inCluster(cluster('a'));
    await a.patch('ann', { spec: { intent: 'newer' } }, { namespace: 'default' });
    s.faults.inject({ kind: 'http', status: 500, match: { verb: 'get', path: /cowboys\/ann$/ }, times: 10 });
    const stale = await a.update({ ...original, spec: { intent: 'stale' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isConflict(stale)).toBe(true);
    expect((stale as ConflictError).currentResourceVersion).toBeUndefined();
    expect(String(stale)).not.toContain('current resourceVersion');
    expect(s.faults.history.some((h) => h.kind === 'http')).toBe(true);
  });

  it('looks a cluster up again when the endpoint it was last seen behind refuses it, and says when no endpoint has it', async () => {
    const { s, client, cluster, createCowboy } = await twoShards();
    await createCowboy('b', 'bob');
    const cows = client.exported<Cowboy>(REF, COWBOYS);
    const rec = new Recorder(cows.watch());
    await rec.until((e) => e.object.metadata.name === 'bob');
    rec.subscription.unsubscribe();
    // the route to b (the beta endpoint) is remembered; b's binding goes
    const binding = (s.list('apibindings', 'root:org:consumer-b')[0]?.['metadata'] as { name: string }).name;
    s.unbind('root:org:consumer-b', binding);
    await s.waitForIdle();
    const refused = await cows
      .inCluster(cluster('b'))
      .get('bob', { namespace: 'default' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isNotFound(refused)).toBe(true);
    expect(String(refused)).toContain(`cluster "${cluster('b')}" has no APIBinding to export ${P}:cowboys`);
  });

  it('refuses a workspace path as cluster, and reports a cluster bound to nothing as not found', async () => {
    const { client, cluster } = await twoShards();
    const cows = client.exported<Cowboy>(REF, COWBOYS);
    let thrown: unknown;
    try {
      cows.inCluster('root:org:consumer-a');
    } catch (e) {
      thrown = e;
    }
    expect(isInvalidArgumentError(thrown)).toBe(true);
    expect(String(thrown)).toContain('logical cluster name');
    const unbound = await cows
      .inCluster(cluster('c'))
      .get('x', { namespace: 'default' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isNotFound(unbound)).toBe(true);
    expect(String(unbound)).toContain(`cluster "${cluster('c')}" has no APIBinding to export ${P}:cowboys`);
    expect(() => client.exported(REF, { ...COWBOYS, resource: 'Cowboys' })).toThrow(
      /Invalid resource "Cowboys"/,
    );
  });

  it('deletes the objects of an endpoint from the view when the endpoint leaves the export', async () => {
    const { s, client, cluster, createCowboy } = await twoShards();
    await createCowboy('a', 'stays');
    await createCowboy('b', 'goes');
    const cows = client.exported<Cowboy>(REF, COWBOYS);
    const rec = new Recorder(cows.watch());
    await rec.until(() => rec.values.length >= 2);
    const binding = (s.list('apibindings', 'root:org:consumer-b')[0]?.['metadata'] as { name: string }).name;
    s.unbind('root:org:consumer-b', binding);
    const gone = await rec.until((e) => e.type === 'deleted');
    expect(brief(gone)).toBe(`deleted ${cluster('b')}/goes`);
    await s.waitForIdle();
    expect((await cows.list()).map((i) => i.object.metadata.name)).toEqual(['stays']);
    rec.subscription.unsubscribe();
  });

  it('keeps following one endpoint while the other endpoint’s watch fails', async () => {
    const { s, client, cluster, createCowboy } = await twoShards();
    await createCowboy('a', 'one');
    await createCowboy('b', 'two');
    const cows = client.exported<Cowboy>(REF, COWBOYS);
    const rec = new Recorder(cows.watch());
    await rec.until(() => rec.values.length >= 2);
    // beta's virtual workspace answers 503 to every cowboys request for a while
    s.faults.inject({
      kind: 'http',
      status: 503,
      match: { path: /^\/shards\/beta\/.*cowboys/ },
      times: 1000,
    });
    s.faults.inject({
      kind: 'drop',
      match: { path: /^\/shards\/beta\/.*cowboys/, verb: 'watch' },
      afterEvents: 0,
    });
    await createCowboy('a', 'three');
    await rec.until((e) => e.object.metadata.name === 'three');
    expect(rec.values.filter((e) => e.type === 'deleted')).toEqual([]);
    await until(
      () => s.faults.history.some((h) => h.kind === 'http'),
      () => 'a 503 on the beta endpoint',
    );
    s.faults.clear();
    await createCowboy('b', 'four');
    const four = await rec.until((e) => e.object.metadata.name === 'four');
    expect(four.cluster).toBe(cluster('b'));
    // the relist after the failures lists 'two' again, unchanged: no event for it
    expect(rec.values.filter((e) => e.type !== 'added').map(brief)).toEqual([]);
    rec.subscription.unsubscribe();
  });

  it('reports nothing for unchanged objects when an endpoint heals from a failure it showed (a 403 list)', async () => {
    const { s, client, createCowboy } = await twoShards();
    await createCowboy('b', 'two');
    const cows = client.exported<Cowboy>(REF, COWBOYS);
    const rec = new Recorder(cows.watch());
    await rec.until(() => rec.values.length >= 1);
    const beta = /^\/shards\/beta\/.*cowboys/;
    s.faults.inject({ kind: 'http', status: 403, match: { path: beta, verb: 'list' }, times: 1 });
    s.faults.inject({ kind: 'expired-event', match: { path: beta, verb: 'watch' } });
    await createCowboy('b', 'three');
    await rec.until((e) => e.object.metadata.name === 'three');
    await until(
      () => s.faults.history.some((h) => h.kind === 'http'),
      () => 'the 403 on the beta endpoint',
    );
    await createCowboy('b', 'four');
    await rec.until((e) => e.object.metadata.name === 'four');
    expect(rec.values.map(brief).filter((x) => !x.startsWith('added'))).toEqual([]);
    rec.subscription.unsubscribe();
  });

  it('shares one list+watch per endpoint between watch(), list() and get()', async () => {
    const { s, client, createCowboy } = await twoShards();
    await createCowboy('a', 'one');
    const cows = client.exported<Cowboy>(REF, COWBOYS);
    const first = new Recorder(cows.watch());
    const second = new Recorder(cows.watch());
    await first.until(() => first.values.length >= 1);
    await second.until(() => second.values.length >= 1);
    await s.waitForIdle();
    const watches = s.watches();
    expect((await cows.list()).length).toBe(1);
    expect(s.watches()).toBe(watches);
    first.subscription.unsubscribe();
    second.subscription.unsubscribe();
  });
});
