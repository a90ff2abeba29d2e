import { describe, expect, it } from 'vitest';
import { FakeClock, startSim } from './helpers.js';

const P = 'root:org:provider';
const byType = (b: any): Record<string, any> =>
  Object.fromEntries((b?.status?.conditions ?? []).map((c: any) => [c.type, c]));

describe('APIBinding lifecycle', () => {
  it("goes '' → Binding → Binding (export resolved) → Bound with kcp's conditions, one step per delay", async () => {
    const clock = new FakeClock();
    const sim = await startSim({ clock, delays: { bindingPhaseMs: 100 } });
    sim.createExport(P, 'cowboys', {
      resources: [
        {
          name: 'cowboys',
          group: 'wildwest.dev',
          schema: 'today.cowboys.wildwest.dev',
          versions: ['v1alpha1'],
        },
      ],
    });
    const created = sim.bind('root:org:consumer', `${P}:cowboys`) as any;
    expect(created.status).toBeUndefined();
    expect(created.metadata.finalizers).toEqual(['apis.kcp.io/apibinding-finalizer']);
    expect(created.metadata.annotations).toMatchObject({
      'kcp.io/path': 'root:org:consumer',
      'kcp.io/cluster': sim.workspace('root:org:consumer')!.cluster,
    });
    expect(created.metadata.labels['internal.apis.kcp.io/export']).toMatch(/^[0-9a-f]{40}$/);
    const get = (): any => sim.get('apibindings', 'root:org:consumer', 'cowboys');

    clock.advance(100);
    expect(get().status.phase).toBe('Binding');
    expect(Object.keys(byType(get()))).toEqual(['Ready', 'InitialBindingCompleted']);
    expect(byType(get())['InitialBindingCompleted']).toMatchObject({
      status: 'False',
      severity: 'Info',
      reason: 'WaitingForEstablished',
      message: 'Waiting for API(s) to be established',
    });

    clock.advance(100);
    const binding = get();
    expect(binding.status.phase).toBe('Binding');
    expect(binding.status.apiExportClusterName).toBe(sim.workspace(P)!.cluster);
    expect(Object.keys(byType(binding))).toEqual([
      'Ready',
      'APIExportValid',
      'BindingUpToDate',
      'InitialBindingCompleted',
    ]);
    expect(byType(binding)['BindingUpToDate'].message).toBe(
      'Waiting for API(s) to be established: today.cowboys.wildwest.dev',
    );

    clock.advance(100);
    const bound = get();
    expect(bound.status.phase).toBe('Bound');
    expect(
      Object.values(byType(bound)).every((c: any) => c.status === 'True' && c.reason === undefined),
    ).toBe(true);
    expect(Object.keys(byType(bound))).toHaveLength(6);
    expect(bound.status.boundResources).toEqual([
      {
        group: 'wildwest.dev',
        resource: 'cowboys',
        schema: {
          name: 'today.cowboys.wildwest.dev',
          UID: (sim.get('apiresourceschemas', P, 'today.cowboys.wildwest.dev') as any).metadata.uid,
          identityHash: (sim.get('apiexports', P, 'cowboys') as any).status.identityHash,
        },
        storageVersions: ['v1alpha1'],
      },
    ]);
    await sim.waitForIdle();
  });

  it('keeps lastTransitionTime of conditions whose status did not change', async () => {
    const clock = new FakeClock();
    const sim = await startSim({ clock, delays: { bindingPhaseMs: 1000 } });
    sim.createExport(P, 'cowboys');
    sim.bind('root:c', `${P}:cowboys`);
    clock.advance(1000);
    clock.advance(1000);
    const t1 = byType(sim.get('apibindings', 'root:c', 'cowboys'))['APIExportValid'].lastTransitionTime;
    clock.advance(1000);
    const bound = byType(sim.get('apibindings', 'root:c', 'cowboys'));
    expect(bound['APIExportValid'].lastTransitionTime).toBe(t1);
    expect(bound['Ready'].lastTransitionTime).not.toBe(t1);
  });

  it('stays in Binding with APIExportNotFound until the export appears', async () => {
    const sim = await startSim();
    sim.bind('root:c', `${P}:later`);
    const b = sim.get('apibindings', 'root:c', 'later') as any;
    expect(b.status.phase).toBe('Binding');
    expect(byType(b)['APIExportValid']).toMatchObject({
      status: 'False',
      reason: 'APIExportNotFound',
      message: `APIExport ${P}|later not found`,
    });
    sim.createExport(P, 'later');
    expect((sim.get('apibindings', 'root:c', 'later') as any).status.phase).toBe('Bound');
  });

  it('marks a Bound binding APIExportValid=False when its export is deleted, Ready stays True', async () => {
    const sim = await startSim();
    sim.createExport(P, 'cowboys');
    sim.bind('root:c', `${P}:cowboys`);
    sim.deleteExport(P, 'cowboys');
    const c = byType(sim.get('apibindings', 'root:c', 'cowboys'));
    expect(c['APIExportValid'].status).toBe('False');
    expect(c['Ready'].status).toBe('True');
    sim.createExport(P, 'cowboys');
    expect(byType(sim.get('apibindings', 'root:c', 'cowboys'))['APIExportValid'].status).toBe('True');
  });

  it('waits finalizerMs after delete before the binding disappears', async () => {
    const clock = new FakeClock();
    const sim = await startSim({ clock, delays: { finalizerMs: 500 } });
    sim.createExport(P, 'cowboys');
    sim.bind('root:c', `${P}:cowboys`);
    sim.unbind('root:c', 'cowboys');
    sim.unbind('root:c', 'cowboys');
    clock.advance(499);
    expect(sim.get('apibindings', 'root:c', 'cowboys')).toBeDefined();
    clock.advance(1);
    expect(sim.get('apibindings', 'root:c', 'cowboys')).toBeUndefined();
  });

  it('uses the realistic preset for demo timings', async () => {
    const clock = new FakeClock();
    const sim = await startSim({ clock, delays: 'realistic' });
    sim.createExport(P, 'cowboys');
    expect(sim.get('apiexportendpointslices', P, 'cowboys')).toBeUndefined();
    clock.advance(500);
    expect(sim.get('apiexportendpointslices', P, 'cowboys')).toBeDefined();
    sim.bind('root:c', `${P}:cowboys`);
    clock.advance(299);
    expect(sim.endpoints(P, 'cowboys')).toEqual([]);
    clock.advance(1);
    expect(sim.endpoints(P, 'cowboys')).toHaveLength(1);
    const idle = sim.waitForIdle();
    clock.advance(2000);
    await idle;
    expect((sim.get('apibindings', 'root:c', 'cowboys') as any).status.phase).toBe('Bound');
  });
});
