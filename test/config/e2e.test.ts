import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client.js';
import type { KcpClient } from '../../src/client-types.js';
import type { ClientStatus } from '../../src/client-types.js';
import { loadConnection } from '../../src/config/load-connection.js';
import type { EndpointChange } from '../../src/endpoints/types.js';
import { isApiStatusError, isNetworkError, type KcpError } from '../../src/errors.js';
import { createTransport, type HttpTransport } from '../../src/http/transport.js';
import { silentLogger } from '../../src/logger.js';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';
import { generateTls } from '../../src/testing/harness/tls.js';

const PLUGIN = resolve(import.meta.dirname, '../fixtures/exec/plugin.mjs');
const b64 = (s: string): string => Buffer.from(s).toString('base64');

let sim: KcpSimulator;
let dir: string;
let kubeconfigPath: string;
const transports: HttpTransport[] = [];
let client: KcpClient | undefined;
let sub: Subscription | undefined;

beforeAll(async () => {
  sim = await startKcpSimulator({ tls: true });
  dir = mkdtempSync(join(tmpdir(), 'kcp-config-e2e-'));
  kubeconfigPath = join(dir, 'admin.kubeconfig');
  await sim.kubeconfig({ path: kubeconfigPath });
});
afterEach(async () => {
  sub?.unsubscribe();
  sub = undefined;
  await client?.close();
  client = undefined;
  await Promise.all(transports.splice(0).map((t) => t.close()));
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

function transport(options: Parameters<typeof loadConnection>[0]): HttpTransport {
  const t = createTransport({
    connection: loadConnection(options, { HOME: dir }).connection,
    logger: silentLogger,
    requestTimeoutMs: 5_000,
  });
  transports.push(t);
  return t;
}

async function failure(p: Promise<unknown>): Promise<KcpError> {
  return (await p.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (e: unknown) => e,
  )) as KcpError;
}

describe('config end to end against the simulator over TLS', () => {
  it('trusts the CA from the kubeconfig and authenticates with its token', async () => {
    const loaded = loadConnection({ kubeconfig: kubeconfigPath }, { HOME: dir });
    expect(loaded.workspace).toBe('root');
    expect(loaded.connection.tls.ca).toBe(sim.ca);
    const t = transport({ kubeconfig: kubeconfigPath });
    await expect(t.raw('/clusters/root/apis')).resolves.toMatchObject({ kind: 'APIGroupList' });
  });

  it('works with createClient() and no options from KUBECONFIG', async () => {
    const previous = process.env['KUBECONFIG'];
    process.env['KUBECONFIG'] = kubeconfigPath;
    try {
      sim.createWorkspace('root:e2e:provider');
      sim.createExport('root:e2e:provider', 'plain');
      await sim.waitForIdle();
      client = createClient({ logger: silentLogger });
      const r = await client.workspace('root:e2e:provider').resolveEndpoints('plain');
      expect(r.phase).toBe('AwaitingBinding');
    } finally {
      if (previous === undefined) delete process.env['KUBECONFIG'];
      else process.env['KUBECONFIG'] = previous;
    }
  });

  it('rejects a server signed by another CA with a clear TLS error', async () => {
    const other = await generateTls();
    const t = transport({ kubeconfig: kubeconfigPath, ca: other.ca });
    const e = await failure(t.raw('/clusters/root/apis'));
    expect(isNetworkError(e)).toBe(true);
    expect(e.message).toMatch(/certificate/i);
  });

  it('answers 401 for a wrong token and accepts a token added to the simulator', async () => {
    const bad = await failure(
      transport({ kubeconfig: kubeconfigPath, token: 'wrong-token-abcdef' }).raw('/clusters/root/apis'),
    );
    expect(isApiStatusError(bad) && bad.status === 401).toBe(true);
    const token = sim.addUser('e2e-alice', { token: 'e2e-alice-token-123456', admin: true });
    const t = transport({ server: `${sim.url}/clusters/root`, ca: sim.ca, token });
    await expect(t.raw('/clusters/root/apis')).resolves.toMatchObject({ kind: 'APIGroupList' });
  });

  it('keeps a watch going when the exec token expires and the server answers 401', async () => {
    const prefix = 'e2e-exec-token';
    for (let i = 1; i <= 200; i++) sim.addUser('e2e-exec', { token: `${prefix}-${i}`, admin: true });
    const counter = join(dir, 'exec-count');
    const execKubeconfig = join(dir, 'exec.kubeconfig');
    writeFileSync(
      execKubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'kcp',
            cluster: { server: `${sim.url}/clusters/root`, 'certificate-authority-data': b64(sim.ca ?? '') },
          },
        ],
        users: [
          {
            name: 'oidc',
            user: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1',
                command: process.execPath,
                args: [PLUGIN],
                env: [
                  { name: 'PLUGIN_TOKEN', value: prefix },
                  { name: 'PLUGIN_COUNTER', value: counter },
                  { name: 'PLUGIN_TTL_MS', value: '600' },
                ],
                interactiveMode: 'Never',
              },
            },
          },
        ],
        contexts: [{ name: 'kcp', context: { cluster: 'kcp', user: 'oidc' } }],
        'current-context': 'kcp',
      }),
    );
    sim.createWorkspace('root:exec:provider');
    sim.createWorkspace('root:exec:consumer');
    sim.createExport('root:exec:provider', 'cowboys');
    await sim.waitForIdle();

    client = createClient({
      kubeconfig: execKubeconfig,
      logger: silentLogger,
      watch: {
        backoffInitialMs: 5,
        backoffMaxMs: 40,
        minWatchTimeoutSeconds: 0.3,
        inactivitySlackMs: 2_000,
        connectTimeoutMs: 2_000,
      },
    });
    const seen: EndpointChange[] = [];
    const errors: unknown[] = [];
    const retries: ClientStatus[] = [];
    const statusSub = client.status$.subscribe((st) => {
      if (st.type === 'retrying' || st.type === 'error') retries.push(st);
    });
    sub = client
      .workspace('root:exec:provider')
      .watchEndpoints('cowboys')
      .subscribe({
        next: (c) => seen.push(c),
        error: (e: unknown) => errors.push(e),
      });
    const until = async (pred: () => boolean, ms = 8_000): Promise<void> => {
      const end = Date.now() + ms;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`timed out; seen ${JSON.stringify(seen.map((c) => c.phase))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await until(() => seen.some((c) => c.phase === 'AwaitingBinding'));
    const runsBefore = Number(readFileSync(counter, 'utf8'));

    // The first token expires (TTL 600 ms) while watches re-open; the server then rejects the next
    // watch with 401, which must make the client run the plugin again and retry.
    await new Promise((r) => setTimeout(r, 700));
    const fault = sim.faults.inject({
      kind: 'http',
      status: 401,
      match: { resource: 'apiexportendpointslices', verb: 'watch' },
    });
    await until(() => fault.remaining === 0);
    sim.bind('root:exec:consumer', 'root:exec:provider:cowboys');
    await until(() => seen.some((c) => c.phase === 'Ready'));

    statusSub.unsubscribe();
    expect(errors).toEqual([]);
    // the 401 was absorbed by refresh-and-retry inside the transport, not by the watch's backoff
    expect(
      retries.filter((st) => 'error' in st && isApiStatusError(st.error) && st.error.status === 401),
    ).toEqual([]);
    expect(sim.faults.history.some((f) => f.status === 401)).toBe(true);
    expect(Number(readFileSync(counter, 'utf8'))).toBeGreaterThan(runsBefore);
    expect(seen.at(-1)?.urls.length).toBeGreaterThan(0);
  });
});
