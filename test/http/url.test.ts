import { describe, expect, it } from 'vitest';
import { isInvalidArgumentError } from '../../src/errors.js';
import {
  buildQuery,
  clusterUrl,
  encodeCluster,
  resourcePath,
  resourceUrl,
  splitServerUrl,
} from '../../src/http/url.js';
import { widgets } from './helpers.js';

const core = { ...widgets, group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' };

describe('splitServerUrl', () => {
  it.each([
    ['https://host:6443', { baseUrl: 'https://host:6443' }],
    ['https://host:6443/', { baseUrl: 'https://host:6443' }],
    ['https://host:6443/clusters/root', { baseUrl: 'https://host:6443', cluster: 'root' }],
    ['https://host:6443/clusters/root/', { baseUrl: 'https://host:6443', cluster: 'root' }],
    ['https://host:6443/clusters/root:org:ws', { baseUrl: 'https://host:6443', cluster: 'root:org:ws' }],
    ['https://host/kcp/clusters/root', { baseUrl: 'https://host/kcp', cluster: 'root' }],
    ['https://host/services/apiexport/root/x', { baseUrl: 'https://host/services/apiexport/root/x' }],
    ['https://host/clusters/*/', { baseUrl: 'https://host', cluster: '*' }],
    ['https://host/clusters/root/extra', { baseUrl: 'https://host', cluster: 'root', suffix: '/extra' }],
    ['http://127.0.0.1:8080/clusters', { baseUrl: 'http://127.0.0.1:8080/clusters' }],
  ])('splits %s', (server, expected) => {
    expect(splitServerUrl(server)).toEqual(expected);
  });

  it('rejects a server with two /clusters segments with InvalidArgumentError', () => {
    let error: unknown;
    try {
      splitServerUrl('https://h/clusters/a/clusters/b');
    } catch (e) {
      error = e;
    }
    expect(isInvalidArgumentError(error)).toBe(true);
    expect((error as Error).message).toMatch(/more than one/);
    expect(() => clusterUrl('https://h/clusters/a/x/clusters/b', 'root')).toThrow(/more than one/);
  });

  it.each(['not a url', 'ftp://host/x', ''])('rejects %j as a server URL', (server) => {
    expect(() => splitServerUrl(server)).toThrow(/Invalid server URL/);
  });
});

describe('clusterUrl', () => {
  it.each([
    ['https://host:6443', 'root', '/apis', 'https://host:6443/clusters/root/apis'],
    ['https://host:6443/clusters/root', 'root:org', '/apis', 'https://host:6443/clusters/root:org/apis'],
    ['https://host:6443/clusters/root/', 'root:a:b', '/api', 'https://host:6443/clusters/root:a:b/api'],
    ['https://host/kcp/clusters/root', 'abc', '/version', 'https://host/kcp/clusters/abc/version'],
    [
      'https://vw/services/apiexport/root/x',
      '*',
      '/apis/g/v/r',
      'https://vw/services/apiexport/root/x/clusters/*/apis/g/v/r',
    ],
    ['https://host/clusters/root/extra', 'other', '/apis', 'https://host/clusters/other/extra/apis'],
    ['https://host', 'we ird/x', '', 'https://host/clusters/we%20ird%2Fx'],
    ['https://host', 'root', 'apis', 'https://host/clusters/root/apis'],
    ['https://host', 'root', '?watch=true', 'https://host/clusters/root?watch=true'],
  ])('places %s + %s + %s', (server, cluster, rest, expected) => {
    expect(clusterUrl(server, cluster, rest)).toBe(expected);
  });

  it('rejects an empty cluster', () => {
    expect(() => clusterUrl('https://h', '')).toThrow(/empty/);
  });

  it('keeps ":" and "*" literal and encodes everything else', () => {
    expect(encodeCluster('root:org')).toBe('root:org');
    expect(encodeCluster('*')).toBe('*');
    expect(encodeCluster('a?b#c%')).toBe('a%3Fb%23c%25');
  });
});

describe('resource paths and queries', () => {
  it('builds group, core and object paths', () => {
    expect(resourcePath(widgets)).toBe('/apis/example.kcp.io/v1alpha1/widgets');
    expect(resourcePath(widgets, 'a b')).toBe('/apis/example.kcp.io/v1alpha1/widgets/a%20b');
    expect(resourcePath(core, 'cm')).toBe('/api/v1/configmaps/cm');
  });

  it('encodes every supported query parameter in a stable order', () => {
    expect(
      buildQuery({
        watch: true,
        continue: 'tok/en=',
        limit: 5,
        timeoutSeconds: 300,
        allowWatchBookmarks: true,
        resourceVersion: '42',
        labelSelector: 'app=x,tier!=y',
        fieldSelector: 'metadata.name=today-cowboys',
      }),
    ).toBe(
      '?fieldSelector=metadata.name%3Dtoday-cowboys&labelSelector=app%3Dx%2Ctier%21%3Dy&resourceVersion=42&allowWatchBookmarks=true&timeoutSeconds=300&limit=5&continue=tok%2Fen%3D&watch=true',
    );
    expect(buildQuery({})).toBe('');
    expect(buildQuery({ resourceVersion: '' })).toBe('?resourceVersion=');
  });

  it('builds a full resource URL in a cluster', () => {
    expect(
      resourceUrl('https://h:6443/clusters/root', widgets, 'root:org', 'x', { resourceVersion: '0' }),
    ).toBe('https://h:6443/clusters/root:org/apis/example.kcp.io/v1alpha1/widgets/x?resourceVersion=0');
  });
});
