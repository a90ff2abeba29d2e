import { describe, expect, it } from 'vitest';
import { isInvalidArgumentError } from '../../src/errors.js';
import {
  compileLabelSelector,
  formatLabelSelector,
  labelSelectorMatches,
  labelSelectorProblem,
  parseSelectorString,
} from '../../src/kcp/labels.js';
import type { LabelSelector } from '../../src/kcp/labels.js';

const alpha = { name: 'alpha', region: 'eu' };
const beta = { name: 'beta', region: 'us', tier: '2' };
const bare = {};

describe('labelSelectorMatches', () => {
  const table: Array<[string, LabelSelector, Record<string, string>, boolean]> = [
    ['empty selector matches everything', {}, alpha, true],
    ['empty selector matches no labels', {}, bare, true],
    ['null fields are empty', { matchLabels: null, matchExpressions: null }, beta, true],
    ['matchLabels equal', { matchLabels: { name: 'alpha' } }, alpha, true],
    ['matchLabels differ', { matchLabels: { name: 'alpha' } }, beta, false],
    ['matchLabels missing key', { matchLabels: { name: 'alpha' } }, bare, false],
    ['all matchLabels must hold', { matchLabels: { name: 'alpha', region: 'us' } }, alpha, false],
    [
      'In hits',
      { matchExpressions: [{ key: 'name', operator: 'In', values: ['alpha', 'beta'] }] },
      beta,
      true,
    ],
    ['In misses', { matchExpressions: [{ key: 'name', operator: 'In', values: ['gamma'] }] }, beta, false],
    ['In needs the key', { matchExpressions: [{ key: 'x', operator: 'In', values: ['a'] }] }, beta, false],
    ['NotIn hits', { matchExpressions: [{ key: 'name', operator: 'NotIn', values: ['alpha'] }] }, beta, true],
    [
      'NotIn misses',
      { matchExpressions: [{ key: 'name', operator: 'NotIn', values: ['beta'] }] },
      beta,
      false,
    ],
    [
      'NotIn holds without the key',
      { matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['a'] }] },
      beta,
      true,
    ],
    ['Exists hits', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, beta, true],
    ['Exists misses', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, alpha, false],
    ['DoesNotExist hits', { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, alpha, true],
    [
      'DoesNotExist misses',
      { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist', values: [] }] },
      beta,
      false,
    ],
    [
      'labels and expressions combine',
      { matchLabels: { region: 'us' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] },
      beta,
      true,
    ],
  ];
  it.each(table)('%s', (_name, selector, labels, expected) => {
    expect(labelSelectorMatches(selector, labels)).toBe(expected);
  });

  it('treats absent labels as no labels', () => {
    expect(labelSelectorMatches({}, undefined)).toBe(true);
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, null)).toBe(
      true,
    );
  });

  it('does not see inherited properties as labels', () => {
    expect(labelSelectorMatches({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, {})).toBe(
      false,
    );
  });
});

describe('labelSelectorProblem', () => {
  it.each<[LabelSelector, string | undefined]>([
    [{}, undefined],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, undefined],
    [
      { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] },
      'operator "Equals" is not one of',
    ],
    [
      { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] },
      'operator In needs at least one value',
    ],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn' }] }, 'operator NotIn needs at least one value'],
    [
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      'operator Exists takes no values',
    ],
    [{ matchExpressions: [{ key: '', operator: 'Exists' }] }, 'key must not be empty'],
  ])('checks %j', (selector, expected) => {
    const p = labelSelectorProblem(selector);
    if (expected === undefined) expect(p).toBeUndefined();
    else expect(p).toContain(expected);
  });

  it('makes matching and formatting throw InvalidArgumentError for an invalid selector', () => {
    const bad: LabelSelector = { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] };
    expect(() => labelSelectorMatches(bad, {})).toThrow(/Invalid label selector: matchExpressions\[0\]/);
    let caught: unknown;
    try {
      formatLabelSelector(bad);
    } catch (e) {
      caught = e;
    }
    expect(isInvalidArgumentError(caught)).toBe(true);
  });
});

describe('formatLabelSelector', () => {
  it.each<[LabelSelector, string]>([
    [{}, ''],
    [{ matchLabels: { name: 'alpha' } }, 'name=alpha'],
    [{ matchLabels: { z: '1', a: '2' } }, 'a=2,z=1'],
    [{ matchExpressions: [{ key: 'r', operator: 'In', values: ['us', 'eu'] }] }, 'r in (eu,us)'],
    [{ matchExpressions: [{ key: 'r', operator: 'NotIn', values: ['b', 'a'] }] }, 'r notin (a,b)'],
    [
      {
        matchLabels: { name: 'alpha' },
        matchExpressions: [
          { key: 'x', operator: 'DoesNotExist' },
          { key: 'b', operator: 'Exists' },
        ],
      },
      'b,name=alpha,!x',
    ],
  ])('renders %j as %j', (selector, expected) => {
    expect(formatLabelSelector(selector)).toBe(expected);
  });

  it('round-trips through parseSelectorString', () => {
    const selector: LabelSelector = {
      matchLabels: { name: 'alpha' },
      matchExpressions: [{ key: 'region', operator: 'In', values: ['eu', 'us'] }],
    };
    const s = formatLabelSelector(selector);
    expect(parseSelectorString(s).toString()).toBe(s);
    expect(compileLabelSelector(selector).requirements).toEqual(parseSelectorString(s).requirements);
  });
});

describe('parseSelectorString', () => {
  it.each<[string, Record<string, string>, boolean]>([
    ['', alpha, true],
    ['  ', bare, true],
    ['name=alpha', alpha, true],
    ['name==alpha', alpha, true],
    ['name=alpha', beta, false],
    ['name!=alpha', beta, true],
    ['name!=alpha', alpha, false],
    ['missing!=x', alpha, true],
    ['name in (alpha, beta)', beta, true],
    ['name in (gamma)', beta, false],
    ['name notin (alpha)', beta, true],
    ['name notin (beta)', beta, false],
    ['tier', beta, true],
    ['tier', alpha, false],
    ['!tier', alpha, true],
    ['! tier', beta, false],
    ['tier>1', beta, true],
    ['tier>2', beta, false],
    ['tier<3', beta, true],
    ['tier<3', alpha, false],
    ['name=alpha,region=eu', alpha, true],
    ['name=alpha, region=us', alpha, false],
    ['a=b,c!=d,e in (x,y),!f,g', { a: 'b', e: 'y', g: '' }, true],
    ['example.com/role=edge', { 'example.com/role': 'edge' }, true],
    ['empty=', { empty: '' }, true],
  ])('%j on %j is %s', (s, labels, expected) => {
    expect(parseSelectorString(s).matches(labels)).toBe(expected);
  });

  it('does not treat a non-integer label value as greater or less', () => {
    expect(parseSelectorString('tier>1').matches({ tier: 'high' })).toBe(false);
  });

  it('normalises requirements, sorted by key', () => {
    expect(parseSelectorString('z=1, a in (y,x), !m').requirements).toEqual([
      { key: 'a', operator: 'In', values: ['y', 'x'] },
      { key: 'm', operator: 'DoesNotExist', values: [] },
      { key: 'z', operator: 'Equals', values: ['1'] },
    ]);
    expect(parseSelectorString('z=1, a in (y,x), !m').toString()).toBe('a in (x,y),!m,z=1');
    expect(parseSelectorString('a!=1,b>2,c<3,d notin (q)').toString()).toBe('a!=1,b>2,c<3,d notin (q)');
  });

  it.each([
    ['a=b,,c', 'empty requirement'],
    ['a=b,', 'empty requirement'],
    ['a in ()', 'needs at least one value'],
    ['a=b c', '"b c" is not a valid label value'],
    ['-bad=x', '"-bad" is not a valid label key'],
    ['a>b', 'needs an integer'],
    ['a in (x,-y)', '"-y" is not a valid label value'],
  ])('rejects %j saying %s', (s, why) => {
    expect(() => parseSelectorString(s)).toThrow(why);
    expect(() => parseSelectorString(s)).toThrow('a valid selector looks like "name=alpha');
  });
});
