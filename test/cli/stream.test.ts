import { describe, expect, it } from 'vitest';
import { MemoryStream, eventually, runInProcess, useSimFixture } from './helpers.js';

const sim = useSimFixture();

const P = 'root:org:provider';
const DEAD = ['-s', 'http://127.0.0.1:1', '--token', 't'];

function ndjson(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('watch', () => {
  it('prints one NDJSON change per step of a scripted lifecycle and exits 0 on interrupt', async () => {
    sim.fx.sim.createExport(P, 'watched');
    await sim.fx.sim.waitForIdle();
    const stdout = new MemoryStream();
    const ac = new AbortController();
    const running = runInProcess(['watch', `${P}:watched`, '-o', 'ndjson', ...sim.kc], {
      stdout,
      signal: ac.signal,
    });
    const lines = (): Array<Record<string, unknown>> => ndjson(stdout.text);
    await eventually(() => lines().length === 1, 5_000, 'the first line');
    sim.fx.sim.bind('root:org:consumer-a', `${P}:watched`);
    await eventually(() => lines().length === 2, 5_000, 'the first URL');
    sim.fx.sim.bind('root:org:consumer-b', `${P}:watched`);
    await eventually(() => lines().length === 3, 5_000, 'the second URL');
    sim.fx.sim.unbind('root:org:consumer-b', 'watched');
    await eventually(() => lines().length === 4, 5_000, 'the removal');
    ac.abort();
    const r = await running;
    expect(r.code).toBe(0);
    const ls = lines();
    expect(
      ls.map((l) => [
        l['phase'],
        (l['urls'] as string[]).length,
        (l['added'] as string[]).length,
        (l['removed'] as string[]).length,
      ]),
    ).toEqual([
      ['AwaitingBinding', 0, 0, 0],
      ['Ready', 1, 1, 0],
      ['Ready', 2, 1, 0],
      ['Ready', 1, 0, 1],
    ]);
    expect(Object.keys(ls[0]!)).toEqual([
      'export',
      'slice',
      'source',
      'phase',
      'reason',
      'message',
      'urls',
      'endpoints',
      'sliceConditions',
      'resourceVersions',
      'warnings',
      'warningDetails',
      'added',
      'removed',
    ]);
    const cluster =
      String((ls[1]!['urls'] as string[])[0])
        .split('/')
        .at(-2) ?? '';
    expect(ls[2]!['added']).toEqual([`https://beta.kcp.test:6443/services/apiexport/${cluster}/watched`]);
  });

  it('prints text lines with a timestamp, phase, source and +added URLs', async () => {
    const ac = new AbortController();
    const stdout = new MemoryStream();
    const running = runInProcess(['watch', `${P}:ready`, ...sim.kc], { stdout, signal: ac.signal });
    await eventually(() => stdout.text.includes('\n'));
    ac.abort();
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^\d{4}-\d\d-\d\dT\S+Z {2}Ready {2}endpointSlice {2}\+http:\S+\/ready {2}APIExportEndpointSlice/,
    );
  });

  it('shows connection progress at -v 2 and retries (once each) while the server is unreachable', async () => {
    const ac = new AbortController();
    const stderr = new MemoryStream();
    const running = runInProcess(['watch', `${P}:ready`, ...DEAD, '-v', '2'], { signal: ac.signal, stderr });
    await eventually(() => /^retrying apiexports.* \(attempt 1\)/m.test(stderr.text));
    ac.abort();
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^connecting to apiexportendpointslices.apis.kcp.io in root:org:provider$/m);
    expect(r.stderr).toMatch(
      /^retrying apiexports.apis.kcp.io in root:org:provider in \d+ ms \(attempt 1\): .*ECONNREFUSED/m,
    );
    expect(r.stderr).not.toMatch(/^warning: retrying/m);
  });

  it('exits 2 for an invalid reference', async () => {
    const r = await runInProcess(['watch', 'Bad:Ref', ...sim.kc]);
    expect(r.code).toBe(2);
  });
});

describe('wait', () => {
  it('returns as soon as the condition holds and prints the result like get', async () => {
    sim.fx.sim.createExport(P, 'waited');
    await sim.fx.sim.waitForIdle();
    const stdout = new MemoryStream();
    const stderr = new MemoryStream();
    const running = runInProcess(['wait', `${P}:waited`, '--for', 'urls=2', '-o', 'urls', ...sim.kc], {
      stdout,
      stderr,
    });
    // Bind only once the first (unmet) state was reported, whatever the machine's load.
    await eventually(() => stderr.text.includes('waiting for urls=2:'));
    sim.fx.sim.bind('root:org:consumer-a', `${P}:waited`);
    sim.fx.sim.bind('root:org:consumer-b', `${P}:waited`);
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
    expect(r.stderr).toContain('waiting for urls=2: AwaitingBinding (NoBindingYet), 0 URLs');
  });

  it('meets --for ready at once when the export is Ready', async () => {
    const r = await runInProcess(['wait', `${P}:ready`, '-o', 'json', ...sim.kc]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).phase).toBe('Ready');
    expect(r.stderr).toBe('');
  });

  it('exits 124 after --timeout with the last phase and message on stderr', async () => {
    const r = await runInProcess(['wait', `${P}:awaiting`, '--timeout', '200ms', ...sim.kc]);
    expect(r.code).toBe(124);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: timed out after 200ms waiting for ready');
    expect(r.stderr).toContain('last phase: AwaitingBinding (NoBindingYet), 0 URL(s)');
    expect(r.stderr).toMatch(/message: .*kubectl kcp bind apiexport root:org:provider:awaiting/);
  });

  it('says when the server never answered before the timeout', async () => {
    const r = await runInProcess(['wait', `${P}:ready`, '--timeout', '300ms', ...DEAD]);
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/no answer from the server yet; last error: .*127\.0\.0\.1:1/);
  });

  it('draws a spinner with the phase and elapsed time on a TTY', async () => {
    const r = await runInProcess(['wait', `${P}:awaiting`, '--timeout', '250ms', ...sim.kc], { tty: true });
    expect(r.code).toBe(124);
    const frames = r.stderr.split('\r\u001b[2K');
    expect(frames[1]).toMatch(/^⠋ connecting… · \d+ms$/);
    expect(frames).toContainEqual(
      expect.stringMatching(/^. AwaitingBinding \(NoBindingYet\), 0 URLs · \d+ms$/),
    );
    expect(r.stderr).not.toContain('waiting for ready:');
  });

  it('exits 130 when interrupted', async () => {
    const ac = new AbortController();
    const stderr = new MemoryStream();
    const running = runInProcess(['wait', `${P}:awaiting`, '--timeout', '0', ...sim.kc], {
      signal: ac.signal,
      stderr,
    });
    await eventually(() => stderr.text.includes('waiting for ready:'));
    ac.abort();
    const r = await running;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('interrupted');
  });
});

describe('demo', () => {
  it('narrates every step of the lifecycle and exits 0', async () => {
    const r = await runInProcess(['demo', '--fast']);
    expect(r.code).toBe(0);
    const steps = [
      'Step 1/5  Create APIExport root:org:provider:today-cowboys',
      'AwaitingBinding',
      'Step 2/5  Bind it from root:org:consumer-a (shard root)',
      'Step 3/5  Bind it from root:org:consumer-b (shard beta)',
      'Step 4/5  Delete the binding in root:org:consumer-b',
      'Step 5/5  Done',
    ];
    let at = 0;
    for (const s of steps) {
      const i = r.stdout.indexOf(s, at);
      expect(i, s).toBeGreaterThan(-1);
      at = i;
    }
    expect(r.stdout).toMatch(
      /watch: Ready \(SliceHasEndpoints\) \+https:\/\/beta\.shards\.kcp\.test:6443\S+/,
    );
    expect(r.stdout).toMatch(/watch: Ready \(SliceHasEndpoints\) -https:\/\/beta\.shards\.kcp\.test:6443\S+/);
  });
});
