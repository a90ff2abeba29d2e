// The server of the scale and heap benchmarks: K exports (and their slices) in one workspace, in a child
// process. objects 'sim': the simulator creates the exports and its controllers the slices. objects 'kcp': a
// stream server (lib/stream-child.mjs) lists K slices and K exports made from the Ready pair recorded from
// real kcp v0.28.0 (managedFields as kcp serves them) and holds the watches open.
import { kcpObjectLists } from './record.mjs';
import { startRemoteSimulator } from './sim-remote.mjs';
import { startStreamServer } from './stream-server.mjs';

/** Resolves `{ url, token, objects, watches(), connections(), close() }`. */
export async function startWatchServer(objects, k, workspace, simOptions = {}) {
  if (objects === 'kcp') {
    const lists = kcpObjectLists(k, workspace);
    const server = await startStreamServer({
      apiexportendpointslices: { list: lists.apiexportendpointslices },
      apiexports: { list: lists.apiexports },
    });
    return {
      url: server.url,
      token: 't',
      objects: 'kcp v0.28.0 (recorded, templated)',
      watches: async () => (await server.stats()).openWatches,
      connections: async () => (await server.stats()).openSockets,
      close: () => server.close(),
    };
  }
  if (objects !== 'sim') throw new Error(`objects: sim or kcp, not ${objects}`);
  const sim = await startRemoteSimulator(simOptions);
  await sim.call('createWorkspace', workspace);
  await sim.call('createExports', workspace, k);
  return {
    url: sim.url,
    token: sim.token,
    objects: 'simulator',
    watches: async () => (await sim.call('watches')).result,
    connections: async () => (await sim.call('connections')).result,
    close: () => sim.close(),
  };
}
