import { describe, expect, it } from 'vitest';
import {
  allTrue,
  ConditionReason,
  ConditionType,
  conditionsNotTrue,
  findCondition,
  isTrue,
} from '../../src/kcp/conditions.js';
import type { Condition } from '../../src/kcp/meta.js';

const t = (type: string, status = 'True'): Condition => ({ type, status });

describe('conditions', () => {
  it('finds a condition by type', () => {
    const cs = [t('APIExportValid'), t('PartitionValid', 'False')];
    expect(findCondition(cs, 'PartitionValid')).toEqual(t('PartitionValid', 'False'));
    expect(findCondition(cs, 'Ready')).toBeUndefined();
    expect(findCondition(null, 'Ready')).toBeUndefined();
    expect(findCondition(undefined, 'Ready')).toBeUndefined();
  });

  it.each<[Condition[] | null | undefined, string, boolean]>([
    [[t('Ready')], 'Ready', true],
    [[t('Ready', 'False')], 'Ready', false],
    [[t('Ready', 'Unknown')], 'Ready', false],
    [[], 'Ready', false],
    [null, 'Ready', false],
  ])('isTrue(%j, %s) is %s', (cs, type, expected) => {
    expect(isTrue(cs, type)).toBe(expected);
  });

  it.each<[Condition[] | null | undefined, boolean]>([
    [undefined, true],
    [null, true],
    [[], true],
    [[t('APIExportValid'), t('PartitionValid')], true],
    [[t('APIExportValid'), t('PartitionValid', 'Unknown')], false],
    [[t('APIExportValid', 'False')], false],
  ])('allTrue(%j) is %s (vacuously true for none)', (cs, expected) => {
    expect(allTrue(cs)).toBe(expected);
  });

  it('lists the conditions that are not True in order', () => {
    const cs = [t('A', 'False'), t('B'), t('C', 'Unknown')];
    expect(conditionsNotTrue(cs).map((c) => c.type)).toEqual(['A', 'C']);
  });

  it('spells the condition types and reasons exactly as kcp does', () => {
    for (const [k, v] of Object.entries(ConditionType)) expect(v).toBe(k);
    for (const [k, v] of Object.entries(ConditionReason)) expect(v).toBe(k);
    expect(ConditionType.EndpointURLsReady).toBe('EndpointURLsReady');
    expect(ConditionReason.PartitionInvalidReference).toBe('PartitionInvalidReference');
  });
});
