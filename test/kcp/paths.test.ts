import { describe, expect, it } from 'vitest';
import { isInvalidArgumentError } from '../../src/errors.js';
import {
  formatRef,
  isLogicalClusterName,
  isValidObjectName,
  isValidWorkspacePath,
  parseExportRef,
  parseObjectName,
  parseWorkspacePath,
  WILDCARD_CLUSTER,
} from '../../src/kcp/paths.js';

const seg63 = 'a'.repeat(63);
const seg64 = 'a'.repeat(64);

function thrown(fn: () => unknown): Error & { argument?: string } {
  try {
    fn();
  } catch (e) {
    expect(isInvalidArgumentError(e)).toBe(true);
    return e as Error & { argument?: string };
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('workspace paths', () => {
  it.each<[string, boolean]>([
    ['root', true],
    ['root:org:ws', true],
    ['2hwz9858ph0d4yx5', true],
    ['a-b:c-d', true],
    [seg63, true],
    [`root:${seg63}`, true],
    [seg64, false],
    ['', false],
    ['root::ws', false],
    [':root', false],
    ['root:', false],
    ['Root', false],
    ['root:Org', false],
    ['-root', false],
    ['root-', false],
    ['root:o_rg', false],
    ['root/org', false],
    ['*', false],
    ['root:*', false],
  ])('isValidWorkspacePath(%j) is %s', (path, expected) => {
    expect(isValidWorkspacePath(path)).toBe(expected);
  });

  it.each<[string, boolean]>([
    ['2hwz9858ph0d4yx5', true],
    ['root', true],
    ['root:org', false],
    ['', false],
  ])('isLogicalClusterName(%j) is %s', (name, expected) => {
    expect(isLogicalClusterName(name)).toBe(expected);
  });

  it('returns a valid path unchanged', () => {
    expect(parseWorkspacePath('root:org:ws')).toBe('root:org:ws');
  });

  it.each<[unknown, RegExp]>([
    ['', /it is empty/],
    ['root::ws', /empty segment/],
    ['root:', /empty segment/],
    ['root:Org', /segment "Org" must be 1-63 lowercase/],
    [`root:${seg64}`, /segment "a{64}" must be 1-63/],
    [42, /expected a string like "root:org:ws", got number/],
  ])('rejects %j with a message that shows a valid example', (path, why) => {
    const e = thrown(() => parseWorkspacePath(path));
    expect(e.message).toMatch(why);
    expect(e.message).toContain('root:org:ws');
    expect(e.argument).toBe('workspace path');
  });

  it('accepts the wildcard only when allowed', () => {
    expect(parseWorkspacePath(WILDCARD_CLUSTER, { allowWildcard: true })).toBe('*');
    expect(thrown(() => parseWorkspacePath('*')).message).toMatch(/wildcard is only allowed for list\/watch/);
    expect(thrown(() => parseWorkspacePath('*', { allowWildcard: false })).message).toMatch(/wildcard/);
    expect(thrown(() => parseWorkspacePath('root:*', { allowWildcard: true })).message).toMatch(
      /segment "\*"/,
    );
  });

  it('names the argument it was told to', () => {
    expect(thrown(() => parseWorkspacePath('', { what: 'slice path' })).message).toMatch(
      /^Invalid slice path ""/,
    );
  });
});

describe('object names', () => {
  it.each<[string, boolean]>([
    ['today-cowboys', true],
    ['today.cowboys.wildwest.dev', true],
    ['a', true],
    ['a'.repeat(253), true],
    ['a'.repeat(254), false],
    ['', false],
    ['Today', false],
    ['-a', false],
    ['a..b', false],
    ['a_b', false],
  ])('isValidObjectName(%j) is %s', (name, expected) => {
    expect(isValidObjectName(name)).toBe(expected);
  });

  it('rejects a bad name with an example of a good one', () => {
    const e = thrown(() => parseObjectName('Bad_Name'));
    expect(e.message).toContain('"Bad_Name"');
    expect(e.message).toContain('today-cowboys');
    expect(thrown(() => parseObjectName(undefined, 'export name')).message).toMatch(
      /^Invalid export name undefined/,
    );
  });
});

describe('export references', () => {
  it.each<[unknown, { path: string; name: string }]>([
    ['today-cowboys', { path: 'root:me', name: 'today-cowboys' }],
    ['  today-cowboys  ', { path: 'root:me', name: 'today-cowboys' }],
    ['root:org:provider:today-cowboys', { path: 'root:org:provider', name: 'today-cowboys' }],
    ['root:today-cowboys', { path: 'root', name: 'today-cowboys' }],
    ['2hwz9858ph0d4yx5:today-cowboys', { path: '2hwz9858ph0d4yx5', name: 'today-cowboys' }],
    [{ name: 'today-cowboys' }, { path: 'root:me', name: 'today-cowboys' }],
    [
      { name: 'today-cowboys', path: '' },
      { path: 'root:me', name: 'today-cowboys' },
    ],
    [
      { name: 'e', path: 'root:org' },
      { path: 'root:org', name: 'e' },
    ],
    [
      { name: 'e', path: undefined },
      { path: 'root:me', name: 'e' },
    ],
  ])('parses %j', (ref, expected) => {
    expect(parseExportRef(ref, 'root:me')).toEqual(expected);
  });

  it.each<[unknown, RegExp]>([
    ['', /Invalid export reference name ""/],
    ['root:org:', /Invalid export reference name ""/],
    [':name', /Invalid export reference path "": it is empty/],
    ['root::org:name', /empty segment/],
    ['Root:name', /segment "Root"/],
    ['root:Name', /Invalid export reference name "Name"/],
    [{ name: 'e', path: 'root:' }, /empty segment/],
    [{ name: 42 }, /Invalid export reference name 42/],
    [{ path: 'root' }, /expected "root:org:ws:name", "name" or \{ name, path\? \}/],
    [null, /expected "root:org:ws:name"/],
    [7, /expected "root:org:ws:name"/],
  ])('rejects %j', (ref, why) => {
    expect(thrown(() => parseExportRef(ref, 'root:me')).message).toMatch(why);
  });

  it('formats a reference the way kubectl kcp bind takes it and parses it back', () => {
    const ref = { path: 'root:org:provider', name: 'today-cowboys' };
    expect(formatRef(ref)).toBe('root:org:provider:today-cowboys');
    expect(parseExportRef(formatRef(ref), 'root')).toEqual(ref);
  });
});
