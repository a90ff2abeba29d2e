import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConnection } from '../../src/config/load-connection.js';

const FIX = resolve(import.meta.dirname, '../fixtures/kubeconfig');
const f = (p: string): string => join(FIX, p);

function detectKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client', '-o', 'json'], { stdio: 'pipe', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
const hasKubectl = detectKubectl();
if (!hasKubectl) {
  console.warn('kubectl not found on PATH: skipping the kubectl oracle tests (test/config/oracle.test.ts)');
}

const home = mkdtempSync(join(tmpdir(), 'kcp-oracle-home-'));
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

interface Case {
  /** What the fixture exercises. */
  title: string;
  /** `$KUBECONFIG` entries (absolute); undefined = unset. */
  kubeconfigEnv?: string[];
  /** Explicit kubeconfig path (`--kubeconfig`). */
  explicit?: string;
  context?: string;
  /** HOME directory; default an empty temp dir. */
  home?: string;
}

interface KubectlView {
  clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
  users?: Array<{ name: string; user: Record<string, unknown> }> | null;
  contexts: Array<{ name: string; context: Record<string, string> }>;
  'current-context': string;
}

function kubectlView(c: Case): KubectlView {
  const args = ['config', 'view', '--minify', '--flatten', '-o', 'json'];
  if (c.explicit !== undefined) args.push('--kubeconfig', c.explicit);
  if (c.context !== undefined) args.push('--context', c.context);
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: c.home ?? home };
  if (c.kubeconfigEnv !== undefined) env['KUBECONFIG'] = c.kubeconfigEnv.join(delimiter);
  const out = execFileSync('kubectl', args, {
    env,
    cwd: home,
    encoding: 'utf8',
    timeout: 10_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as KubectlView;
}

const decode = (v: unknown): string | undefined =>
  typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;

const homeWithConfig = mkdtempSync(join(tmpdir(), 'kcp-oracle-home2-'));
mkdirSync(join(homeWithConfig, '.kube'));
copyFileSync(f('kcp/admin.kubeconfig'), join(homeWithConfig, '.kube', 'config'));
afterAll(() => {
  rmSync(homeWithConfig, { recursive: true, force: true });
});

const cases: Case[] = [
  {
    title: 'a merge of several files with a missing one picks current-context from the first file setting it',
    kubeconfigEnv: [f('merge/a.yaml'), f('merge/missing.yaml'), f('merge/b.yaml'), f('merge/c.yaml')],
  },
  {
    title: 'duplicate names across files take the whole entry from the first file',
    kubeconfigEnv: [f('merge/a.yaml'), f('merge/b.yaml')],
    context: 'shared',
  },
  {
    title: 'duplicate names with the files in the other order',
    kubeconfigEnv: [f('merge/b.yaml'), f('merge/a.yaml')],
    context: 'shared',
  },
  {
    title: 'a context defined only in the first file uses a user defined in both',
    kubeconfigEnv: [f('merge/a.yaml'), f('merge/b.yaml')],
    context: 'only-a',
  },
  {
    title: 'a context without a user is anonymous',
    kubeconfigEnv: [f('merge/c.yaml'), f('merge/a.yaml'), f('merge/b.yaml')],
  },
  {
    title: 'an empty file and a missing file before the real one',
    kubeconfigEnv: [f('merge/missing.yaml'), f('merge/no-current.yaml'), f('merge/b.yaml')],
  },
  {
    title: 'relative certificate paths are resolved against the file in a subdirectory',
    kubeconfigEnv: [f('relative/nested/dir/config.yaml')],
  },
  {
    title: 'a relative tokenFile is resolved against the file in a subdirectory',
    kubeconfigEnv: [f('relative/nested/dir/config.yaml')],
    context: 'rel-token-file',
  },
  { title: 'certificate material given as -data', kubeconfigEnv: [f('data/data.yaml')] },
  { title: 'certificate material given as files', kubeconfigEnv: [f('data/file.yaml')] },
  { title: 'a cluster-only context keeps its CA and namespace', kubeconfigEnv: [f('data/no-user.yaml')] },
  { title: "kcp's admin.kubeconfig with its current context root", explicit: f('kcp/admin.kubeconfig') },
  { title: "kcp's admin.kubeconfig, context base", explicit: f('kcp/admin.kubeconfig'), context: 'base' },
  {
    title: "kcp's admin.kubeconfig, context system:admin with a client certificate",
    explicit: f('kcp/admin.kubeconfig'),
    context: 'system:admin',
  },
  { title: 'a kubelogin-style exec kubeconfig', kubeconfigEnv: [f('kcp/exec.kubeconfig')] },
  { title: '~/.kube/config is used when KUBECONFIG is unset', home: homeWithConfig },
  {
    title: 'an explicit path wins over KUBECONFIG',
    explicit: f('data/file.yaml'),
    kubeconfigEnv: [f('data/data.yaml')],
  },
];

describe.skipIf(!hasKubectl)('kubectl oracle (kubectl config view --minify --flatten)', () => {
  for (const c of cases) {
    it(`picks what kubectl picks: ${c.title}`, async () => {
      const view = kubectlView(c);
      const env = {
        KUBECONFIG: c.kubeconfigEnv?.join(delimiter),
        HOME: c.home ?? home,
      };
      const ours = loadConnection({ kubeconfig: c.explicit, context: c.context }, env);
      const ctx = view.contexts[0]!;
      const cluster = view.clusters[0]!.cluster;
      const user = view.users?.[0]?.user ?? {};

      expect(ours.contextName).toBe(ctx.name);
      expect(ours.clusterName).toBe(view.clusters[0]!.name);
      expect(ours.userName).toBe(view.users?.[0]?.name);
      expect(ours.namespace).toBe(ctx.context['namespace']);
      expect(ours.connection.server).toBe(cluster['server']);
      expect(ours.connection.tls.ca).toBe(decode(cluster['certificate-authority-data']));
      expect(ours.connection.tls.insecureSkipTlsVerify).toBe(cluster['insecure-skip-tls-verify'] === true);
      expect(ours.connection.tls.serverName).toBe(cluster['tls-server-name']);
      expect(ours.connection.tls.cert).toBe(decode(user['client-certificate-data']));
      expect(ours.connection.tls.key).toBe(decode(user['client-key-data']));

      let token = user['token'] as string | undefined;
      if (token === undefined && typeof user['tokenFile'] === 'string') {
        // kubectl prints tokenFile as written; it is relative to the file that defines it.
        const origin = ours.sourceFiles.find((file) => readFileSync(file, 'utf8').includes('tokenFile'));
        token = readFileSync(resolve(dirname(origin!), user['tokenFile']), 'utf8').trim();
      }
      if (user['exec'] === undefined) {
        const creds = await ours.connection.credentials.get();
        expect(creds.headers['Authorization']).toBe(token === undefined ? undefined : `Bearer ${token}`);
      }
    });
  }
});

describe.skipIf(!hasKubectl)('kubectl oracle for broken kubeconfigs', () => {
  it.each([
    ['a YAML syntax error', 'bad/syntax.yaml', undefined],
    ['a wrong type', 'bad/wrong-type.yaml', undefined],
    ['a context naming a missing user', 'bad/missing-user.yaml', undefined],
    ['a context naming a missing cluster', 'bad/missing-user.yaml', 'other'],
    ['an unknown context', 'bad/missing-user.yaml', 'nope'],
    ['a missing certificate-authority file', 'bad/missing-ca.yaml', undefined],
  ])('rejects %s like kubectl does', (_, file, context) => {
    const c: Case = { title: file, kubeconfigEnv: [f(file)], ...(context === undefined ? {} : { context }) };
    expect(() => kubectlView({ ...c })).toThrow();
    expect(() => loadConnection({ context }, { KUBECONFIG: f(file), HOME: home })).toThrow(
      expect.objectContaining({ name: 'KubeconfigError' }),
    );
  });
});
