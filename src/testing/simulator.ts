import { createServer as createHttpServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Auth } from './harness/auth.js';
import { realClock, Scheduler } from './clock.js';
import { ExportIndex, type ControllerContext, type SimulatorDelays } from './controllers/context.js';
import { Controllers } from './controllers/index.js';
import { FaultInjector } from './harness/faults.js';
import { createHelpers } from './harness/helpers.js';
import { createRouter } from './http/router.js';
import { ServeWindow } from './http/vw.js';
import { WatchHub } from './http/watch.js';
import { buildKubeconfig } from './harness/kubeconfig.js';
import { Objects } from './model/objects.js';
import { Store } from './model/store.js';
import { generateTls, type SimulatorTls } from './harness/tls.js';
import { Topology, type WorkspaceInfo } from './model/topology.js';
import { defaultNamespace, NAMESPACES } from './model/kube.js';
import type { KcpSimulator, SimulatorOptions } from './types.js';

/** Delays used by `delays: 'instant'` (the default): every controller reacts at once. */
export const INSTANT_DELAYS: Readonly<Required<SimulatorDelays>> = Object.freeze({
  bindingPhaseMs: 0,
  sliceReactionMs: 0,
  finalizerMs: 0,
  defaultSliceMs: 0,
});

/** Delays used by `delays: 'realistic'` (the CLI demo): roughly what a small kcp shows. */
export const REALISTIC_DELAYS: Readonly<Required<SimulatorDelays>> = Object.freeze({
  bindingPhaseMs: 400,
  sliceReactionMs: 300,
  finalizerMs: 800,
  defaultSliceMs: 500,
});

const MAX_ERRORS = 100;

function resolveDelays(d: SimulatorOptions['delays']): Required<SimulatorDelays> {
  if (d === undefined || d === 'instant') return { ...INSTANT_DELAYS };
  if (d === 'realistic') return { ...REALISTIC_DELAYS };
  return { ...INSTANT_DELAYS, ...d };
}

/**
 * Starts a kcp simulator: a real HTTP(S) server on 127.0.0.1 that serves APIExports, endpoint slices,
 * APIBindings, Partitions and Shards like kcp does, with kcp's controllers emulated per version profile; the
 * resources of bound APIExports in consumer workspaces; and each shard's APIExport virtual workspaces.
 *
 * @example
 * ```ts
 * const sim = await startKcpSimulator({ profile: '0.29+' });
 * sim.createExport('root:org:provider', 'today-cowboys');
 * sim.bind('root:org:consumer', 'root:org:provider:today-cowboys');
 * sim.endpoints('root:org:provider', 'today-cowboys'); // [`${sim.url}/services/apiexport/<cluster>/today-cowboys`]
 * await sim.close();
 * ```
 */
export async function startKcpSimulator(options: SimulatorOptions = {}): Promise<KcpSimulator> {
  const clock = options.clock ?? realClock;
  const seed = options.seed ?? 'kcp-simulator';
  // '0.28+' is the earlier name of '0.29+'
  const profile = options.profile === undefined || options.profile === '0.28+' ? '0.29+' : options.profile;
  const errors: unknown[] = [];
  const scheduler = new Scheduler(clock);
  scheduler.onError = (e) => {
    if (errors.length < MAX_ERRORS) errors.push(e);
  };
  const store = new Store(options.retainedEvents ?? 10_000);
  const topology = new Topology(seed);
  const objects = new Objects(store, clock, seed);
  const ctx: ControllerContext = {
    store,
    objects,
    topology,
    scheduler,
    clock,
    profile,
    gates: { EnableDeprecatedAPIExportVirtualWorkspacesUrls: false, ...options.gates },
    delays: resolveDelays(options.delays),
    index: new ExportIndex(),
  };
  const controllers = new Controllers(ctx);
  const serveWindow = new ServeWindow(clock, options.vwServeDelayMs ?? 0);
  store.onCommit((ev) => {
    serveWindow.observe(ev);
    controllers.handle(ev);
  });
  // kcp's `universal` workspace type creates the `default` namespace before a workspace is ready
  const initialize = (ws: WorkspaceInfo): void => {
    objects.create(NAMESPACES, ws, defaultNamespace(), 'controller');
  };
  for (const ws of topology.all()) initialize(ws);
  topology.onCreate = (ws) => {
    initialize(ws);
    controllers.onWorkspace(ws);
  };
  const auth = new Auth();
  const token = auth.addUser('kcp-admin', {
    admin: true,
    ...(options.token === undefined ? {} : { token: options.token }),
  });
  const faults = new FaultInjector(clock);
  const watches = new WatchHub(store, clock, {
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    defaultTimeoutSeconds: options.defaultWatchTimeoutSeconds ?? 1800,
    expiredAs: options.expiredAs ?? 'event',
  });
  const stalled = new Set<ServerResponse>();
  let url = '';
  const router = createRouter({
    store,
    objects,
    topology,
    auth,
    faults,
    watches,
    scheduler,
    clock,
    profile,
    stalled,
    anonymousAdmin: options.anonymousAdmin === true,
    serveWindow,
    baseUrl: () => url,
  });
  let tls: SimulatorTls | undefined;
  if (options.tls === true) tls = await generateTls();
  const server: Server =
    tls === undefined
      ? createHttpServer(router)
      : createHttpsServer({ key: tls.key, cert: tls.cert }, router);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => {
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  url = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
  const helpers = createHelpers({ store, objects, topology, scheduler, auth, url });
  helpers.addShard('root', { virtualWorkspaceURL: url });
  let closed: Promise<void> | undefined;

  const sim: KcpSimulator = {
    url,
    token,
    ca: tls?.ca,
    profile,
    faults,
    errors,
    kubeconfig: (o) => buildKubeconfig(url, tls?.ca, token, o),
    ...helpers,
    addUser: (name, o) => auth.addUser(name, o),
    grant: (user, workspace, o) => {
      auth.grant(user, workspace, o);
    },
    revoke: (user, workspace) => {
      auth.revoke(user, workspace);
    },
    waitForIdle: () => scheduler.idle(),
    resync: () => {
      scheduler.batch(() => {
        controllers.resync();
      });
    },
    compact: () => {
      store.compact();
    },
    resourceVersion: () => String(store.resourceVersion),
    connections: () => sockets.size,
    watches: () => watches.size,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        scheduler.close();
        watches.closeAll();
        for (const res of stalled) res.socket?.destroy();
        server.close(() => {
          resolve();
        });
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      });
      return closed;
    },
  };
  return sim;
}
