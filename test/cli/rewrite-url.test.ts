import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';
import { eventually, MemoryStream, runInProcess } from './helpers.js';

const P = 'root:org:provider';
const REF = `${P}:remote`;

/** A loopback port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

interface Fixture {
  sim: KcpSimulator;
  kc: string[];
  /** The shard's published (internal, unreachable) virtual-workspace URL. */
  internal: string;
  /** Where the simulator serves that shard's virtual workspace. */
  reachable: string;
  /** The endpoint URL the slice publishes. */
  published: string;
  /** That endpoint under the reachable address. */
  rewritten: string;
  /** Logical cluster of the consumer workspace. */
  consumer: string;
  dir: string;
}

let fx: Fixture | undefined;

/**
 * A provider whose only consumer lives on shard `gamma`. The slice publishes gamma's URL as it was when the
 * binding came (`http://127.0.0.1:<closed port>`); the shard's virtual workspace is then served at
 * `<simulator>/shards/gamma`. Like kcp ≥ 0.27, the simulator does not rewrite slice URLs when a shard changes,
 * so the published URL stays unreachable and only `--rewrite-url` gets through.
 */
beforeAll(async () => {
  const sim = await startKcpSimulator();
  const internal = `http://127.0.0.1:${await closedPort()}`;
  const reachable = `${sim.url}/shards/gamma`;
  sim.addShard('gamma', { virtualWorkspaceURL: internal });
  sim.createWorkspace(P);
  sim.createWorkspace('root:org:consumer-g', { shard: 'gamma' });
  sim.createExport(P, 'remote');
  sim.bind('root:org:consumer-g', REF);
  await sim.waitForIdle();
  const moved = await fetch(`${sim.url}/clusters/root/apis/core.kcp.io/v1alpha1/shards/gamma`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ spec: { virtualWorkspaceURL: reachable } }),
  });
  expect(moved.status).toBe(200);
  await sim.waitForIdle();
  const suffix = `/services/apiexport/${sim.workspace(P)?.cluster ?? ''}/remote`;
  const dir = mkdtempSync(join(tmpdir(), 'kcp-endpoints-rewrite-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await sim.kubeconfig({ path: kubeconfig });
  fx = {
    sim,
    kc: ['--kubeconfig', kubeconfig],
    internal,
    reachable,
    published: `${internal}${suffix}`,
    rewritten: `${reachable}${suffix}`,
    consumer: sim.workspace('root:org:consumer-g')?.cluster ?? '',
    dir,
  };
});

afterAll(async () => {
  await fx?.sim.close();
  if (fx !== undefined) rmSync(fx.dir, { recursive: true, force: true });
});

const f = (): Fixture => {
  if (fx === undefined) throw new Error('fixture not started');
  return fx;
};

const rewrite = (): string[] => ['--rewrite-url', `${f().internal}=${f().reachable}`];

describe('consumers --rewrite-url', () => {
  it('publishes the internal URL, which cannot be reached without a rewrite (exit 1, named on stderr)', async () => {
    const urls = await runInProcess(['get', REF, '-o', 'urls', ...f().kc]);
    expect(urls.stdout).toBe(`${f().published}\n`);
    const r = await runInProcess(['consumers', REF, ...f().kc]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(`^error: listing the consumers behind ${f().published.replace(/[.:/]/g, '\\$&')} failed: `),
    );
  });

  it('lists the consumer through the rewritten URL; the table shows the published endpoint', async () => {
    const r = await runInProcess(['consumers', REF, ...rewrite(), ...f().kc]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^CLUSTER\s+PATH\s+ENDPOINT\s+PHASE\s+READY$/);
    expect(lines[1]?.split(/\s+/)).toEqual([
      f().consumer,
      'root:org:consumer-g',
      f().published,
      'Bound',
      'True',
    ]);
  });

  it('gives the published endpoint and the rewritten url in JSON', async () => {
    const r = await runInProcess(['consumers', REF, ...rewrite(), '-o', 'json', ...f().kc]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as {
      urls: string[];
      consumers: Array<{ cluster: string; endpoint: string; url: string }>;
      failures: unknown[];
    };
    expect(body.urls).toEqual([f().published]);
    expect(body.failures).toEqual([]);
    expect(body.consumers).toEqual([
      expect.objectContaining({
        cluster: f().consumer,
        endpoint: f().published,
        url: `${f().rewritten}/clusters/${f().consumer}`,
      }),
    ]);
  });

  it('watches the consumer through the rewritten URL with --watch', async () => {
    const ctrl = new AbortController();
    const stdout = new MemoryStream(false, 200);
    const running = runInProcess(['consumers', REF, '--watch', '-o', 'ndjson', ...rewrite(), ...f().kc], {
      signal: ctrl.signal,
      stdout,
    });
    try {
      await eventually(() => stdout.text.includes('\n'), 10_000, 'the first consumer event');
    } finally {
      ctrl.abort();
    }
    const r = await running;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n')[0] ?? '')).toMatchObject({
      type: 'engaged',
      path: 'root:org:consumer-g',
      endpoint: f().published,
      url: `${f().rewritten}/clusters/${f().consumer}`,
    });
  });

  it('leaves the URLs that get prints unchanged: the rewrite is only where requests go', async () => {
    const r = await runInProcess(['get', REF, '-o', 'urls', ...rewrite(), ...f().kc]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${f().published}\n`);
  });
});

describe('explain --rewrite-url', () => {
  it('shows the URL requests go to next to the published one, in text and JSON, and in the usage example', async () => {
    const [text, json] = await Promise.all([
      runInProcess(['explain', REF, ...rewrite(), ...f().kc]),
      runInProcess(['explain', REF, ...rewrite(), '-o', 'json', ...f().kc]),
    ]);
    expect(text.code).toBe(0);
    expect(json.code).toBe(0);
    expect(text.stdout).toContain(
      `Result\n  Ready (SliceHasEndpoints), source endpointSlice, 1 URL\n  ${f().published} → ${f().rewritten} (rewritten)\n`,
    );
    const report = JSON.parse(json.stdout) as {
      resolution: { urls: string[] };
      rewrittenUrls: unknown;
      serving: unknown;
      nextSteps: string[];
    };
    expect(report.resolution.urls).toEqual([f().published]);
    expect(report.rewrittenUrls).toEqual([{ url: f().published, requestUrl: f().rewritten }]);
    expect(Object.keys(report).slice(-4)).toEqual(['resolution', 'rewrittenUrls', 'serving', 'nextSteps']);
    // the probe went through the rewritten URL (the published one cannot be reached)
    expect(report.serving).toEqual([{ url: f().published, serving: true }]);
    expect(text.stdout).toContain(
      `Serving (GET <url>/clusters/*/apis)\n  ✓ ${f().published} → ${f().rewritten}: serving\n`,
    );
    expect(report.nextSteps[0]).toContain(`kubectl get --raw '${f().rewritten}/clusters/*/apis/`);
    expect(text.stdout).toContain(`kubectl get --raw '${f().rewritten}/clusters/*/apis/`);
  });

  it('says when the rewrite changes none of the URLs, and adds nothing without the flag', async () => {
    const [other, none] = await Promise.all([
      runInProcess([
        'explain',
        REF,
        '--rewrite-url',
        'http://10.0.0.5:6443=http://127.0.0.1:7443',
        '-o',
        'json',
        ...f().kc,
      ]),
      runInProcess(['explain', REF, ...f().kc, '-o', 'json']),
    ]);
    const otherText = await runInProcess([
      'explain',
      REF,
      '--rewrite-url',
      'http://10.0.0.5:6443=http://127.0.0.1:7443',
      ...f().kc,
    ]);
    expect(otherText.stdout).toContain(`  ${f().published}\n  --rewrite-url changes none of these URLs\n`);
    expect(otherText.stdout).not.toContain('(rewritten)');
    expect((JSON.parse(other.stdout) as { rewrittenUrls: unknown }).rewrittenUrls).toEqual([]);
    const plain = JSON.parse(none.stdout) as Record<string, unknown>;
    expect('rewrittenUrls' in plain).toBe(false);
    expect(plain['nextSteps']).toEqual(
      expect.arrayContaining([expect.stringContaining(`kubectl get --raw '${f().published}/clusters/*/`)]),
    );
  });
});

describe('--rewrite-url usage errors', () => {
  it.each([
    ['consumers', 'https://10.0.0.5:6443', 'expected FROM=TO, two absolute http(s) URLs'],
    ['explain', '10.0.0.5:6443=https://127.0.0.1:7443', 'FROM is not an absolute http(s) URL'],
    [
      'consumers',
      'https://10.0.0.5:6443=https://127.0.0.1:7443/?x=1',
      'TO must not have a query (?) or a fragment (#)',
    ],
    [
      'get',
      'https://10.0.0.5:6443=https://admin:s3cret-pw@127.0.0.1:7443',
      'TO must not contain a user name or password',
    ],
  ])('%s --rewrite-url %j exits 2 with the reason and a hint', async (command, value, reason) => {
    const r = await runInProcess([command, REF, '--rewrite-url', value, ...f().kc]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const [error, hint, ...rest] = r.stderr.split('\n');
    expect(error).toMatch(/^error: invalid --rewrite-url "/);
    expect(error).toContain(reason);
    expect(hint).toBe(`hint: run 'kcp-endpoints ${command} --help' for usage`);
    expect(rest).toEqual(['']);
    expect(r.stderr).not.toContain('s3cret-pw');
  });

  it('refuses the same FROM twice and the flag on a command that reaches no endpoint', async () => {
    const [twice, nudge] = await Promise.all([
      runInProcess([
        'consumers',
        REF,
        '--rewrite-url',
        'https://a:6443/x=https://b:1',
        '--rewrite-url',
        'https://A:6443/x/=https://c:1',
        ...f().kc,
      ]),
      runInProcess(['nudge', REF, '--rewrite-url', 'https://a:6443=https://b:1', ...f().kc]),
    ]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('FROM https://a:6443/x is given more than once');
    expect(nudge.code).toBe(2);
    expect(nudge.stderr).toContain('error: flag --rewrite-url is not accepted by "nudge"');
  });
});

describe('help and completion', () => {
  it('document --rewrite-url for the commands that take it', async () => {
    const [consumers, explain, nudge, bash, zsh, fish] = await Promise.all([
      runInProcess(['consumers', '--help']),
      runInProcess(['help', 'explain']),
      runInProcess(['nudge', '--help']),
      runInProcess(['completion', 'bash']),
      runInProcess(['completion', 'zsh']),
      runInProcess(['completion', 'fish']),
    ]);
    expect(consumers.stdout).toMatch(
      /--rewrite-url <FROM=TO> +Send requests for endpoint URLs that start with FROM/,
    );
    expect(consumers.stdout).toContain('--rewrite-url https://10.0.0.5:6443=https://127.0.0.1:7443');
    expect(explain.stdout).toContain('--rewrite-url <FROM=TO>');
    expect(nudge.stdout).not.toContain('--rewrite-url');
    expect(bash.stdout).toMatch(/consumers\) flags="[^"]*--rewrite-url/);
    expect(bash.stdout).not.toMatch(/nudge\) flags="[^"]*--rewrite-url/);
    expect(zsh.stdout).toContain("'*--rewrite-url[Send requests for endpoint URLs");
    expect(fish.stdout).toContain("'__fish_seen_subcommand_from consumers' -l rewrite-url -r");
  });
});
