import { readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTls } from '../../src/testing/harness/tls.js';
import { startSim } from './helpers.js';

function get(url: string, ca: string | undefined, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ...(ca === undefined ? {} : { ca }), headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('TLS', () => {
  it('serves HTTPS with a CA generated at start, verifiable end to end', async () => {
    const sim = await startSim({ tls: true });
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(await get(`${sim.url}/clusters/root/apis`, sim.ca, sim.token)).toBe(200);
    expect(await get(`${sim.url.replace('127.0.0.1', 'localhost')}/version`, sim.ca, sim.token)).toBe(200);
    await expect(get(`${sim.url}/version`, undefined, sim.token)).rejects.toThrow(
      /self[- ]signed|unable to verify|certificate/i,
    );
  });

  it('explains how to install selfsigned when it is missing', async () => {
    await expect(generateTls(() => Promise.reject(new Error('Cannot find module')))).rejects.toThrow(
      /needs the optional peer dependency "selfsigned".*npm install --save-dev selfsigned/,
    );
    await expect(generateTls(() => Promise.resolve({}))).rejects.toThrow(/selfsigned/);
  });

  it('accepts a default-export module shape', async () => {
    const mod = await import('selfsigned');
    const tls = await generateTls(() => Promise.resolve({ default: { generate: mod.generate } }));
    expect(tls.key).toMatch(/PRIVATE KEY/);
  });
});

describe('kubeconfig', () => {
  it('returns a kcp-style kubeconfig with root and base contexts and the CA under TLS', async () => {
    const sim = await startSim({ tls: true });
    const kc = await sim.kubeconfig();
    expect(kc.path).toBeUndefined();
    expect(kc.config['current-context']).toBe('root');
    expect(kc.config.clusters).toEqual([
      {
        name: 'root',
        cluster: {
          server: `${sim.url}/clusters/root`,
          'certificate-authority-data': Buffer.from(sim.ca!).toString('base64'),
        },
      },
      {
        name: 'base',
        cluster: { server: sim.url, 'certificate-authority-data': Buffer.from(sim.ca!).toString('base64') },
      },
    ]);
    expect(kc.config.users).toEqual([{ name: 'kcp-admin', user: { token: sim.token } }]);
    expect(JSON.parse(kc.text)).toEqual(kc.config);
  });

  it('writes the file with mode 0600 and targets a workspace and token', async () => {
    const sim = await startSim();
    const dir = mkdtempSync(join(tmpdir(), 'kcp-sim-kc-'));
    try {
      const token = sim.addUser('carol');
      const kc = await sim.kubeconfig({ path: join(dir, 'kc'), workspace: 'root:org:ws', token });
      expect(statSync(join(dir, 'kc')).mode & 0o777).toBe(0o600);
      const doc = JSON.parse(readFileSync(join(dir, 'kc'), 'utf8'));
      expect(doc['current-context']).toBe('root:org:ws');
      expect(doc.clusters[0].cluster).toEqual({ server: `${sim.url}/clusters/root:org:ws` });
      expect(doc.users[0].user.token).toBe(token);
      expect(kc.path).toBe(join(dir, 'kc'));
      const base = await sim.kubeconfig({ contextName: 'base', workspace: 'root' });
      expect(base.config.clusters).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
