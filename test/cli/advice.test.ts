import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPath, nextSteps } from '../../src/cli/explain/advice.js';
import { rewrittenUrls } from '../../src/cli/explain/gather.js';
import { renderExplain } from '../../src/cli/explain/render.js';
import type { ExplainReport } from '../../src/cli/explain/types.js';
import { styleFor } from '../../src/cli/io.js';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';
import { parseRewriteUrls } from '../../src/cli/rewrite.js';
import { AWAITING, MemoryStream, runInProcess } from './helpers.js';

const exp = { path: 'root:p', name: 'x' };
const resolution = AWAITING;
const report: Omit<ExplainReport, 'nextSteps'> = {
  export: {
    ref: exp,
    state: 'found',
    resourceSchemas: [],
    resources: [],
    conditions: [],
    virtualWorkspaceUrls: [],
    skipsEndpointSlice: false,
  },
  schemas: [],
  consumers: [],
  slice: { ref: exp, state: 'found', conditions: [], endpoints: [] },
  shards: { state: 'skipped', shards: [] },
  access: { state: 'skipped', verbs: [] },
  resolution,
};
const plain = styleFor(new MemoryStream(false), {});

describe('explain advice', () => {
  it('says to wait when a binding exists but the slice has no URL yet, and reports stuck bindings', () => {
    const steps = nextSteps(
      {
        ...report,
        consumers: [
          {
            workspace: 'root:c',
            state: 'found',
            bindings: [
              {
                name: 'x',
                exportPath: 'root:p',
                phase: 'Binding',
                deleting: false,
                conditionsNotTrue: [
                  {
                    type: 'APIExportValid',
                    status: 'False',
                    reason: 'MissingIdentityHash',
                    message: 'no identity yet',
                  },
                ],
              },
            ],
          },
        ],
      },
      'root:p:x',
    );
    expect(steps).toEqual([
      'APIBinding x in root:c is Binding: APIExportValid is False (no identity yet)',
      'A binding exists in root:c but the slice lists no URL. Perhaps kcp has not reacted yet: kcp adds it within seconds; wait for it: kcp-endpoints wait root:p:x --timeout 2m',
    ]);
  });

  it('says to create missing APIResourceSchemas and names other false slice conditions', () => {
    const steps = nextSteps(
      {
        ...report,
        schemas: [{ name: 'v1.widgets.g.dev', state: 'notFound' }],
        slice: {
          ...report.slice,
          conditions: [{ type: 'EndpointURLsReady', status: 'False', reason: 'ErrorGeneratingURLs' }],
        },
        resolution: { ...resolution, phase: 'SliceNotReady', reason: 'SliceConditionFalse' },
      },
      'root:p:x',
    );
    expect(steps[0]).toMatch(
      /^APIResourceSchema v1\.widgets\.g\.dev named by the export does not exist in root:p: create it/,
    );
    expect(steps[1]).toBe(
      `EndpointURLsReady is a deprecated condition that kcp ≤ 0.26 wrote and later versions never remove; while it is not True kcp adds and removes no URL: remove it with kubectl ws root:p && kubectl patch apiexportendpointslice x --subresource=status --type=json -p '[{"op":"test","path":"/status/conditions/0/type","value":"EndpointURLsReady"},{"op":"remove","path":"/status/conditions/0"}]'`,
    );
  });

  it('falls back to a generic step when a forbidden report has no refused object', () => {
    expect(nextSteps({ ...report, resolution: null }, 'root:p:x')).toEqual([
      'Check the credentials of your kubeconfig user (401/403 from the server)',
    ]);
  });

  it('builds the API path from a schema read from the server, from a schema name, or a placeholder', () => {
    expect(
      apiPath([
        { name: 'v1.widgets.g.dev', state: 'found', group: 'g.dev', resource: 'widgets', versions: ['v2'] },
      ]),
    ).toBe('apis/g.dev/v2/widgets');
    expect(apiPath([{ name: 'today.cowboys.wildwest.dev', state: 'notServed' }])).toBe(
      'apis/wildwest.dev/<version>/cowboys',
    );
    expect(apiPath([])).toBe('apis/<group>/<version>/<resource>');
  });

  it('shows rewritten URLs without the password of a published URL, escaped, and uses them in the usage example', () => {
    const rewrite = parseRewriteUrls(['https://a:1=https://b:2']);
    if (rewrite === undefined) throw new Error('no rewrite function');
    const urls = ['https://user:pw-hunter22@a:1/services/x', 'https://c:3/y\u001b[2J'];
    const rewritten = rewrittenUrls(urls, rewrite);
    expect(rewritten).toEqual([
      { url: 'https://[REDACTED]@a:1/services/x', requestUrl: 'https://b:2/services/x' },
    ]);
    const ready: Omit<ExplainReport, 'nextSteps'> = {
      ...report,
      resolution: {
        ...resolution,
        source: 'endpointSlice',
        phase: 'Ready',
        reason: 'SliceHasEndpoints',
        urls,
        endpoints: urls.map((url) => ({ url })),
      },
      rewrittenUrls: rewritten,
    };
    const steps = nextSteps(ready, 'root:p:x');
    const text = renderExplain({ ...ready, nextSteps: steps }, plain);
    expect(text).toContain(
      '\n  https://[REDACTED]@a:1/services/x → https://b:2/services/x (rewritten)\n  https://c:3/y\\u001b[2J\n',
    );
    expect(text).not.toContain('pw-hunter22');
    expect(steps[0]).toContain("kubectl get --raw 'https://b:2/services/x/clusters/*/");
    // without the flag the report has no rewritten URLs, and the published URL (redacted) is the example
    expect(nextSteps({ ...ready, rewrittenUrls: undefined }, 'root:p:x')[0]).toContain(
      "kubectl get --raw 'https://[REDACTED]@a:1/services/x/clusters/*/",
    );
  });

  it('renders schemas, bindings being deleted and failed reads', () => {
    const text = renderExplain(
      {
        ...report,
        export: { ...report.export, state: 'error', message: 'socket hang up' },
        schemas: [
          {
            name: 'v1.widgets.g.dev',
            state: 'found',
            group: 'g.dev',
            resource: 'widgets',
            kind: 'Widget',
            versions: ['v1', 'v2'],
          },
          { name: 'v1.gadgets.g.dev', state: 'forbidden', message: '403' },
        ],
        consumers: [
          { workspace: 'root:c', state: 'notServed', bindings: [] },
          {
            workspace: 'root:d',
            state: 'found',
            bindings: [
              { name: 'x', exportPath: 'root:p', phase: 'Bound', deleting: true, conditionsNotTrue: [] },
            ],
          },
          {
            workspace: 'root:e',
            state: 'found',
            bindings: [
              { name: 'y', exportPath: 'root:p', phase: '', deleting: false, conditionsNotTrue: [] },
            ],
          },
        ],
        resolution: { ...resolution, warnings: ['bad URL skipped'] },
        nextSteps: ['one\ntwo'],
      },
      plain,
    );
    expect(text).toContain('APIExport root:p:x\n  ✗ could not be read: socket hang up');
    expect(text).toContain('✓ v1.widgets.g.dev: widgets.g.dev (kind Widget, versions v1, v2)');
    expect(text).toContain('✗ v1.gadgets.g.dev: not allowed (403)');
    expect(text).toContain('- root:c: this server does not serve this resource');
    expect(text).toContain('~ root:d: APIBinding x (being deleted)');
    expect(text).toContain('~ root:e: APIBinding y (not reconciled yet)');
    expect(text).toContain('  warning: bad URL skipped');
    expect(text).toContain('Next steps\n  1. one\n     two\n');
  });
});

describe('explain and get on kcp 0.27 (legacy URLs, no default slice)', () => {
  let sim: KcpSimulator;
  let kc: string[];
  beforeAll(async () => {
    sim = await startKcpSimulator({ profile: '0.27' });
    sim.createWorkspace('root:c');
    sim.createExport('root:p', 'x');
    sim.bind('root:c', 'root:p:x');
    await sim.waitForIdle();
    kc = ['-s', `${sim.url}/clusters/root`, '--token', sim.token];
  });
  afterAll(async () => {
    await sim.close();
  });

  it('get falls back to the legacy URL and exits 0; --mode endpointSlice exits 4', async () => {
    const [auto, strict] = await Promise.all([
      runInProcess(['get', 'root:p:x', ...kc]),
      runInProcess(['get', 'root:p:x', '--mode', 'endpointSlice', '-o', 'urls', ...kc]),
    ]);
    expect(auto.code).toBe(0);
    expect(auto.stdout).toMatch(/virtualWorkspaces\s+SliceMissing\s+LegacyFallback/);
    expect(strict.code).toBe(4);
    expect(strict.stdout).toBe('');
  });

  it('explain suggests creating the slice, warns about the legacy source, and finds the binding', async () => {
    const r = await runInProcess(['explain', 'root:p:x', '--consumer', 'root:c', '-o', 'json', ...kc]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.consumers[0]).toMatchObject({ state: 'found', bindings: [{ name: 'x', phase: 'Bound' }] });
    expect(j.nextSteps[0]).toMatch(
      /^kcp ≥ 0\.28 creates the slice a moment after the export \(wait: kcp-endpoints wait root:p:x\); on older kcp create it yourself:\nkubectl ws root:p && kubectl apply -f - <<EOF\n/,
    );
    expect(j.nextSteps[1]).toMatch(
      /^These URLs come from the deprecated APIExport\.status\.virtualWorkspaces/,
    );
  });
});
