import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execCredentials, sharedExecCredentials } from '../../src/config/exec-provider.js';
import { runExecPlugin, type ExecPluginConfig } from '../../src/config/exec-run.js';
import { loadConnection } from '../../src/config/load-connection.js';
import { isAbortError, isExecCredentialError, type ExecCredentialError } from '../../src/errors.js';
import { runInProcess } from '../cli/helpers.js';

const PLUGIN = resolve(import.meta.dirname, '../fixtures/exec/plugin.mjs');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kcp-exec-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function plugin(env: Record<string, string>, over: Partial<ExecPluginConfig> = {}): ExecPluginConfig {
  return {
    command: process.execPath,
    args: [PLUGIN],
    env: Object.entries({ PLUGIN_COUNTER: join(dir, 'count'), ...env }).map(([name, value]) => ({
      name,
      value,
    })),
    apiVersion: 'client.authentication.k8s.io/v1',
    interactiveMode: 'Never',
    ...over,
  };
}
const runs = (): number => Number(readFileSync(join(dir, 'count'), 'utf8'));
const noTTY = (): boolean => false;

async function execError(p: Promise<unknown>): Promise<ExecCredentialError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isExecCredentialError(e)).toBe(true);
  return e as ExecCredentialError;
}

describe('runExecPlugin', () => {
  it('returns the token of a v1 plugin and passes args, env and KUBERNETES_EXEC_INFO', async () => {
    const dump = join(dir, 'dump.json');
    const cfg = plugin({ PLUGIN_DUMP: dump, PLUGIN_EXTRA: 'hello', PLUGIN_TTL_MS: '60000' });
    cfg.args.push('--flag', 'value');
    const r = await runExecPlugin(cfg, { timeoutMs: 5000, isTTY: noTTY });
    expect(r.token).toBe('plugin-token-1');
    expect(r.expiresAt).toBeGreaterThan(Date.now());
    const seen = JSON.parse(readFileSync(dump, 'utf8'));
    expect(seen.args).toEqual(['--flag', 'value']);
    expect(seen.extra).toBe('hello');
    expect(seen.info).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
  });

  it('speaks v1beta1 and sends cluster information when asked to', async () => {
    const dump = join(dir, 'dump.json');
    const cfg = plugin(
      { PLUGIN_DUMP: dump },
      {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        cluster: {
          server: 'https://kcp:6443/clusters/root',
          'certificate-authority-data': 'Q0E=',
          config: { a: 1 },
        },
      },
    );
    const r = await runExecPlugin(cfg, { timeoutMs: 5000, isTTY: noTTY });
    expect(r.token).toBe('plugin-token-1');
    const seen = JSON.parse(readFileSync(dump, 'utf8'));
    expect(seen.info.apiVersion).toBe('client.authentication.k8s.io/v1beta1');
    expect(seen.info.spec.cluster).toEqual({
      server: 'https://kcp:6443/clusters/root',
      'certificate-authority-data': 'Q0E=',
      config: { a: 1 },
    });
  });

  it('returns a client certificate and key', async () => {
    const r = await runExecPlugin(plugin({ PLUGIN_MODE: 'cert' }), { timeoutMs: 5000, isTTY: noTTY });
    expect(r.token).toBeUndefined();
    expect(r.cert).toContain('BEGIN CERTIFICATE');
    expect(r.key).toContain('BEGIN PRIVATE KEY');
  });

  it('marks the run interactive for IfAvailable on a terminal and not for Never', async () => {
    const dump = join(dir, 'dump.json');
    await runExecPlugin(plugin({ PLUGIN_DUMP: dump }, { interactiveMode: 'IfAvailable' }), {
      timeoutMs: 5000,
      isTTY: () => true,
    });
    expect(JSON.parse(readFileSync(dump, 'utf8')).info.spec.interactive).toBe(true);
    await runExecPlugin(plugin({ PLUGIN_DUMP: dump }, { interactiveMode: 'IfAvailable' }), {
      timeoutMs: 5000,
      isTTY: noTTY,
    });
    expect(JSON.parse(readFileSync(dump, 'utf8')).info.spec.interactive).toBe(false);
    await runExecPlugin(plugin({ PLUGIN_DUMP: dump }, { interactiveMode: 'Never' }), {
      timeoutMs: 5000,
      isTTY: () => true,
    });
    expect(JSON.parse(readFileSync(dump, 'utf8')).info.spec.interactive).toBe(false);
  });

  it('refuses interactiveMode Always without a terminal', async () => {
    const e = await execError(
      runExecPlugin(plugin({}, { interactiveMode: 'Always' }), { timeoutMs: 5000, isTTY: noTTY }),
    );
    expect(e.message).toMatch(/standard input is not a terminal/);
  });

  it('reports the command, exit code and a redacted stderr tail, never the token', async () => {
    const e = await execError(
      runExecPlugin(plugin({ PLUGIN_MODE: 'fail', PLUGIN_TOKEN: 'failing-secret-value' }), {
        timeoutMs: 5000,
        isTTY: noTTY,
      }),
    );
    expect(e.command).toBe(process.execPath.split('/').pop());
    expect(e.exitCode).toBe(3);
    expect(e.stderrTail).toContain('authentication failed for token');
    expect(e.message).toContain('exited with code 3');
  });

  it('keeps plugin output out of message, toJSON and inspect, even secrets no pattern recognises', async () => {
    const leaks = ['session: 9f8e7d6c5b4a', 'sk_live_51Habcdefghijkl', 'cookie=abc.def.ghi'];
    const e = await execError(
      runExecPlugin(plugin({ PLUGIN_MODE: 'fail', PLUGIN_STDERR: `${leaks.join('\n')}\n` }), {
        timeoutMs: 5000,
        isTTY: noTTY,
      }),
    );
    expect(e.message).toBe(`exec plugin "${e.command}" exited with code 3 (its stderr is in stderrTail)`);
    const printed = [e.message, String(e.stack), inspect(e)].join('\n');
    for (const leak of leaks) expect(printed).not.toContain(leak);
    expect(e.stderrTail).toContain('sk_live_51Habcdefghijkl');
  });

  it('names a missing command and prints its install hint', async () => {
    const e = await execError(
      runExecPlugin(
        plugin({}, { command: 'kubectl-no-such-plugin-xyz', args: [], installHint: 'Install it with brew.' }),
        { timeoutMs: 5000, isTTY: noTTY },
      ),
    );
    expect(e.message).toContain('"kubectl-no-such-plugin-xyz" was not found');
    expect(e.message).toContain('Install it with brew.');
  });

  it('reports a plugin that is not executable', async () => {
    const e = await execError(
      runExecPlugin(plugin({}, { command: join(dir), args: [] }), { timeoutMs: 5000, isTTY: noTTY }),
    );
    expect(e.message).toMatch(/not executable|could not be started/);
  });

  it('kills a plugin that does not finish in time', async () => {
    const e = await execError(
      runExecPlugin(plugin({ PLUGIN_MODE: 'sleep', PLUGIN_STDERR: 'waiting for browser\n' }), {
        timeoutMs: 300,
        isTTY: noTTY,
      }),
    );
    expect(e.message).toContain('did not finish within 300 ms');
  });

  it.each([
    ['badjson', /standard output is not JSON/],
    ['nostatus', /has no status/],
    ['empty', /neither a token nor a client certificate/],
    ['wrongversion', /apiVersion is "client.authentication.k8s.io\/v1alpha1"/],
  ])('rejects output of mode %s without echoing stdout', async (mode, re) => {
    const e = await execError(
      runExecPlugin(plugin({ PLUGIN_MODE: mode, PLUGIN_TOKEN: 'stdout-secret-abcdef' }), {
        timeoutMs: 5000,
        isTTY: noTTY,
      }),
    );
    expect(e.message).toMatch(re);
    expect(JSON.stringify(e)).not.toContain('stdout-secret-abcdef');
    expect(inspect(e)).not.toContain('stdout-secret-abcdef');
  });
});

describe('execCredentials', () => {
  it('runs lazily and caches the credential until it expires', async () => {
    let now = Date.now();
    const p = execCredentials(plugin({ PLUGIN_TTL_MS: '60000' }), {
      now: () => now,
      isTTY: noTTY,
      expirySkewMs: 0,
    });
    const a = await p.get();
    const b = await p.get();
    expect(a.headers['Authorization']).toBe('Bearer plugin-token-1');
    expect(b).toBe(a);
    expect(runs()).toBe(1);
    now += 61_000;
    const c = await p.get();
    expect(c.headers['Authorization']).toBe('Bearer plugin-token-2');
  });

  it('refreshes ahead of expiry by the skew, at most half the lifetime', async () => {
    let now = Date.now();
    const p = execCredentials(plugin({ PLUGIN_TTL_MS: '60000' }), {
      now: () => now,
      isTTY: noTTY,
      expirySkewMs: 10_000,
    });
    await p.get();
    now += 49_000;
    await p.get();
    expect(runs()).toBe(1);
    now += 2_000;
    expect((await p.get()).headers['Authorization']).toBe('Bearer plugin-token-2');
  });

  it('keeps a credential without expirationTimestamp until a 401', async () => {
    const p = execCredentials(plugin({}), { isTTY: noTTY });
    const a = await p.get();
    await p.get();
    expect(runs()).toBe(1);
    await expect(p.refresh(a)).resolves.toBe(true);
    expect((await p.get()).headers['Authorization']).toBe('Bearer plugin-token-2');
  });

  it('shares one plugin run between concurrent callers', async () => {
    const p = execCredentials(plugin({ PLUGIN_DELAY_MS: '100' }), { isTTY: noTTY });
    const all = await Promise.all([p.get(), p.get(), p.get(), p.get()]);
    expect(new Set(all.map((c) => c.headers['Authorization']))).toEqual(new Set(['Bearer plugin-token-1']));
    expect(runs()).toBe(1);
  });

  it('does not run again on refresh when the credential already changed', async () => {
    const p = execCredentials(plugin({}), { isTTY: noTTY });
    const first = await p.get();
    const [r1, r2] = await Promise.all([p.refresh(first), p.refresh(first)]);
    expect(r1 && r2).toBe(true);
    expect(runs()).toBe(2);
    await expect(p.refresh(first)).resolves.toBe(true);
    expect(runs()).toBe(2);
  });

  it('says there is nothing new when the plugin returns the same credential', async () => {
    const p = execCredentials(plugin({}), {
      isTTY: noTTY,
      run: () => Promise.resolve({ token: 'same-token-value' }),
    });
    const a = await p.get();
    await expect(p.refresh(a)).resolves.toBe(false);
  });

  it('rejects refresh with the plugin error', async () => {
    let fail = false;
    const p = execCredentials(plugin({}), {
      isTTY: noTTY,
      run: (cfg, opts) => runExecPlugin(fail ? plugin({ PLUGIN_MODE: 'fail' }) : cfg, opts),
    });
    const a = await p.get();
    fail = true;
    await execError(p.refresh(a));
  });

  it('lets a caller abort its wait without stopping the shared run', async () => {
    const p = execCredentials(plugin({ PLUGIN_DELAY_MS: '150' }), { isTTY: noTTY });
    const ac = new AbortController();
    const aborted = p.get(ac.signal);
    const other = p.get();
    ac.abort();
    const err: unknown = await aborted.catch((e: unknown) => e);
    expect(isAbortError(err)).toBe(true);
    expect((await other).headers['Authorization']).toBe('Bearer plugin-token-1');
    const pre = new AbortController();
    pre.abort();
    await expect(execCredentials(plugin({}), { isTTY: noTTY }).get(pre.signal)).rejects.toThrow(/aborted/);
  });

  it('passes a client certificate from the plugin on', async () => {
    const p = execCredentials(plugin({ PLUGIN_MODE: 'cert' }), { isTTY: noTTY });
    const c = await p.get();
    expect(c.headers).toEqual({});
    expect(c.cert).toContain('CERTIFICATE');
    expect(c.key).toContain('PRIVATE KEY');
  });

  it('shares one provider per plugin configuration', () => {
    const cfg = plugin({ PLUGIN_TOKEN: 'shared' });
    expect(sharedExecCredentials(cfg)).toBe(sharedExecCredentials({ ...cfg }));
    expect(sharedExecCredentials(cfg)).not.toBe(sharedExecCredentials({ ...cfg, args: [PLUGIN, 'x'] }));
  });
});

describe('exec plugins from a kubeconfig', () => {
  it('runs a relative command from the kubeconfig directory with cluster info', async () => {
    mkdirSync(join(dir, 'bin'));
    copyFileSync(PLUGIN, join(dir, 'bin', 'plugin.mjs'));
    chmodSync(join(dir, 'bin', 'plugin.mjs'), 0o755);
    const ca = readFileSync(resolve(import.meta.dirname, '../fixtures/kubeconfig/pem/ca.crt'), 'utf8');
    const dump = join(dir, 'dump.json');
    const file = join(dir, 'config');
    writeFileSync(
      file,
      JSON.stringify({
        clusters: [
          {
            name: 'kcp',
            cluster: {
              server: 'https://kcp.example:6443/clusters/root',
              'certificate-authority-data': Buffer.from(ca).toString('base64'),
              'tls-server-name': 'kcp.internal',
              'proxy-url': 'http://proxy:3128',
              'disable-compression': true,
              extensions: [
                { name: 'other', extension: {} },
                { name: 'client.authentication.k8s.io/exec', extension: { audience: 'kcp' } },
              ],
            },
          },
        ],
        users: [
          {
            name: 'oidc',
            user: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1',
                command: './bin/plugin.mjs',
                args: ['get-token'],
                env: [
                  { name: 'PLUGIN_DUMP', value: dump },
                  { name: 'PLUGIN_COUNTER', value: join(dir, 'count') },
                ],
                interactiveMode: 'Never',
                provideClusterInfo: true,
              },
            },
          },
        ],
        contexts: [{ name: 'kcp', context: { cluster: 'kcp', user: 'oidc' } }],
        'current-context': 'kcp',
      }),
    );
    const r = loadConnection({ kubeconfig: file, execTimeoutMs: 5000 }, { HOME: dir });
    const creds = await r.connection.credentials.get();
    expect(creds.headers['Authorization']).toBe('Bearer plugin-token-1');
    const seen = JSON.parse(readFileSync(dump, 'utf8'));
    expect(seen.args).toEqual(['get-token']);
    expect(seen.info.spec).toEqual({
      interactive: false,
      cluster: {
        server: 'https://kcp.example:6443/clusters/root',
        'certificate-authority-data': Buffer.from(ca).toString('base64'),
        'tls-server-name': 'kcp.internal',
        'proxy-url': 'http://proxy:3128',
        'disable-compression': true,
        config: { audience: 'kcp' },
      },
    });
  });

  it('tells the plugin about insecure-skip-tls-verify and defaults v1beta1 to IfAvailable', async () => {
    const dump = join(dir, 'dump.json');
    const r = loadConnection(
      {
        kubeconfig: {
          clusters: [{ name: 'c', cluster: { server: 'https://x', 'insecure-skip-tls-verify': true } }],
          users: [
            {
              name: 'u',
              user: {
                exec: {
                  apiVersion: 'client.authentication.k8s.io/v1beta1',
                  command: process.execPath,
                  args: [PLUGIN],
                  env: [{ name: 'PLUGIN_DUMP', value: dump }],
                  provideClusterInfo: true,
                },
              },
            },
          ],
          contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
          'current-context': 'x',
        },
      },
      { HOME: dir },
    );
    await r.connection.credentials.get();
    const seen = JSON.parse(readFileSync(dump, 'utf8'));
    expect(seen.info.spec.cluster).toEqual({ server: 'https://x', 'insecure-skip-tls-verify': true });
    expect(seen.info.spec.interactive).toBe((process.stdin as { isTTY?: boolean }).isTTY === true);
  });
});

describe('the CLI and exec plugin output', () => {
  it('shows the redacted plugin stderr only with -v', async () => {
    const path = join(dir, 'exec-kubeconfig.json');
    writeFileSync(
      path,
      JSON.stringify({
        clusters: [{ name: 'c', cluster: { server: 'http://127.0.0.1:1' } }],
        users: [
          {
            name: 'u',
            user: {
              exec: {
                ...plugin({ PLUGIN_MODE: 'fail', PLUGIN_STDERR: 'session: 9f8e7d6c5b4a\n' }),
                interactiveMode: 'Never',
              },
            },
          },
        ],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    const quiet = await runInProcess(['get', 'root:x', '--kubeconfig', path]);
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toContain('exited with code 3 (its stderr is in stderrTail)');
    expect(quiet.stderr).not.toContain('9f8e7d6c5b4a');
    expect(quiet.stderr).toContain("hint: run again with -v to see the plugin's stderr (redacted)");
    const verbose = await runInProcess(['get', 'root:x', '--kubeconfig', path, '-v']);
    expect(verbose.stderr).toContain('plugin stderr: session: 9f8e7d6c5b4a');
    expect(verbose.stderr).toContain('plugin stderr: authentication failed for token');
  });
});
