import { describe, expect, it } from 'vitest';
import { runInProcess, useSimFixture } from './helpers.js';

const sim = useSimFixture();

const P = 'root:org:provider';

async function explain(argv: string[]): Promise<{ code: number | null; text: string; json: any }> {
  const [t, j] = await Promise.all([
    runInProcess(['explain', ...argv, ...sim.kc]),
    runInProcess(['explain', ...argv, '-o', 'json', ...sim.kc]),
  ]);
  expect(j.code).toBe(t.code);
  return { code: t.code, text: t.stdout, json: JSON.parse(j.stdout) };
}

describe('explain', () => {
  it('walks schema, export, bindings and slice for a Ready export and says how to use the URL', async () => {
    const r = await explain([
      `${P}:ready`,
      '--consumer',
      'root:org:consumer-a',
      '--consumer',
      'root:org:empty',
    ]);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(
      /^APIExport root:org:provider:ready\n {2}✓ found in logical cluster \w+ \(identity \w+…\); 1 resource schema\n/,
    );
    expect(r.text).toContain(
      'APIResourceSchemas\n  ✓ v1.widgets.ready.kcp-sim.dev: widgets.ready.kcp-sim.dev (kind Widget, versions v1)\n',
    );
    expect(r.json.schemas).toEqual([
      expect.objectContaining({
        name: 'v1.widgets.ready.kcp-sim.dev',
        state: 'found',
        group: 'ready.kcp-sim.dev',
        resource: 'widgets',
        kind: 'Widget',
        versions: ['v1'],
      }),
    ]);
    expect(r.text).toContain('✓ root:org:consumer-a: APIBinding ready (Bound)');
    expect(r.text).toContain('✗ root:org:empty: no APIBinding references the export');
    expect(r.text).toContain('✓ found; conditions APIExportValid=True, PartitionValid=True; 1 endpoint');
    expect(r.text).toMatch(
      /Next steps\n {2}1\. .*kubectl get --raw 'http:\S+\/ready\/clusters\/\*\/apis\/ready\.kcp-sim\.dev\/v1\/widgets'/,
    );
    expect(Object.keys(r.json)).toEqual([
      'export',
      'schemas',
      'consumers',
      'slice',
      'shards',
      'access',
      'resolution',
      'serving',
      'nextSteps',
    ]);
    expect(r.json.serving).toEqual([{ url: r.json.resolution.urls[0], serving: true }]);
    expect(r.text).toContain(
      `Serving (GET <url>/clusters/*/apis)\n  ✓ ${r.json.resolution.urls[0]}: serving\nNext steps\n`,
    );
    expect(r.json.consumers).toEqual([
      {
        workspace: 'root:org:consumer-a',
        state: 'found',
        bindings: [
          {
            name: 'ready',
            exportPath: 'root:org:provider',
            phase: 'Bound',
            deleting: false,
            conditionsNotTrue: [],
          },
        ],
      },
      { workspace: 'root:org:empty', state: 'found', bindings: [] },
    ]);
    expect(r.json.resolution.phase).toBe('Ready');
    expect(Object.keys(r.json.resolution).slice(0, 4)).toEqual(['export', 'slice', 'source', 'phase']);
  });

  it('says which kubectl kcp bind to run for AwaitingBinding, per consumer when given', async () => {
    const [none, some] = await Promise.all([
      explain([`${P}:awaiting`]),
      explain([`${P}:awaiting`, '--consumer', 'root:org:empty']),
    ]);
    expect(none.code).toBe(3);
    expect(none.json.nextSteps).toEqual([
      'Bind it from a consumer workspace: kubectl ws <consumer-workspace> && kubectl kcp bind apiexport root:org:provider:awaiting',
      'To check existing bindings, run: kcp-endpoints explain root:org:provider:awaiting --consumer <consumer-workspace>',
    ]);
    expect(none.text).toContain('APIBindings\n  - not checked (pass --consumer <workspace>)');
    expect(some.json.nextSteps).toEqual([
      'Bind it from a consumer workspace: kubectl ws root:org:empty && kubectl kcp bind apiexport root:org:provider:awaiting',
    ]);
  });

  it('names the missing partition for SliceNotReady', async () => {
    const r = await explain([`${P}:ready`, '--slice', 'parted']);
    expect(r.code).toBe(3);
    expect(r.text).toContain('PartitionValid=False(PartitionInvalidReference); 0 endpoints; partition nope');
    expect(r.json.nextSteps[0]).toContain(
      'Create Partition "nope" in workspace root:org:provider (partitions must live next to the slice): kubectl ws root:org:provider && kubectl apply -f partition.yaml',
    );
  });

  it('says to create the export when a slice points at a missing one', async () => {
    const r = await explain([`${P}:gone`, '--slice', 'orphan']);
    expect(r.code).toBe(3);
    expect(r.json.resolution.phase).toBe('SliceNotReady');
    expect(r.json.nextSteps[0]).toMatch(
      /^Create APIExport root:org:provider:gone, or re-create the slice with the right spec\.export \(the field is immutable\)/,
    );
    expect(r.text).toContain('APIExport root:org:provider:gone\n  ✗ not found');
    expect(r.text).toContain('- not checked (no export)');
  });

  it('explains the three ways a slice can be missing', async () => {
    const [skipped, custom] = await Promise.all([
      explain([`${P}:skipped`]),
      explain([`${P}:ready`, '--slice', 'nothere']),
    ]);
    expect(skipped.code).toBe(4);
    expect(skipped.text).toContain('annotated skip-endpointslice');
    expect(skipped.json.nextSteps[0]).toContain(
      'kubectl annotate apiexport skipped apiexports.apis.kcp.io/skip-endpointslice-',
    );
    expect(skipped.text).toContain('     kind: APIExportEndpointSlice');
    expect(custom.code).toBe(4);
    expect(custom.json.nextSteps[0]).toMatch(/^No slice root:org:provider:nothere: check the slice name/);
  });

  it('says to check the path and name for ExportMissing', async () => {
    const r = await explain([`${P}:nope`]);
    expect(r.code).toBe(4);
    expect(r.json.nextSteps).toEqual([
      'No APIExport nope in root:org:provider: check the path and name (kubectl ws root:org:provider && kubectl get apiexports), or create the export',
    ]);
  });

  it('names the missing RBAC verbs when everything is forbidden', async () => {
    const [nobody, getter] = await Promise.all([
      explain([`${P}:ready`, '--token', 'nobody-token']),
      explain([`${P}:ready`, '--token', 'getter-token']),
    ]);
    expect(nobody.code).toBe(5);
    expect(nobody.json.resolution).toBeNull();
    expect(nobody.text).toContain('Forbidden: every object was refused');
    expect(nobody.json.nextSteps).toHaveLength(1);
    expect(nobody.json.nextSteps[0]).toMatch(
      /^You may not read apiexportendpointslices or apiexports in root:org:provider: missing verb\(s\) get and list/,
    );
    expect(nobody.json.nextSteps[0]).toContain(
      'kubectl create clusterrole kcp-endpoints-reader --verb=get,list,watch',
    );
    expect(getter.code).toBe(5);
    expect(getter.json.slice.verbs).toEqual([
      { verb: 'get', allowed: false },
      { verb: 'list', allowed: true },
    ]);
    expect(getter.json.nextSteps).toEqual([
      expect.stringMatching(
        /^You may not read apiexportendpointslices in root:org:provider: missing verb\(s\) get \(and watch/,
      ),
      expect.stringMatching(
        /^You may not read apiexports in root:org:provider: missing verb\(s\) get and list \(and watch/,
      ),
    ]);
  });

  it('explains phase Forbidden when only the slice is refused, and refused binding lists', async () => {
    const r = await explain([`${P}:ready`, '--token', 'exporter-token', '--consumer', 'root:org:consumer-a']);
    expect(r.code).toBe(5);
    expect(r.json.resolution.phase).toBe('Forbidden');
    expect(r.text).toMatch(/root:org:consumer-a: not allowed/);
    expect(r.json.nextSteps).toEqual([
      expect.stringMatching(/^You may not read apiexportendpointslices in root:org:provider/),
      'You may not list APIBindings in root:org:consumer-a: ask for get,list on apibindings.apis.kcp.io there',
    ]);
  });

  it('exits 2 for an invalid consumer workspace before any request', async () => {
    const r = await runInProcess(['explain', `${P}:ready`, '--consumer', 'Not:Valid', ...sim.kc]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: Invalid workspace path "Not:Valid"/);
  });
});
