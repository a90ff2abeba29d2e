import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';
import { runInProcess } from './helpers.js';

describe('a custom slice that names the export by its logical cluster name (simulator)', () => {
  let sim: KcpSimulator;
  let kc: string[];
  let cluster: string;
  beforeAll(async () => {
    sim = await startKcpSimulator({ profile: '0.28+' });
    sim.createWorkspace('root:org:slices');
    cluster = sim.createWorkspace('root:org:provider').cluster;
    sim.createExport('root:org:provider', 'x');
    sim.createSlice('root:org:slices', 'by-name', { export: `${cluster}:x` });
    sim.createSlice('root:org:slices', 'by-path', { export: 'root:org:provider:x' });
    await sim.waitForIdle();
    kc = ['-s', `${sim.url}/clusters/root`, '--token', sim.token];
  });
  afterAll(async () => {
    await sim.close();
  });

  it('get warns with SliceReferenceNotCanonical, names the canonical path and the nudge command', async () => {
    const [json, text, canonical] = await Promise.all([
      runInProcess(['get', 'root:org:provider:x', '--slice', 'root:org:slices:by-name', '-o', 'json', ...kc]),
      runInProcess(['get', 'root:org:provider:x', '--slice', 'root:org:slices:by-name', ...kc]),
      runInProcess(['get', 'root:org:provider:x', '--slice', 'root:org:slices:by-path', '-o', 'json', ...kc]),
    ]);
    const j = JSON.parse(json.stdout);
    expect(j.warningDetails).toEqual([
      {
        code: 'SliceReferenceNotCanonical',
        message: expect.stringContaining(`names its APIExport by "${cluster}"`),
      },
    ]);
    expect(j.warnings[0]).toContain('spec.export.path: root:org:provider');
    expect(j.warnings[0]).toContain(
      'kcp-endpoints nudge root:org:provider:x --slice root:org:slices:by-name',
    );
    expect(text.stdout).toContain(
      'warning: APIExportEndpointSlice root:org:slices:by-name names its APIExport by',
    );
    expect(JSON.parse(canonical.stdout).warningDetails).toEqual([]);
  });

  it('explain shows the path of the slice and the canonical-path step', async () => {
    const r = await runInProcess([
      'explain',
      'root:org:provider:x',
      '--slice',
      'root:org:slices:by-name',
      '-o',
      'json',
      ...kc,
    ]);
    const j = JSON.parse(r.stdout);
    expect(j.slice.exportPath).toBe(cluster);
    expect(j.export.canonicalPath).toBe('root:org:provider');
    expect(j.nextSteps.join('\n')).toContain(
      'kcp-endpoints nudge root:org:provider:x --slice root:org:slices:by-name',
    );
  });
});
