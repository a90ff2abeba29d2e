import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kubeconfigPaths, loadKubeconfig } from '../../src/config/merge.js';
import { formatField, parseKubeconfigText } from '../../src/config/parse.js';
import { isKubeconfigError, type KubeconfigError } from '../../src/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kcp-kc-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});
const write = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

function kubeconfigError(fn: () => unknown): KubeconfigError {
  try {
    fn();
  } catch (e) {
    expect(isKubeconfigError(e)).toBe(true);
    return e as KubeconfigError;
  }
  throw new Error('expected a KubeconfigError');
}

describe('parseKubeconfigText', () => {
  it('reads clusters, users, contexts and current-context', () => {
    const kc = parseKubeconfigText(
      'clusters:\n- name: c\n  cluster: {server: "https://x"}\nusers:\n- name: u\n  user: {token: abc}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n',
    );
    expect(kc.clusters[0]?.cluster?.server).toBe('https://x');
    expect(kc.users[0]?.user?.token).toBe('abc');
    expect(kc['current-context']).toBe('x');
  });

  it('treats an empty document and null lists as an empty kubeconfig', () => {
    expect(parseKubeconfigText('').clusters).toEqual([]);
    expect(parseKubeconfigText('# only a comment\n').users).toEqual([]);
    expect(parseKubeconfigText('clusters:\nusers: null\n').contexts).toEqual([]);
  });

  it('accepts numbers where strings are expected, like kubectl', () => {
    const kc = parseKubeconfigText(
      'users:\n- name: 42\n  user:\n    password: 123456\n    username: admin\n',
    );
    expect(kc.users[0]?.name).toBe('42');
    expect(kc.users[0]?.user?.password).toBe('123456');
  });

  it('reports YAML syntax errors with file, line and column', () => {
    const e = kubeconfigError(() =>
      parseKubeconfigText('clusters:\n- name: a\n  cluster: [unclosed\n', '/k/config'),
    );
    expect(e.file).toBe('/k/config');
    expect(e.message).toMatch(/^Invalid YAML in kubeconfig \/k\/config at line \d+, column \d+: /);
  });

  it('names the field, file and position of a wrong type', () => {
    const text = 'users:\n- name: a\n  user: {}\n- name: b\n  user:\n    token: [1, 2]\n';
    const e = kubeconfigError(() => parseKubeconfigText(text, '/k/config'));
    expect(e.field).toBe('users[1].user.token');
    expect(e.file).toBe('/k/config');
    expect(e.message).toBe(
      'Invalid kubeconfig /k/config (line 6, column 12): users[1].user.token must be a string, got a list',
    );
  });

  it('names a missing required field', () => {
    const e = kubeconfigError(() => parseKubeconfigText('contexts:\n- context: {cluster: c}\n', '/k/config'));
    expect(e.field).toBe('contexts[0].name');
    expect(e.message).toContain('contexts[0].name is required');
  });

  it('rejects a list where a map is expected, and a scalar document', () => {
    expect(kubeconfigError(() => parseKubeconfigText('clusters: {a: 1}\n')).message).toContain(
      'clusters must be a list, got a map',
    );
    expect(
      kubeconfigError(() => parseKubeconfigText('clusters:\n- name: a\n  cluster: [1]\n')).message,
    ).toContain('clusters[0].cluster must be a map, got a list');
    expect(kubeconfigError(() => parseKubeconfigText('just a string\n')).message).toContain(
      'the document must be a map',
    );
  });

  it('rejects an unknown interactiveMode and a non-boolean flag', () => {
    const e = kubeconfigError(() =>
      parseKubeconfigText('users:\n- name: a\n  user:\n    exec: {command: x, interactiveMode: Sometimes}\n'),
    );
    expect(e.field).toBe('users[0].user.exec.interactiveMode');
    expect(e.message).toContain('must be one of "Never", "IfAvailable", "Always"');
    const f = kubeconfigError(() =>
      parseKubeconfigText('clusters:\n- name: a\n  cluster: {insecure-skip-tls-verify: "yes"}\n'),
    );
    expect(f.message).toContain(
      'clusters[0].cluster.insecure-skip-tls-verify must be a boolean, got a string',
    );
  });

  it('formats zod paths like kubectl field names', () => {
    expect(formatField(['users', 1, 'user', 'exec', 'env', 0, 'name'])).toBe(
      'users[1].user.exec.env[0].name',
    );
    expect(formatField([])).toBe('');
  });
});

describe('kubeconfigPaths', () => {
  it('uses only an explicit path', () => {
    expect(kubeconfigPaths('x.yaml', { KUBECONFIG: '/a' })).toEqual({
      paths: [resolve('x.yaml')],
      explicit: true,
    });
  });

  it('splits KUBECONFIG, drops empty entries and duplicates, keeps the order', () => {
    const r = kubeconfigPaths(undefined, { KUBECONFIG: ['/b', '', '/a', '/b'].join(delimiter) });
    expect(r).toEqual({ paths: ['/b', '/a'], explicit: false });
  });

  it('falls back to ~/.kube/config when KUBECONFIG is unset or empty', () => {
    expect(kubeconfigPaths(undefined, { HOME: '/home/me' }).paths).toEqual(['/home/me/.kube/config']);
    expect(kubeconfigPaths(undefined, { HOME: '/home/me', KUBECONFIG: '' }).paths).toEqual([
      '/home/me/.kube/config',
    ]);
    expect(kubeconfigPaths(undefined, {}).paths[0]).toMatch(/\.kube[/\\]config$/);
  });
});

describe('loadKubeconfig', () => {
  it('merges first-wins per name and takes current-context from the first file that sets it', () => {
    const a = write('a', 'clusters:\n- name: c\n  cluster: {server: "https://a"}\n');
    const b = write(
      'b',
      'clusters:\n- name: c\n  cluster: {server: "https://b", tls-server-name: b}\n- name: d\n  cluster: {server: "https://d"}\ncurrent-context: from-b\n',
    );
    const c = write('c', 'current-context: from-c\n');
    const m = loadKubeconfig(undefined, { KUBECONFIG: [a, b, c].join(delimiter) });
    expect(m.files).toEqual([a, b, c]);
    expect(m.clusters.get('c')?.value).toEqual({ server: 'https://a' });
    expect(m.clusters.get('c')?.file).toBe(a);
    expect(m.clusters.get('d')?.field).toBe('clusters[1].cluster');
    expect(m.currentContext).toBe('from-b');
    expect(m.currentContextFile).toBe(b);
  });

  it('ignores missing files in KUBECONFIG and ~/.kube/config', () => {
    const a = write('a', 'current-context: x\n');
    const m = loadKubeconfig(undefined, { KUBECONFIG: [join(dir, 'nope'), a].join(delimiter) });
    expect(m.files).toEqual([a]);
    expect(m.missing).toEqual([join(dir, 'nope')]);
    expect(loadKubeconfig(undefined, { HOME: dir }).files).toEqual([]);
  });

  it('fails for a missing explicit file', () => {
    const e = kubeconfigError(() => loadKubeconfig(join(dir, 'nope'), {}));
    expect(e.message).toBe(`Cannot read kubeconfig ${join(dir, 'nope')}: the file does not exist`);
    expect(e.file).toBe(join(dir, 'nope'));
  });

  it('fails for an unreadable file in KUBECONFIG (a directory)', () => {
    mkdirSync(join(dir, 'sub'));
    const e = kubeconfigError(() => loadKubeconfig(undefined, { KUBECONFIG: join(dir, 'sub') }));
    expect(e.message).toContain('it is a directory');
  });

  it.skipIf(process.getuid?.() === 0)('fails for a file without read permission', () => {
    const p = write('locked', 'clusters: []\n');
    chmodSync(p, 0o000);
    expect(kubeconfigError(() => loadKubeconfig(p)).message).toContain('permission denied');
  });

  it('rejects a name repeated within one file', () => {
    const p = write('dup', 'users:\n- name: u\n- name: v\n- name: u\n');
    const e = kubeconfigError(() => loadKubeconfig(p));
    expect(e.field).toBe('users[2].name');
    expect(e.message).toContain('repeats the name "u"');
  });

  it('resolves relative references against the defining file and keeps absolute and PATH commands', () => {
    mkdirSync(join(dir, 'sub'));
    const p = join(dir, 'sub', 'config');
    writeFileSync(
      p,
      [
        'clusters:',
        '- name: c',
        '  cluster: {certificate-authority: ca.crt}',
        'users:',
        '- name: u',
        '  user:',
        '    client-certificate: ../tls/c.crt',
        '    client-key: /abs/c.key',
        '    tokenFile: tok',
        '    exec: {command: ./bin/plugin}',
        '- name: v',
        '  user: {exec: {command: kubelogin}}',
        '- name: w',
        '  user: null',
      ].join('\n'),
    );
    const m = loadKubeconfig(p);
    expect(m.clusters.get('c')?.value['certificate-authority']).toBe(join(dir, 'sub', 'ca.crt'));
    const u = m.users.get('u')?.value;
    expect(u?.['client-certificate']).toBe(join(dir, 'tls', 'c.crt'));
    expect(u?.['client-key']).toBe('/abs/c.key');
    expect(u?.tokenFile).toBe(join(dir, 'sub', 'tok'));
    expect(u?.exec?.command).toBe(join(dir, 'sub', 'bin', 'plugin'));
    expect(m.users.get('v')?.value.exec?.command).toBe('kubelogin');
    expect(m.users.get('w')?.value).toEqual({});
  });

  it('accepts a parsed object and leaves its relative paths alone', () => {
    const m = loadKubeconfig({
      clusters: [{ name: 'c', cluster: { server: 'https://x', 'certificate-authority': 'ca.crt' } }],
      'current-context': 'x',
    });
    expect(m.files).toEqual([]);
    expect(m.clusters.get('c')?.value['certificate-authority']).toBe('ca.crt');
    expect(m.clusters.get('c')?.file).toBeUndefined();
    expect(kubeconfigError(() => loadKubeconfig({ clusters: 'nope' })).message).toBe(
      'Invalid kubeconfig: clusters must be a list, got a string',
    );
  });
});
