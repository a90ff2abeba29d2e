import { describe, expect, it } from 'vitest';
import { createClient } from '../src/client.js';
import { releaseExecCredentials, sharedExecCredentials } from '../src/config/exec-provider.js';
import type { ExecPluginConfig } from '../src/config/exec-run.js';
import { silentLogger } from '../src/logger.js';
import {
  MAX_REGISTERED_SECRETS,
  redactText,
  registeredSecretCount,
  registerSecret,
  releaseSecrets,
  withSecretOwner,
} from '../src/redact.js';

const EMPTY_KUBECONFIG = { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] };

describe('the secret registry', () => {
  it('forgets what an owner registered when it releases it, and keeps what another owner still holds', () => {
    const a = {};
    const b = {};
    registerSecret('only-a-secret-1', a);
    registerSecret('shared-secret-2', a);
    registerSecret('shared-secret-2', b);
    expect(redactText('only-a-secret-1 shared-secret-2')).toBe('[REDACTED] [REDACTED]');
    releaseSecrets(a);
    expect(redactText('only-a-secret-1 shared-secret-2')).toBe('only-a-secret-1 [REDACTED]');
    releaseSecrets(b);
    expect(redactText('shared-secret-2')).toBe('shared-secret-2');
  });

  it('registers for the surrounding owner by default', () => {
    const owner = {};
    withSecretOwner(owner, () => {
      registerSecret('scoped-secret-3');
    });
    expect(redactText('scoped-secret-3')).toBe('[REDACTED]');
    releaseSecrets(owner);
    expect(redactText('scoped-secret-3')).toBe('scoped-secret-3');
  });

  it(`holds at most ${MAX_REGISTERED_SECRETS} values, forgetting the oldest first`, () => {
    const owner = {};
    const id = (i: number): string => `bulk-secret-${String(i).padStart(5, '0')}`;
    for (let i = 0; i < MAX_REGISTERED_SECRETS + 50; i++) registerSecret(id(i), owner);
    expect(registeredSecretCount()).toBeLessThanOrEqual(MAX_REGISTERED_SECRETS);
    try {
      expect(redactText(id(MAX_REGISTERED_SECRETS + 49))).toBe('[REDACTED]');
      expect(redactText(id(0))).toBe(id(0));
    } finally {
      releaseSecrets(owner);
    }
  });

  it("releases a client's token when the client closes, not while another client still uses it", async () => {
    const before = registeredSecretCount();
    const options = {
      server: 'https://127.0.0.1:1/clusters/root',
      token: 'client-token-4',
      kubeconfig: EMPTY_KUBECONFIG,
      logger: silentLogger,
    };
    const one = createClient(options);
    const two = createClient(options);
    expect(redactText('client-token-4')).toBe('[REDACTED]');
    await one.close();
    expect(redactText('client-token-4')).toBe('[REDACTED]');
    await two.workspace('root:org').close();
    expect(redactText('client-token-4')).toBe('client-token-4');
    expect(registeredSecretCount()).toBe(before);
  });
});

describe('exec-plugin credentials', () => {
  const config: ExecPluginConfig = {
    command: '/bin/true',
    args: [],
    env: [],
    apiVersion: 'client.authentication.k8s.io/v1',
    interactiveMode: 'Never',
  };

  it('are cached per client family and dropped when the family releases them', () => {
    const a = {};
    const b = {};
    const pa = withSecretOwner(a, () => sharedExecCredentials(config));
    expect(withSecretOwner(a, () => sharedExecCredentials({ ...config }))).toBe(pa);
    expect(withSecretOwner(b, () => sharedExecCredentials(config))).not.toBe(pa);
    releaseExecCredentials(a);
    expect(withSecretOwner(a, () => sharedExecCredentials(config))).not.toBe(pa);
  });
});
