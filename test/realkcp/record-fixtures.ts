/**
 * Records real list and watch responses from kcp into test/fixtures/kcp-<version>/ (slices, exports and
 * bindings as kcp serves them, managedFields included), for the decoder tests and the benchmarks.
 *
 *   npm run record:fixtures            (kcp v0.28.0, one shard, legacy gate on so exports list URLs)
 *
 * Names that vary per run (logical clusters, ports, UIDs, timestamps) are kept as kcp wrote them: the tests
 * read the files, they do not compare them with a new run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import { startKcp, type KcpVersion } from './harness.js';
import { apiPath, type Rest } from './rest.js';

const ROOT = resolve(import.meta.dirname, '../..');
const version = (process.argv[2] ?? 'v0.28.0') as KcpVersion;

function build(): string {
  const r = spawnSync('bash', [join(ROOT, 'test/realkcp/build-kcp.sh'), version], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`building kcp ${version} failed`);
  return r.stdout.trim().split('\n').pop() ?? '';
}

/** Streams a watch and keeps its raw bytes until `stop()`. */
function rawWatch(rest: Rest, path: string): { stop: () => Promise<string> } {
  const chunks: Buffer[] = [];
  const url = new URL(rest.config.base + path);
  let finished: (() => void) | undefined;
  const ended = new Promise<void>((r) => (finished = r));
  const req = request(
    url,
    {
      headers: { Accept: 'application/json', Authorization: `Bearer ${rest.config.token ?? ''}` },
      ...(rest.config.ca === undefined ? {} : { ca: rest.config.ca }),
    },
    (res) => {
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finished?.());
      res.on('error', () => finished?.());
    },
  );
  req.on('error', () => finished?.());
  req.end();
  return {
    stop: async () => {
      await sleep(1_000);
      req.destroy();
      await Promise.race([ended, sleep(1_000)]);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

async function waitFor(what: string, fn: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 60_000;
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`${what}: timed out`);
    await sleep(250);
  }
}

async function createWorkspace(rest: Rest, path: string): Promise<void> {
  const i = path.lastIndexOf(':');
  await rest.ok('POST', apiPath(path.slice(0, i), 'tenancy.kcp.io', 'v1alpha1', 'workspaces'), {
    apiVersion: 'tenancy.kcp.io/v1alpha1',
    kind: 'Workspace',
    metadata: { name: path.slice(i + 1) },
  });
  await waitFor(`workspace ${path}`, async () => {
    const r = await rest.send('GET', apiPath(path, 'apis.kcp.io', 'v1alpha1', 'apiexports'));
    return r.status === 200;
  });
}

const out = join(ROOT, 'test/fixtures', `kcp-${version}`);
await mkdir(out, { recursive: true });
const save = (name: string, body: unknown): Promise<void> =>
  writeFile(join(out, name), typeof body === 'string' ? body : `${JSON.stringify(body, null, 2)}\n`);

const kcp = await startKcp({ bin: build(), version, topology: 'single', legacyGate: true, log: console.log });
try {
  const rest = kcp.rest;
  const provider = 'root:fixtures-provider';
  await createWorkspace(rest, provider);
  for (const c of ['root:fixtures-consumer-a', 'root:fixtures-consumer-b']) await createWorkspace(rest, c);
  await save('version.json', await rest.ok('GET', '/clusters/root/version'));
  const slices = apiPath(provider, 'apis.kcp.io', 'v1alpha1', 'apiexportendpointslices');
  const exports = apiPath(provider, 'apis.kcp.io', 'v1alpha1', 'apiexports');
  const list0 = await rest.ok<{ metadata: { resourceVersion: string } }>('GET', slices);
  const sliceWatch = rawWatch(
    rest,
    `${slices}?watch=true&allowWatchBookmarks=true&resourceVersion=${list0.metadata.resourceVersion}`,
  );
  const exportWatch = rawWatch(
    rest,
    `${exports}?watch=true&allowWatchBookmarks=true&resourceVersion=${list0.metadata.resourceVersion}`,
  );
  // (a wildcard `/clusters/*` list needs a shard admin; one consumer's bindings are enough here)
  const consumerBindings = apiPath('root:fixtures-consumer-a', 'apis.kcp.io', 'v1alpha1', 'apibindings');
  const bindingWatch = rawWatch(rest, `${consumerBindings}?watch=true&allowWatchBookmarks=true`);

  for (const name of ['today-cowboys', 'tomorrow-cowboys']) {
    await rest.ok('POST', exports, {
      apiVersion: 'apis.kcp.io/v1alpha1',
      kind: 'APIExport',
      metadata: { name },
      spec: {},
    });
  }
  await waitFor('default slices', async () => {
    const l = await rest.ok<{ items: unknown[] }>('GET', slices);
    return l.items.length === 2;
  });
  for (const c of ['root:fixtures-consumer-a', 'root:fixtures-consumer-b']) {
    await rest.ok('POST', apiPath(c, 'apis.kcp.io', 'v1alpha1', 'apibindings'), {
      apiVersion: 'apis.kcp.io/v1alpha1',
      kind: 'APIBinding',
      metadata: { name: 'today-cowboys' },
      spec: { reference: { export: { path: provider, name: 'today-cowboys' } } },
    });
  }
  await waitFor('endpoint', async () => {
    const s = await rest.ok<{ status?: { endpoints?: unknown[] } }>('GET', `${slices}/today-cowboys`);
    return (s.status?.endpoints?.length ?? 0) > 0;
  });
  await waitFor('bindings bound', async () => {
    const l = await rest.ok<{ items: Array<{ status?: { phase?: string } }> }>('GET', consumerBindings);
    return l.items.filter((b) => b.status?.phase === 'Bound').length >= 1;
  });
  // a custom slice with a Partition that does not exist (condition False)
  await rest.ok('POST', slices, {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIExportEndpointSlice',
    metadata: { name: 'today-cowboys-eu' },
    spec: { export: { path: provider, name: 'today-cowboys' }, partition: 'eu' },
  });
  await sleep(3_000);
  await save('apiexportendpointslices-list.json', await rest.ok('GET', slices));
  await save('apiexports-list.json', await rest.ok('GET', exports));
  await save(
    'apibindings-list.json',
    await rest.ok('GET', apiPath('root:fixtures-consumer-a', 'apis.kcp.io', 'v1alpha1', 'apibindings')),
  );
  // the last binding goes: the URL goes
  for (const c of ['root:fixtures-consumer-a', 'root:fixtures-consumer-b']) {
    await rest.ok('DELETE', apiPath(c, 'apis.kcp.io', 'v1alpha1', 'apibindings', 'today-cowboys'));
  }
  await waitFor('endpoint gone', async () => {
    const s = await rest.ok<{ status?: { endpoints?: unknown[] } }>('GET', `${slices}/today-cowboys`);
    return (s.status?.endpoints?.length ?? 0) === 0;
  });
  await save('apiexportendpointslices-watch.ndjson', await sliceWatch.stop());
  await save('apiexports-watch.ndjson', await exportWatch.stop());
  await save('apibindings-watch.ndjson', await bindingWatch.stop());
  console.log(`recorded into ${out}`);
} finally {
  await kcp.stop();
}
