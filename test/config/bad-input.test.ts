import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execCredentials } from '../../src/config/exec-provider.js';
import { runExecPlugin, type ExecPluginConfig } from '../../src/config/exec-run.js';
import { loadConnection, type ConnectionOptions } from '../../src/config/load-connection.js';
import { isExecCredentialError, isKcpError, isKubeconfigError, type KcpError } from '../../src/errors.js';

const FIX = resolve(import.meta.dirname, '../fixtures/kubeconfig');
const PLUGIN = resolve(import.meta.dirname, '../fixtures/exec/plugin.mjs');
/** Appears in the bad fixtures as a token; must never show up in an error. */
const SECRET = 'bad-input-secret-token-0123456789';
const noFiles = { HOME: '/nonexistent-home-for-tests' };

function everyRendering(e: KcpError): string[] {
  return [e.message, String(e), e.stack ?? '', JSON.stringify(e), inspect(e), inspect(e, { depth: 5 })];
}

function expectNoSecret(e: unknown, secret = SECRET): void {
  expect(isKcpError(e)).toBe(true);
  for (const text of everyRendering(e as KcpError)) expect(text).not.toContain(secret);
}

function loadError(options: ConnectionOptions, env: Record<string, string> = noFiles): KcpError {
  try {
    loadConnection(options, env);
  } catch (e) {
    expect(isKubeconfigError(e)).toBe(true);
    return e as KcpError;
  }
  throw new Error('expected a KubeconfigError');
}

describe('bad kubeconfig input', () => {
  it.each([
    [
      'missing file',
      { kubeconfig: join(FIX, 'bad/nope.yaml') },
      /Cannot read kubeconfig .*nope\.yaml: the file does not exist/,
    ],
    ['unreadable file', { kubeconfig: join(FIX, 'bad') }, /Cannot read kubeconfig .*bad: it is a directory/],
    [
      'YAML syntax error',
      { kubeconfig: join(FIX, 'bad/syntax.yaml') },
      /Invalid YAML in kubeconfig .*syntax\.yaml at line 7, column \d+: All mapping items must start at the same column/,
    ],
    [
      'wrong type',
      { kubeconfig: join(FIX, 'bad/wrong-type.yaml') },
      /Invalid kubeconfig .*wrong-type\.yaml \(line 13, column 7\): users\[1\]\.user\.token must be a string, got a map/,
    ],
    [
      'unknown context',
      { kubeconfig: join(FIX, 'bad/missing-user.yaml'), context: 'nope' },
      /available: kcp, other/,
    ],
    [
      'context naming a missing user',
      { kubeconfig: join(FIX, 'bad/missing-user.yaml') },
      /names user "ghost", which is not defined/,
    ],
    [
      'context naming a missing cluster',
      { kubeconfig: join(FIX, 'bad/missing-user.yaml'), context: 'other' },
      /names cluster "ghost", which is not defined/,
    ],
    [
      'unreadable certificate',
      { kubeconfig: join(FIX, 'bad/missing-ca.yaml') },
      /Cannot read certificate-authority/,
    ],
  ] as Array<[string, ConnectionOptions, RegExp]>)(
    '%s: a KubeconfigError naming the file, without secrets',
    (_, options, re) => {
      const e = loadError(options);
      expect(e.message).toMatch(re);
      expect((e as unknown as { file?: string }).file).toBe(resolve(options.kubeconfig as string));
      expectNoSecret(e);
    },
  );

  it('names the field for field-level problems', () => {
    expect(loadError({ kubeconfig: join(FIX, 'bad/wrong-type.yaml') })).toMatchObject({
      field: 'users[1].user.token',
    });
    expect(loadError({ kubeconfig: join(FIX, 'bad/missing-user.yaml') })).toMatchObject({
      field: 'contexts[0].context.user',
    });
    expect(loadError({ kubeconfig: join(FIX, 'bad/missing-ca.yaml') })).toMatchObject({
      field: 'clusters[0].cluster.certificate-authority',
    });
  });

  it('never puts a token from a loaded kubeconfig into later errors', () => {
    const text = readFileSync(join(FIX, 'bad/missing-ca.yaml'), 'utf8');
    expect(text).toContain(SECRET);
    const e = loadError({
      kubeconfig: {
        clusters: [{ name: 'c', cluster: { server: 'https://x' } }],
        users: [{ name: 'u', user: { token: SECRET, 'client-certificate': `/nonexistent/${SECRET}` } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      },
    });
    expectNoSecret(e);
  });
});

describe('exec plugin errors', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kcp-bad-exec-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const cfg = (env: Record<string, string>): ExecPluginConfig => ({
    command: process.execPath,
    args: [PLUGIN],
    env: Object.entries({ PLUGIN_COUNTER: join(dir, 'n'), ...env }).map(([name, value]) => ({ name, value })),
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    interactiveMode: 'Never',
  });

  it('does not leak stdout of a plugin whose output is invalid', async () => {
    const secret = 'exec-stdout-secret-abcdef';
    const e: unknown = await runExecPlugin(cfg({ PLUGIN_MODE: 'badjson', PLUGIN_TOKEN: secret }), {
      timeoutMs: 5000,
      isTTY: () => false,
    }).catch((err: unknown) => err);
    expect(isExecCredentialError(e)).toBe(true);
    expectNoSecret(e, secret);
  });

  it('redacts a previously issued token that the plugin echoes on stderr when it fails', async () => {
    let mode = 'token';
    const secret = 'exec-issued-secret-abcdef';
    const p = execCredentials(cfg({ PLUGIN_TOKEN: secret }), {
      isTTY: () => false,
      run: (c, o) =>
        runExecPlugin(mode === 'token' ? c : cfg({ PLUGIN_MODE: 'fail', PLUGIN_TOKEN: secret }), o),
    });
    const used = await p.get();
    expect(used.headers['Authorization']).toBe(`Bearer ${secret}-1`);
    mode = 'fail';
    // The failing run prints "<secret>-2", which contains the registered prefix only partially; make it
    // print the issued token itself by resetting the counter.
    rmSync(join(dir, 'n'));
    const e: unknown = await p.refresh(used).catch((err: unknown) => err);
    expect(isExecCredentialError(e)).toBe(true);
    expectNoSecret(e, `${secret}-1`);
    expect((e as { stderrTail?: string }).stderrTail).toContain('authentication failed for token [REDACTED]');
  });
});
