/**
 * The conformance scenarios: the endpoint lifecycle as the SDK, the CLI and kubectl observe it, written once
 * and run against every backend (the simulator in `npm test`, real kcp in `npm run test:kcp`). Where kcp
 * versions differ, a scenario branches on {@link Behaviour}, never on the backend's kind.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import type { KcpClient } from '../../src/client-types.js';
import type { ConsumerEvent } from '../../src/consumers/types.js';
import type { EndpointChange, EndpointResolution } from '../../src/endpoints/types.js';
import { loadConnection } from '../../src/config/load-connection.js';
import { LeaderElector } from '../../src/controller/leader-election.js';
import { transportLeaseStore } from '../../src/controller/lease-store.js';
import {
  isApiStatusError,
  isConflict,
  isNotFound,
  type ApiStatusError,
  type ConflictError,
} from '../../src/errors.js';
import { createTransport } from '../../src/http/transport.js';
import { silentLogger } from '../../src/logger.js';
import { runInProcess } from '../cli/helpers.js';
import { startExample } from '../examples/run.js';
import { Recorder } from '../integration/helpers.js';
import type { ConformanceBackend } from './backend.js';
import * as op from './ops.js';

/** How a suite reaches its backend (created in the file's `beforeAll`). */
export type BackendGetter = () => ConformanceBackend;

let counter = 0;
/** A workspace-name prefix unique in this process and run (real kcp keeps workspaces across scenarios). */
function prefix(tag: string): string {
  counter += 1;
  return `${tag}${counter}-${Date.now().toString(36).slice(-4)}`;
}

interface ExportSetup {
  provider: string;
  name: string;
  ref: string;
  cluster: string;
}

/** `<shard VW>/services/apiexport/<export cluster>/<export>`. */
async function urlOn(b: ConformanceBackend, shard: string, s: ExportSetup): Promise<string> {
  return `${await b.shardVwUrl(shard)}/services/apiexport/${s.cluster}/${s.name}`;
}

function conditionsTrue(slice: Awaited<ReturnType<typeof op.getSlice>>): boolean {
  const conds = (slice?.status?.['conditions'] ?? []) as Array<{ type?: string; status?: string }>;
  return conds.some((c) => c.type === 'APIExportValid') && conds.every((c) => c.status === 'True');
}

/**
 * A provider workspace with an export and its slice (kcp ≥ 0.28 creates it; on older kcp the scenario
 * creates it as a user of that version would), once the slice's conditions are True.
 */
async function setupExport(
  b: ConformanceBackend,
  tag: string,
  name = 'cowboys',
  options: { provider?: string; cowboys?: boolean } = {},
): Promise<ExportSetup> {
  const provider = options.provider ?? `root:${tag}-p`;
  await b.createWorkspace(provider);
  if (options.cowboys === true) await op.createCowboysSchema(b, provider);
  const cluster = await op.createExport(
    b,
    provider,
    name,
    options.cowboys === true ? { latestResourceSchemas: [op.COWBOYS_SCHEMA] } : {},
  );
  if (!b.behaviour.defaultSlice) await op.createSlice(b, provider, name, { path: provider, name });
  await op.eventually(
    b,
    `slice ${provider}:${name} valid`,
    () => op.getSlice(b, provider, name),
    conditionsTrue,
  );
  return { provider, name, ref: `${provider}:${name}`, cluster };
}

async function resolveUntil(
  client: KcpClient,
  b: ConformanceBackend,
  ref: string,
  pred: (r: EndpointResolution) => boolean,
  options: Parameters<KcpClient['resolveEndpoints']>[1] = {},
): Promise<EndpointResolution> {
  return op.eventually(b, `resolution of ${ref}`, () => client.resolveEndpoints(ref, options), pred);
}

function cli(b: ConformanceBackend, argv: string[]) {
  return runInProcess([
    ...argv,
    '--kubeconfig',
    b.kubeconfig,
    '--context',
    b.context,
    '--request-timeout',
    '20s',
  ]);
}

/** Creates a Cowboy with `kubectl create -f` in a consumer workspace, retrying until the bound resource serves. */
async function kubectlCowboy(
  b: ConformanceBackend,
  path: string,
  name: string,
  intent: string,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kcp-endpoints-cowboy-'));
  const file = join(dir, 'cowboy.json');
  await writeFile(
    file,
    JSON.stringify({ ...op.cowboy(name, intent), metadata: { name, namespace: 'default' } }),
  );
  try {
    const until = Date.now() + b.timing.reactMs;
    for (;;) {
      const r = await b.kubectl([`--server=${b.rest.config.base}/clusters/${path}`, 'create', '-f', file]);
      if (r.code === 0) return;
      if (Date.now() > until) throw new Error(`kubectl create cowboy ${name} in ${path}: ${r.stderr}`);
      await sleep(b.kind === 'kcp' ? 250 : 10);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Waits until kubectl's view of a Cowboy shows `status.result`. */
async function reconciled(b: ConformanceBackend, path: string, name: string, result: string): Promise<void> {
  await op.eventually(
    b,
    `status.result "${result}" on ${path}/${name}`,
    () =>
      b.kubectl([
        `--server=${b.rest.config.base}/clusters/${path}`,
        'get',
        'cowboys',
        name,
        '-n',
        'default',
        '-o',
        'jsonpath={.status.result}',
      ]),
    (r) => r.stdout === result,
  );
}

/** kubectl's view of a slice's URLs in `workspace`. */
async function kubectlUrls(b: ConformanceBackend, workspace: string, slice: string): Promise<string[]> {
  const r = await b.kubectl([
    `--server=${b.rest.config.base}/clusters/${workspace}`,
    'get',
    'apiexportendpointslices',
    slice,
    '-o',
    'jsonpath={.status.endpoints[*].url}',
  ]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout
    .split(/\s+/)
    .filter((s) => s !== '')
    .sort();
}

/** A consumer workspace: path and logical cluster. */
interface Consumer {
  path: string;
  cluster: string;
}

/**
 * The fixture of the virtual-workspace scenarios: an export of `cowboys.wildwest.dev` (with its
 * APIResourceSchema), consumers `c1` and `c2` bound to it on the root shard, `c3` bound to a rival export of
 * the same resource (another identity), `stranger` bound to nothing, and on two shards `far`, bound on the
 * second shard.
 */
interface CowboysFixture {
  s: ExportSetup;
  /** The export's virtual-workspace URL on the root shard, and on the second shard. */
  url: string;
  farUrl: string | undefined;
  c1: Consumer;
  c2: Consumer;
  c3: Consumer;
  stranger: Consumer;
  far: Consumer | undefined;
}

async function setupCowboys(b: ConformanceBackend): Promise<CowboysFixture> {
  const tag = prefix('vw');
  const s = await setupExport(b, tag, 'cowboys', { cowboys: true });
  const rival = await setupExport(b, tag, 'cowboys', { cowboys: true, provider: `root:${tag}-r` });
  const consumer = async (name: string, shard = 'root'): Promise<Consumer> => {
    const path = `root:${tag}-${name}`;
    return { path, cluster: await b.createWorkspace(path, { shard }) };
  };
  const [c1, c2, c3, stranger] = [
    await consumer('c1'),
    await consumer('c2'),
    await consumer('c3'),
    await consumer('x'),
  ];
  const far = b.behaviour.shards.length > 1 ? await consumer('far', 'shard-1') : undefined;
  const bound = [c1, c2, ...(far === undefined ? [] : [far])];
  for (const c of bound) await op.bind(b, c.path, { path: s.provider, name: s.name });
  await op.bind(b, c3.path, { path: rival.provider, name: rival.name });
  for (const c of [...bound, c3]) await op.waitBound(b, c.path, s.name);
  return {
    s,
    url: await urlOn(b, 'root', s),
    farUrl: far === undefined ? undefined : await urlOn(b, 'shard-1', s),
    c1,
    c2,
    c3,
    stranger,
    far,
  };
}

interface ItemList {
  metadata?: { resourceVersion?: string };
  items?: op.Obj[];
}

const namesOf = (l: ItemList): string[] => (l.items ?? []).map((o) => o.metadata?.name ?? '').sort();
const clustersOf = (l: ItemList): string[] =>
  (l.items ?? []).map((o) => o.metadata?.annotations?.['kcp.io/cluster'] ?? '').sort();
const MERGE = 'application/merge-patch+json';
const COWBOYS_ALL = '/clusters/*/apis/wildwest.dev/v1alpha1/cowboys';

/** Registers every scenario for one backend. */
export function conformanceScenarios(get: BackendGetter): void {
  let cowboysFixture: Promise<CowboysFixture> | undefined;
  /** The virtual-workspace fixture, created once per backend by the first scenario that needs it. */
  const cowboys = (): Promise<CowboysFixture> => (cowboysFixture ??= setupCowboys(get()));
  const clients: KcpClient[] = [];
  const recorders: Array<Recorder<EndpointChange>> = [];
  const client = (extra?: Parameters<ConformanceBackend['client']>[0]): KcpClient => {
    const c = get().client(extra);
    clients.push(c);
    return c;
  };
  const record = (c: KcpClient, ref: string, slice?: string): Recorder<EndpointChange> => {
    const r = new Recorder(c.watchEndpoints(ref, slice === undefined ? {} : { slice }));
    recorders.push(r);
    return r;
  };
  const cleanup = async (): Promise<void> => {
    for (const r of recorders.splice(0)) r.stop();
    await Promise.all(clients.splice(0).map((c) => c.close()));
  };

  it('reports AwaitingBinding before any binding, Ready with the shard URL after the first, and the URL again when the last binding is gone', async () => {
    const b = get();
    try {
      const tag = prefix('lc');
      const s = await setupExport(b, tag);
      const url = await urlOn(b, 'root', s);
      const c = client();
      const rec = record(c, s.ref);
      const first = await rec.until(() => true, b.timing.reactMs);
      if (!b.behaviour.urlsNeedBindings) {
        // kcp ≤ 0.26 lists every shard's URL without any binding
        expect(first).toMatchObject({ phase: 'Ready', source: 'endpointSlice', reason: 'SliceHasEndpoints' });
        expect(first.urls).toContain(url);
        return;
      }
      if (b.behaviour.legacyUrls) {
        expect(first).toMatchObject({
          phase: 'AwaitingBinding',
          source: 'virtualWorkspaces',
          reason: 'LegacyFallback',
        });
        // the legacy field lists every shard, with the same URL the slice will list
        expect(first.urls).toContain(url);
        expect(first.urls).toHaveLength(b.behaviour.shards.length);
      } else {
        expect(first).toMatchObject({
          phase: 'AwaitingBinding',
          source: 'none',
          reason: 'NoBindingYet',
          urls: [],
        });
        const cliRun = await cli(b, ['get', s.ref, '-o', 'urls']);
        expect(cliRun.code).toBe(3);
        expect(cliRun.stdout).toBe('');
      }

      const consumer1 = `root:${tag}-c1`;
      const consumer2 = `root:${tag}-c2`;
      await b.createWorkspace(consumer1, { shard: 'root' });
      await b.createWorkspace(consumer2, { shard: 'root' });
      await op.bind(b, consumer1, { path: s.provider, name: s.name });
      const ready = await rec.until((x) => x.phase === 'Ready', b.timing.reactMs);
      expect(ready).toMatchObject({ source: 'endpointSlice', reason: 'SliceHasEndpoints', urls: [url] });
      expect(ready.added).toEqual(b.behaviour.legacyUrls ? [] : [url]);
      expect(await kubectlUrls(b, s.provider, s.name)).toEqual([url]);
      const got = await cli(b, ['get', s.ref, '-o', 'urls']);
      expect(got).toMatchObject({ code: 0, stdout: `${url}\n` });

      // a second binding on the same shard changes nothing
      await op.waitBound(b, consumer1, s.name);
      const seen = rec.values.length;
      await op.bind(b, consumer2, { path: s.provider, name: s.name });
      await op.waitBound(b, consumer2, s.name);
      await sleep(b.timing.quietMs);
      expect(rec.values).toHaveLength(seen);

      // a terminating binding (finalizer pending) still counts: the URL stays
      await op.holdBinding(b, consumer1, s.name);
      await op.unbind(b, consumer1, s.name);
      await op.unbind(b, consumer2, s.name);
      await op.waitGone(b, consumer2, s.name);
      const held = await op.getBinding(b, consumer1, s.name);
      expect(held?.metadata?.deletionTimestamp).toBeDefined();
      await sleep(b.timing.quietMs);
      expect(rec.values).toHaveLength(seen);
      expect(await op.sliceUrls(b, s.provider, s.name)).toEqual([url]);

      // the last binding gone: the URL goes
      await op.releaseBinding(b, consumer1, s.name);
      await op.waitGone(b, consumer1, s.name);
      const gone = await rec.until(
        (x) => x.phase === 'AwaitingBinding' && rec.values.indexOf(x) > 0,
        b.timing.reactMs,
      );
      if (b.behaviour.legacyUrls) {
        expect(gone).toMatchObject({ source: 'virtualWorkspaces', reason: 'LegacyFallback', removed: [] });
        expect(gone.urls).toContain(url);
      } else {
        expect(gone).toMatchObject({ source: 'none', reason: 'NoBindingYet', urls: [], removed: [url] });
      }
      expect(rec.values).toHaveLength(seen + 1);
    } finally {
      await cleanup();
    }
  });

  it('lists one URL per shard that hosts a binding, and drops a shard when its last binding goes', async (ctx) => {
    const b = get();
    if (b.behaviour.shards.length < 2) ctx.skip('one shard');
    if (!b.behaviour.urlsNeedBindings) ctx.skip('kcp ≤ 0.26 lists every shard without bindings');
    try {
      const tag = prefix('sh');
      const s = await setupExport(b, tag);
      const [urlA, urlB] = [await urlOn(b, 'root', s), await urlOn(b, 'shard-1', s)];
      expect(urlA).not.toBe(urlB);
      const ca = `root:${tag}-a`;
      const cb = `root:${tag}-b`;
      await b.createWorkspace(ca, { shard: 'root' });
      await b.createWorkspace(cb, { shard: 'shard-1' });
      const rec = record(client(), s.ref);
      await rec.until(() => true, b.timing.reactMs);
      await op.bind(b, ca, { path: s.provider, name: s.name });
      await op.bind(b, cb, { path: s.provider, name: s.name });
      const both = await rec.until(
        (x) => x.source === 'endpointSlice' && x.urls.length === 2,
        b.timing.reactMs,
      );
      expect(both.urls).toEqual([urlA, urlB].sort());
      expect(await kubectlUrls(b, s.provider, s.name)).toEqual([urlA, urlB].sort());
      const mark = rec.values.length;
      await op.unbind(b, cb, s.name);
      const one = await rec.until((x) => rec.values.indexOf(x) >= mark, b.timing.reactMs);
      expect(one.urls).toEqual([urlA]);
      expect(one.removed).toEqual([urlB]);
    } finally {
      await cleanup();
    }
  });

  it('reports SliceMissing for an export with the skip-endpointslice annotation', async () => {
    const b = get();
    try {
      const tag = prefix('sk');
      const provider = `root:${tag}-p`;
      await b.createWorkspace(provider);
      await op.createExport(b, provider, 'cowboys', { skipEndpointSlice: true });
      // give kcp the time it takes to create a default slice, then check there is none
      await op.eventually(
        b,
        'export identity',
        () =>
          b.rest.ok<{ status?: { identityHash?: string } }>(
            'GET',
            `/clusters/${provider}/apis/apis.kcp.io/v1alpha1/apiexports/cowboys`,
          ),
        (e) => (e.status?.identityHash ?? '') !== '',
      );
      await sleep(b.timing.quietMs);
      expect(await op.getSlice(b, provider, 'cowboys')).toBeUndefined();
      const c = client();
      const r = await c.resolveEndpoints(`${provider}:cowboys`);
      expect(r.phase).toBe('SliceMissing');
      if (b.behaviour.defaultSlice) expect(r.message).toContain('skip-endpointslice');
      if (b.behaviour.legacyUrls) {
        await resolveUntil(c, b, `${provider}:cowboys`, (x) => x.source === 'virtualWorkspaces');
        expect((await cli(b, ['get', `${provider}:cowboys`, '-o', 'urls'])).code).toBe(0);
      } else {
        expect(r).toMatchObject({ source: 'none', reason: 'SliceNotFound', urls: [] });
        expect((await cli(b, ['get', `${provider}:cowboys`, '-o', 'urls'])).code).toBe(4);
      }
    } finally {
      await cleanup();
    }
  });

  it('reports ExportMissing once a deleted export takes its default slice, and SliceNotReady/APIExportNotFound on a custom slice', async () => {
    const b = get();
    try {
      const tag = prefix('ex');
      const s = await setupExport(b, tag);
      const slices = `root:${tag}-s`;
      await b.createWorkspace(slices);
      await op.createSlice(b, slices, 'custom', { path: s.provider, name: s.name });
      await op.eventually(b, 'custom slice valid', () => op.getSlice(b, slices, 'custom'), conditionsTrue);
      const c = client();
      const rec = record(c, s.ref);
      await rec.until(() => true, b.timing.reactMs);
      await op.deleteExport(b, s.provider, s.name);
      if (b.behaviour.defaultSlice) {
        const missing = await rec.until((x) => x.phase === 'ExportMissing', b.timing.reactMs);
        expect(missing).toMatchObject({ reason: 'ExportNotFound', source: 'none', urls: [] });
        expect((await cli(b, ['get', s.ref, '-o', 'urls'])).code).toBe(4);
      }
      const custom = await resolveUntil(c, b, s.ref, (x) => x.phase === 'SliceNotReady', {
        slice: `${slices}:custom`,
      });
      expect(custom).toMatchObject({ reason: 'SliceConditionFalse', urls: [] });
      expect(custom.sliceConditions).toContainEqual(
        expect.objectContaining({ type: 'APIExportValid', status: 'False', reason: 'APIExportNotFound' }),
      );
      expect((await cli(b, ['get', s.ref, '--slice', `${slices}:custom`, '-o', 'urls'])).code).toBe(3);
    } finally {
      await cleanup();
    }
  });

  it('reports SliceNotReady/PartitionInvalidReference for a slice whose Partition is missing', async () => {
    const b = get();
    try {
      const tag = prefix('pm');
      const s = await setupExport(b, tag);
      const slices = `root:${tag}-s`;
      await b.createWorkspace(slices);
      await op.createSlice(b, slices, 'parted', { path: s.provider, name: s.name }, 'nothere');
      const r = await resolveUntil(client(), b, s.ref, (x) => x.phase === 'SliceNotReady', {
        slice: `${slices}:parted`,
        mode: 'endpointSlice',
      });
      expect(r).toMatchObject({ reason: 'SliceConditionFalse', urls: [] });
      const cond = r.sliceConditions.find((x) => x.type === 'PartitionValid');
      expect(cond).toMatchObject({ status: 'False', reason: 'PartitionInvalidReference' });
      expect(cond?.message).toContain('nothere');
    } finally {
      await cleanup();
    }
  });

  it('keeps the listed URLs when a Partition selector stops parsing, and never reports them removed', async (ctx) => {
    const b = get();
    if (!b.behaviour.urlsNeedBindings) ctx.skip('kcp ≤ 0.26 lists every shard without bindings');
    try {
      const tag = prefix('pi');
      const s = await setupExport(b, tag);
      const url = await urlOn(b, 'root', s);
      const slices = `root:${tag}-s`;
      await b.createWorkspace(slices);
      await op.createPartition(b, slices, 'all', {
        matchExpressions: [{ key: 'kcp-endpoints.test/never', operator: 'DoesNotExist' }],
      });
      await op.createSlice(b, slices, 'parted', { path: s.provider, name: s.name }, 'all');
      await op.eventually(
        b,
        'partitioned slice valid',
        () => op.getSlice(b, slices, 'parted'),
        conditionsTrue,
      );
      const consumer = `root:${tag}-c`;
      await b.createWorkspace(consumer, { shard: 'root' });
      const rec = record(client(), s.ref, `${slices}:parted`);
      await op.bind(b, consumer, { path: s.provider, name: s.name });
      await rec.until((x) => x.phase === 'Ready' && x.urls.includes(url), b.timing.reactMs);
      const before = rec.values.length;
      await op.setPartitionSelector(b, slices, 'all', {
        matchExpressions: [{ key: 'shared', operator: 'In', values: [] }],
      });
      const broken = await op.eventually(
        b,
        'PartitionValid False',
        () => op.getSlice(b, slices, 'parted'),
        (x) => !conditionsTrue(x),
      );
      const conds = (broken?.status?.['conditions'] ?? []) as Array<Record<string, string>>;
      expect(conds).toContainEqual(
        expect.objectContaining({
          type: 'PartitionValid',
          status: 'False',
          reason: 'PartitionInvalidReference',
        }),
      );
      // kcp keeps the endpoints (the VW keeps serving)
      expect(await op.sliceUrls(b, slices, 'parted')).toEqual([url]);
      expect(await kubectlUrls(b, slices, 'parted')).toEqual([url]);
      const degraded = await rec.until((x) => rec.values.indexOf(x) >= before, b.timing.reactMs);
      expect(degraded).toMatchObject({ phase: 'Degraded', source: 'endpointSlice', urls: [url] });
      expect(rec.values.flatMap((x) => x.removed)).toEqual([]);
      const got = await cli(b, ['get', s.ref, '--slice', `${slices}:parted`, '-o', 'urls']);
      expect(got).toMatchObject({ code: 0, stdout: `${url}\n` });
      expect(got.stderr).toContain('Degraded');
      // explain quotes kcp's parser message
      const explained = await cli(b, ['explain', s.ref, '--slice', `${slices}:parted`]);
      expect(explained.stdout).toContain("values set can't be empty");
    } finally {
      await cleanup();
    }
  });

  it('matches bindings to slices by the text of spec.export.path: a slice naming the export by cluster gets no URL until it changes, then keeps a stale one', async (ctx) => {
    const b = get();
    if (!b.behaviour.urlsNeedBindings) ctx.skip('kcp ≤ 0.26 lists every shard without bindings');
    try {
      const tag = prefix('tp');
      const s = await setupExport(b, tag);
      const url = await urlOn(b, 'root', s);
      const slices = `root:${tag}-s`;
      await b.createWorkspace(slices);
      await op.createSlice(b, slices, 'by-path', { path: s.provider, name: s.name });
      await op.createSlice(b, slices, 'by-cluster', { path: s.cluster, name: s.name });
      await op.eventually(b, 'by-path valid', () => op.getSlice(b, slices, 'by-path'), conditionsTrue);
      await op.eventually(b, 'by-cluster valid', () => op.getSlice(b, slices, 'by-cluster'), conditionsTrue);
      const consumer = `root:${tag}-c`;
      await b.createWorkspace(consumer, { shard: 'root' });
      await op.bind(b, consumer, { path: s.provider, name: s.name });
      await op.eventually(
        b,
        'by-path URL',
        () => op.sliceUrls(b, slices, 'by-path'),
        (u) => u.length === 1,
      );
      await op.waitBound(b, consumer, s.name);
      await sleep(b.timing.quietMs);
      // the binding event does not reach the slice that names the export by its cluster
      expect(await op.sliceUrls(b, slices, 'by-cluster')).toEqual([]);
      const c = client();
      const missing = await c.resolveEndpoints(s.ref, {
        slice: `${slices}:by-cluster`,
        mode: 'endpointSlice',
      });
      expect(missing).toMatchObject({ phase: 'AwaitingBinding', urls: [] });
      expect(missing.warningDetails.map((w) => w.code)).toContain('SliceReferenceNotCanonical');
      // explain names the trap and the command that re-triggers kcp
      const explained = await cli(b, [
        'explain',
        s.ref,
        '--slice',
        `${slices}:by-cluster`,
        '--consumer',
        consumer,
      ]);
      expect(explained.stdout).toContain('by the text of its path');
      expect(explained.stdout).toContain(`kcp-endpoints nudge ${s.ref} --slice ${slices}:by-cluster`);
      // a slice event makes kcp catch up: `kcp-endpoints nudge` is one
      const nudged = await cli(b, ['nudge', s.ref, '--slice', `${slices}:by-cluster`]);
      expect(nudged.code).toBe(0);
      await op.eventually(
        b,
        'by-cluster URL',
        () => op.sliceUrls(b, slices, 'by-cluster'),
        (u) => u.length === 1,
      );
      expect(await op.sliceUrls(b, slices, 'by-cluster')).toEqual([url]);
      // the last binding goes: the canonical slice drops the URL, the other keeps it
      await op.unbind(b, consumer, s.name);
      await op.waitGone(b, consumer, s.name);
      await op.eventually(
        b,
        'by-path URL gone',
        () => op.sliceUrls(b, slices, 'by-path'),
        (u) => u.length === 0,
      );
      await sleep(b.timing.quietMs);
      expect(await op.sliceUrls(b, slices, 'by-cluster')).toEqual([url]);
      const stale = await c.resolveEndpoints(s.ref, { slice: `${slices}:by-cluster`, mode: 'endpointSlice' });
      expect(stale).toMatchObject({ phase: 'Ready', urls: [url] });
      expect(stale.warningDetails.map((w) => w.code)).toContain('SliceReferenceNotCanonical');
      // and a nudge makes kcp drop the stale URL
      expect((await cli(b, ['nudge', s.ref, '--slice', `${slices}:by-cluster`])).code).toBe(0);
      await op.eventually(
        b,
        'stale URL gone after a nudge',
        () => op.sliceUrls(b, slices, 'by-cluster'),
        (u) => u.length === 0,
      );
    } finally {
      await cleanup();
    }
  });

  it('reports Forbidden (CLI exit 5) to a user without RBAC in the provider workspace', async () => {
    const b = get();
    try {
      const tag = prefix('fb');
      const s = await setupExport(b, tag);
      const c = client({ kubeconfig: b.unprivilegedKubeconfig, context: 'root' });
      // nothing readable: the one-shot call rejects with the server's 403 …
      const err: unknown = await c.resolveEndpoints(s.ref).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isApiStatusError(err)).toBe(true);
      expect(err).toMatchObject({ status: 403 });
      // … and a watch reports the phase and keeps retrying (RBAC may still be propagating)
      const rec = record(c, s.ref);
      const first = await rec.until(() => true, b.timing.reactMs);
      expect(first).toMatchObject({ phase: 'Forbidden', reason: 'Forbidden', urls: [], source: 'none' });
      const run = await runInProcess(['get', s.ref, '-o', 'urls', '--kubeconfig', b.unprivilegedKubeconfig]);
      expect(run.code).toBe(5);
      expect(run.stdout).toBe('');
      expect(run.stderr).not.toContain(b.unprivilegedToken);
    } finally {
      await cleanup();
    }
  });

  it('lists the exported resource of every bound consumer on a shard through <url>/clusters/*, and not of a consumer of another export', async () => {
    const b = get();
    const f = await cowboys();
    await op.createCowboy(b, f.c1.path, 'cb-c1');
    await op.createCowboy(b, f.c2.path, 'cb-c2');
    await op.createCowboy(b, f.c3.path, 'cb-c3');
    if (f.far !== undefined) await op.createCowboy(b, f.far.path, 'cb-far');
    const vw = op.vwRest(b, f.url);
    const list = await op.eventually(
      b,
      'both consumers in the wildcard list',
      () => vw.ok<ItemList>('GET', COWBOYS_ALL),
      (l) => namesOf(l).length >= 2,
    );
    expect(namesOf(list)).toEqual(['cb-c1', 'cb-c2']);
    expect(clustersOf(list)).toEqual([f.c1.cluster, f.c2.cluster].sort());
    expect(list.items?.[0]).toMatchObject({ apiVersion: 'wildwest.dev/v1alpha1', kind: 'Cowboy' });
    const r = await b.kubectl([`--server=${f.url}/clusters/*`, 'get', 'cowboys', '-A', '-o', 'name']);
    expect(r.stderr).toBe('');
    expect(
      r.stdout
        .split('\n')
        .filter((x) => x !== '')
        .sort(),
    ).toEqual(['cowboy.wildwest.dev/cb-c1', 'cowboy.wildwest.dev/cb-c2']);
    if (f.far !== undefined && f.farUrl !== undefined) {
      // each shard's virtual workspace serves the consumers on that shard only
      const farList = await op.eventually(
        b,
        'the far consumer on its shard',
        () => op.vwRest(b, f.farUrl ?? '').ok<ItemList>('GET', COWBOYS_ALL),
        (l) => namesOf(l).length >= 1,
      );
      expect(namesOf(farList)).toEqual(['cb-far']);
    }
    // a watch from the list's resourceVersion sees new objects of bound consumers only
    const watching = op.watchUntil(
      vw,
      `${COWBOYS_ALL}?resourceVersion=${list.metadata?.resourceVersion ?? ''}`,
      (events) => events.some((e) => e.object.metadata?.name === 'late-c2'),
      b.timing.reactMs,
    );
    await sleep(b.timing.quietMs);
    await op.createCowboy(b, f.c3.path, 'late-c3');
    await op.createCowboy(b, f.c2.path, 'late-c2');
    const events = await watching;
    expect(events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`)).toEqual(['ADDED late-c2']);
  });

  it('writes one consumer through <url>/clusters/<logical cluster>: create, status and patches show in its workspace, and so does a delete', async () => {
    const b = get();
    const f = await cowboys();
    const vw = op.vwRest(b, f.url);
    const at = (name?: string): string => op.cowboysPath(f.c1.cluster, name);
    const created = await vw.ok<op.Obj>('POST', at(), op.cowboy('via-vw', 'ride'));
    expect(created.metadata?.annotations?.['kcp.io/cluster']).toBe(f.c1.cluster);
    await vw.ok('PUT', at('via-vw/status'), { ...created, status: { result: 'rode' } });
    await vw.ok('PATCH', at('via-vw'), { spec: { intent: 'rest' } }, MERGE);
    await vw.ok(
      'PATCH',
      at('via-vw/status'),
      [{ op: 'replace', path: '/status/result', value: 'home' }],
      'application/json-patch+json',
    );
    const seen = await b.rest.ok<op.Obj>('GET', op.cowboysPath(f.c1.path, 'via-vw'));
    expect(seen).toMatchObject({ spec: { intent: 'rest' }, status: { result: 'home' } });
    expect(seen.metadata?.uid).toBe(created.metadata?.uid);
    await vw.ok('DELETE', at('via-vw'));
    await op.eventually(
      b,
      'the cowboy gone from the consumer workspace',
      () => b.rest.send('GET', op.cowboysPath(f.c1.path, 'via-vw')),
      (x) => x.status === 404,
    );
  });

  it('refuses a workspace path instead of a logical cluster (403), and a logical cluster without a binding to the export (403, kcp ≥ 0.27)', async () => {
    const b = get();
    const f = await cowboys();
    const vw = op.vwRest(b, f.url);
    // no virtual workspace resolves a multi-segment path: kcp's root authorizer has no opinion
    const byPath = await vw.send('GET', op.cowboysPath(f.c1.path));
    expect(byPath.status).toBe(403);
    expect(byPath.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    expect(JSON.stringify(byPath.body)).toContain('Path not resolved to a valid virtual workspace');
    if (!b.behaviour.vwChecksBindings) return; // kcp 0.26 forwards the request into the cluster
    for (const c of [f.stranger, f.c3]) {
      const denied = await vw.send('GET', op.cowboysPath(c.cluster));
      expect(denied.status, c.path).toBe(403);
      expect(denied.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
      expect(JSON.stringify(denied.body)).toContain('access denied');
    }
  });

  it('lists the APIBindings of the export through the virtual workspace, and refuses writes to them', async () => {
    const b = get();
    const f = await cowboys();
    const vw = op.vwRest(b, f.url);
    const versions = b.behaviour.vwBindingsV1alpha2 ? ['v1alpha1', 'v1alpha2'] : ['v1alpha1'];
    for (const v of versions) {
      const list = await op.eventually(
        b,
        `APIBindings ${v} through the virtual workspace`,
        () => vw.ok<ItemList>('GET', `/clusters/*/apis/apis.kcp.io/${v}/apibindings`),
        (l) => (l.items ?? []).length >= 2,
      );
      expect(clustersOf(list), v).toEqual([f.c1.cluster, f.c2.cluster].sort());
      expect(list.items?.[0]?.['apiVersion']).toBe(`apis.kcp.io/${v}`);
    }
    const one = `/clusters/${f.c1.cluster}/apis/apis.kcp.io/v1alpha1/apibindings/${f.s.name}`;
    expect((await vw.send('GET', one)).status).toBe(200);
    const patched = await vw.send(
      'PATCH',
      one,
      { metadata: { labels: { 'kcp-endpoints.test/x': 'y' } } },
      MERGE,
    );
    const deleted = await vw.send('DELETE', one);
    if (b.behaviour.vwChecksBindings) {
      for (const r of [patched, deleted]) {
        expect(r.status).toBe(403);
        expect(JSON.stringify(r.body)).toContain('access denied');
      }
    } else {
      // kcp 0.26 serves them from read-only storage
      expect([patched.status, deleted.status]).toEqual([405, 405]);
    }
    const kept = await op.getBinding(b, f.c1.path, f.s.name);
    expect(kept?.metadata?.deletionTimestamp).toBeUndefined();
    expect(kept?.metadata?.labels?.['kcp-endpoints.test/x']).toBeUndefined();
  });

  it('probes every endpoint for the exported resource: each URL serving, as its discovery under /clusters/* says', async () => {
    const b = get();
    const f = await cowboys();
    const c = client();
    const probe = { group: 'wildwest.dev', version: 'v1alpha1', resource: 'cowboys' };
    const rec = new Recorder<EndpointChange>(c.watchEndpoints(f.s.ref, { probe }));
    recorders.push(rec);
    try {
      const expected = [f.url, ...(f.farUrl === undefined ? [] : [f.farUrl])].sort();
      const all = await rec.until(
        (x) => expected.every((u) => x.urls.includes(u)) && x.urls.every((u) => x.serving?.[u] === true),
        b.timing.reactMs,
      );
      expect(Object.keys(all.serving ?? {}).sort()).toEqual(all.urls);
      // what the probe reads, from each endpoint
      for (const url of expected) {
        const vw = op.vwRest(b, url);
        const list = await vw.ok<{
          kind?: string;
          groupVersion?: string;
          resources?: Array<{ name: string }>;
        }>('GET', '/clusters/*/apis/wildwest.dev/v1alpha1');
        expect(list).toMatchObject({ kind: 'APIResourceList', groupVersion: 'wildwest.dev/v1alpha1' });
        expect((list.resources ?? []).map((r) => r.name)).toContain('cowboys');
        const groups = await vw.ok<{ kind?: string; groups?: Array<{ name: string }> }>(
          'GET',
          '/clusters/*/apis',
        );
        expect(groups.kind).toBe('APIGroupList');
        expect((groups.groups ?? []).map((g) => g.name)).toEqual(
          expect.arrayContaining(['apis.kcp.io', 'wildwest.dev']),
        );
        // a version the export does not serve: the virtual workspace's plain-text 404
        const missing = await vw.send('GET', '/clusters/*/apis/wildwest.dev/v1beta1');
        expect([missing.status, missing.body]).toEqual([404, '404 page not found\n']);
      }
    } finally {
      await cleanup();
    }
  });

  it('follows the consumers behind every endpoint: the bound ones engaged, a new binding engaged, its removal disengaged', async () => {
    const b = get();
    const f = await cowboys();
    const c = client();
    const consumers = new Recorder<ConsumerEvent>(c.watchConsumers(f.s.ref));
    try {
      const expected = [f.c1, f.c2, ...(f.far === undefined ? [] : [f.far])].map((x) => x.cluster).sort();
      const list = await c.listConsumers(f.s.ref);
      expect(list.failures).toEqual([]);
      expect(list.consumers.map((x) => x.cluster).sort()).toEqual(expected);
      expect(list.consumers.find((x) => x.cluster === f.c1.cluster)).toMatchObject({
        endpoint: f.url,
        url: `${f.url}/clusters/${f.c1.cluster}`,
        binding: { name: f.s.name, phase: 'Bound', ready: true },
      });
      if (f.far !== undefined) {
        expect(list.consumers.find((x) => x.cluster === f.far?.cluster)?.endpoint).toBe(f.farUrl);
      }
      await consumers.until(() => consumers.values.length >= expected.length, b.timing.reactMs);
      expect(consumers.values.map((e) => `${e.type} ${e.cluster}`).sort()).toEqual(
        expected.map((x) => `engaged ${x}`),
      );

      const late = `root:${prefix('cs')}-late`;
      const lateCluster = await b.createWorkspace(late, { shard: 'root' });
      await op.bind(b, late, { path: f.s.provider, name: f.s.name });
      const engaged = await consumers.until(
        (e) => e.type === 'engaged' && e.cluster === lateCluster,
        b.timing.reactMs,
      );
      expect(engaged).toMatchObject({ endpoint: f.url, binding: { ready: true } });
      await op.unbind(b, late, f.s.name);
      const gone = await consumers.until(
        (e) => e.type === 'disengaged' && e.cluster === lateCluster,
        b.timing.reactMs,
      );
      expect(gone).toMatchObject({ type: 'disengaged', reason: 'BindingDeleted' });

      const r = await cli(b, ['consumers', f.s.ref, '-o', 'json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const printed = JSON.parse(r.stdout) as { consumers: Array<{ cluster: string }> };
      expect(printed.consumers.map((x) => x.cluster).sort()).toEqual(expected);
    } finally {
      consumers.stop();
      await cleanup();
    }
  });

  it('merges the Cowboys of every consumer with exported(): one name in several clusters, each behind its shard, writes through that shard, conflicts with the current resourceVersion', async () => {
    const b = get();
    const f = await cowboys();
    const c = client();
    const name = `${prefix('ex')}-same`;
    const consumers = [f.c1, f.c2, ...(f.far === undefined ? [] : [f.far])];
    for (const x of consumers) await op.createCowboy(b, x.path, name);
    const cows = c.exported<op.Obj & { metadata: { name: string } }>(f.s.ref, {
      group: 'wildwest.dev',
      version: 'v1alpha1',
      resource: 'cowboys',
      kind: 'Cowboy',
    });
    const rec = new Recorder(cows.watch());
    try {
      await rec.until(
        () => rec.values.filter((e) => e.object.metadata.name === name).length >= consumers.length,
        b.timing.reactMs,
      );
      const items = (await cows.list()).filter((i) => i.object.metadata.name === name);
      expect(items.map((i) => i.cluster).sort()).toEqual(consumers.map((x) => x.cluster).sort());
      expect(items.find((i) => i.cluster === f.c1.cluster)?.endpoint).toBe(f.url);
      if (f.far !== undefined) {
        expect(items.find((i) => i.cluster === f.far?.cluster)?.endpoint).toBe(f.farUrl);
        // the far consumer is reachable only through its own shard's URL
        const far = cows.inCluster(f.far.cluster);
        await far.patchStatus(name, { status: { result: 'far' } }, { namespace: 'default' });
        const seen = await b.rest.ok<op.Obj>('GET', op.cowboysPath(f.far.path, name));
        expect(seen.status).toMatchObject({ result: 'far' });
      }
      const one = cows.inCluster(f.c1.cluster);
      const before = await one.get(name, { namespace: 'default' });
      const after = await one.patch(name, { spec: { intent: 'newer' } }, { namespace: 'default' });
      const stale = await one.update({ ...before, spec: { intent: 'stale' } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isConflict(stale)).toBe(true);
      expect((stale as ConflictError).currentResourceVersion).toBe(after.metadata.resourceVersion);
      await one.delete(name, { namespace: 'default' });
      const deleted = await rec.until(
        (e) => e.type === 'deleted' && e.cluster === f.c1.cluster && e.object.metadata.name === name,
        b.timing.reactMs,
      );
      expect(deleted.endpoint).toBe(f.url);
    } finally {
      rec.stop();
      await cleanup();
    }
  });

  it('serves coordination.k8s.io/v1 Leases in a workspace: in `default` (no kube-system; kcp-system once an APIExport exists), created and updated on resourceVersion, 409 on a stale update and on an existing name, watched, deleted; a leader election runs on them', async () => {
    const b = get();
    const ws = `root:${prefix('le')}`;
    await b.createWorkspace(ws);
    const at = `/clusters/${ws}`;
    const leases = (ns = 'default', name?: string): string =>
      `${at}/apis/coordination.k8s.io/v1/namespaces/${ns}/leases${name === undefined ? '' : `/${name}`}`;
    // the namespaces of a new workspace
    expect((await b.rest.send('GET', `${at}/api/v1/namespaces/default`)).status).toBe(200);
    const kubeSystem = await b.rest.send('GET', `${at}/api/v1/namespaces/kube-system`);
    expect(kubeSystem).toMatchObject({
      status: 404,
      body: { message: 'namespaces "kube-system" not found' },
    });
    const resources = await b.kubectl([`--server=${b.rest.config.base}${at}`, 'api-resources', '-o', 'name']);
    expect(resources.stdout.split('\n')).toEqual(
      expect.arrayContaining(['leases.coordination.k8s.io', 'namespaces']),
    );

    const connection = loadConnection({ kubeconfig: b.kubeconfig, context: b.context }).connection;
    const transport = createTransport({ connection, logger: silentLogger });
    try {
      const store = transportLeaseStore(transport, { workspace: ws, namespace: 'default' });
      const name = 'cowboys-controller';
      expect(await store.get(name)).toBeUndefined();
      const nowhere = await transportLeaseStore(transport, { workspace: ws, namespace: 'kube-system' })
        .create({ metadata: { name }, spec: { holderIdentity: 'a' } })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isNotFound(nowhere)).toBe(true);
      expect((nowhere as ApiStatusError).message).toContain('namespaces "kube-system" not found');

      const list = await b.rest.ok<ItemList>('GET', leases());
      const watching = op.watchUntil(
        b.rest,
        `${leases()}?resourceVersion=${list.metadata?.resourceVersion ?? ''}`,
        (events) => events.some((e) => e.type === 'DELETED'),
        b.timing.reactMs,
      );
      await sleep(b.timing.quietMs);
      const created = await store.create({
        metadata: { name },
        spec: {
          holderIdentity: 'a',
          leaseDurationSeconds: 15,
          acquireTime: '2026-01-01T00:00:00.000000Z',
          renewTime: '2026-01-01T02:00:00.123456+02:00',
          leaseTransitions: 0,
        },
      });
      // a MicroTime comes back in UTC; a Lease keeps no generation
      expect(created.spec).toEqual({
        holderIdentity: 'a',
        leaseDurationSeconds: 15,
        acquireTime: '2026-01-01T00:00:00.000000Z',
        renewTime: '2026-01-01T00:00:00.123456Z',
        leaseTransitions: 0,
      });
      expect(created.metadata.generation).toBeUndefined();
      expect(created.metadata.annotations?.['kcp.io/cluster']).toBeDefined();
      const updated = await store.update({
        ...created,
        spec: { ...created.spec, holderIdentity: 'b', leaseTransitions: 1 },
      });
      expect(updated.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
      const stale = await store.update({ ...created, spec: { ...created.spec, holderIdentity: 'c' } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isConflict(stale)).toBe(true);
      expect((stale as ConflictError).reason).toBe('Conflict');
      expect((stale as ConflictError).message).toContain(
        `Operation cannot be fulfilled on leases.coordination.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
      const twice = await store.create({ metadata: { name }, spec: {} }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isConflict(twice)).toBe(true);
      expect((twice as ConflictError).reason).toBe('AlreadyExists');
      expect((twice as ConflictError).message).toContain(
        `leases.coordination.k8s.io "${name}" already exists`,
      );
      // what the API server refuses
      const zero = await b.rest.send('PUT', leases('default', name), {
        ...updated,
        spec: { ...updated.spec, leaseDurationSeconds: 0 },
      });
      expect(zero).toMatchObject({
        status: 422,
        body: {
          reason: 'Invalid',
          message: `Lease.coordination.k8s.io "${name}" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0`,
        },
      });
      const seconds = await b.rest.send('POST', leases(), {
        metadata: { name: 'no-micros' },
        spec: { renewTime: '2026-01-01T00:00:00Z' },
      });
      expect(seconds).toMatchObject({
        status: 400,
        body: {
          reason: 'BadRequest',
          message:
            'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-01-01T00:00:00Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"',
        },
      });
      const strict = await b.rest.send('POST', `${leases()}?fieldValidation=Strict`, {
        metadata: { name: 'strict' },
        spec: { holder: 'a' },
      });
      expect(strict).toMatchObject({
        status: 400,
        body: {
          message:
            'Lease in version "v1" cannot be handled as a Lease: strict decoding error: unknown field "spec.holder"',
        },
      });
      // an update needs a resourceVersion; an update of a missing name creates the Lease
      const blind = await b.rest.send('PUT', leases('default', name), {
        metadata: { name },
        spec: { holderIdentity: 'blind' },
      });
      expect(blind).toMatchObject({
        status: 422,
        body: {
          message: `leases.coordination.k8s.io "${name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`,
        },
      });
      const upserted = await b.rest.send('PUT', leases('default', 'upserted'), {
        metadata: { name: 'upserted' },
        spec: { holderIdentity: 'x', strategy: 'OldestEmulationVersion', preferredHolder: 'y' },
      });
      // strategy and preferredHolder are dropped: kcp runs without the CoordinatedLeaderElection gate
      expect(upserted).toMatchObject({ status: 201, body: { spec: { holderIdentity: 'x' } } });
      expect((upserted.body as op.Obj).spec).toEqual({ holderIdentity: 'x' });
      const everywhere = await b.rest.send('POST', `${at}/apis/coordination.k8s.io/v1/leases`, {
        metadata: { name: 'x', namespace: 'default' },
      });
      expect(everywhere).toMatchObject({ status: 405, body: { reason: 'MethodNotAllowed' } });
      const byKubectl = await b.kubectl([
        `--server=${b.rest.config.base}${at}`,
        'get',
        'leases',
        '-n',
        'default',
        '-o',
        'name',
      ]);
      expect(
        byKubectl.stdout
          .split('\n')
          .filter((x) => x !== '')
          .sort(),
      ).toEqual([`lease.coordination.k8s.io/${name}`, 'lease.coordination.k8s.io/upserted']);
      const gone = await b.rest.send('DELETE', leases('default', name));
      expect(gone).toMatchObject({
        status: 200,
        body: {
          kind: 'Status',
          status: 'Success',
          details: { name, group: 'coordination.k8s.io', kind: 'leases', uid: created.metadata.uid },
        },
      });
      const events = await watching;
      expect(events.map((e) => `${e.type} ${e.object.metadata?.name ?? ''}`)).toEqual([
        `ADDED ${name}`,
        `MODIFIED ${name}`,
        'ADDED upserted',
        `DELETED ${name}`,
      ]);

      // namespaces: `default` stays; another one can be made, and deleting it takes its Leases along
      const keep = await b.rest.send('DELETE', `${at}/api/v1/namespaces/default`);
      expect(keep).toMatchObject({
        status: 403,
        body: {
          reason: 'Forbidden',
          message: 'namespaces "default" is forbidden: this namespace may not be deleted',
        },
      });
      await b.rest.ok('POST', `${at}/api/v1/namespaces`, { metadata: { name: 'leader-election' } });
      await b.rest.ok('POST', leases('leader-election'), { metadata: { name: 'in-ns' }, spec: {} });
      const terminating = await b.rest.ok<op.Obj>('DELETE', `${at}/api/v1/namespaces/leader-election`);
      expect(terminating.status).toMatchObject({ phase: 'Terminating' });
      await op.eventually(
        b,
        'the namespace and its Lease gone',
        () => b.rest.send('GET', `${at}/api/v1/namespaces/leader-election`),
        (r) => r.status === 404,
      );
      expect((await b.rest.send('GET', leases('leader-election', 'in-ns'))).status).toBe(404);
      // an APIExport brings `kcp-system` (where kcp keeps its identity Secret)
      await op.createExport(b, ws, 'cowboys');
      await op.eventually(
        b,
        'kcp-system after an APIExport',
        () => b.rest.send('GET', `${at}/api/v1/namespaces/kcp-system`),
        (r) => r.status === 200,
      );
      expect(events[1]?.object.spec).toMatchObject({ holderIdentity: 'b' });

      // two candidates on the backend: one leads; its graceful stop hands over without waiting for the term
      const timings = { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 };
      const leading: string[] = [];
      const candidate = (identity: string) => {
        const stop = new AbortController();
        const elector = new LeaderElector(store, {
          name: 'elected',
          identity,
          ...timings,
          logger: silentLogger,
          onStartedLeading: (signal) =>
            new Promise<void>((resolve) => {
              leading.push(identity);
              signal.addEventListener(
                'abort',
                () => {
                  resolve();
                },
                { once: true },
              );
            }),
        });
        return { elector, stop, run: elector.run(stop.signal) };
      };
      const first = candidate('replica-1');
      await op.eventually(
        b,
        'a leader',
        () => Promise.resolve(leading.length),
        (n) => n === 1,
      );
      const second = candidate('replica-2');
      await sleep(1_500);
      expect(leading).toEqual(['replica-1']);
      const stoppedAt = Date.now();
      first.stop.abort();
      await first.run;
      const released = await store.get('elected');
      expect(released?.spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
      await op.eventually(
        b,
        'the standby leads',
        () => Promise.resolve(leading.length),
        (n) => n === 2,
      );
      // at its next attempt (≤ 500 ms × 2.2), well before the 4 s term would have run out
      expect(Date.now() - stoppedAt).toBeLessThan(3_000);
      expect(leading).toEqual(['replica-1', 'replica-2']);
      second.stop.abort();
      await second.run;
    } finally {
      await transport.close();
    }
  });

  it('runs the example provider controller: Cowboys created with kubectl in consumers on every shard get status.result through their shard, while bindings come and go', async () => {
    const b = get();
    const f = await cowboys();
    const tag = prefix('ctl');
    const ctl = startExample('provider-controller.ts', [f.s.ref, b.context], b.kubeconfig);
    try {
      await ctl.until(/watching cowboys/, b.timing.reactMs);
      const consumers = [f.c1, f.far ?? f.c2];
      for (const c of consumers) await kubectlCowboy(b, c.path, `${tag}-cb`, 'ride');
      for (const c of consumers) await reconciled(b, c.path, `${tag}-cb`, 'ride: done');
      expect(ctl.stdout).toContain(`reconciled ${f.c1.cluster}/default/${tag}-cb: ride: done`);
      if (f.far !== undefined) expect(ctl.stdout).toContain(`reconciled ${f.far.cluster}/default/${tag}-cb`);

      // a consumer that binds while the controller runs (on the second shard when there is one)
      const late = `root:${tag}-late`;
      await b.createWorkspace(late, { shard: f.far === undefined ? 'root' : 'shard-1' });
      await op.bind(b, late, { path: f.s.provider, name: f.s.name });
      await op.waitBound(b, late, f.s.name);
      await kubectlCowboy(b, late, `${tag}-late`, 'arrive');
      await reconciled(b, late, `${tag}-late`, 'arrive: done');
      // it unbinds again; the others keep being reconciled
      await op.unbind(b, late, f.s.name);
      const edited = await b.kubectl([
        `--server=${b.rest.config.base}/clusters/${f.c1.path}`,
        'patch',
        'cowboys',
        `${tag}-cb`,
        '-n',
        'default',
        '--type=merge',
        '-p',
        '{"spec":{"intent":"rest"}}',
      ]);
      expect(edited.stderr).toBe('');
      await reconciled(b, f.c1.path, `${tag}-cb`, 'rest: done');

      const exit = await ctl.interrupt(b.timing.reactMs);
      expect(exit.code).toBe(0);
      expect(ctl.stdout).toMatch(/stopped\n$/);
      expect(ctl.stderr).toBe('');
    } finally {
      ctl.kill();
    }
  });
}
