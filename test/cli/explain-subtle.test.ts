import axios from 'axios';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nextSteps } from '../../src/cli/explain/advice.js';
import { gatherReport } from '../../src/cli/explain/gather.js';
import { renderExplain } from '../../src/cli/explain/render.js';
import type { ExplainReport } from '../../src/cli/explain/types.js';
import { exitCodeForResolution } from '../../src/cli/exit-codes.js';
import { styleFor } from '../../src/cli/io.js';
import { createClient } from '../../src/client.js';
import { isNetworkError } from '../../src/errors.js';
import { MemoryStream } from './helpers.js';

const base = 'https://kcp.test:6443';
const P = 'root:org:provider';
const LC = '2hwz9858ph0d4yx5';
const URL_ROOT = `https://root.kcp.test:6443/services/apiexport/${LC}/today-cowboys`;
const PARSER = "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty";
const plain = styleFor(new MemoryStream(false), {});

type Obj = Record<string, unknown>;
const T = (type: string) => ({ type, status: 'True', lastTransitionTime: '2026-12-01T00:00:00Z' });

/** A small static kcp: objects by `<cluster>/<group>/<version>/<plural>/<name>`. */
interface World {
  objects: Map<string, Obj>;
  /** `<group>/<version>/<plural>` not served at all (404 without details). */
  unserved: Set<string>;
  /** `<group>/<version>/<plural>` answered with 403. */
  forbidden: Set<string>;
  /** Verbs a SelfSubjectAccessReview allows. */
  allowedVerbs: Set<string>;
  gets: string[];
}

let world: World;

function key(cluster: string, group: string, version: string, plural: string, name = ''): string {
  return `${cluster}/${group}/${version}/${plural}/${name}`;
}

function put(cluster: string, group: string, version: string, plural: string, obj: Obj): void {
  const name = (obj['metadata'] as { name: string }).name;
  world.objects.set(key(cluster, group, version, plural, name), obj);
}

function status(code: number, message: string, name?: string): Response {
  return HttpResponse.json(
    {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message,
      reason: code === 404 ? 'NotFound' : 'Forbidden',
      code,
      ...(name === undefined ? {} : { details: { name } }),
    },
    { status: code },
  );
}

const msw = setupServer(
  http.post(
    `${base}/clusters/:cluster/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`,
    async ({ request }) => {
      const body = (await request.json()) as { spec: { resourceAttributes: { verb: string } } };
      const verb = body.spec.resourceAttributes.verb;
      return HttpResponse.json(
        { ...body, status: { allowed: world.allowedVerbs.has(verb) } },
        { status: 201 },
      );
    },
  ),
  http.get(`${base}/clusters/:cluster/apis/:group/:version/:plural/:name`, ({ params }) => {
    const gvr = `${String(params['group'])}/${String(params['version'])}/${String(params['plural'])}`;
    const name = String(params['name']);
    world.gets.push(`${gvr}/${name}`);
    if (world.unserved.has(gvr)) return status(404, 'the server could not find the requested resource');
    if (world.forbidden.has(gvr)) return status(403, `${gvr} is forbidden`, name);
    const obj = world.objects.get(`${String(params['cluster'])}/${gvr}/${name}`);
    return obj === undefined ? status(404, `${gvr} "${name}" not found`, name) : HttpResponse.json(obj);
  }),
  http.get(`${base}/clusters/:cluster/apis/:group/:version/:plural`, ({ params }) => {
    const gvr = `${String(params['group'])}/${String(params['version'])}/${String(params['plural'])}`;
    if (world.forbidden.has(gvr)) return status(403, `${gvr} is forbidden`);
    const prefix = `${String(params['cluster'])}/${gvr}/`;
    const items = [...world.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v);
    return HttpResponse.json({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '9' }, items });
  }),
);

beforeAll(() => {
  msw.listen({ onUnhandledRequest: 'error' });
});
afterEach(() => {
  msw.resetHandlers();
});
afterAll(() => {
  msw.close();
});

function exportV2(resources: Obj[] = [crdResource]): Obj {
  return {
    apiVersion: 'apis.kcp.io/v1alpha2',
    kind: 'APIExport',
    metadata: {
      name: 'today-cowboys',
      resourceVersion: '3',
      annotations: { 'kcp.io/cluster': LC, 'kcp.io/path': P },
    },
    spec: { resources },
    status: { identityHash: 'abc123abc123abc123', conditions: [T('IdentityValid')] },
  };
}
const crdResource = {
  name: 'cowboys',
  group: 'wildwest.dev',
  schema: 'today.cowboys.wildwest.dev',
  storage: { crd: {} },
};

function slice(
  name: string,
  f: { path?: string; partition?: string; selector?: string; conditions?: Obj[]; urls?: string[] },
): Obj {
  return {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIExportEndpointSlice',
    metadata: { name, resourceVersion: '5', annotations: { 'kcp.io/cluster': LC } },
    spec: {
      export: { ...(f.path === '' ? {} : { path: f.path ?? P }), name: 'today-cowboys' },
      ...(f.partition === undefined ? {} : { partition: f.partition }),
    },
    status: {
      conditions: f.conditions ?? [T('APIExportValid'), T('PartitionValid')],
      ...(f.selector === undefined ? {} : { shardSelector: f.selector }),
      ...(f.urls === undefined ? {} : { endpoints: f.urls.map((url) => ({ url })) }),
    },
  };
}

function shard(name: string, labels: Record<string, string>, vw?: string): Obj {
  return {
    apiVersion: 'core.kcp.io/v1alpha1',
    kind: 'Shard',
    metadata: { name, labels: { name, ...labels } },
    spec: {
      baseURL: `https://${name}.kcp.test:6443`,
      ...(vw === undefined ? {} : { virtualWorkspaceURL: vw }),
    },
  };
}

function binding(path: string): Obj {
  return {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIBinding',
    metadata: {
      name: 'cowboys',
      annotations: { 'kcp.io/cluster': 'c0nsumer', 'kcp.io/path': 'root:org:consumer' },
    },
    spec: { reference: { export: { path, name: 'today-cowboys' } } },
    status: { phase: 'Bound', conditions: [T('Ready')] },
  };
}

function freshWorld(): void {
  world = {
    objects: new Map(),
    unserved: new Set(),
    forbidden: new Set(),
    allowedVerbs: new Set(['list', 'watch']),
    gets: [],
  };
  put(P, 'apis.kcp.io', 'v1alpha2', 'apiexports', exportV2());
  put(P, 'apis.kcp.io', 'v1alpha1', 'apiresourceschemas', {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIResourceSchema',
    metadata: { name: 'today.cowboys.wildwest.dev' },
    spec: {
      group: 'wildwest.dev',
      names: { plural: 'cowboys', kind: 'Cowboy' },
      scope: 'Namespaced',
      versions: [{ name: 'v1alpha1', served: true, storage: true }],
    },
  });
  put(
    'root',
    'core.kcp.io',
    'v1alpha1',
    'shards',
    shard('root', { shared: 'true' }, 'https://root.kcp.test:6443'),
  );
}

async function explain(sliceName: string, consumers: string[] = []): Promise<ExplainReport> {
  const client = createClient({
    server: `${base}/clusters/root`,
    token: 't0ken',
    kubeconfig: { apiVersion: 'v1', kind: 'Config' },
    http: axios.create(),
    logger: { warn: () => undefined },
  });
  try {
    const g = await gatherReport(
      client,
      { export: { path: P, name: 'today-cowboys' }, slice: { path: P, name: sliceName } },
      consumers,
      {},
    );
    return { ...g, nextSteps: nextSteps(g, `${P}:today-cowboys`) };
  } finally {
    await client.close();
  }
}

describe('explain names the real cause where kcp is subtle', () => {
  beforeAll(() => {
    freshWorld();
  });

  it('keeps the URLs of a slice whose Partition selector does not parse (Degraded, exit 0) and quotes the parser', async () => {
    freshWorld();
    put(
      P,
      'apis.kcp.io',
      'v1alpha1',
      'apiexportendpointslices',
      slice('parted', {
        partition: 'all',
        selector: 'shared in (true)',
        conditions: [
          T('APIExportValid'),
          {
            type: 'PartitionValid',
            status: 'False',
            severity: 'Error',
            reason: 'PartitionInvalidReference',
            message: PARSER,
          },
        ],
        urls: [URL_ROOT],
      }),
    );
    put(P, 'topology.kcp.io', 'v1alpha1', 'partitions', {
      apiVersion: 'topology.kcp.io/v1alpha1',
      kind: 'Partition',
      metadata: { name: 'all' },
      spec: { selector: { matchExpressions: [{ key: 'shared', operator: 'In', values: [] }] } },
    });
    const r = await explain('parted');
    expect(r.resolution).toMatchObject({
      phase: 'Degraded',
      reason: 'PartitionInvalidReference',
      source: 'endpointSlice',
      urls: [URL_ROOT],
    });
    expect(exitCodeForResolution(r.resolution!)).toBe(0);
    expect(r.partition).toMatchObject({
      name: 'all',
      state: 'found',
      problem: expect.stringContaining('operator In needs at least one value'),
    });
    expect(r.nextSteps[0]).toBe(
      'The slice still lists its URL, which still serves, but kcp adds or removes none until the condition is fixed (keep using them meanwhile).',
    );
    expect(r.nextSteps[1]).toContain('Partition "all" exists (its selector: ');
    expect(r.nextSteps[1]).toContain(`kcp says: "${PARSER}"`);
    expect(r.nextSteps[1]).toContain('kubectl ws root:org:provider && kubectl edit partition all');
    expect(renderExplain(r, plain)).toContain(
      'Partition all\n  ✗ found; selector {"matchExpressions":[{"key":"shared","operator":"In","values":[]}]} is invalid: ',
    );
  });

  it('says to create a Partition that does not exist', async () => {
    freshWorld();
    put(
      P,
      'apis.kcp.io',
      'v1alpha1',
      'apiexportendpointslices',
      slice('parted', {
        partition: 'nothere',
        conditions: [
          T('APIExportValid'),
          {
            type: 'PartitionValid',
            status: 'False',
            reason: 'PartitionInvalidReference',
            message: 'partition.topology.kcp.io "nothere" not found',
          },
        ],
      }),
    );
    const r = await explain('parted');
    expect(r.resolution?.phase).toBe('SliceNotReady');
    expect(r.partition?.state).toBe('notFound');
    expect(r.nextSteps[0]).toMatch(/^Create Partition "nothere" in workspace root:org:provider/);
  });

  it('blames the partition when a binding exists but no shard matches the shard selector', async () => {
    freshWorld();
    put(
      P,
      'apis.kcp.io',
      'v1alpha1',
      'apiexportendpointslices',
      slice('parted', { partition: 'alpha', selector: 'name=alpha' }),
    );
    put('root:org:consumer', 'apis.kcp.io', 'v1alpha1', 'apibindings', binding(P));
    const r = await explain('parted', ['root:org:consumer']);
    expect(r.resolution?.phase).toBe('AwaitingBinding');
    expect(r.shards.shards).toEqual([
      {
        name: 'root',
        labels: { name: 'root', shared: 'true' },
        virtualWorkspaceURL: 'https://root.kcp.test:6443',
        inPartition: false,
      },
    ]);
    expect(r.nextSteps).toEqual([
      `A binding exists in root:org:consumer but the slice lists no URL. No shard matches the slice's shard selector "name=alpha", so kcp publishes no URL for any binding: widen Partition "alpha" so its selector matches shard(s) root (kubectl ws root:org:provider && kubectl edit partition alpha), or remove spec.partition from the slice`,
    ]);
    expect(renderExplain(r, plain)).toContain(
      "~ root (name=root,shared=true): outside the slice's partition; VW https://root.kcp.test:6443",
    );
  });

  it('names a shard in the partition that has no virtualWorkspaceURL', async () => {
    freshWorld();
    put('root', 'core.kcp.io', 'v1alpha1', 'shards', shard('alpha', {}));
    put(
      P,
      'apis.kcp.io',
      'v1alpha1',
      'apiexportendpointslices',
      slice('parted', { partition: 'alpha', selector: 'name=alpha' }),
    );
    put('root:org:consumer', 'apis.kcp.io', 'v1alpha1', 'apibindings', binding(P));
    const r = await explain('parted', ['root:org:consumer']);
    expect(r.nextSteps[0]).toContain(
      `The slice's shard selector "name=alpha" leaves out shard(s) root; a binding on one of them gets no URL`,
    );
    expect(r.nextSteps[1]).toContain(
      'Shard alpha has no spec.virtualWorkspaceURL: give shard alpha a virtual-workspace URL',
    );
    expect(r.nextSteps[1]).toContain(
      `kubectl ws root && kubectl patch shard alpha --type=merge -p '{"spec":{"virtualWorkspaceURL":"https://<vw-host>:<port>"}}'`,
    );
  });

  it('names the textual-path trap when a binding exists and the slice uses the logical cluster name', async () => {
    freshWorld();
    put(P, 'apis.kcp.io', 'v1alpha1', 'apiexportendpointslices', slice('by-name', { path: LC }));
    put('root:org:consumer', 'apis.kcp.io', 'v1alpha1', 'apibindings', binding(P));
    const r = await explain('by-name', ['root:org:consumer']);
    expect(r.resolution?.warningDetails.map((w) => w.code)).toEqual(['SliceReferenceNotCanonical']);
    expect(r.nextSteps).toHaveLength(1);
    expect(r.nextSteps[0]).toContain(
      `The slice names the export by "${LC}" while the binding(s) use "root:org:provider"; kcp matches bindings to slices by the text of the path`,
    );
    expect(r.nextSteps[0]).toContain('re-create the slice with spec.export.path: root:org:provider');
    expect(r.nextSteps[0]).toContain(`kcp-endpoints nudge ${P}:today-cowboys --slice ${P}:by-name`);
  });

  it('names the trap from the binding side when the binding uses the logical cluster name', async () => {
    freshWorld();
    put(P, 'apis.kcp.io', 'v1alpha1', 'apiexportendpointslices', slice('today-cowboys', {}));
    put('root:org:consumer', 'apis.kcp.io', 'v1alpha1', 'apibindings', binding(LC));
    const r = await explain('today-cowboys', ['root:org:consumer']);
    expect(r.resolution?.warningDetails).toEqual([]);
    expect(r.nextSteps).toHaveLength(1);
    expect(r.nextSteps[0]).toContain(`The slice names the export by "${P}" while the binding(s) use "${LC}"`);
    expect(r.nextSteps[0]).toContain(
      `the slice already uses the canonical path, so re-create the binding(s) with it: bind it from a consumer workspace: kubectl ws <consumer-workspace> && kubectl kcp bind apiexport ${P}:today-cowboys`,
    );
  });

  it('warns that a Ready slice with a non-canonical path may keep a stale URL', async () => {
    freshWorld();
    put(
      P,
      'apis.kcp.io',
      'v1alpha1',
      'apiexportendpointslices',
      slice('by-name', { path: LC, urls: [URL_ROOT] }),
    );
    const r = await explain('by-name');
    expect(r.resolution?.phase).toBe('Ready');
    expect(r.nextSteps.at(-1)).toMatch(
      /^The slice does not name the export by its canonical path, so kcp may miss bindings or keep a stale URL: use the canonical path/,
    );
    expect(renderExplain(r, plain)).toContain(
      `warning: APIExportEndpointSlice ${P}:by-name names its APIExport by "${LC}"`,
    );
  });

  it('gives the status patch for a lingering EndpointURLsReady=False', async () => {
    freshWorld();
    put(
      P,
      'apis.kcp.io',
      'v1alpha1',
      'apiexportendpointslices',
      slice('old', {
        conditions: [
          T('APIExportValid'),
          { type: 'EndpointURLsReady', status: 'False', reason: 'ErrorGeneratingURLs' },
          T('PartitionValid'),
        ],
        urls: [URL_ROOT],
      }),
    );
    const r = await explain('old');
    expect(r.resolution).toMatchObject({ phase: 'Degraded', reason: 'ErrorGeneratingURLs' });
    expect(r.nextSteps[1]).toContain(
      `kubectl ws ${P} && kubectl patch apiexportendpointslice old --subresource=status --type=json -p '[{"op":"test","path":"/status/conditions/1/type","value":"EndpointURLsReady"},{"op":"remove","path":"/status/conditions/1"}]'`,
    );
  });

  it('shows the apiexports/content check with the missing verbs and the grant', async () => {
    freshWorld();
    world.allowedVerbs = new Set(['list']);
    put(
      P,
      'apis.kcp.io',
      'v1alpha1',
      'apiexportendpointslices',
      slice('today-cowboys', { urls: [URL_ROOT] }),
    );
    const r = await explain('today-cowboys');
    expect(r.access).toEqual({
      state: 'found',
      verbs: [
        { verb: 'list', allowed: true },
        { verb: 'watch', allowed: false },
      ],
    });
    expect(renderExplain(r, plain)).toContain(
      'Access to the virtual workspace (apiexports/content)\n  ✗ list ✓, watch ✗ (missing: watch)',
    );
    expect(r.nextSteps.at(-1)).toContain(
      'kubectl create clusterrole today-cowboys-content --verb=watch --resource=apiexports.apis.kcp.io/content --resource-name=today-cowboys',
    );
  });

  it('lists virtual-storage resources from APIExport v1alpha2 and reads slice and export once each', async () => {
    freshWorld();
    put(
      P,
      'apis.kcp.io',
      'v1alpha2',
      'apiexports',
      exportV2([
        crdResource,
        {
          name: 'things',
          group: 'cache.dev',
          schema: 'v1.things.cache.dev',
          storage: {
            virtual: {
              reference: {
                apiGroup: 'cache.kcp.io',
                kind: 'ClusterCachedResourceEndpointSlice',
                name: 'things',
              },
              identityHash: 'x',
            },
          },
        },
      ]),
    );
    put(
      P,
      'apis.kcp.io',
      'v1alpha1',
      'apiexportendpointslices',
      slice('today-cowboys', { urls: [URL_ROOT] }),
    );
    const r = await explain('today-cowboys');
    expect(r.export.readAs).toBe('v1alpha2');
    expect(r.export.resources.map((x) => `${x.name}.${x.group}:${x.storage}`)).toEqual([
      'cowboys.wildwest.dev:crd',
      'things.cache.dev:virtual',
    ]);
    expect(renderExplain(r, plain)).toContain(
      '- exports things.cache.dev (schema v1.things.cache.dev, virtual storage (ClusterCachedResourceEndpointSlice things))',
    );
    expect(world.gets.filter((g) => g.includes('apiexportendpointslices'))).toEqual([
      'apis.kcp.io/v1alpha1/apiexportendpointslices/today-cowboys',
    ]);
    expect(world.gets.filter((g) => g.includes('/apiexports/'))).toEqual([
      'apis.kcp.io/v1alpha2/apiexports/today-cowboys',
    ]);
  });

  it('reads the export as v1alpha1 where v1alpha2 is not served (kcp 0.27)', async () => {
    freshWorld();
    world.unserved.add('apis.kcp.io/v1alpha2/apiexports');
    put(P, 'apis.kcp.io', 'v1alpha1', 'apiexports', {
      ...exportV2(),
      apiVersion: 'apis.kcp.io/v1alpha1',
      spec: { latestResourceSchemas: ['today.cowboys.wildwest.dev'] },
    });
    put(
      P,
      'apis.kcp.io',
      'v1alpha1',
      'apiexportendpointslices',
      slice('today-cowboys', { urls: [URL_ROOT] }),
    );
    const r = await explain('today-cowboys');
    expect(r.export).toMatchObject({
      readAs: 'v1alpha1',
      resources: [],
      resourceSchemas: ['today.cowboys.wildwest.dev'],
    });
    expect(r.resolution?.phase).toBe('Ready');
  });

  it('reports unreadable shards and access reviews as findings, not failures', async () => {
    freshWorld();
    world.forbidden.add('core.kcp.io/v1alpha1/shards');
    put(P, 'apis.kcp.io', 'v1alpha1', 'apiexportendpointslices', slice('today-cowboys', {}));
    put('root:org:consumer', 'apis.kcp.io', 'v1alpha1', 'apibindings', binding(P));
    msw.use(
      http.post(`${base}/clusters/:cluster/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`, () =>
        status(404, 'the server could not find the requested resource'),
      ),
    );
    const r = await explain('today-cowboys', ['root:org:consumer']);
    expect(r.shards.state).toBe('forbidden');
    expect(r.access.state).toBe('notServed');
    expect(r.nextSteps).toEqual([
      'A binding exists in root:org:consumer but the slice lists no URL. Perhaps kcp has not reacted yet: kcp adds it within seconds; wait for it: kcp-endpoints wait root:org:provider:today-cowboys --timeout 2m',
    ]);
    const text = renderExplain(r, plain);
    expect(text).toContain('Shards\n  ✗ not allowed');
    expect(text).toContain(
      'Access to the virtual workspace (apiexports/content)\n  - this server does not serve this resource',
    );
  });

  it('fails like get when the slice cannot be read for another reason', async () => {
    freshWorld();
    msw.use(
      http.get(`${base}/clusters/:cluster/apis/apis.kcp.io/v1alpha1/apiexportendpointslices/:name`, () =>
        HttpResponse.error(),
      ),
    );
    const e = await explain('today-cowboys').catch((x: unknown) => x);
    expect(isNetworkError(e)).toBe(true);
  });
});
