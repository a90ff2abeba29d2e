import { firstValueFrom, first, lastValueFrom, take, type Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';
import { activeTimers, closeAll, Recorder, simClient, until } from './helpers.js';
import type { EndpointChange } from '../../src/endpoints/types.js';
import type { KcpClient } from '../../src/client-types.js';

let sim: KcpSimulator | undefined;
let client: KcpClient | undefined;
afterEach(async () => {
  await closeAll(client, sim);
  [client, sim] = [undefined, undefined];
});

describe('endpoint lifecycle on kcp 0.28+', () => {
  it('follows export → AwaitingBinding → Ready [A] → [A, B] → [A] → ExportMissing', async () => {
    sim = await startKcpSimulator({ profile: '0.28+' });
    sim.addShard('beta', { virtualWorkspaceURL: 'https://beta.kcp.test:6443' });
    sim.createWorkspace('root:org:provider');
    sim.createWorkspace('root:org:consumer-a');
    sim.createWorkspace('root:org:consumer-b', { shard: 'beta' });
    sim.createExport('root:org:provider', 'today-cowboys');
    await sim.waitForIdle();
    client = simClient(sim);
    const provider = client.workspace('root:org:provider');

    const one = await provider.resolveEndpoints('today-cowboys');
    expect(one).toMatchObject({ phase: 'AwaitingBinding', source: 'none', reason: 'NoBindingYet', urls: [] });

    const rec = new Recorder<EndpointChange>(provider.watchEndpoints('today-cowboys'));
    const first = await rec.until(() => true);
    expect(first).toMatchObject({ phase: 'AwaitingBinding', previous: null, added: [], removed: [] });

    sim.bind('root:org:consumer-a', 'root:org:provider:today-cowboys');
    const a = await rec.until((c) => c.phase === 'Ready');
    expect(a.urls).toHaveLength(1);
    expect(a.added).toEqual(a.urls);
    const urlA = a.urls[0]!;
    expect(urlA).toMatch(/\/services\/apiexport\/[a-z0-9]+\/today-cowboys$/);

    sim.bind('root:org:consumer-b', 'root:org:provider:today-cowboys');
    const ab = await rec.until((c) => c.urls.length === 2);
    expect(ab.added).toHaveLength(1);
    expect(ab.added[0]).toContain('beta.kcp.test');

    sim.unbind('root:org:consumer-b', 'today-cowboys');
    const back = await rec.until((c) => c.removed.length === 1);
    expect(back.urls).toEqual([urlA]);

    sim.deleteExport('root:org:provider', 'today-cowboys');
    const gone = await rec.until((c) => c.phase === 'ExportMissing' || c.phase === 'SliceNotReady');
    expect(gone.urls).toEqual([]);
    await rec.until((c) => c.phase === 'ExportMissing');

    // one emission per change, never two identical in a row
    for (let i = 1; i < rec.values.length; i++) {
      const [p, c] = [rec.values[i - 1]!, rec.values[i]!];
      expect([p.phase, p.source, p.reason, p.urls.join()]).not.toEqual([
        c.phase,
        c.source,
        c.reason,
        c.urls.join(),
      ]);
    }
    rec.stop();
  });
});

describe('a watch ended by its only subscriber', () => {
  const takers: Array<[string, (o: Observable<EndpointChange>) => Promise<EndpointChange>]> = [
    ['firstValueFrom', (o) => firstValueFrom(o)],
    ['take(1)', (o) => lastValueFrom(o.pipe(take(1)))],
    ['first(pred)', (o) => firstValueFrom(o.pipe(first((c) => c.phase === 'Ready')))],
  ];

  it.each(takers)(
    'closes every watch, socket and timer after %s, without closing the client',
    async (_name, takeOne) => {
      sim = await startKcpSimulator({ profile: '0.28+' });
      sim.createWorkspace('root:org:provider');
      sim.createWorkspace('root:org:consumer');
      sim.createExport('root:org:provider', 'today-cowboys');
      sim.bind('root:org:consumer', 'root:org:provider:today-cowboys');
      await sim.waitForIdle();
      const s = sim;
      const timersBefore = activeTimers();
      const requests: string[] = [];
      client = simClient(sim, {
        logger: { ...silentLogger, debug: (_m, ctx) => requests.push(String(ctx?.['url'])) },
      });
      const provider = client.workspace('root:org:provider');
      for (let i = 0; i < 20; i++) {
        const c = await takeOne(provider.watchEndpoints('today-cowboys'));
        expect(c.phase).toBe('Ready');
      }
      await until(
        () => s.watches() === 0 && s.connections() === 0,
        () => `${s.watches()} watches, ${s.connections()} connections`,
      );
      expect(requests.filter((u) => u.includes('watch=true'))).toEqual([]);
      expect(requests.length).toBeGreaterThan(0);
      expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
    },
  );
});
