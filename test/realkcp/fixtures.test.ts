/**
 * Decoding what real kcp sends: the list and watch responses recorded from kcp v0.28.0
 * (`npm run record:fixtures`), with managedFields, field managers named after shards and kcp's own
 * annotations, labels and finalizers, served back on loopback to the SDK's transport and decoders.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client.js';
import type { KcpClient } from '../../src/client-types.js';
import { readSliceEndpoints } from '../../src/kcp/apiexportendpointslice.js';
import { silentLogger } from '../../src/logger.js';

const DIR = join(import.meta.dirname, '../fixtures/kcp-v0.28.0');
const PROVIDER = 'root:fixtures-provider';
const CONSUMER = 'root:fixtures-consumer-a';

interface Item {
  metadata: { name: string; managedFields?: Array<{ manager: string; operation: string }> };
}
const read = (f: string): string => readFileSync(join(DIR, f), 'utf8');
const lists: Record<string, { items: Item[] }> = {
  apiexportendpointslices: JSON.parse(read('apiexportendpointslices-list.json')) as { items: Item[] },
  apiexports: JSON.parse(read('apiexports-list.json')) as { items: Item[] },
  apibindings: JSON.parse(read('apibindings-list.json')) as { items: Item[] },
};
const watches: Record<string, string> = {
  apiexportendpointslices: read('apiexportendpointslices-watch.ndjson'),
  apiexports: read('apiexports-watch.ndjson'),
  apibindings: read('apibindings-watch.ndjson'),
};

/** Serves the recorded responses: list, get by name, and watch (the recorded stream, then close). */
function fixtureServer(): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fixtures.invalid');
    const m = /^\/clusters\/([^/]+)\/apis\/apis\.kcp\.io\/v1alpha1\/([a-z]+)(?:\/([^/]+))?$/.exec(
      url.pathname,
    );
    const workspace = m?.[1];
    const resource = m?.[2] ?? '';
    const list = lists[resource];
    const expected = resource === 'apibindings' ? CONSUMER : PROVIDER;
    if (m === null || list === undefined || workspace !== expected) {
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'NotFound',
          code: 404,
        }),
      );
      return;
    }
    const name = m[3];
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      res.end(watches[resource]);
      return;
    }
    if (name !== undefined) {
      const item = list.items.find((i) => i.metadata.name === name);
      res.writeHead(item === undefined ? 404 : 200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify(
          item ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 },
        ),
      );
      return;
    }
    const selector = url.searchParams.get('fieldSelector');
    const only =
      selector?.startsWith('metadata.name=') === true ? selector.slice('metadata.name='.length) : undefined;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        ...list,
        items: list.items.filter((i) => only === undefined || i.metadata.name === only),
      }),
    );
  });
}

let server: Server;
let client: KcpClient;
beforeAll(async () => {
  server = fixtureServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  client = createClient({
    server: `http://127.0.0.1:${(server.address() as AddressInfo).port}/clusters/${PROVIDER}`,
    kubeconfig: { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] },
    logger: silentLogger,
  });
});
afterAll(async () => {
  await client.close();
  await new Promise((r) => server.close(r));
});

describe('objects recorded from kcp v0.28.0', () => {
  it('carry managedFields with a field manager per shard, which the fixtures keep', () => {
    const slice = lists['apiexportendpointslices']?.items.find((i) => i.metadata.name === 'today-cowboys');
    const managers = slice?.metadata.managedFields?.map((f) => `${f.manager}/${f.operation}`);
    expect(managers).toEqual(expect.arrayContaining(['root/Apply', 'kcp/Update']));
  });

  it('list and validate endpoint slices, exports and bindings as kcp serves them', async () => {
    const slices = await client.apiExportEndpointSlices.list();
    expect(slices.items.map((s) => s.metadata.name).sort()).toEqual([
      'today-cowboys',
      'today-cowboys-eu',
      'tomorrow-cowboys',
    ]);
    const today = slices.items.find((s) => s.metadata.name === 'today-cowboys');
    expect(today === undefined ? [] : readSliceEndpoints(today).endpoints.map((e) => e.url)).toEqual([
      expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+\/services\/apiexport\/[a-z0-9]+\/today-cowboys$/),
    ]);
    const exports = await client.apiExports.list();
    expect(exports.items.map((e) => e.metadata.name).sort()).toEqual(['today-cowboys', 'tomorrow-cowboys']);
    const bindings = await client.workspace(CONSUMER).apiBindings.list();
    expect(bindings.items.map((b) => b.metadata.name)).toContain('today-cowboys');
    expect(
      bindings.items.every((b) => b.metadata.finalizers?.includes('apis.kcp.io/apibinding-finalizer')),
    ).toBe(true);
  });

  it('resolve a recorded slice with its URL, and a slice kcp has not given conditions yet as Ready', async () => {
    const r = await client.resolveEndpoints('today-cowboys');
    expect(r).toMatchObject({ phase: 'Ready', source: 'endpointSlice', reason: 'SliceHasEndpoints' });
    expect(r.urls).toHaveLength(1);
    expect(r.warnings).toEqual([]);
    // kcp's URL controller ran before the slice controller set any condition (a real, transient state)
    const eu = await client.resolveEndpoints('today-cowboys', {
      slice: 'today-cowboys-eu',
      mode: 'endpointSlice',
    });
    expect(eu).toMatchObject({ phase: 'Ready', urls: r.urls, sliceConditions: [] });
    const tomorrow = await client.resolveEndpoints('tomorrow-cowboys');
    expect(tomorrow).toMatchObject({
      phase: 'AwaitingBinding',
      reason: 'LegacyFallback',
      source: 'virtualWorkspaces',
    });
  });

  it.each([
    ['apiexportendpointslices', 12],
    ['apiexports', 7],
    ['apibindings', 12],
  ] as const)('decode every event of a recorded %s watch', async (resource, lines) => {
    const c =
      resource === 'apibindings'
        ? client.workspace(CONSUMER).apiBindings
        : resource === 'apiexports'
          ? client.apiExports
          : client.apiExportEndpointSlices;
    const events = await firstValueFrom(
      (c.watch({ resourceVersion: '1' }) as ReturnType<typeof client.apiExports.watch>).pipe(
        take(lines),
        toArray(),
      ),
    );
    const types = events.map((e) => e.type);
    expect(types).not.toContain('DECODE_ERROR');
    expect(types).not.toContain('ERROR');
    expect(types.filter((t) => t !== 'BOOKMARK').length).toBeGreaterThan(0);
  });
});
