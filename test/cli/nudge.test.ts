import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client.js';
import { NUDGE_ANNOTATION, nudgeOnce } from '../../src/endpoints/nudge.js';
import { ApiStatusError, NetworkError } from '../../src/errors.js';
import type { Transport } from '../../src/http/types.js';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';
import { runInProcess } from './helpers.js';

describe('nudge', () => {
  let sim: KcpSimulator;
  let kc: string[];
  beforeAll(async () => {
    sim = await startKcpSimulator({ profile: '0.28+' });
    sim.createWorkspace('root:org:provider');
    sim.createWorkspace('root:org:slices');
    sim.createExport('root:org:provider', 'x');
    sim.createSlice('root:org:slices', 'custom', { export: 'root:org:provider:x' });
    sim.addUser('reader', { token: 'reader-token' });
    sim.grant('reader', 'root:org:slices', { verbs: ['get', 'list', 'watch'] });
    await sim.waitForIdle();
    kc = ['-s', `${sim.url}/clusters/root`, '--token', sim.token];
  });
  afterAll(async () => {
    await sim.close();
  });

  it('sets the nudged-at annotation on the default slice with a merge patch and exits 0', async () => {
    const before = Date.now();
    const r = await runInProcess(['nudge', 'root:org:provider:x', '-o', 'json', ...kc]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({
      slice: { path: 'root:org:provider', name: 'x' },
      annotation: NUDGE_ANNOTATION,
    });
    expect(Date.parse(j.value)).toBeGreaterThanOrEqual(before - 1000);
    const client = createClient({ server: `${sim.url}/clusters/root`, token: sim.token });
    try {
      const s = await client.workspace('root:org:provider').apiExportEndpointSlices.get('x');
      expect(s.metadata.annotations?.[NUDGE_ANNOTATION]).toBe(j.value);
      expect(s.spec.export).toEqual({ path: 'root:org:provider', name: 'x' });
    } finally {
      await client.close();
    }
  });

  it('nudges a custom slice given with --slice and says how to check the result', async () => {
    const r = await runInProcess([
      'nudge',
      'root:org:provider:x',
      '--slice',
      'root:org:slices:custom',
      ...kc,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^nudged APIExportEndpointSlice root:org:slices:custom: kcp-endpoints\.dev\/nudged-at=\S+; kcp reconciles it again now \(check with: kcp-endpoints get root:org:provider:x --slice root:org:slices:custom\)\n$/,
    );
  });

  it('says which verb is missing on 403 and exits 5', async () => {
    const r = await runInProcess([
      'nudge',
      'root:org:provider:x',
      '--slice',
      'root:org:slices:custom',
      '-s',
      `${sim.url}/clusters/root`,
      '--token',
      'reader-token',
    ]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(
      'Not allowed to nudge APIExportEndpointSlice root:org:slices:custom: missing verb "patch" on apiexportendpointslices in root:org:slices',
    );
    expect(r.stderr).toContain('kubectl create clusterrole kcp-endpoints-nudge --verb=patch');
  });

  it('exits 4 for a slice that does not exist', async () => {
    const r = await runInProcess(['nudge', 'root:org:provider:x', '--slice', 'nothere', ...kc]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('APIExportEndpointSlice root:org:provider:nothere does not exist');
  });

  it('refuses --mode and a missing reference as usage errors', async () => {
    const [mode, none] = await Promise.all([
      runInProcess(['nudge', 'root:org:provider:x', '--mode', 'auto', ...kc]),
      runInProcess(['nudge', ...kc]),
    ]);
    expect(mode.code).toBe(2);
    expect(none.code).toBe(2);
  });
});

describe('nudgeOnce', () => {
  const slice = { path: 'root:p', name: 's' };
  const failing = (e: Error): Transport => ({ patch: () => Promise.reject(e) }) as unknown as Transport;

  it('passes other errors through unchanged', async () => {
    const e = new NetworkError('refused');
    await expect(nudgeOnce(failing(e), { slice })).rejects.toBe(e);
    const teapot = new ApiStatusError('no', { status: 500, reason: 'InternalError' });
    await expect(nudgeOnce(failing(teapot), { slice })).rejects.toBe(teapot);
  });

  it('says the credentials were rejected on 401 and keeps the status', async () => {
    const err = await nudgeOnce(
      failing(new ApiStatusError('Unauthorized', { status: 401, reason: 'Unauthorized' })),
      {
        slice,
      },
    ).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(ApiStatusError);
    expect((err as ApiStatusError).status).toBe(401);
    expect((err as ApiStatusError).message).toContain('credentials were rejected');
  });

  it('writes the time it is given as the annotation value', async () => {
    let body: unknown;
    const t = {
      patch: (_d: unknown, _c: string, _n: string, b: unknown) => {
        body = b;
        return Promise.resolve({ metadata: { name: 's', resourceVersion: '9' } });
      },
    } as unknown as Transport;
    const r = await nudgeOnce(t, { slice }, { now: () => new Date('2026-12-03T10:00:00Z') });
    expect(body).toEqual({ metadata: { annotations: { [NUDGE_ANNOTATION]: '2026-12-03T10:00:00.000Z' } } });
    expect(r).toEqual({
      slice,
      annotation: NUDGE_ANNOTATION,
      value: '2026-12-03T10:00:00.000Z',
      resourceVersion: '9',
    });
  });
});
