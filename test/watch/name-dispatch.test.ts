import { describe, expect, it, vi } from 'vitest';
import { ApiStatusError } from '../../src/errors.js';
import { NameDispatcher, type NameSnapshot } from '../../src/watch/name-dispatch.js';

interface Obj {
  metadata: { name: string; resourceVersion?: string };
}
const obj = (name: string, rv = '1'): Obj => ({ metadata: { name, resourceVersion: rv } });
const store = (...objs: Obj[]) => new Map(objs.map((o) => [`c|${o.metadata.name}`, o]));
const empty = { added: [], modified: [], deleted: [] };

describe('NameDispatcher', () => {
  it('tells only the listeners of the object a watch event touched', () => {
    const d = new NameDispatcher<Obj>();
    const a = vi.fn();
    const b = vi.fn();
    d.add('a', a);
    d.add('b', b);
    d.listed(store(obj('a'), obj('b')), empty);
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledTimes(1);
    d.changed(store(obj('a', '2'), obj('b')), 'c|a', false);
    expect(a).toHaveBeenCalledTimes(2);
    expect(b).toHaveBeenCalledTimes(1);
    expect((a.mock.calls[1]![0] as NameSnapshot<Obj>).object?.metadata.resourceVersion).toBe('2');
  });

  it('reports a deleted object as null and a relist only to the names in its delta', () => {
    const d = new NameDispatcher<Obj>();
    const seen: Array<string | null> = [];
    d.add('a', (s) => seen.push(s.object?.metadata.resourceVersion ?? null));
    const other = vi.fn();
    d.add('b', other);
    d.listed(store(obj('a'), obj('b')), empty);
    d.changed(store(obj('b')), 'c|a', true);
    d.listed(store(obj('a', '5'), obj('b')), { added: ['c|a'], modified: [], deleted: [] });
    expect(seen).toEqual(['1', null, '5']);
    expect(other).toHaveBeenCalledTimes(1);
  });

  it('gives a late listener the current snapshot at once, and nothing before the first list', () => {
    const d = new NameDispatcher<Obj>();
    const early = vi.fn();
    d.add('a', early);
    expect(early).not.toHaveBeenCalled();
    d.listed(store(obj('a')), empty);
    const late = vi.fn();
    d.add('a', late);
    expect(late).toHaveBeenCalledWith({ synced: true, object: obj('a'), error: undefined });
  });

  it('tells everyone about a list failure once, and again when the next list heals it', () => {
    const d = new NameDispatcher<Obj>();
    const a = vi.fn();
    d.add('a', a);
    const denied = new ApiStatusError('forbidden', { status: 403, reason: 'Forbidden' });
    d.failed(denied, false);
    d.failed(denied, false);
    expect(a).toHaveBeenCalledTimes(1);
    expect((a.mock.calls[0]![0] as NameSnapshot<Obj>).error).toBe(denied);
    d.listed(store(obj('a')), empty);
    expect(a).toHaveBeenCalledTimes(2);
    expect((a.mock.calls[1]![0] as NameSnapshot<Obj>).error).toBeUndefined();
  });

  it('stops calling a removed listener and runs onClose for those still registered when cleared', () => {
    const d = new NameDispatcher<Obj>();
    const gone = vi.fn();
    const goneClose = vi.fn();
    const stay = vi.fn();
    const stayClose = vi.fn();
    const remove = d.add('a', gone, goneClose);
    d.add('a', stay, stayClose);
    remove();
    remove();
    expect(d.size).toBe(1);
    d.listed(store(obj('a')), empty);
    expect(gone).not.toHaveBeenCalled();
    d.clear();
    expect(stayClose).toHaveBeenCalledTimes(1);
    expect(goneClose).not.toHaveBeenCalled();
    expect(d.size).toBe(0);
  });

  it('finds objects by name in namespaced and multi-cluster keys', () => {
    const d = new NameDispatcher<Obj>();
    const items = new Map([
      ['c1|ns/x', obj('x', '1')],
      ['c2|x', obj('x', '2')],
    ]);
    d.listed(items, empty);
    expect(d.snapshot('x').object).not.toBeNull();
    d.changed(new Map([['c2|x', obj('x', '2')]]), 'c1|ns/x', true);
    expect(d.snapshot('x').object?.metadata.resourceVersion).toBe('2');
  });

  it('keeps listeners and keys of a name right as they grow from one to several and shrink back', () => {
    const d = new NameDispatcher<Obj>();
    const first = vi.fn();
    const second = vi.fn();
    const removeFirst = d.add('x', first);
    d.add('x', first);
    expect(d.size).toBe(1);
    const removeSecond = d.add('x', second);
    expect(d.size).toBe(2);
    const one = new Map([['c1|x', obj('x', '1')]]);
    const two = new Map([...one, ['c2|x', obj('x', '2')]]);
    d.listed(one, empty);
    d.changed(two, 'c2|x', false);
    expect([first.mock.calls.length, second.mock.calls.length]).toEqual([2, 2]);
    removeFirst();
    d.changed(new Map([['c2|x', obj('x', '2')]]), 'c1|x', true);
    expect(first).toHaveBeenCalledTimes(2);
    expect((second.mock.calls[2]![0] as NameSnapshot<Obj>).object?.metadata.resourceVersion).toBe('2');
    removeSecond();
    expect(d.size).toBe(0);
    d.changed(new Map(), 'c2|x', true);
    expect(d.snapshot('x').object).toBeNull();
    const again = vi.fn();
    d.add('x', again);
    d.changed(new Map([['c3|x', obj('x', '3')]]), 'c3|x', false);
    expect((again.mock.calls.at(-1)![0] as NameSnapshot<Obj>).object?.metadata.resourceVersion).toBe('3');
    expect(second).toHaveBeenCalledTimes(3);
  });
});
