import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { staticTokenCredentials } from '../../src/config/connection.js';
import { loadConnection } from '../../src/config/load-connection.js';
import { transportLeaseStore } from '../../src/controller/lease-store.js';
import { isConflict, isForbidden, isInvalidArgumentError, isNotFound } from '../../src/errors.js';
import { createTransport, type HttpTransport } from '../../src/http/transport.js';
import { silentLogger } from '../../src/logger.js';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';

const WS = 'root:org:provider';
const NAMESPACES = {
  group: '',
  version: 'v1',
  plural: 'namespaces',
  kind: 'Namespace',
  schema: z.looseObject({ metadata: z.looseObject({ name: z.string() }) }),
};
const open: Array<{ sim: KcpSimulator; transport: HttpTransport }> = [];

afterEach(async () => {
  for (const { sim, transport } of open.splice(0)) {
    await transport.close();
    await sim.close();
  }
});

async function setup() {
  const sim = await startKcpSimulator();
  sim.createWorkspace(WS);
  const connection = loadConnection({
    kubeconfig: (await sim.kubeconfig()).config as unknown as Record<string, unknown>,
  }).connection;
  const transport = createTransport({ connection, logger: silentLogger });
  open.push({ sim, transport });
  return { sim, transport, store: transportLeaseStore(transport, { workspace: WS, namespace: 'default' }) };
}

describe('transportLeaseStore', () => {
  it('reads, lists by label in its namespace only, creates and updates Leases with optimistic concurrency', async () => {
    const { transport, store } = await setup();
    expect(store.description).toBe(`${WS}/default`);
    expect(await store.get('missing')).toBeUndefined();
    const a = await store.create({
      metadata: { name: 'a', labels: { role: 'member' } },
      spec: { holderIdentity: 'x' },
    });
    await store.create({ metadata: { name: 'b' }, spec: {} });
    await transport.create(NAMESPACES, WS, { metadata: { name: 'other' } });
    const other = transportLeaseStore(transport, { workspace: WS, namespace: 'other' });
    await other.create({ metadata: { name: 'c', labels: { role: 'member' } }, spec: {} });
    expect((await store.list()).map((l) => l.metadata.name)).toEqual(['a', 'b']);
    expect((await store.list('role=member')).map((l) => l.metadata.name)).toEqual(['a']);
    expect(
      (await other.list('role=member')).map((l) => `${l.metadata.namespace}/${l.metadata.name}`),
    ).toEqual(['other/c']);
    const got = await store.get('a');
    expect(got?.spec?.holderIdentity).toBe('x');
    const updated = await store.update({ ...a, spec: { holderIdentity: 'y' } });
    expect(updated.metadata.resourceVersion).not.toBe(a.metadata.resourceVersion);
    const stale = await store.update({ ...a, spec: { holderIdentity: 'z' } }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    const again = await store.create({ metadata: { name: 'a' }, spec: {} }).catch((e: unknown) => e);
    expect(isConflict(again)).toBe(true);
  });

  it('tells a missing Lease (undefined) from a missing namespace on create (404 naming the namespace)', async () => {
    const { transport } = await setup();
    const nowhere = transportLeaseStore(transport, { workspace: WS, namespace: 'kube-system' });
    expect(await nowhere.get('x')).toBeUndefined();
    const e = await nowhere.create({ metadata: { name: 'x' }, spec: {} }).catch((x: unknown) => x);
    expect(isNotFound(e)).toBe(true);
    expect(String(e)).toContain('namespaces "kube-system" not found');
  });

  it('rejects a 403 instead of reading it as "no Lease", and refuses an invalid namespace before any request', async () => {
    const { sim, transport } = await setup();
    sim.addUser('bot', { token: 'bot-token' });
    const connection = loadConnection({
      kubeconfig: (await sim.kubeconfig()).config as unknown as Record<string, unknown>,
    }).connection;
    const bot = createTransport({
      connection: { ...connection, credentials: staticTokenCredentials('bot-token') },
      logger: silentLogger,
    });
    try {
      const denied = await transportLeaseStore(bot, { workspace: WS, namespace: 'default' })
        .get('x')
        .catch((e: unknown) => e);
      expect(isForbidden(denied)).toBe(true);
      expect(String(denied)).toContain(
        'cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "default"',
      );
    } finally {
      await bot.close();
    }
    const bad = await transportLeaseStore(transport, { workspace: WS, namespace: 'Not/Valid' })
      .list()
      .catch((e: unknown) => e);
    expect(isInvalidArgumentError(bad)).toBe(true);
  });
});
