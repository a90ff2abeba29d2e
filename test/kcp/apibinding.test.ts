import { describe, expect, it } from 'vitest';
import {
  APIBINDINGS_V1ALPHA1,
  APIBINDINGS_V1ALPHA2,
  apiBindingExportKey,
  APIBindingPhases,
  bindingReferencesExport,
} from '../../src/kcp/apibinding.js';
import type { APIBinding } from '../../src/kcp/apibinding.js';
import { ConditionReason, ConditionType, findCondition, isTrue } from '../../src/kcp/conditions.js';
import { decodeResource } from '../../src/kcp/decode.js';
import { fixture } from './fixtures.js';

const EXPORT_CLUSTER = '2hwz9858ph0d4yx5';

function binding(path: string | undefined, cluster: string | undefined, name = 'today-cowboys'): APIBinding {
  return {
    metadata: { name: 'b', ...(cluster === undefined ? {} : { annotations: { 'kcp.io/cluster': cluster } }) },
    spec: { reference: { export: { name, ...(path === undefined ? {} : { path }) } } },
  };
}

describe('APIBinding', () => {
  it('reads a binding in phase Binding (7.4)', () => {
    const b = decodeResource(APIBINDINGS_V1ALPHA2, fixture('apibinding-binding.json'));
    expect(b.status?.phase).toBe(APIBindingPhases.Binding);
    expect(isTrue(b.status?.conditions, ConditionType.Ready)).toBe(false);
    expect(findCondition(b.status?.conditions, ConditionType.InitialBindingCompleted)?.reason).toBe(
      ConditionReason.WaitingForEstablished,
    );
    expect(b.status?.apiExportClusterName).toBe(EXPORT_CLUSTER);
  });

  it('reads a bound binding with its bound resources, capital UID included (7.5)', () => {
    const b = decodeResource(APIBINDINGS_V1ALPHA2, fixture('apibinding-bound.json'));
    expect(b.status?.phase).toBe(APIBindingPhases.Bound);
    expect(isTrue(b.status?.conditions, ConditionType.Ready)).toBe(true);
    expect(b.status?.boundResources?.[0]?.schema.UID).toBe('8c9d0e1f-2a3b-4c5d-8e6f-7a8b9c0d1e2f');
  });

  it('reads a v1alpha1 binding right after creation, with no export path', () => {
    const b = decodeResource(APIBINDINGS_V1ALPHA1, fixture('apibinding-v1alpha1-first-pass.json'));
    expect(b.spec.reference.export.path).toBeUndefined();
    expect(apiBindingExportKey(b)).toBe(`${EXPORT_CLUSTER}:today-cowboys`);
  });

  it('tolerates phases kcp may add later', () => {
    const raw = fixture('apibinding-bound.json') as { status: Record<string, unknown> };
    raw.status['phase'] = 'Unbinding';
    expect(decodeResource(APIBINDINGS_V1ALPHA2, raw).status?.phase).toBe('Unbinding');
  });

  it('rejects a bound resource whose schema lacks the capital UID', () => {
    const raw = fixture('apibinding-bound.json') as any;
    raw.status.boundResources[0].schema.uid = raw.status.boundResources[0].schema.UID;
    delete raw.status.boundResources[0].schema.UID;
    expect(() => decodeResource(APIBINDINGS_V1ALPHA2, raw)).toThrow(
      'APIBinding "cowboys" is malformed: status.boundResources.0.schema.UID is required',
    );
  });

  const P = 'root:org:service-provider';
  it.each([
    ['the canonical path', binding(P, 'consumer'), P, EXPORT_CLUSTER, true],
    ['the export logical cluster name', binding(EXPORT_CLUSTER, 'consumer'), P, EXPORT_CLUSTER, true],
    ['an empty path from inside the export workspace', binding('', EXPORT_CLUSTER), P, EXPORT_CLUSTER, true],
    ['no path from inside the export workspace', binding(undefined, EXPORT_CLUSTER), P, EXPORT_CLUSTER, true],
    ['no path from another workspace', binding(undefined, 'consumer'), P, EXPORT_CLUSTER, false],
    ['a non-canonical alias path', binding('root:alias', 'consumer'), P, EXPORT_CLUSTER, false],
    ['another export name', binding(P, 'consumer', 'other'), P, EXPORT_CLUSTER, false],
    ['the path when the export has no kcp.io/path', binding(P, 'consumer'), undefined, EXPORT_CLUSTER, false],
    ['the cluster when the export has only a path', binding(EXPORT_CLUSTER, 'c'), P, undefined, false],
    [
      'a bare name on both sides (no annotations at all)',
      binding(undefined, undefined),
      undefined,
      undefined,
      true,
    ],
  ])('decides whether a binding referencing %s matches the export', (_what, b, path, cluster, expected) => {
    expect(bindingReferencesExport(b, path, cluster, 'today-cowboys')).toBe(expected);
  });
});
