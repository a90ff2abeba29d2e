import { describe, expect, it } from 'vitest';
import { loadConnection } from '../../src/config/load-connection.js';
import { proxyFromEnvironment } from '../../src/config/proxy-env.js';

const P = 'http://proxy.corp:3128';

describe('proxyFromEnvironment', () => {
  it.each([
    ['https://kcp.example.com:6443', { HTTPS_PROXY: P }, P],
    ['https://kcp.example.com:6443', { https_proxy: P }, P],
    ['https://kcp.example.com:6443', { HTTP_PROXY: P }, undefined],
    ['http://kcp.example.com', { HTTP_PROXY: P }, P],
    ['http://kcp.example.com', { HTTPS_PROXY: P }, undefined],
    ['https://kcp.example.com', { HTTPS_PROXY: 'proxy.corp:3128' }, 'http://proxy.corp:3128'],
    ['https://kcp.example.com', { HTTPS_PROXY: '  ' }, undefined],
    ['https://127.0.0.1:6443', { HTTPS_PROXY: P }, undefined],
    ['https://localhost:6443', { HTTPS_PROXY: P }, undefined],
    ['https://[::1]:6443', { HTTPS_PROXY: P }, undefined],
    ['https://kcp.example.com', { HTTPS_PROXY: P, NO_PROXY: '*' }, undefined],
    ['https://kcp.example.com', { HTTPS_PROXY: P, NO_PROXY: 'example.com' }, undefined],
    ['https://example.com', { HTTPS_PROXY: P, NO_PROXY: 'example.com' }, undefined],
    ['https://example.com', { HTTPS_PROXY: P, NO_PROXY: '.example.com' }, P],
    ['https://kcp.example.com', { HTTPS_PROXY: P, NO_PROXY: '.example.com' }, undefined],
    ['https://kcp.example.com', { HTTPS_PROXY: P, NO_PROXY: 'other.com, kcp.example.com' }, undefined],
    ['https://notexample.com', { HTTPS_PROXY: P, NO_PROXY: 'example.com' }, P],
    ['https://kcp.example.com:6443', { HTTPS_PROXY: P, NO_PROXY: 'kcp.example.com:443' }, P],
    ['https://kcp.example.com:6443', { HTTPS_PROXY: P, NO_PROXY: 'kcp.example.com:6443' }, undefined],
    ['https://10.1.2.3:6443', { HTTPS_PROXY: P, NO_PROXY: '10.0.0.0/8' }, undefined],
    ['https://11.1.2.3:6443', { HTTPS_PROXY: P, NO_PROXY: '10.0.0.0/8' }, P],
    ['https://10.1.2.3:6443', { HTTPS_PROXY: P, NO_PROXY: '10.1.2.3' }, undefined],
    ['https://[fd00::1]:6443', { HTTPS_PROXY: P, NO_PROXY: 'fd00::/8' }, undefined],
    ['https://kcp.example.com', { HTTPS_PROXY: P, no_proxy: 'KCP.example.com' }, undefined],
    ['https://kcp.example.com', { HTTPS_PROXY: P, NO_PROXY: 'bad/cidr, 10.0.0.0/99' }, P],
  ])('for %s with %j picks %s', (server, env, expected) => {
    expect(proxyFromEnvironment(server, env)).toBe(expected);
  });

  it('returns no proxy for a server that is not a URL', () => {
    expect(proxyFromEnvironment('not a url', { HTTPS_PROXY: P })).toBeUndefined();
  });
});

describe('loadConnection and proxies', () => {
  const kubeconfig = (proxy?: string) => ({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'c',
        cluster: { server: 'https://kcp.example.com:6443', ...(proxy ? { 'proxy-url': proxy } : {}) },
      },
    ],
    users: [{ name: 'u', user: {} }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  });

  it('uses HTTPS_PROXY when the kubeconfig sets no proxy-url', () => {
    const loaded = loadConnection({ kubeconfig: kubeconfig() }, { HTTPS_PROXY: P });
    expect(loaded.connection.proxyUrl).toBe(P);
  });

  it('prefers the kubeconfig proxy-url over the environment', () => {
    const loaded = loadConnection({ kubeconfig: kubeconfig('http://kube-proxy:8080') }, { HTTPS_PROXY: P });
    expect(loaded.connection.proxyUrl).toBe('http://kube-proxy:8080');
  });

  it('connects directly when NO_PROXY names the server', () => {
    const loaded = loadConnection({ kubeconfig: kubeconfig() }, { HTTPS_PROXY: P, NO_PROXY: '.example.com' });
    expect(loaded.connection.proxyUrl).toBeUndefined();
  });
});
