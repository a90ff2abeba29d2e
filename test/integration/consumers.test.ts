import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConsumerEvent } from '../../src/consumers/types.js';
import { firstValueFrom } from 'rxjs';
import type { ClientStatus, KcpClient } from '../../src/client-types.js';
import { isInvalidArgumentError } from '../../src/errors.js';
import { startKcpSimulator, type KcpSimulator } from '../../src/testing/index.js';
import { runInProcess } from '../cli/helpers.js';
import { Recorder, closeAll, simClient, until } from './helpers.js';

const P = 'root:org:provider';
const REF = `${P}:cowboys`;

let sim: KcpSimulator | undefined;
let client: KcpClient | undefined;
afterEach(async () => {
  await closeAll(client, sim);
  [client, sim] = [undefined, undefined];
});

/** A provider with an export, and consumers on two shards whose virtual workspaces the simulator serves. */
async function twoShards() {
  const s = await startKcpSimulator();
  sim = s;
  const betaUrl = `${s.url}/shards/beta`;
  s.addShard('beta', { virtualWorkspaceURL: betaUrl });
  s.createWorkspace(P);
  s.createWorkspace('root:org:consumer-a');
  s.createWorkspace('root:org:consumer-b', { shard: 'beta' });
  s.createWorkspace('root:org:consumer-c', { shard: 'beta' });
  s.createExport(P, 'cowboys');
  s.bind('root:org:consumer-a', REF);
  s.bind('root:org:consumer-b', REF);
  await s.waitForIdle();
  const cluster = (path: string) => s.workspace(path)!.cluster;
  const exportCluster = s.workspace(P)!.cluster;
  const urlOf = (base: string) => `${base}/services/apiexport/${exportCluster}/cowboys`;
  client = simClient(s);
  return { s, client, cluster, rootVw: urlOf(s.url), betaVw: urlOf(betaUrl) };
}

/** The name of the (only) APIBinding in a consumer workspace. */
function bindingName(s: KcpSimulator, path: string): string {
  const metadata = s.list('apibindings', path)[0]?.['metadata'] as { name?: string } | undefined;
  return metadata?.name ?? '';
}

const brief = (e: ConsumerEvent) =>
  `${e.type} ${e.path ?? e.cluster}${e.type === 'disengaged' ? ` ${e.reason}` : ''}`;

describe('consumers against the simulator (two shards)', () => {
  it('engages the consumers of both shards through their own endpoint, then follows binds and unbinds', async () => {
    const { s, client, cluster, rootVw, betaVw } = await twoShards();
    const rec = new Recorder<ConsumerEvent>(client.watchConsumers(REF));
    await rec.until(() => rec.values.length >= 2);
    const byPath = new Map(rec.values.map((e) => [e.path ?? e.cluster, e]));
    expect(rec.values.map(brief).sort()).toEqual([
      'engaged root:org:consumer-a',
      'engaged root:org:consumer-b',
    ]);
    expect(byPath.get('root:org:consumer-a')).toMatchObject({
      endpoint: rootVw,
      cluster: cluster('root:org:consumer-a'),
      url: `${rootVw}/clusters/${cluster('root:org:consumer-a')}`,
      binding: { phase: 'Bound', ready: true },
    });
    expect(byPath.get('root:org:consumer-b')).toMatchObject({ endpoint: betaVw });

    s.bind('root:org:consumer-c', REF);
    await rec.until(() => rec.values.some((e) => e.path === 'root:org:consumer-c'));
    const c = rec.values.find((e) => e.path === 'root:org:consumer-c')!;
    expect(c).toMatchObject({ type: 'engaged', endpoint: betaVw });

    // consumer-b's binding goes; consumer-c keeps the beta endpoint alive.
    s.unbind('root:org:consumer-b', bindingName(s, 'root:org:consumer-b'));
    await rec.until(() => rec.values.some((e) => e.type === 'disengaged'));
    await s.waitForIdle();
    expect(rec.values.filter((e) => e.type === 'disengaged').map(brief)).toEqual([
      'disengaged root:org:consumer-b BindingDeleted',
    ]);
  });

  it('disengages every consumer of an endpoint when its shard loses its last binding', async () => {
    const { s, client } = await twoShards();
    const rec = new Recorder<ConsumerEvent>(client.watchConsumers(REF));
    await rec.until(() => rec.values.length >= 2);
    s.unbind('root:org:consumer-b', bindingName(s, 'root:org:consumer-b'));
    await s.waitForIdle();
    await rec.until(() => rec.values.some((e) => e.type === 'disengaged'));
    await until(
      () => s.endpoints(P, 'cowboys').length === 1,
      () => 'beta URL still listed',
    );
    // Whichever kcp did first (the binding gone, or the URL), consumer-b is disengaged exactly once.
    const gone = rec.values.flatMap((e) => (e.type === 'disengaged' ? [e] : []));
    expect(gone).toHaveLength(1);
    expect(gone[0]!.path).toBe('root:org:consumer-b');
    expect(['BindingDeleted', 'EndpointRemoved']).toContain(gone[0]!.reason);
  });

  it('lists the consumers once, and the CLI prints them as a table', async () => {
    const { s, client, rootVw } = await twoShards();
    const list = await client.listConsumers(REF);
    expect(list.failures).toEqual([]);
    expect(list.consumers.map((c) => c.path)).toEqual(['root:org:consumer-a', 'root:org:consumer-b']);
    expect(list.consumers[0]!.endpoint).toBe(rootVw);

    const dir = mkdtempSync(join(tmpdir(), 'kcp-endpoints-consumers-'));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      await s.kubeconfig({ path: kubeconfig });
      const r = await runInProcess(['consumers', REF, '--kubeconfig', kubeconfig]);
      expect(r.code).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^CLUSTER\s+PATH\s+ENDPOINT\s+PHASE\s+READY$/);
      expect(lines.slice(1).map((l) => l.split(/\s+/)[1])).toEqual([
        'root:org:consumer-a',
        'root:org:consumer-b',
      ]);
      const json = await runInProcess(['consumers', REF, '--kubeconfig', kubeconfig, '-o', 'json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ phase: 'Ready', failures: [] });
      const none = await runInProcess(['consumers', `${P}:missing`, '--kubeconfig', kubeconfig]);
      expect(none.code).toBe(4);
      expect(none.stdout).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('errors the stream when rewriteUrl returns no URL, a caller mistake rather than a healable state', async () => {
    const { s } = await twoShards();
    const bad = simClient(s, { rewriteUrl: () => 'nope' });
    try {
      const error = await firstValueFrom(bad.watchConsumers(REF)).catch((e: unknown) => e);
      expect(isInvalidArgumentError(error)).toBe(true);
    } finally {
      await bad.close();
    }
  });

  it('retries an unreachable endpoint, reports it by endpoint on status$, and still engages the other shard', async () => {
    const { s, rootVw } = await twoShards();
    const c = simClient(s, {
      rewriteUrl: (url) => (url === rootVw ? 'http://127.0.0.1:1/unreachable' : url),
    });
    try {
      const statuses: ClientStatus[] = [];
      const statusSub = c.status$.subscribe((st) => statuses.push(st));
      const rec = new Recorder<ConsumerEvent>(c.watchConsumers(REF));
      await until(
        () => statuses.some((st) => st.type === 'retrying' && st.endpoint === rootVw),
        () => JSON.stringify(statuses.map((st) => [st.type, st.endpoint])),
      );
      await rec.until(() => rec.values.length >= 1);
      await new Promise((r) => setTimeout(r, 50));
      statusSub.unsubscribe();
      rec.stop();
      expect(rec.values.map(brief)).toEqual(['engaged root:org:consumer-b']);
    } finally {
      await c.close();
    }
  });

  it('names an endpoint that refuses to list its consumers on stderr and exits with its error (CLI)', async () => {
    const { s } = await twoShards();
    // reads slices and exports in the provider workspace, but may not read the export's content
    const token = s.addUser('reader');
    s.grant('reader', P, { resources: ['apiexportendpointslices', 'apiexports'], verbs: ['get', 'list'] });
    const dir = mkdtempSync(join(tmpdir(), 'kcp-endpoints-consumers-'));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      await s.kubeconfig({ path: kubeconfig });
      const r = await runInProcess(['consumers', REF, '--kubeconfig', kubeconfig, '--token', token]);
      expect(r.code).toBe(5);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(2);
      for (const line of lines)
        expect(line).toMatch(
          /^error: listing the consumers behind http:\/\/127\.0\.0\.1:\d+\S* failed: .*forbidden/i,
        );
      expect(r.stderr).not.toContain(token);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('streams events as NDJSON with --watch until interrupted', async () => {
    const { s } = await twoShards();
    const dir = mkdtempSync(join(tmpdir(), 'kcp-endpoints-consumers-'));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      await s.kubeconfig({ path: kubeconfig });
      const ctrl = new AbortController();
      const { MemoryStream } = await import('../cli/helpers.js');
      const stdout = new MemoryStream(false, 200);
      const running = runInProcess(
        ['consumers', REF, '--watch', '-o', 'ndjson', '--kubeconfig', kubeconfig],
        {
          signal: ctrl.signal,
          stdout,
        },
      );
      await until(
        () => stdout.text.split('\n').filter((l) => l !== '').length >= 2,
        () => `stdout: ${stdout.text}`,
      );
      ctrl.abort();
      const r = await running;
      expect(r.code).toBe(0);
      const events = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; path: string });
      expect(events.map((e) => `${e.type} ${e.path}`).sort()).toEqual([
        'engaged root:org:consumer-a',
        'engaged root:org:consumer-b',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
