import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client.js';
import type { EndpointChange } from '../../src/endpoints/types.js';
import { isAbortError } from '../../src/errors.js';
import { AgentPool } from '../../src/http/agents.js';
import { silentLogger } from '../../src/logger.js';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';
import { Recorder, TINY, activeTimers, simClient, until } from './helpers.js';

const REF = 'root:org:provider:today-cowboys';
const EMPTY_KUBECONFIG = { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] } as const;

/** A loopback server that accepts requests and never answers; counts its open connections. */
async function silentServer(): Promise<{ url: string; open: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = http.createServer(() => undefined);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    open: () => sockets.size,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function simulator(): Promise<KcpSimulator> {
  const sim = await startKcpSimulator();
  cleanups.push(() => sim.close());
  sim.createWorkspace('root:org:provider');
  sim.createExport('root:org:provider', 'today-cowboys');
  await sim.waitForIdle();
  return sim;
}

describe('client.close()', () => {
  it('completes every endpoint stream, stops every watch loop and then resolves, and `closed` with it', async () => {
    const sim = await simulator();
    const client = simClient(sim);
    const timersBefore = activeTimers();
    const rec = new Recorder<EndpointChange>(client.watchEndpoints(REF));
    await rec.until(() => true);
    let completed = false;
    rec.subscription.add(() => (completed = true));
    let closedSettled = false;
    void client.closed.then(() => (closedSettled = true));
    const closing = client.close();
    expect(completed).toBe(true);
    expect(client.workspace('root:org').close()).toBe(closing);
    await closing;
    await client.closed;
    expect(closedSettled).toBe(true);
    expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    // Nothing is left connected to the server once close() resolved.
    await until(
      () => sim.connections() === 0,
      () => `${sim.connections()} connections still open on the simulator`,
    );
  });

  it('rejects requests in flight and later calls with AbortError, and a later watch completes at once', async () => {
    const srv = await silentServer();
    cleanups.push(srv.close);
    const client = createClient({
      server: `${srv.url}/clusters/root`,
      token: 'close-test-token',
      kubeconfig: EMPTY_KUBECONFIG,
      logger: silentLogger,
      watch: TINY,
    });
    const pending = client.resolveEndpoints(REF);
    await until(
      () => srv.open() > 0,
      () => 'the request never reached the server',
    );
    await client.close();
    const error = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAbortError(error)).toBe(true);
    const later = await client.apiExports.get('x').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAbortError(later)).toBe(true);
    let completed = false;
    client.watchEndpoints(REF).subscribe({ complete: () => (completed = true) });
    expect(completed).toBe(true);
    await until(
      () => srv.open() === 0,
      () => `${srv.open()} connections still open on the server`,
    );
  });
});

describe('AgentPool.destroy()', () => {
  it('resolves only once every socket it had, idle or in use, has closed', async () => {
    const srv = await silentServer();
    cleanups.push(srv.close);
    const pool = new AgentPool({ insecureSkipTlsVerify: false });
    const { httpAgent } = pool.forRequest(srv.url);
    const requests = [1, 2].map(() => {
      const req = http.get(`${srv.url}/hang`, { agent: httpAgent });
      req.on('error', () => undefined);
      return req;
    });
    await until(
      () => srv.open() === 2,
      () => `${srv.open()} connections`,
    );
    const sockets = requests.map((r) => r.socket).filter((s): s is Socket => s !== null);
    expect(sockets).toHaveLength(2);
    await pool.destroy();
    expect(sockets.every((s) => s.closed)).toBe(true);
  });
});
