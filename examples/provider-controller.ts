/**
 * A provider controller that runs one worker per virtual-workspace URL and starts/stops workers as
 * APIBindings come and go on different shards.  npx tsx examples/provider-controller.ts
 */
import { createClient, type EndpointChange } from 'kcp-endpoints';
import { startKcpSimulator } from 'kcp-endpoints/testing';

const sim = await startKcpSimulator();
sim.addShard('beta', { virtualWorkspaceURL: 'https://beta.kcp.example:6443' });
sim.createWorkspace('root:org:provider');
sim.createWorkspace('root:org:team-a');
sim.createWorkspace('root:org:team-b', { shard: 'beta' });
sim.createExport('root:org:provider', 'today-cowboys');
await sim.waitForIdle();

const client = createClient({
  server: `${sim.url}/clusters/root:org:provider`,
  token: sim.token,
  kubeconfig: {},
  logger: {
    warn: (msg) => {
      console.warn(`[warn] ${msg}`);
    },
  },
});
const workers = new Map<string, AbortController>();

function reconcile(change: EndpointChange): void {
  for (const url of change.added) {
    const ac = new AbortController();
    workers.set(url, ac);
    // A real controller would start an informer on `${url}/clusters/*` here, stopped by ac.signal.
    console.log(`start worker for ${url}`);
  }
  for (const url of change.removed) {
    workers.get(url)?.abort();
    workers.delete(url);
    console.log(`stop worker for ${url}`);
  }
  console.log(`  -> ${change.phase}: ${change.message}`);
}

const status = client.status$.subscribe((s) => {
  if (s.type === 'retrying') console.warn(`[retry] ${s.resource} attempt ${s.attempt} in ${s.delayMs} ms`);
});
const subscription = client.watchEndpoints('today-cowboys').subscribe(reconcile);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
sim.bind('root:org:team-a', 'root:org:provider:today-cowboys');
await pause(200);
sim.bind('root:org:team-b', 'root:org:provider:today-cowboys');
await pause(200);
sim.unbind('root:org:team-b', 'today-cowboys');
await pause(300);

subscription.unsubscribe();
status.unsubscribe();
await client.close();
await sim.close();
