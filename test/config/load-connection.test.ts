import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConnection, type ConnectionOptions } from '../../src/config/load-connection.js';
import { isKubeconfigError, type KubeconfigError } from '../../src/errors.js';

const FIX = resolve(import.meta.dirname, '../fixtures/kubeconfig');
const PEM = join(FIX, 'pem');
const CA = readFileSync(join(PEM, 'ca.crt'), 'utf8');
const CERT = readFileSync(join(PEM, 'client.crt'), 'utf8');
const KEY = readFileSync(join(PEM, 'client.key'), 'utf8');
const OTHER_CERT = readFileSync(join(PEM, 'other-client.crt'), 'utf8');
const OTHER_KEY = readFileSync(join(PEM, 'other-client.key'), 'utf8');
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const noFiles = { HOME: '/nonexistent-home-for-tests' };

/** A one-context kubeconfig object with the given cluster and user bodies. */
function kc(
  cluster: Record<string, unknown>,
  user?: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    clusters: [{ name: 'c', cluster: { server: 'https://kcp.example:6443', ...cluster } }],
    users: user === undefined ? [] : [{ name: 'u', user }],
    contexts: [{ name: 'x', context: { cluster: 'c', ...(user === undefined ? {} : { user: 'u' }) } }],
    'current-context': 'x',
    ...extra,
  };
}

function fail(options: ConnectionOptions, env = noFiles): KubeconfigError {
  try {
    loadConnection(options, env);
  } catch (e) {
    expect(isKubeconfigError(e)).toBe(true);
    return e as KubeconfigError;
  }
  throw new Error('expected a KubeconfigError');
}

const auth = async (options: ConnectionOptions): Promise<string | undefined> =>
  (await loadConnection(options, noFiles).connection.credentials.get()).headers['Authorization'];

describe('loadConnection', () => {
  it("works from kcp's admin kubeconfig with no options but KUBECONFIG", async () => {
    const r = loadConnection({}, { KUBECONFIG: join(FIX, 'kcp/admin.kubeconfig') });
    expect(r.contextName).toBe('root');
    expect(r.workspace).toBe('root');
    expect(r.connection.server).toBe('https://192.168.1.10:6443/clusters/root');
    expect(r.connection.tls.ca).toBe(CA);
    expect(r.connection.label).toBe('root');
    expect(r.sourceFiles).toEqual([join(FIX, 'kcp/admin.kubeconfig')]);
    expect((await r.connection.credentials.get()).headers['Authorization']).toBe(
      'Bearer kcp-admin-token-0123456789abcdef',
    );
  });

  it('works without any kubeconfig when server is given', async () => {
    const r = loadConnection(
      { server: 'https://127.0.0.1:6443/clusters/root:org', token: 'explicit-token-1' },
      noFiles,
    );
    expect(r.sourceFiles).toEqual([]);
    expect(r.contextName).toBeUndefined();
    expect(r.workspace).toBe('root:org');
    expect(r.connection.label).toBe('127.0.0.1:6443');
    expect(r.connection.tls).toEqual({ ca: undefined, insecureSkipTlsVerify: false, serverName: undefined });
    expect((await r.connection.credentials.get()).headers['Authorization']).toBe('Bearer explicit-token-1');
  });

  it('adds https:// to a server without a scheme', () => {
    expect(loadConnection({ server: 'kcp.example:6443' }, noFiles).connection.server).toBe(
      'https://kcp.example:6443',
    );
  });

  it('explains that no kubeconfig was found', () => {
    const e = fail({});
    expect(e.message).toBe(
      'No server to connect to: no kubeconfig found (no file found (looked for /nonexistent-home-for-tests/.kube/config)); set KUBECONFIG, pass "kubeconfig", or pass "server"',
    );
  });

  it('explains that no context is selected and lists the contexts', () => {
    const e = fail({ kubeconfig: { ...kc({}), 'current-context': undefined } });
    expect(e.message).toContain(
      'no context selected in the kubeconfig object; pass "context" (available: x)',
    );
  });

  it('names a cluster without server', () => {
    const e = fail({ kubeconfig: kc({ server: '' }) });
    expect(e.field).toBe('clusters[0].cluster.server');
    expect(e.message).toContain('cluster "c" has no server');
  });

  it('lists the available contexts for an unknown context', () => {
    const e = fail({ kubeconfig: join(FIX, 'kcp/admin.kubeconfig'), context: 'nope' });
    expect(e.message).toBe(
      `Context "nope" (option "context") is not defined in ${join(FIX, 'kcp/admin.kubeconfig')}; available: base, root, system:admin`,
    );
    expect(e.field).toBe('context');
  });

  it('names the file whose current-context does not exist', () => {
    const e = fail({ kubeconfig: { ...kc({}), 'current-context': 'ghost' } });
    expect(e.field).toBe('current-context');
    expect(e.message).toContain('Context "ghost" (current-context of the kubeconfig object)');
  });

  it('names a context that points at a missing cluster or user', () => {
    const base = kc({}, { token: 'abcdefgh' });
    const noCluster = fail({
      kubeconfig: { ...base, contexts: [{ name: 'x', context: { cluster: 'ghost', user: 'u' } }] },
    });
    expect(noCluster.field).toBe('contexts[0].context.cluster');
    expect(noCluster.message).toContain('Context "x" names cluster "ghost", which is not defined');
    expect(noCluster.message).toContain('available: c');
    const noUser = fail({
      kubeconfig: { ...base, contexts: [{ name: 'x', context: { cluster: 'c', user: 'ghost' } }] },
    });
    expect(noUser.field).toBe('contexts[0].context.user');
    expect(noUser.message).toContain('available: u');
  });

  it('rejects an invalid server URL from the kubeconfig or the options', () => {
    expect(fail({ kubeconfig: kc({ server: 'ftp://x' }) }).field).toBe('clusters[0].cluster.server');
    expect(fail({ server: 'https://' }).field).toBe('server');
  });

  it('reads CA, client certificate and key from -data, which wins over files', () => {
    const r = loadConnection(
      {
        kubeconfig: kc(
          { 'certificate-authority-data': b64(CA), 'certificate-authority': '/nonexistent/ca' },
          { 'client-certificate-data': b64(CERT), 'client-key-data': b64(KEY) },
        ),
      },
      noFiles,
    );
    expect(r.connection.tls).toMatchObject({ ca: CA, cert: CERT, key: KEY, insecureSkipTlsVerify: false });
  });

  it('applies TLS settings of a context without a user', () => {
    const r = loadConnection(
      { kubeconfig: kc({ 'certificate-authority': join(PEM, 'ca.crt'), 'tls-server-name': 'kcp.internal' }) },
      noFiles,
    );
    expect(r.connection.tls.ca).toBe(CA);
    expect(r.connection.tls.serverName).toBe('kcp.internal');
    expect(r.userName).toBeUndefined();
  });

  it('lets explicit options override the kubeconfig like kubectl flags', async () => {
    const kubeconfig = kc(
      { 'certificate-authority': join(PEM, 'ca.crt'), 'tls-server-name': 'a' },
      {
        token: 'kubeconfig-token-1',
        'client-certificate': join(PEM, 'client.crt'),
        'client-key': join(PEM, 'client.key'),
      },
    );
    const r = loadConnection(
      {
        kubeconfig,
        server: 'https://other:1/clusters/root:x',
        token: 'flag-token-123',
        tlsServerName: 'b',
        ca: CA,
      },
      noFiles,
    );
    expect(r.connection.server).toBe('https://other:1/clusters/root:x');
    expect(r.workspace).toBe('root:x');
    expect(r.connection.tls).toMatchObject({ ca: CA, serverName: 'b', cert: CERT, key: KEY });
    expect((await r.connection.credentials.get()).headers['Authorization']).toBe('Bearer flag-token-123');
    const insecure = loadConnection({ kubeconfig, insecureSkipTlsVerify: true }, noFiles);
    expect(insecure.connection.tls).toMatchObject({ ca: undefined, insecureSkipTlsVerify: true });
    const certs = loadConnection({ kubeconfig, cert: OTHER_CERT, key: OTHER_KEY }, noFiles);
    expect(certs.connection.tls).toMatchObject({ cert: OTHER_CERT, key: OTHER_KEY });
  });

  it('rejects a client key that does not match its certificate at load, without printing the key', () => {
    const mismatched = fail({
      kubeconfig: kc(
        {},
        { 'client-certificate': join(PEM, 'client.crt'), 'client-key': join(PEM, 'other-client.key') },
      ),
    });
    expect(mismatched.field).toBe('users[0].user.client-key');
    expect(mismatched.message).toBe(
      'the client key does not match the client certificate (users[0].user.client-key in the kubeconfig object)',
    );
    const data = fail({
      kubeconfig: kc({}, { 'client-certificate-data': b64(OTHER_CERT), 'client-key-data': b64(KEY) }),
    });
    expect(data.field).toBe('users[0].user.client-key');
    const options = fail({ kubeconfig: kc({}), cert: CERT, key: OTHER_KEY });
    expect(options.message).toBe(
      'Options "cert" and "key": the client key does not match the client certificate',
    );
    for (const e of [mismatched, data, options]) {
      expect(JSON.stringify(e) + String(e.stack)).not.toContain(KEY.split('\n')[1]);
      expect(JSON.stringify(e) + String(e.stack)).not.toContain(OTHER_KEY.split('\n')[1]);
    }
  });

  it('rejects a CA that is not PEM, or whose PEM does not parse, as a KubeconfigError at load', () => {
    const der = Buffer.from(CA.split('\n').slice(1, -2).join(''), 'base64');
    expect(
      fail({ kubeconfig: kc({ 'certificate-authority-data': der.toString('base64') }) }).message,
    ).toContain('certificate-authority-data does not contain a PEM certificate');
    const broken = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    expect(fail({ kubeconfig: kc({ 'certificate-authority-data': b64(broken) }) }).message).toContain(
      'certificate-authority-data contains a PEM certificate (number 1) that cannot be parsed',
    );
    expect(fail({ kubeconfig: kc({}), ca: 'not a certificate' }).field).toBe('ca');
    expect(fail({ kubeconfig: kc({}), ca: `${CA}${broken}` }).message).toBe(
      'Option "ca" contains a PEM certificate (number 2) that cannot be parsed',
    );
  });

  it('rejects half a client certificate in options or kubeconfig', () => {
    expect(fail({ server: 'https://x', cert: 'C' }).field).toBe('key');
    expect(fail({ server: 'https://x', key: 'K' }).field).toBe('cert');
    const e = fail({ kubeconfig: kc({}, { 'client-certificate': join(PEM, 'client.crt') }) });
    expect(e.field).toBe('users[0].user.client-key');
  });

  it('rejects a CA together with insecure-skip-tls-verify', () => {
    expect(fail({ server: 'https://x', ca: 'PEM', insecureSkipTlsVerify: true }).field).toBe('ca');
    const e = fail({
      kubeconfig: kc({ 'certificate-authority-data': b64(CA), 'insecure-skip-tls-verify': true }),
    });
    expect(e.field).toBe('clusters[0].cluster.insecure-skip-tls-verify');
  });

  it('names the field and file of an unreadable or invalid certificate', () => {
    const missing = fail({ kubeconfig: kc({ 'certificate-authority': '/nonexistent/ca.crt' }) });
    expect(missing.field).toBe('clusters[0].cluster.certificate-authority');
    expect(missing.message).toBe(
      'Cannot read certificate-authority /nonexistent/ca.crt: the file does not exist (clusters[0].cluster.certificate-authority in the kubeconfig object)',
    );
    expect(fail({ kubeconfig: kc({ 'certificate-authority': PEM }) }).message).toContain('it is a directory');
    expect(fail({ kubeconfig: kc({ 'certificate-authority-data': '%%%' }) }).message).toContain(
      'not valid base64',
    );
    expect(fail({ kubeconfig: kc({ 'certificate-authority-data': b64('hello') }) }).message).toContain(
      'does not contain a PEM certificate',
    );
    const key = fail({
      kubeconfig: kc(
        {},
        { 'client-certificate': join(PEM, 'client.crt'), 'client-key': join(PEM, 'client.crt') },
      ),
    });
    expect(key.message).toContain('client-key does not contain a PEM private key');
    const file = join(FIX, 'bad/missing-ca.yaml');
    const fromFile = fail({ kubeconfig: file });
    expect(fromFile.file).toBe(file);
    expect(fromFile.message).toBe(
      `Cannot read certificate-authority ${join(FIX, 'bad/certs/does-not-exist.crt')}: the file does not exist (clusters[0].cluster.certificate-authority in ${file})`,
    );
  });

  it('carries an http proxy-url and rejects https, socks and non-URLs as a KubeconfigError naming the field', () => {
    expect(
      loadConnection({ kubeconfig: kc({ 'proxy-url': 'http://proxy:3128' }) }, noFiles).connection.proxyUrl,
    ).toBe('http://proxy:3128');
    for (const bad of ['socks5://proxy:1080', 'https://proxy:3128', 'not a url']) {
      expect(fail({ kubeconfig: kc({ 'proxy-url': bad }) }).field, bad).toBe('clusters[0].cluster.proxy-url');
    }
    expect(fail({ kubeconfig: kc({ 'proxy-url': 'not a url' }) }).message).toContain(
      'is not an absolute URL',
    );
    expect(fail({ kubeconfig: kc({ 'proxy-url': 'https://proxy:3128' }) }).message).toBe(
      'proxy-url: proxy URL scheme "https" is not supported: only http:// proxies are (CONNECT is used for https servers) (clusters[0].cluster.proxy-url in the kubeconfig object)',
    );
  });

  it('rejects an https or invalid HTTPS_PROXY/HTTP_PROXY as a KubeconfigError naming the variable', () => {
    const e = fail({ kubeconfig: kc({}) }, {
      ...noFiles,
      HTTPS_PROXY: 'https://proxy:3128',
    } as typeof noFiles);
    expect(e.field).toBe('HTTPS_PROXY');
    expect(e.message).toContain(
      'Environment variable HTTPS_PROXY: proxy URL scheme "https" is not supported',
    );
  });

  it('returns the namespace of the context', () => {
    const k = kc({});
    k.contexts = [{ name: 'x', context: { cluster: 'c', namespace: 'team' } as never }];
    expect(loadConnection({ kubeconfig: k }, noFiles).namespace).toBe('team');
  });

  it('prefers token over tokenFile, and supports basic auth', async () => {
    expect(await auth({ kubeconfig: kc({}, { token: 'inline-token-1', tokenFile: '/nonexistent' }) })).toBe(
      'Bearer inline-token-1',
    );
    expect(await auth({ kubeconfig: kc({}, { tokenFile: join(PEM, 'token.txt') }) })).toBe(
      'Bearer fixture-file-token-0123456789',
    );
    expect(await auth({ kubeconfig: kc({}, { username: 'admin', password: 'pa55word' }) })).toBe(
      `Basic ${b64('admin:pa55word')}`,
    );
    expect(await auth({ kubeconfig: kc({}, {}) })).toBeUndefined();
  });

  it('rejects a user with both a token and basic auth, and auth-provider', () => {
    expect(fail({ kubeconfig: kc({}, { token: 'abcdefg', username: 'a' }) }).field).toBe(
      'users[0].user.username',
    );
    const e = fail({ kubeconfig: kc({}, { 'auth-provider': { name: 'oidc', config: {} } }) });
    expect(e.message).toContain('auth-provider "oidc" is not supported; use an exec credential plugin');
  });

  it('names an unreadable or empty tokenFile', () => {
    const e = fail({ kubeconfig: kc({}, { tokenFile: '/nonexistent/token' }) });
    expect(e.field).toBe('users[0].user.tokenFile');
    expect(e.message).toContain('the file does not exist');
  });

  it('adds impersonation headers and refuses several groups', async () => {
    const creds = await loadConnection(
      {
        kubeconfig: kc(
          {},
          {
            token: 'imp-token-1',
            as: 'alice',
            'as-uid': '42',
            'as-groups': ['devs'],
            'as-user-extra': { scopes: ['a'] },
          },
        ),
      },
      noFiles,
    ).connection.credentials.get();
    expect(creds.headers).toEqual({
      Authorization: 'Bearer imp-token-1',
      'Impersonate-User': 'alice',
      'Impersonate-Uid': '42',
      'Impersonate-Group': 'devs',
      'Impersonate-Extra-scopes': 'a',
    });
    expect(fail({ kubeconfig: kc({}, { as: 'a', 'as-groups': ['x', 'y'] }) }).field).toBe(
      'users[0].user.as-groups',
    );
    expect(fail({ kubeconfig: kc({}, { as: 'a', 'as-user-extra': { k: ['x', 'y'] } }) }).field).toBe(
      'users[0].user.as-user-extra.k',
    );
  });

  it('validates exec settings when the exec plugin is used', () => {
    const exec = (e: Record<string, unknown>) =>
      fail({ kubeconfig: kc({}, { exec: { command: 'x', ...e } }) });
    expect(exec({}).field).toBe('users[0].user.exec.apiVersion');
    expect(exec({ apiVersion: 'client.authentication.k8s.io/v1alpha1' }).message).toContain(
      'is not supported',
    );
    expect(exec({ apiVersion: 'client.authentication.k8s.io/v1' }).field).toBe(
      'users[0].user.exec.interactiveMode',
    );
    expect(
      exec({ apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', command: '' }).field,
    ).toBe('users[0].user.exec.command');
  });

  it('does not run the exec plugin while loading, and skips it when a client certificate is set', async () => {
    const exec = { command: 'kubectl-no-such-plugin', apiVersion: 'client.authentication.k8s.io/v1beta1' };
    const lazy = loadConnection({ kubeconfig: kc({}, { exec }) }, noFiles);
    await expect(lazy.connection.credentials.get()).rejects.toThrow(/was not found/);
    const withCert = loadConnection(
      { kubeconfig: kc({}, { exec, 'client-certificate-data': b64(CERT), 'client-key-data': b64(KEY) }) },
      noFiles,
    );
    expect((await withCert.connection.credentials.get()).headers).toEqual({});
  });
});
