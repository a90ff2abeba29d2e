import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { KcpSimulator } from '../../src/testing/index.js';
import { sleep, startSim } from './helpers.js';

const exec = promisify(execFile);
const hasKubectl = spawnSync('which', ['kubectl']).status === 0;
if (!hasKubectl) console.warn('kubectl not found on PATH: skipping the kubectl-driven simulator tests');

const P = 'root:org:provider';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(sim: KcpSimulator): Promise<(...args: string[]) => Promise<string>> {
  const dir = mkdtempSync(join(tmpdir(), 'kcp-sim-kubectl-'));
  dirs.push(dir);
  const kc = await sim.kubeconfig({ path: join(dir, 'kubeconfig'), workspace: P });
  return async (...args: string[]) => {
    const r = await exec('kubectl', ['--kubeconfig', kc.path!, '--cache-dir', join(dir, 'cache'), ...args], {
      env: { ...process.env, KUBECACHEDIR: join(dir, 'cache'), HOME: dir },
      timeout: 15_000,
    });
    return r.stdout;
  };
}

describe.skipIf(!hasKubectl)('kubectl against the simulator', () => {
  it(
    'create export → slice empty → bind → URL appears → unbind → URL goes',
    { timeout: 30_000 },
    async () => {
      const sim = await startSim({ tls: true });
      sim.createWorkspace(P);
      const kubectl = await setup(sim);
      const dir = dirs[0]!;
      writeFileSync(
        join(dir, 'export.json'),
        JSON.stringify({
          apiVersion: 'apis.kcp.io/v1alpha2',
          kind: 'APIExport',
          metadata: { name: 'cowboys' },
          spec: {
            resources: [
              {
                name: 'cowboys',
                group: 'wildwest.dev',
                schema: 'v1.cowboys.wildwest.dev',
                storage: { crd: {} },
              },
            ],
          },
        }),
      );
      expect(await kubectl('apply', '-f', join(dir, 'export.json'))).toContain(
        'apiexport.apis.kcp.io/cowboys created',
      );
      expect(await kubectl('get', 'apiexportendpointslices')).toMatch(/^NAME\s+AGE\ncowboys\s+/);
      const empty = JSON.parse(await kubectl('get', 'apiexportendpointslice', 'cowboys', '-o', 'json'));
      expect(empty.status.endpoints).toBeUndefined();
      expect(empty.status.conditions.map((c: any) => c.status)).toEqual(['True', 'True']);

      const watch = spawn(
        'kubectl',
        [
          '--kubeconfig',
          join(dir, 'kubeconfig'),
          '--cache-dir',
          join(dir, 'cache'),
          'get',
          'apiexportendpointslices',
          '--watch',
          '-o',
          'json',
        ],
        { env: { ...process.env, HOME: dir } },
      );
      let streamed = '';
      watch.stdout.setEncoding('utf8').on('data', (d: string) => (streamed += d));
      const waitFor = async (pred: () => boolean): Promise<void> => {
        for (let i = 0; i < 200 && !pred(); i++) await sleep(25);
      };
      try {
        await waitFor(() => streamed.includes('"cowboys"'));
        sim.bind('root:org:consumer', `${P}:cowboys`);
        const url = `${sim.url}/services/apiexport/${sim.workspace(P)!.cluster}/cowboys`;
        await waitFor(() => streamed.includes(url));
        expect(streamed).toContain(url);
        const ready = JSON.parse(await kubectl('get', 'apiexportendpointslice', 'cowboys', '-o', 'json'));
        expect(ready.status.endpoints).toEqual([{ url }]);

        sim.unbind('root:org:consumer', 'cowboys');
        const gone = JSON.parse(await kubectl('get', 'apiexportendpointslice', 'cowboys', '-o', 'json'));
        expect(gone.status.endpoints).toBeUndefined();
      } finally {
        watch.kill();
      }

      writeFileSync(
        join(dir, 'export.json'),
        JSON.stringify({
          apiVersion: 'apis.kcp.io/v1alpha2',
          kind: 'APIExport',
          metadata: { name: 'cowboys', labels: { tier: 'gold' } },
          spec: { resources: [] },
        }),
      );
      expect(await kubectl('apply', '-f', join(dir, 'export.json'))).toContain('configured');
      expect(sim.get('apiexports', P, 'cowboys')!['metadata']).toMatchObject({ labels: { tier: 'gold' } });
      expect(await kubectl('delete', 'apiexport', 'cowboys')).toContain('deleted');
      expect(sim.get('apiexports', P, 'cowboys')).toBeUndefined();
      expect(sim.get('apiexportendpointslices', P, 'cowboys')).toBeUndefined();
      await expect(kubectl('get', 'apiexport', 'cowboys')).rejects.toThrow(/NotFound|not found/);
    },
  );

  it(
    'works over plain HTTP with anonymousAdmin (kubectl sends no token to http servers)',
    { timeout: 20_000 },
    async () => {
      const sim = await startSim({ anonymousAdmin: true });
      sim.createExport(P, 'cowboys');
      const kubectl = await setup(sim);
      expect(
        await kubectl(
          'get',
          'apiexports.v1alpha1.apis.kcp.io',
          'cowboys',
          '-o',
          'jsonpath={.spec.latestResourceSchemas[0]}',
        ),
      ).toBe('v1.widgets.cowboys.kcp-sim.dev');
    },
  );

  it(
    'creates and lists an exported resource in a bound consumer, and lists it through the virtual workspace',
    { timeout: 30_000 },
    async () => {
      const sim = await startSim({ tls: true });
      sim.createExport(P, 'cowboys', {
        resources: [
          {
            name: 'cowboys',
            group: 'wildwest.dev',
            schema: 'today.cowboys.wildwest.dev',
            scope: 'Namespaced',
            versions: ['v1alpha1'],
            statusSubresource: true,
          },
        ],
      });
      sim.bind('root:org:consumer', `${P}:cowboys`);
      await sim.waitForIdle();
      const kubectl = await setup(sim);
      const dir = dirs[0]!;
      writeFileSync(
        join(dir, 'cowboy.json'),
        JSON.stringify({
          apiVersion: 'wildwest.dev/v1alpha1',
          kind: 'Cowboy',
          metadata: { name: 'lucky' },
          spec: { intent: 'ride' },
        }),
      );
      const consumer = `--server=${sim.url}/clusters/root:org:consumer`;
      expect(await kubectl(consumer, 'create', '-f', join(dir, 'cowboy.json'))).toContain(
        'cowboy.wildwest.dev/lucky created',
      );
      expect(await kubectl(consumer, 'apply', '-f', join(dir, 'cowboy.json'))).toContain(
        'cowboy.wildwest.dev/lucky',
      );
      expect(await kubectl(consumer, 'get', 'cowboys')).toMatch(/^NAME\s+AGE\nlucky\s+/);
      const vw = `--server=${sim.endpoints(P, 'cowboys')[0]!}/clusters/*`;
      expect(await kubectl(vw, 'get', 'cowboys', '-A', '-o', 'name')).toBe('cowboy.wildwest.dev/lucky\n');
      expect(await kubectl(vw, 'get', 'apibindings', '-o', 'name')).toBe('apibinding.apis.kcp.io/cowboys\n');
      expect(await kubectl(vw, 'api-resources', '--no-headers', '-o', 'name')).toBe(
        'apibindings.apis.kcp.io\ncowboys.wildwest.dev\n',
      );
    },
  );
});
