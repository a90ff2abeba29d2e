import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConnection } from '../../src/config/load-connection.js';
import { isKcpError } from '../../src/errors.js';

const noFiles = { HOME: '/nonexistent-home-for-tests' };
const dir = mkdtempSync(join(tmpdir(), 'kcp-fuzz-'));

/** Values a hostile or broken kubeconfig may hold where a string is expected. */
const value = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    'https://kcp.example:6443/clusters/root',
    'http://admin:pw@h:99999',
    'https://[::1',
    'socks5://p:1',
    '/nonexistent/file',
    '',
    'client.authentication.k8s.io/v1',
  ),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);
const fieldNames = fc.constantFrom(
  'server',
  'proxy-url',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'token',
  'tokenFile',
  'username',
  'password',
  'client-certificate-data',
  'client-key-data',
  'exec',
  'auth-provider',
  'as',
  'as-groups',
  'cluster',
  'user',
  'namespace',
);
const body = fc.dictionary(fieldNames, value, { maxKeys: 5 });
const entry = (key: string) =>
  fc.record({
    name: fc.oneof(fc.constant('x'), fc.string({ maxLength: 4 }), value),
    [key]: fc.oneof(body, value),
  });
const kubeconfig = fc.record(
  {
    apiVersion: fc.constantFrom('v1', 'v2', 7),
    kind: fc.constantFrom('Config', 'Other'),
    clusters: fc.oneof(fc.array(entry('cluster'), { maxLength: 3 }), value),
    users: fc.oneof(fc.array(entry('user'), { maxLength: 3 }), value),
    contexts: fc.oneof(fc.array(entry('context'), { maxLength: 3 }), value),
    'current-context': fc.oneof(fc.constant('x'), value),
  },
  { requiredKeys: [] },
);

/** Loads and reports anything thrown that is not one of the library's typed errors. */
function load(kc: string | Record<string, unknown>): void {
  try {
    loadConnection({ kubeconfig: kc }, noFiles);
  } catch (e) {
    if (!isKcpError(e)) throw new Error(`untyped ${String(e)}`, { cause: e });
    expect(e.message).not.toMatch(/\bpw@/);
  }
}

describe('kubeconfig loader fuzzing', () => {
  it('throws nothing but typed errors for any kubeconfig object', () => {
    fc.assert(
      fc.property(kubeconfig, (kc) => {
        load(kc);
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but typed errors for any kubeconfig file text', () => {
    const path = join(dir, 'config');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          kubeconfig.map((kc) => JSON.stringify(kc)),
          fc.constantFrom(
            'a: &x [*x]',
            '{',
            '- - -',
            '!!binary x',
            'clusters: !!map\n  x: 1',
            'a: *undefined',
          ),
        ),
        (text) => {
          writeFileSync(path, text);
          load(path);
        },
      ),
      { numRuns: 200 },
    );
  });
});
