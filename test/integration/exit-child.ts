// Child process for exit.test.ts: subscribes to 50 exports, unsubscribes them all and does NOT call
// client.close(). The process must then exit by itself: no open sockets, no pending timers.
import { startKcpSimulator } from '../../src/testing/index.js';
import { simClient } from './helpers.js';

const sim = await startKcpSimulator();
sim.createWorkspace('root:org:provider');
for (let i = 0; i < 50; i++) sim.createExport('root:org:provider', `e-${i}`);
await sim.waitForIdle();
const client = simClient(sim);
const provider = client.workspace('root:org:provider');
let seen = 0;
const subs = Array.from({ length: 50 }, (_, i) =>
  provider.watchEndpoints(`e-${i}`).subscribe(() => (seen += 1)),
);
while (seen < 50) await new Promise((r) => setTimeout(r, 5));
await provider.resolveEndpoints('e-0');
for (const s of subs) s.unsubscribe();
await new Promise((r) => setTimeout(r, 50));
const open = sim.connections();
await sim.close();
process.stdout.write(`unsubscribed seen=${seen} serverConnections=${open}\n`);
