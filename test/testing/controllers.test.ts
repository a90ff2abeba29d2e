import { describe, expect, it } from 'vitest';
import { api, startSim } from './helpers.js';

const P = 'root:org:provider';

function conditions(obj: any): Record<string, any> {
  return Object.fromEntries((obj?.status?.conditions ?? []).map((c: any) => [c.type, c]));
}

describe('default endpoint slice (0.28+)', () => {
  it('creates a slice named like the export, owned by it, pointing at the export path', async () => {
    const sim = await startSim();
    const exp = sim.createExport(P, 'cowboys');
    const slice = sim.get('apiexportendpointslices', P, 'cowboys')!;
    expect(slice['spec']).toEqual({ export: { path: P, name: 'cowboys' } });
    expect((slice['metadata'] as any).ownerReferences).toEqual([
      {
        apiVersion: 'apis.kcp.io/v1alpha1',
        kind: 'APIExport',
        name: 'cowboys',
        uid: (exp['metadata'] as any).uid,
      },
    ]);
    expect((slice['metadata'] as any).annotations['kcp.io/cluster']).toBe(sim.workspace(P)!.cluster);
    const c = conditions(slice);
    expect(c['APIExportValid'].status).toBe('True');
    expect(c['PartitionValid'].status).toBe('True');
    expect((slice['status'] as any).endpoints).toBeUndefined();
    expect(sim.endpoints(P, 'cowboys')).toEqual([]);
  });

  it('skips the slice when the export carries the skip-endpointslice annotation', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys', { skipEndpointSlice: true });
    expect(sim.get('apiexportendpointslices', P, 'cowboys')).toBeUndefined();
  });

  it('re-creates the default slice after it is deleted while the export exists', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys');
    const uid = (sim.get('apiexportendpointslices', P, 'cowboys')!['metadata'] as any).uid;
    sim.deleteSlice(P, 'cowboys');
    const again = sim.get('apiexportendpointslices', P, 'cowboys')!;
    expect((again['metadata'] as any).uid).not.toBe(uid);
  });

  it('garbage-collects the default slice with its export but keeps a manual slice with APIExportNotFound', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys');
    sim.createSlice(P, 'manual', { export: { path: P, name: 'cowboys' } });
    sim.bind('root:org:consumer', `${P}:cowboys`);
    expect(sim.endpoints(P, 'manual')).toHaveLength(1);
    sim.deleteExport(P, 'cowboys');
    expect(sim.get('apiexportendpointslices', P, 'cowboys')).toBeUndefined();
    const manual = sim.get('apiexportendpointslices', P, 'manual')!;
    expect(conditions(manual)['APIExportValid']).toMatchObject({
      status: 'False',
      severity: 'Error',
      reason: 'APIExportNotFound',
      message: `Error getting APIExport ${P}|cowboys`,
    });
    expect((manual['status'] as any).endpoints).toBeUndefined();
  });

  it('brings the URL back when a deleted export is created again', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys', { skipEndpointSlice: true });
    sim.createSlice(P, 'manual', { export: { path: P, name: 'cowboys' } });
    sim.bind('root:org:consumer', `${P}:cowboys`);
    sim.deleteExport(P, 'cowboys');
    expect(sim.endpoints(P, 'manual')).toEqual([]);
    sim.createExport(P, 'cowboys', { skipEndpointSlice: true });
    expect(sim.endpoints(P, 'manual')).toHaveLength(1);
  });

  it('matches bindings to slices by path text: a slice naming the export by cluster or with an empty path reacts only to its own changes', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys', { skipEndpointSlice: true });
    const cluster = sim.workspace(P)!.cluster;
    sim.createSlice(P, 'canonical', { export: { path: P, name: 'cowboys' } });
    sim.createSlice(P, 'by-name', { export: { path: cluster, name: 'cowboys' } });
    sim.createSlice(P, 'local', { export: 'cowboys' });
    sim.bind('root:org:consumer', `${P}:cowboys`);
    const url = `${sim.url}/services/apiexport/${cluster}/cowboys`;
    expect(sim.endpoints(P, 'canonical')).toEqual([url]);
    // kcp re-queues on a binding event only the slices whose path has the binding's text
    expect(sim.endpoints(P, 'by-name')).toEqual([]);
    expect(sim.endpoints(P, 'local')).toEqual([]);
    sim.resync();
    await sim.waitForIdle();
    expect(sim.endpoints(P, 'by-name')).toEqual([url]);
    expect(sim.endpoints(P, 'local')).toEqual([url]);
    sim.unbind('root:org:consumer', 'cowboys');
    await sim.waitForIdle();
    expect(sim.endpoints(P, 'canonical')).toEqual([]);
    expect(sim.endpoints(P, 'by-name')).toEqual([url]);
  });

  it('re-queues slices named by logical cluster for bindings that use the cluster name too', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys', { skipEndpointSlice: true });
    const cluster = sim.workspace(P)!.cluster;
    sim.createSlice(P, 'by-name', { export: { path: cluster, name: 'cowboys' } });
    sim.bind('root:org:consumer', { path: cluster, name: 'cowboys' });
    expect(sim.endpoints(P, 'by-name')).toEqual([`${sim.url}/services/apiexport/${cluster}/cowboys`]);
  });

  it('picks up a reference to a workspace that is created later', async () => {
    const sim = await startSim();
    sim.createSlice('root:a', 'early', { export: 'root:later:cowboys' });
    expect(conditions(sim.get('apiexportendpointslices', 'root:a', 'early'))['APIExportValid'].status).toBe(
      'False',
    );
    sim.createExport('root:later', 'cowboys');
    expect(conditions(sim.get('apiexportendpointslices', 'root:a', 'early'))['APIExportValid'].status).toBe(
      'True',
    );
  });
});

describe('per-shard URL rule (kcp-api.md §3.3)', () => {
  it('uses the URL format <shard VW URL>/services/apiexport/<export cluster>/<export name>', async () => {
    const sim = await startSim();
    sim.addShard('beta', { virtualWorkspaceURL: 'https://beta.example.com:6443/vw/' });
    sim.createExport(P, 'cowboys');
    sim.createWorkspace('root:c2', { shard: 'beta' });
    sim.bind('root:c2', `${P}:cowboys`);
    const cluster = sim.workspace(P)!.cluster;
    expect(cluster).toMatch(/^[a-z0-9]{16}$/);
    expect(sim.endpoints(P, 'cowboys')).toEqual([
      `https://beta.example.com:6443/vw/services/apiexport/${cluster}/cowboys`,
    ]);
  });

  it('adds one URL per shard hosting a binding and removes it with the last binding there', async () => {
    const sim = await startSim();
    sim.addShard('beta');
    sim.createExport(P, 'cowboys');
    sim.bind('root:a', `${P}:cowboys`);
    sim.bind('root:a2', `${P}:cowboys`);
    sim.bind('root:b', `${P}:cowboys`, { shard: 'beta' });
    const urls = sim.endpoints(P, 'cowboys');
    expect(urls).toHaveLength(2);
    expect(urls[1]).toContain('https://beta.shards.kcp.test:6443/services/apiexport/');
    sim.unbind('root:a', 'cowboys');
    expect(sim.endpoints(P, 'cowboys')).toEqual(urls);
    sim.unbind('root:a2', 'cowboys');
    expect(sim.endpoints(P, 'cowboys')).toEqual([urls[1]]);
    sim.unbind('root:b', 'cowboys');
    expect(sim.endpoints(P, 'cowboys')).toEqual([]);
  });

  it('ignores shards without a virtualWorkspaceURL', async () => {
    const sim = await startSim();
    sim.addShard('novw', { virtualWorkspaceURL: '' });
    sim.createExport(P, 'cowboys');
    sim.bind('root:x', `${P}:cowboys`, { shard: 'novw' });
    expect(sim.endpoints(P, 'cowboys')).toEqual([]);
  });

  it('applies all four rows of the partition decision table', async () => {
    const sim = await startSim();
    sim.addShard('alpha', { labels: { region: 'eu' } });
    sim.addShard('beta', { labels: { region: 'us' } });
    sim.createExport(P, 'cowboys');
    sim.createPartition(P, 'eu', { matchLabels: { region: 'eu' } });
    sim.createSlice(P, 'eu-slice', { export: `${P}:cowboys`, partition: 'eu' });
    const slice = (): any => sim.get('apiexportendpointslices', P, 'eu-slice');
    expect(slice().status.shardSelector).toBe('region=eu');
    // no / yes: out of partition with a binding → no URL is added
    sim.bind('root:b', `${P}:cowboys`, { shard: 'beta' });
    expect(sim.endpoints(P, 'eu-slice')).toEqual([]);
    // yes / yes: in partition with a binding → URL
    sim.bind('root:a', `${P}:cowboys`, { shard: 'alpha' });
    const alphaUrl = sim.endpoints(P, 'eu-slice');
    expect(alphaUrl).toHaveLength(1);
    expect(alphaUrl[0]).toContain('alpha.shards');
    // alpha leaves the partition but still hosts a binding → URL kept (no / yes)
    sim.setShardLabels('alpha', { region: 'us' });
    sim.resync();
    expect(sim.endpoints(P, 'eu-slice')).toEqual(alphaUrl);
    // no / no: out of partition and no binding → URL removed
    sim.unbind('root:a', 'cowboys');
    expect(sim.endpoints(P, 'eu-slice')).toEqual([]);
    // yes / no: back in partition without bindings → no URL
    sim.setShardLabels('alpha', { region: 'eu' });
    sim.resync();
    expect(sim.endpoints(P, 'eu-slice')).toEqual([]);
  });

  it('does not react to shard label changes on its own (no shard handler in kcp ≥ 0.27)', async () => {
    const sim = await startSim();
    sim.addShard('alpha', { labels: { region: 'us' } });
    sim.createExport(P, 'cowboys');
    sim.createPartition(P, 'eu', { matchLabels: { region: 'eu' } });
    sim.createSlice(P, 's', { export: `${P}:cowboys`, partition: 'eu' });
    sim.bind('root:a', `${P}:cowboys`, { shard: 'alpha' });
    sim.setShardLabels('alpha', { region: 'eu' });
    expect(sim.endpoints(P, 's')).toEqual([]);
    sim.resync();
    expect(sim.endpoints(P, 's')).toHaveLength(1);
  });

  it('clears endpoints with PartitionValid=False when the partition is missing or deleted', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys');
    sim.createPartition(P, 'all', {});
    sim.createSlice(P, 's', { export: `${P}:cowboys`, partition: 'all' });
    sim.bind('root:a', `${P}:cowboys`);
    expect(sim.endpoints(P, 's')).toHaveLength(1);
    expect((sim.get('apiexportendpointslices', P, 's') as any).status.shardSelector).toBeUndefined();
    sim.deletePartition(P, 'all');
    const s = sim.get('apiexportendpointslices', P, 's') as any;
    expect(conditions(s)['PartitionValid']).toMatchObject({
      status: 'False',
      severity: 'Error',
      reason: 'PartitionInvalidReference',
      message: 'partition.topology.kcp.io "all" not found',
    });
    expect(s.status.endpoints).toBeUndefined();
    sim.createPartition(P, 'all', {});
    expect(sim.endpoints(P, 's')).toHaveLength(1);
  });

  it('keeps the endpoints when a Partition selector stops parsing (only a missing Partition clears them)', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys');
    sim.createPartition(P, 'all', {});
    sim.createSlice(P, 's', { export: `${P}:cowboys`, partition: 'all' });
    sim.bind('root:a', `${P}:cowboys`);
    const urls = sim.endpoints(P, 's');
    expect(urls).toHaveLength(1);
    sim.deletePartition(P, 'all');
    sim.createPartition(P, 'all', { matchExpressions: [{ key: 'shared', operator: 'In', values: [] }] });
    const s = sim.get('apiexportendpointslices', P, 's') as any;
    expect(conditions(s)['PartitionValid']).toMatchObject({
      status: 'False',
      reason: 'PartitionInvalidReference',
      message: "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
    });
    expect(sim.endpoints(P, 's')).toEqual([]); // cleared while it was missing
    sim.createPartition(P, 'ok', {});
    sim.createSlice(P, 't', { export: `${P}:cowboys`, partition: 'ok' });
    expect(sim.endpoints(P, 't')).toEqual(urls);
    await api(
      sim,
      'PATCH',
      `/clusters/${P}/apis/topology.kcp.io/v1alpha1/partitions/ok`,
      {
        spec: { selector: { matchExpressions: [{ key: 'shared', operator: 'In', values: [] }] } },
      },
      { contentType: 'application/merge-patch+json' },
    );
    expect(conditions(sim.get('apiexportendpointslices', P, 't'))['PartitionValid'].status).toBe('False');
    expect(sim.endpoints(P, 't')).toEqual(urls);
  });

  it('reports a partition that never existed as PartitionInvalidReference without endpoints', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys');
    sim.bind('root:a', `${P}:cowboys`);
    sim.createSlice(P, 's', { export: `${P}:cowboys`, partition: 'missing' });
    expect(conditions(sim.get('apiexportendpointslices', P, 's'))['PartitionValid'].reason).toBe(
      'PartitionInvalidReference',
    );
    expect(sim.endpoints(P, 's')).toEqual([]);
  });

  it('counts a binding that is being deleted until its finalizer is gone', async () => {
    const sim = await startSim({ delays: { finalizerMs: 30 } });
    sim.createExport(P, 'cowboys');
    sim.bind('root:a', `${P}:cowboys`);
    sim.unbind('root:a', 'cowboys');
    expect((sim.get('apibindings', 'root:a', 'cowboys') as any).metadata.deletionTimestamp).toBeDefined();
    expect(sim.endpoints(P, 'cowboys')).toHaveLength(1);
    await sim.waitForIdle();
    expect(sim.get('apibindings', 'root:a', 'cowboys')).toBeUndefined();
    expect(sim.endpoints(P, 'cowboys')).toEqual([]);
  });
});

describe('managedFields like kcp 0.28', () => {
  it('records the client, kcp and the shard that applied each endpoint as field managers', async () => {
    const sim = await startSim();
    sim.createExport('root:org:provider', 'cowboys');
    sim.createSlice('root:org:provider', 'custom', { export: 'root:org:provider:cowboys' });
    sim.bind('root:a', 'root:org:provider:cowboys');
    const managers = (name: string): string[] =>
      (
        (sim.get('apiexportendpointslices', 'root:org:provider', name) as any).metadata.managedFields as any[]
      ).map((f) => `${f.manager}/${f.operation}${f.subresource === undefined ? '' : `/${f.subresource}`}`);
    expect(managers('cowboys')).toEqual(
      expect.arrayContaining(['kcp/Update', 'kcp/Update/status', 'root/Apply/status']),
    );
    expect(managers('custom')).toEqual(expect.arrayContaining(['unknown/Update', 'root/Apply/status']));
    const url = sim.endpoints('root:org:provider', 'cowboys')[0]!;
    const applied = (
      (sim.get('apiexportendpointslices', 'root:org:provider', 'cowboys') as any).metadata
        .managedFields as any[]
    ).find((f) => f.manager === 'root');
    expect(applied.fieldsV1).toEqual({
      'f:status': { 'f:endpoints': { [`k:${JSON.stringify({ url })}`]: { '.': {}, 'f:url': {} } } },
    });
    sim.unbind('root:a', 'cowboys');
    await sim.waitForIdle();
    const after = (
      (sim.get('apiexportendpointslices', 'root:org:provider', 'cowboys') as any).metadata
        .managedFields as any[]
    ).find((f) => f.manager === 'root');
    expect(after.fieldsV1).toEqual({ 'f:status': {} });
  });
});
