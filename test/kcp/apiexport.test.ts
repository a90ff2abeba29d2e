import { describe, expect, it } from 'vitest';
import {
  APIEXPORTS_V1ALPHA1,
  APIEXPORTS_V1ALPHA2,
  readVirtualWorkspaces,
  SKIP_ENDPOINTSLICE_ANNOTATION,
  skipsDefaultEndpointSlice,
} from '../../src/kcp/apiexport.js';
import { ConditionType, isTrue } from '../../src/kcp/conditions.js';
import { clusterOf, decodeResource, pathOf } from '../../src/kcp/decode.js';
import { fixture } from './fixtures.js';

const C = '2hwz9858ph0d4yx5';
const ROOT = `https://root.kcp.example.com:6443/services/apiexport/${C}/today-cowboys`;
const BETA = `https://beta.kcp.example.com:6443/services/apiexport/${C}/today-cowboys`;

describe('APIExport', () => {
  it('reads legacy virtualWorkspaces from a v1alpha1 export (7.3)', () => {
    const e = decodeResource(APIEXPORTS_V1ALPHA1, fixture('apiexport-v1alpha1-legacy.json'));
    expect(e.spec?.latestResourceSchemas).toEqual(['today.cowboys.wildwest.dev']);
    expect(readVirtualWorkspaces(e)).toEqual({ endpoints: [{ url: BETA }, { url: ROOT }], invalid: [] });
    expect(isTrue(e.status?.conditions, ConditionType.VirtualWorkspaceURLsReady)).toBe(true);
    expect(e.status?.identityHash).toHaveLength(64);
    expect(clusterOf(e)).toBe(C);
    expect(pathOf(e)).toBe('root:org:service-provider');
  });

  it('reads the same status from the v1alpha2 form of that export', () => {
    const e = decodeResource(APIEXPORTS_V1ALPHA2, fixture('apiexport-v1alpha2-legacy.json'));
    expect(e.spec?.resources?.[0]).toMatchObject({ name: 'cowboys', group: 'wildwest.dev' });
    expect(readVirtualWorkspaces(e).endpoints.map((v) => v.url)).toEqual([BETA, ROOT]);
  });

  it('reads no legacy URLs from a kcp 0.28+ export with the gate off', () => {
    const e = decodeResource(APIEXPORTS_V1ALPHA2, fixture('apiexport-v1alpha2.json'));
    expect(readVirtualWorkspaces(e)).toEqual({ endpoints: [], invalid: [] });
    expect(e.status?.conditions?.map((c) => c.type)).toEqual([ConditionType.IdentityValid]);
    expect(skipsDefaultEndpointSlice(e)).toBe(false);
  });

  it('tolerates "virtualWorkspaces": null and sees the skip-endpointslice annotation', () => {
    const e = decodeResource(APIEXPORTS_V1ALPHA2, fixture('apiexport-v1alpha2-skip-endpointslice.json'));
    expect(readVirtualWorkspaces(e).endpoints).toEqual([]);
    expect(skipsDefaultEndpointSlice(e)).toBe(true);
    expect(SKIP_ENDPOINTSLICE_ANNOTATION).toBe('apiexports.apis.kcp.io/skip-endpointslice');
  });

  it('counts the annotation as present whatever its value, and an export without annotations as not skipped', () => {
    expect(
      skipsDefaultEndpointSlice({
        metadata: { name: 'x', annotations: { [SKIP_ENDPOINTSLICE_ANNOTATION]: '' } },
      }),
    ).toBe(true);
    expect(skipsDefaultEndpointSlice({ metadata: { name: 'x' } })).toBe(false);
  });

  it('skips bad legacy URLs one by one', () => {
    const e = decodeResource(APIEXPORTS_V1ALPHA1, fixture('apiexport-v1alpha1-bad-vw.json'));
    const r = readVirtualWorkspaces(e);
    expect(r.endpoints).toEqual([{ url: ROOT }]);
    expect(r.invalid).toEqual([
      { index: 1, value: { url: '/relative/path' }, problem: 'url "/relative/path" is not an absolute URL' },
      { index: 2, value: { url: 42 }, problem: 'url must be a string, got number' },
    ]);
  });

  it('ignores shards on legacy entries and reads an export without status', () => {
    expect(
      readVirtualWorkspaces({ status: { virtualWorkspaces: [{ url: ROOT, shards: 5 }] } }).invalid,
    ).toEqual([]);
    expect(readVirtualWorkspaces({}).endpoints).toEqual([]);
  });

  it('rejects a v1alpha2 export whose resources lack a schema name', () => {
    const raw = fixture('apiexport-v1alpha2.json') as { spec: { resources: Array<Record<string, unknown>> } };
    delete raw.spec.resources[0]?.['schema'];
    expect(() => decodeResource(APIEXPORTS_V1ALPHA2, raw)).toThrow(
      'APIExport "today-cowboys" is malformed: spec.resources.0.schema is required',
    );
  });
});
