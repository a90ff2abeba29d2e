/**
 * Quick start: resolve and watch the virtual-workspace URLs of an APIExport.
 * Runs against the bundled kcp simulator, so it needs no kcp:  npx tsx examples/quick-start.ts
 * Against a real kcp, drop the simulator and call createClient() (it reads your kubeconfig like kubectl).
 */
import { createClient } from 'kcp-endpoints';
import { startKcpSimulator } from 'kcp-endpoints/testing';

const sim = await startKcpSimulator();
sim.createWorkspace('root:org:provider');
sim.createWorkspace('root:org:consumer');
sim.createExport('root:org:provider', 'today-cowboys');
await sim.waitForIdle();
const { path: kubeconfig } = await sim.kubeconfig({ path: `${process.cwd()}/.tmp-quick-start.kubeconfig` });

const client = createClient({ kubeconfig });
const provider = client.workspace('root:org:provider');

// One-shot: nobody has bound the export yet, so the slice lists no URL.
const r = await provider.resolveEndpoints('today-cowboys');
console.log(`${r.phase} (${r.reason}): ${r.message}`);

// Stream: the first emission comes after the initial sync, then one per change.
const subscription = provider.watchEndpoints('today-cowboys').subscribe((change) => {
  console.log(
    `${change.phase} source=${change.source} urls=[${change.urls.join(', ')}] added=[${change.added.join(', ')}]`,
  );
});

sim.bind('root:org:consumer', 'root:org:provider:today-cowboys');
await new Promise((resolve) => setTimeout(resolve, 300));

subscription.unsubscribe();
await client.close();
await sim.close();
const { rm } = await import('node:fs/promises');
await rm(kubeconfig ?? '', { force: true });
