import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/client.js';
import { loadConnection, type ConnectionOptions } from '../../src/config/load-connection.js';
import { isLoopbackHost } from '../../src/config/server-url.js';
import { runInProcess } from '../cli/helpers.js';
import { closeServers, sendJson, startServer, statusBody } from '../http/helpers.js';

const noFiles = { HOME: '/nonexistent-home-for-tests' };
const dir = mkdtempSync(join(tmpdir(), 'kcp-plain-http-'));
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, 'file-token-0123456789\n');

afterEach(closeServers);

/** A one-context kubeconfig with the given server and user. */
function kc(server: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}) {
  return {
    clusters: [{ name: 'c', cluster: { server, ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  };
}

const exec = {
  command: 'kcp-endpoints-no-such-plugin',
  apiVersion: 'client.authentication.k8s.io/v1beta1',
};

/** Every way to configure a bearer credential, each with the words its warning must contain. */
const kinds: Array<[string, (server: string) => ConnectionOptions, string]> = [
  ['--token', (s) => ({ server: s, token: 'explicit-token-0123' }), 'option "token" / --token'],
  ['token', (s) => ({ kubeconfig: kc(s, { token: 'kc-token-0123456' }) }), 'users[0].user.token'],
  ['tokenFile', (s) => ({ kubeconfig: kc(s, { tokenFile }) }), 'users[0].user.tokenFile'],
  ['basic auth', (s) => ({ kubeconfig: kc(s, { username: 'a', password: 'pa55word' }) }), 'password'],
  ['exec plugin', (s) => ({ kubeconfig: kc(s, { exec }) }), 'users[0].user.exec'],
];

describe('credentials over plain http://', () => {
  it.each(kinds)(
    'withholds a %s from a non-loopback http:// server with one warning',
    async (_k, opts, words) => {
      const r = loadConnection(opts('http://kcp.example:8080/clusters/root'), noFiles);
      // The exec plugin does not exist: getting credentials would reject if it were run.
      expect(await r.connection.credentials.get()).toEqual({ headers: {} });
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toContain(words);
      expect(r.warnings[0]).toContain('kcp.example:8080');
      expect(r.warnings[0]).toMatch(/plain http:\/\//);
      expect(r.warnings[0]).not.toMatch(/token-0123|pa55word/);
    },
  );

  it.each(kinds)(
    'sends a %s to https:// and to loopback http:// servers without a warning',
    async (kind, opts) => {
      for (const server of [
        'https://kcp.example:6443',
        'http://127.0.0.1:8080',
        'http://127.9.8.7',
        'http://[::1]:8080',
        'http://[0:0:0:0:0:0:0:1]',
        'http://localhost:8080',
        'http://LOCALHOST',
      ]) {
        const r = loadConnection(opts(server), noFiles);
        expect(r.warnings, server).toEqual([]);
        if (kind === 'exec plugin') await expect(r.connection.credentials.get()).rejects.toThrow(/not found/);
        else
          expect((await r.connection.credentials.get()).headers['Authorization'], server).toMatch(
            /^(Bearer|Basic) /,
          );
      }
    },
  );

  it('treats only localhost, 127.0.0.0/8 and ::1 as loopback', () => {
    for (const h of ['localhost', 'LocalHost', '127.0.0.1', '127.255.255.254', '[::1]', '::1']) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of [
      'kcp.example',
      'localhost.evil.example',
      'evil.localhost',
      '127.0.0.1.nip.io',
      '128.0.0.1',
      '0.0.0.0',
      '[::ffff:7f00:1]',
      '[::2]',
      '[fe80::1]',
      '10.0.0.1',
    ]) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });

  it('puts no Authorization header on the wire and logs the warning once through the client logger', async () => {
    // The "server" is a non-loopback name reached through a loopback forward proxy that records headers.
    const proxy = await startServer((_req, res) => {
      sendJson(res, 404, statusBody(404, 'NotFound', 'not here'));
    });
    const warnings: string[] = [];
    const client = createClient({
      kubeconfig: kc(
        'http://kcp.example:8080/clusters/root',
        { token: 'wire-token-0123456' },
        {
          'proxy-url': proxy.url,
        },
      ),
      logger: { warn: (m) => warnings.push(m) },
    });
    await client.apiExports.get('x').catch(() => undefined);
    await client.apiExports.list().catch(() => undefined);
    await client.close();
    expect(proxy.requests.length).toBeGreaterThanOrEqual(2);
    expect(proxy.requests[0]!.url).toContain('http://kcp.example:8080/clusters/root/');
    for (const r of proxy.requests) expect(r.headers.authorization).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^credentials withheld: the bearer token \(users\[0\]\.user\.token\)/);
  });

  it('prints the warning from the CLI at the default verbosity, without the token', async () => {
    const proxy = await startServer((_req, res) => {
      sendJson(res, 404, statusBody(404, 'NotFound', 'not here'));
    });
    const path = join(dir, 'kubeconfig');
    writeFileSync(
      path,
      JSON.stringify(kc('http://kcp.example:8080/clusters/root', {}, { 'proxy-url': proxy.url })),
    );
    const r = await runInProcess(['get', 'root:x', '--kubeconfig', path, '--token', 'cli-token-0123456']);
    for (const req of proxy.requests) expect(req.headers.authorization).toBeUndefined();
    expect(proxy.requests.length).toBeGreaterThan(0);
    expect(r.stderr.match(/^warning: credentials withheld/gm)).toHaveLength(1);
    expect(r.stderr).not.toContain('cli-token-0123456');
  });
});
