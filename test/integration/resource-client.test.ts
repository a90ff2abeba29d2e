import { afterEach, describe, expect, it, vi } from 'vitest';
import { firstValueFrom, takeWhile, toArray } from 'rxjs';
import type { KcpClient } from '../../src/client-types.js';
import { isApiStatusError } from '../../src/errors.js';
import { resolveLogger, silentLogger } from '../../src/logger.js';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';
import { closeAll, simClient, until } from './helpers.js';

let sim: KcpSimulator | undefined;
let client: KcpClient | undefined;
afterEach(async () => {
  await closeAll(client, sim);
  [client, sim] = [undefined, undefined];
});

async function setup() {
  sim = await startKcpSimulator({ retainedEvents: 5 });
  sim.createWorkspace('root:org:provider');
  sim.createExport('root:org:provider', 'a');
  sim.createExport('root:org:provider', 'b');
  await sim.waitForIdle();
  client = simClient(sim).workspace('root:org:provider');
  return { sim, client };
}

describe('typed resource clients', () => {
  it('get and list validated objects of the client’s workspace', async () => {
    const { client } = await setup();
    const a = await client.apiExports.get('a');
    expect(a.metadata.name).toBe('a');
    const list = await client.apiExportEndpointSlices.list();
    expect(list.items.map((s) => s.metadata.name).sort()).toEqual(['a', 'b']);
    expect(list.resourceVersion).not.toBe('');
    const missing: unknown = await client.apiExports.get('nope').catch((e: unknown) => e);
    expect(isApiStatusError(missing) && missing.status === 404).toBe(true);
  });

  it('watch resumes from a resourceVersion and follows changes', async () => {
    const { sim, client } = await setup();
    const list = await client.apiExports.list();
    const events = firstValueFrom(
      client.apiExports.watch({ resourceVersion: list.resourceVersion }).pipe(
        takeWhile((e) => e.type !== 'DELETED', true),
        toArray(),
      ),
    );
    await until(
      () => sim.watches() === 1,
      () => `${sim.watches()} watches`,
    );
    sim.createExport('root:org:provider', 'c');
    sim.deleteExport('root:org:provider', 'a');
    const got = await events;
    const named = got.map((e) => `${e.type}:${'object' in e ? e.object.metadata.name : ''}`);
    expect(named[0]).toBe('ADDED:c');
    expect(named.at(-1)).toBe('DELETED:a');
    await until(
      () => sim.watches() === 0,
      () => `${sim.watches()} watches`,
    );
  });

  it('watch ends with an ApiStatusError when the resourceVersion is too old', async () => {
    const { sim, client } = await setup();
    const list = await client.apiExports.list();
    for (let i = 0; i < 20; i++) sim.createExport('root:org:provider', `x-${i}`);
    await sim.waitForIdle();
    const error: unknown = await firstValueFrom(
      client.apiExports.watch({ resourceVersion: list.resourceVersion }).pipe(toArray()),
    ).catch((e: unknown) => e);
    expect(isApiStatusError(error) && error.status === 410).toBe(true);
  });
});

describe('logger', () => {
  it('defaults debug and info to no-ops and warn and error to the console', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const log = resolveLogger();
    log.debug('d');
    log.info('i');
    log.warn('w', { a: 1 });
    log.error('e');
    expect(warn).toHaveBeenCalledWith('w', { a: 1 });
    expect(error).toHaveBeenCalledWith('e', '');
    warn.mockRestore();
    error.mockRestore();
  });

  it('keeps the caller’s methods bound to their object', () => {
    const sink = {
      lines: [] as string[],
      info(this: { lines: string[] }, m: string) {
        this.lines.push(m);
      },
    };
    resolveLogger(sink).info('hello');
    expect(sink.lines).toEqual(['hello']);
    expect(() => {
      silentLogger.error('x');
    }).not.toThrow();
  });
});
