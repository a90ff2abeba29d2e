import { afterEach, describe, expect, it } from 'vitest';
import { createOneShotClient, openFamily } from '../../src/client-family.js';
import type { ClientOptions } from '../../src/client-types.js';
import { watchingClient } from '../../src/client.js';
import { isAbortError } from '../../src/errors.js';
import { silentLogger } from '../../src/logger.js';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';
import { simClient, TINY } from './helpers.js';

const REF = 'root:org:provider:today-cowboys';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function simulator(): Promise<KcpSimulator> {
  const sim = await startKcpSimulator();
  cleanups.push(() => sim.close());
  sim.createWorkspace('root:org:provider');
  sim.createExport('root:org:provider', 'today-cowboys');
  sim.bind('root:org:consumer', REF);
  await sim.waitForIdle();
  return sim;
}

function options(sim: KcpSimulator, extra: ClientOptions = {}): ClientOptions {
  return {
    server: `${sim.url}/clusters/root`,
    token: sim.token,
    kubeconfig: { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] },
    logger: silentLogger,
    watch: TINY,
    requestTimeoutMs: 5_000,
    ...extra,
  };
}

describe('the one-shot client', () => {
  it('resolves exactly what createClient resolves, in the same workspace', async () => {
    const sim = await simulator();
    const oneShot = createOneShotClient(options(sim));
    const full = simClient(sim);
    cleanups.push(
      () => oneShot.close(),
      () => full.close(),
    );
    expect(oneShot.workspacePath).toBe(full.workspacePath);
    const [a, b] = await Promise.all([oneShot.resolveEndpoints(REF), full.resolveEndpoints(REF)]);
    expect(a.phase).toBe('Ready');
    expect(a).toEqual(b);
  });

  it('rejects later calls with AbortError once closed, and `closed` resolves', async () => {
    const sim = await simulator();
    const client = createOneShotClient(options(sim));
    await client.close();
    await expect(client.closed).resolves.toBeUndefined();
    const late = await client.resolveEndpoints(REF).catch((e: unknown) => e);
    expect(isAbortError(late)).toBe(true);
  });

  it('logs the deprecated-fallback warning once per export, however many times it resolves', async () => {
    const sim = await startKcpSimulator({ gates: { EnableDeprecatedAPIExportVirtualWorkspacesUrls: true } });
    cleanups.push(() => sim.close());
    sim.createWorkspace('root:org:provider');
    sim.createExport('root:org:provider', 'legacy', { skipEndpointSlice: true });
    await sim.waitForIdle();
    const warnings: string[] = [];
    const client = createOneShotClient(
      options(sim, { logger: { ...silentLogger, warn: (m: string) => warnings.push(m) } }),
    );
    cleanups.push(() => client.close());
    const first = await client.resolveEndpoints('root:org:provider:legacy');
    await client.resolveEndpoints('root:org:provider:legacy');
    expect(first.reason).toBe('LegacyFallback');
    expect(warnings.filter((w) => w.includes('deprecated APIExport.status.virtualWorkspaces'))).toHaveLength(
      1,
    );
  });
});

describe('a client family', () => {
  it('closes its attachment before the transport, once, however often close() is called', async () => {
    const sim = await simulator();
    const family = openFamily(options(sim));
    const order: string[] = [];
    family.attach({
      close: async () => {
        // the transport is still open while the attachment stops
        const r = await family.transport.get(
          (await import('../../src/kcp/apiexport.js')).APIEXPORTS_V1ALPHA1,
          'root:org:provider',
          'today-cowboys',
        );
        order.push(`attachment closed after reading ${r.metadata.name}`);
      },
    });
    const closes = [family.close(), family.close()];
    expect(closes[0]).toBe(closes[1]);
    await Promise.all(closes);
    order.push('family closed');
    expect(order).toEqual(['attachment closed after reading today-cowboys', 'family closed']);
  });

  it('refuses a second attachment and any attachment after close()', async () => {
    const sim = await simulator();
    const family = openFamily(options(sim));
    family.attach({ close: () => Promise.resolve() });
    expect(() => {
      family.attach({ close: () => Promise.resolve() });
    }).toThrow('already has watches');
    await family.close();
    const other = openFamily(options(sim));
    await other.close();
    expect(() => {
      other.attach({ close: () => Promise.resolve() });
    }).toThrow('closed');
  });

  it('becomes a watching client that shares the family: one resolution read, then a watch, one close', async () => {
    const sim = await simulator();
    const family = openFamily(options(sim));
    const client = watchingClient(family);
    const once = await client.resolveEndpoints(REF);
    const first = await new Promise((resolve, reject) => {
      const sub = client.watchEndpoints(REF).subscribe({
        next: (c) => {
          sub.unsubscribe();
          resolve(c);
        },
        error: reject,
      });
    });
    expect(first).toMatchObject({ phase: once.phase, urls: once.urls });
    await client.close();
    await expect(family.closed).resolves.toBeUndefined();
  });
});
