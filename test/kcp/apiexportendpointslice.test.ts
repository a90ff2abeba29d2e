import { describe, expect, it } from 'vitest';
import { isDecodeError } from '../../src/errors.js';
import { APIEXPORTENDPOINTSLICES, readSliceEndpoints } from '../../src/kcp/apiexportendpointslice.js';
import type { APIExportEndpointSlice } from '../../src/kcp/apiexportendpointslice.js';
import { allTrue, ConditionReason, ConditionType, findCondition } from '../../src/kcp/conditions.js';
import { decodeResource, safeDecode } from '../../src/kcp/decode.js';
import { fixture } from './fixtures.js';

const C = '2hwz9858ph0d4yx5';
const ROOT = `https://root.kcp.example.com:6443/services/apiexport/${C}/today-cowboys`;
const BETA = `https://beta.kcp.example.com:6443/services/apiexport/${C}/today-cowboys`;
const ALPHA = `https://alpha.kcp.example.com:6443/services/apiexport/${C}/today-cowboys`;

function slice(name: string): APIExportEndpointSlice {
  return decodeResource(APIEXPORTENDPOINTSLICES, fixture(name));
}

const urls = (s: APIExportEndpointSlice): string[] => readSliceEndpoints(s).endpoints.map((e) => e.url);

describe('APIExportEndpointSlice', () => {
  it('reads no endpoints from the default slice before any binding (7.1)', () => {
    const s = slice('slice-default-no-bindings.json');
    expect(s.status?.endpoints).toBeUndefined();
    expect(readSliceEndpoints(s)).toEqual({ endpoints: [], invalid: [] });
    expect(allTrue(s.status?.conditions)).toBe(true);
    expect(s.spec.export).toEqual({ path: 'root:org:service-provider', name: 'today-cowboys' });
  });

  it('reads both shard URLs once bindings exist on root and beta (7.2)', () => {
    expect(urls(slice('slice-with-endpoints.json'))).toEqual([ROOT, BETA]);
  });

  it('tolerates "endpoints": null as written by kcp 0.27-0.29', () => {
    const s = slice('slice-0.27-endpoints-null.json');
    expect(s.status?.endpoints).toBeNull();
    expect(readSliceEndpoints(s)).toEqual({ endpoints: [], invalid: [] });
  });

  it('reads a slice whose status is still empty, and one with no status at all', () => {
    expect(readSliceEndpoints(slice('slice-created-empty-status.json')).endpoints).toEqual([]);
    expect(readSliceEndpoints({}).endpoints).toEqual([]);
  });

  it('reads 0.26 slices: all shards listed and the deprecated EndpointURLsReady condition', () => {
    const s = slice('slice-0.26-endpointurlsready.json');
    expect(urls(s)).toEqual([BETA, ROOT]);
    expect(findCondition(s.status?.conditions, ConditionType.EndpointURLsReady)?.status).toBe('True');
  });

  it('keeps the shards selector of kcp main endpoints (matchAll and label selectors)', () => {
    const all = readSliceEndpoints(slice('slice-main-shards-matchall.json'));
    expect(all.invalid).toEqual([]);
    expect(all.endpoints[0]?.shards).toEqual({ matchAll: true });
    const sel = readSliceEndpoints(slice('slice-main-shards-selector.json'));
    expect(sel.invalid).toEqual([]);
    expect(sel.endpoints.map((e) => e.shards?.selector)).toEqual([
      { matchLabels: { name: 'root' } },
      { matchExpressions: [{ key: 'name', operator: 'In', values: ['beta', 'gamma'] }] },
    ]);
  });

  it('exposes APIExportNotFound when the export is gone, with no endpoints', () => {
    const s = slice('slice-export-not-found.json');
    const c = findCondition(s.status?.conditions, ConditionType.APIExportValid);
    expect(c).toMatchObject({
      status: 'False',
      severity: 'Error',
      reason: ConditionReason.APIExportNotFound,
    });
    expect(allTrue(s.status?.conditions)).toBe(false);
    expect(readSliceEndpoints(s).endpoints).toEqual([]);
  });

  it('exposes PartitionInvalidReference when the partition is missing', () => {
    const s = slice('slice-partition-invalid.json');
    expect(s.spec.partition).toBe('alpha');
    expect(findCondition(s.status?.conditions, ConditionType.PartitionValid)?.reason).toBe(
      ConditionReason.PartitionInvalidReference,
    );
  });

  it('reads the partition and the shard selector kcp rendered for it', () => {
    const s = slice('slice-partitioned.json');
    expect(s.spec.partition).toBe('alpha');
    expect(s.status?.shardSelector).toBe('name=alpha');
    expect(urls(s)).toEqual([ALPHA]);
  });

  it('skips each bad endpoint with a reason and keeps the good ones', () => {
    const r = readSliceEndpoints(slice('slice-bad-endpoint.json'));
    expect(r.endpoints.map((e) => e.url)).toEqual([ROOT, ALPHA]);
    expect(r.endpoints[1]).toEqual({ url: ALPHA, futureField: { x: 1 } });
    expect(r.invalid.map((i) => [i.index, i.problem])).toEqual([
      [1, 'url "ftp://files.example.com/x" must use http or https, not ftp'],
      [2, 'url is empty'],
      [3, 'url is missing'],
      [4, 'expected an object with a "url", got string'],
      [5, 'url "not a url" contains whitespace or a control character'],
      [6, 'shards.matchAll and shards.selector are mutually exclusive'],
    ]);
    expect(r.invalid[3]?.value).toBe('just-a-string');
  });

  it('reads any kind following the status.endpoints[].url convention, and a null status', () => {
    const cached = {
      kind: 'ClusterCachedResourceEndpointSlice',
      status: { endpoints: [{ url: `https://root.kcp.example.com:6443/services/replication/${C}/s` }] },
    };
    expect(readSliceEndpoints(cached).endpoints).toHaveLength(1);
    expect(readSliceEndpoints({ status: null })).toEqual({ endpoints: [], invalid: [] });
  });

  it('reports malformed shards with the path of the problem', () => {
    const r = readSliceEndpoints({
      status: {
        endpoints: [
          { url: ROOT, shards: { matchAll: 'yes' } },
          { url: ROOT, shards: { selector: { matchExpressions: [{ key: 'name', operator: 'Is' }] } } },
          { url: ROOT, shards: 'all' },
          { url: ROOT, shards: {} },
        ],
      },
    });
    expect(r.invalid.map((i) => i.problem)).toEqual([
      expect.stringMatching(/^shards\.matchAll is malformed: /),
      'shards.selector is invalid: matchExpressions[0] (key "name"): operator "Is" is not one of In, NotIn, Exists, DoesNotExist',
      expect.stringMatching(/^shards is malformed: /),
    ]);
    expect(r.endpoints).toEqual([{ url: ROOT, shards: {} }]);
  });

  it('rejects a slice whose endpoints is not a list with a DecodeError naming the field', () => {
    const raw = fixture('slice-with-endpoints.json') as { status: Record<string, unknown> };
    raw.status['endpoints'] = { url: ROOT };
    const r = safeDecode(APIEXPORTENDPOINTSLICES.schema, raw, APIEXPORTENDPOINTSLICES.kind);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(isDecodeError(r.error)).toBe(true);
    expect(r.error.message).toBe(
      'APIExportEndpointSlice "today-cowboys" is malformed: status.endpoints must be an array, got object',
    );
    expect(r.error.issues).toEqual(['status.endpoints']);
  });

  it('rejects a slice without spec.export.name', () => {
    const raw = fixture('slice-with-endpoints.json') as { spec: { export: Record<string, unknown> } };
    delete raw.spec.export['name'];
    expect(() => decodeResource(APIEXPORTENDPOINTSLICES, raw)).toThrow(
      'APIExportEndpointSlice "today-cowboys" is malformed: spec.export.name is required',
    );
  });
});
