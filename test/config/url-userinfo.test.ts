import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConnection, type ConnectionOptions } from '../../src/config/load-connection.js';
import { isKubeconfigError, NetworkError, type KcpError } from '../../src/errors.js';
import { redactText } from '../../src/redact.js';
import { runInProcess } from '../cli/helpers.js';

const noFiles = { HOME: '/nonexistent-home-for-tests' };

function kc(cluster: Record<string, unknown>) {
  return {
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user: {} }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  };
}

/** Everything a user could see of an error: message, JSON, inspect, stack. */
function printed(e: unknown): string {
  const err = e as KcpError;
  return [err.message, JSON.stringify(err), inspect(err), String(err.stack)].join('\n');
}

function loadError(options: ConnectionOptions, env: Record<string, string> = noFiles): unknown {
  try {
    loadConnection(options, env);
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('passwords in URLs', () => {
  it.each([
    ['option server, invalid port', { server: 'http://admin:Secret-pw1@host:99999' }, 'server'],
    ['option server, valid URL', { server: 'https://admin:Secret-pw1@kcp.example:6443' }, 'server'],
    [
      'kubeconfig server',
      { kubeconfig: kc({ server: 'https://admin:Secret-pw1@kcp.example' }) },
      'clusters[0].cluster.server',
    ],
    [
      'kubeconfig server, invalid',
      { kubeconfig: kc({ server: 'https://admin:Secret-pw1@kcp.example:99999' }) },
      'clusters[0].cluster.server',
    ],
    [
      'kubeconfig proxy-url, invalid',
      { kubeconfig: kc({ server: 'https://kcp.example', 'proxy-url': 'http://u:Secret-pw1@proxy:99999' }) },
      'clusters[0].cluster.proxy-url',
    ],
    [
      'kubeconfig proxy-url, https',
      { kubeconfig: kc({ server: 'https://kcp.example', 'proxy-url': 'https://u:Secret-pw1@proxy:3128' }) },
      'clusters[0].cluster.proxy-url',
    ],
  ] satisfies Array<[string, ConnectionOptions, string]>)(
    'rejects %s as a KubeconfigError that never prints the password',
    (_name, options, field) => {
      const e = loadError(options);
      expect(isKubeconfigError(e)).toBe(true);
      expect((e as { field?: string }).field).toBe(field);
      expect(printed(e)).not.toContain('Secret-pw1');
      expect(printed(e)).not.toContain('admin');
    },
  );

  it('says clearly that a valid server URL must not carry a user name or password', () => {
    const e = loadError({ server: 'https://admin:Secret-pw1@kcp.example:6443/clusters/root' });
    expect((e as Error).message).toBe(
      'Option server URL "https://kcp.example:6443/clusters/root" must not contain a user name or password (they were removed from this message); put credentials in the kubeconfig user or pass a token',
    );
  });

  it('keeps proxy credentials usable (Proxy-Authorization) but out of every message', () => {
    const r = loadConnection(
      { kubeconfig: kc({ server: 'https://kcp.example', 'proxy-url': 'http://u:Secret-pw1@proxy:3128' }) },
      noFiles,
    );
    expect(r.connection.proxyUrl).toBe('http://u:Secret-pw1@proxy:3128');
    const e = new NetworkError(`connect through ${r.connection.proxyUrl} failed`);
    expect(printed(e)).not.toContain('Secret-pw1');
  });

  it('redacts the userinfo of any URL in any printed error text', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('http', 'https', 'socks5', 'git+ssh'),
        fc.stringMatching(/^[A-Za-z0-9._~-]{1,12}$/),
        fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=%-]{6,20}$/),
        fc.string({ maxLength: 20 }),
        (scheme, user, password, around) => {
          fc.pre(!around.includes(password));
          const text = `${around} ${scheme}://${user}:${password}@host.example:1/x ${around}`;
          const e = new NetworkError(text);
          expect(redactText(text)).not.toContain(`${user}:${password}@`);
          expect(printed(e)).not.toContain(`:${password}@`);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('prints the CLI error for -s with a password without the password', async () => {
    const r = await runInProcess(['get', 'root:x', '-s', 'http://admin:Secret-pw1@host:99999']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: Option server "http://[REDACTED]@host:99999" is not a valid URL');
    expect(r.stderr).not.toContain('Secret-pw1');
    const valid = await runInProcess(['get', 'root:x', '-s', 'https://admin:Secret-pw1@kcp.example']);
    expect(valid.code).toBe(1);
    expect(valid.stderr).toContain('must not contain a user name or password');
    expect(valid.stderr).not.toContain('Secret-pw1');
  });
});

describe('an https proxy-url', () => {
  it('is a kubeconfig error naming the field, exit 1, not a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcp-proxy-'));
    const path = join(dir, 'kubeconfig');
    writeFileSync(
      path,
      JSON.stringify(kc({ server: 'https://kcp.example', 'proxy-url': 'https://proxy:3128' })),
    );
    const r = await runInProcess(['get', 'root:x', '--kubeconfig', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`proxy-url: proxy URL scheme "https" is not supported`);
    expect(r.stderr).toContain(`clusters[0].cluster.proxy-url in ${path}`);
  });
});

describe('a --certificate-authority that is not a PEM certificate', () => {
  it('is a kubeconfig error naming the flag, exit 1, before any request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcp-ca-'));
    const ca = join(dir, 'ca.der');
    writeFileSync(ca, Buffer.from([0x30, 0x82, 0x01, 0x0a]));
    const r = await runInProcess([
      'get',
      'root:x',
      '-s',
      'https://127.0.0.1:1',
      '--certificate-authority',
      ca,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: --certificate-authority ${ca} does not contain a PEM certificate`);
  });
});
