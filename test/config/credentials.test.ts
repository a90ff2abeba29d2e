import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { anonymousCredentials, staticTokenCredentials } from '../../src/config/connection.js';
import {
  basicAuthCredentials,
  impersonationHeaders,
  tokenFileCredentials,
  withHeaders,
} from '../../src/config/credentials.js';
import { workspaceOfServer } from '../../src/config/server-url.js';
import { isKubeconfigError } from '../../src/errors.js';
import { redactText } from '../../src/redact.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kcp-cred-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('tokenFileCredentials', () => {
  it('re-reads a rotated token file after the period, not before', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'first-token-abcdef\n');
    let now = 0;
    const p = tokenFileCredentials(file, { periodMs: 1000, now: () => now });
    expect((await p.get()).headers['Authorization']).toBe('Bearer first-token-abcdef');
    writeFileSync(file, 'second-token-abcdef');
    now = 999;
    expect((await p.get()).headers['Authorization']).toBe('Bearer first-token-abcdef');
    now = 1000;
    expect((await p.get()).headers['Authorization']).toBe('Bearer second-token-abcdef');
  });

  it('keeps the previous token when the file disappears or becomes empty', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'stable-token-abcdef');
    let now = 0;
    const p = tokenFileCredentials(file, { periodMs: 10, now: () => now });
    rmSync(file);
    now = 20;
    expect((await p.get()).headers['Authorization']).toBe('Bearer stable-token-abcdef');
    writeFileSync(file, '  \n');
    now = 40;
    expect((await p.get()).headers['Authorization']).toBe('Bearer stable-token-abcdef');
  });

  it('re-reads at once after a 401 and reports whether the token changed', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'old-token-abcdef');
    const p = tokenFileCredentials(file, { periodMs: 60_000 });
    const used = await p.get();
    await expect(p.refresh(used)).resolves.toBe(false);
    writeFileSync(file, 'new-token-abcdef');
    await expect(p.refresh(used)).resolves.toBe(true);
    expect((await p.get()).headers['Authorization']).toBe('Bearer new-token-abcdef');
    await expect(p.refresh(used)).resolves.toBe(true);
  });

  it('fails at creation for a missing or empty file, naming the field', () => {
    const err = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const missing = err(() =>
      tokenFileCredentials(join(dir, 'nope'), { field: 'users[0].user.tokenFile', kubeconfig: '/k' }),
    );
    expect(isKubeconfigError(missing)).toBe(true);
    expect((missing as Error).message).toBe(
      `Cannot read token file ${join(dir, 'nope')} (users[0].user.tokenFile): the file does not exist`,
    );
    writeFileSync(join(dir, 'empty'), '\n');
    expect((err(() => tokenFileCredentials(join(dir, 'empty'))) as Error).message).toContain('is empty');
    expect((err(() => tokenFileCredentials(dir)) as Error).message).toContain('it is a directory');
  });

  it('registers the token for redaction', () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'registered-file-token-xyz');
    tokenFileCredentials(file);
    expect(redactText('x registered-file-token-xyz y')).toBe('x [REDACTED] y');
  });
});

describe('other providers', () => {
  it('sends basic auth and registers the password', async () => {
    const p = basicAuthCredentials('admin', 'basic-secret-pw');
    expect((await p.get()).headers['Authorization']).toBe(
      `Basic ${Buffer.from('admin:basic-secret-pw').toString('base64')}`,
    );
    await expect(p.refresh(await p.get())).resolves.toBe(false);
    expect(redactText('pw basic-secret-pw')).toBe('pw [REDACTED]');
  });

  it('adds headers without breaking refresh identity', async () => {
    let n = 0;
    let current = { headers: { Authorization: 'Bearer a' } };
    const inner = {
      get: () => Promise.resolve(current),
      refresh: (used: unknown) => {
        n++;
        expect(used).toBe(current);
        current = { headers: { Authorization: 'Bearer b' } };
        return Promise.resolve(true);
      },
    };
    const p = withHeaders(inner, { 'Impersonate-User': 'alice' });
    const used = await p.get();
    expect(used.headers).toEqual({ 'Impersonate-User': 'alice', Authorization: 'Bearer a' });
    expect(await p.get()).toBe(used);
    await expect(p.refresh(used)).resolves.toBe(true);
    expect(n).toBe(1);
    expect((await p.get()).headers['Authorization']).toBe('Bearer b');
    expect(withHeaders(anonymousCredentials, {})).toBe(anonymousCredentials);
  });

  it('builds impersonation headers only for set values', () => {
    expect(impersonationHeaders({})).toEqual({});
    expect(impersonationHeaders({ user: 'a', groups: ['g'], extra: { 'x/y': ['v'], empty: [] } })).toEqual({
      'Impersonate-User': 'a',
      'Impersonate-Group': 'g',
      'Impersonate-Extra-x%2Fy': 'v',
    });
  });

  it('keeps the contract providers working', async () => {
    expect((await staticTokenCredentials('tok').get()).headers['Authorization']).toBe('Bearer tok');
    await expect(anonymousCredentials.refresh({ headers: {} })).resolves.toBe(false);
  });
});

describe('workspaceOfServer', () => {
  it.each([
    ['https://h:6443/clusters/root', 'https://h:6443', 'root'],
    ['https://h:6443/clusters/root:org:ws/', 'https://h:6443', 'root:org:ws'],
    ['https://h/prefix/clusters/2hwz9858ph0d4yx5', 'https://h/prefix', '2hwz9858ph0d4yx5'],
    ['https://h/services/apiexport/root/x/clusters/*', 'https://h/services/apiexport/root/x', undefined],
    ['https://h:6443', 'https://h:6443', undefined],
    ['https://h:6443/', 'https://h:6443', undefined],
    ['https://h/clusters/Not_Valid', 'https://h/clusters/Not_Valid', undefined],
    ['http://h/clusters/root?x=1#y', 'http://h', 'root'],
  ])('reads the workspace of %s', (server, _baseUrl, workspace) => {
    expect(workspaceOfServer(server)).toBe(workspace);
  });

  it('rejects other schemes and non-URLs', () => {
    expect(() => workspaceOfServer('ftp://h')).toThrow(/Invalid server URL/);
    expect(() => workspaceOfServer('nope')).toThrow(/Invalid server URL/);
  });
});
