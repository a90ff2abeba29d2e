/**
 * Migrating code that read APIExport.status.virtualWorkspaces (empty by default since kcp 0.28).
 * npx tsx examples/migrate-from-virtualworkspaces.ts
 */
import { createClient, legacyVirtualWorkspaces } from 'kcp-endpoints';
import { startKcpSimulator } from 'kcp-endpoints/testing';

const sim = await startKcpSimulator({ profile: '0.28+' });
sim.createWorkspace('root:org:provider');
sim.createWorkspace('root:org:consumer');
sim.createExport('root:org:provider', 'today-cowboys');
sim.bind('root:org:consumer', 'root:org:provider:today-cowboys');
await sim.waitForIdle();

const client = createClient({ server: `${sim.url}/clusters/root`, token: sim.token, kubeconfig: {} });

// Before:
//   const exp = await getAPIExport('root:org:provider', 'today-cowboys');
//   const urls = exp.status.virtualWorkspaces;            // [] on kcp >= 0.28
// After: the same shape, sourced from the endpoint slice first and the legacy field as a fallback.
const virtualWorkspaces = await legacyVirtualWorkspaces(client, 'root:org:provider:today-cowboys');
for (const { url } of virtualWorkspaces) console.log(url);

await client.close();
await sim.close();
