import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fifo, TimerHeap, type Timed } from '../../src/controller/collections.js';

describe('Fifo', () => {
  it('behaves like an array with push and shift, through its compactions', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 2500 }), { maxLength: 16 }), (steps) => {
        const fifo = new Fifo<number>();
        const reference: number[] = [];
        const shifted: Array<number | undefined> = [];
        const expected: Array<number | undefined> = [];
        let next = 0;
        steps.forEach((n, i) => {
          for (let j = 0; j < n; j++) {
            if (i % 2 === 0) {
              fifo.push(next);
              reference.push(next++);
            } else {
              shifted.push(fifo.shift());
              expected.push(reference.shift());
            }
          }
          expect(fifo.length).toBe(reference.length);
        });
        expect(shifted).toEqual(expected);
        expect([...fifo]).toEqual(reference);
      }),
      { numRuns: 60 },
    );
  });
});

interface Item extends Timed {
  name: number;
}

describe('TimerHeap', () => {
  it('pops entries by due time, then by sequence, after pushes, removals and earlier times', () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ remove: fc.nat() }),
      fc.record({ sooner: fc.nat(), by: fc.integer({ min: 1, max: 20 }) }),
      fc.record({ pop: fc.constant(true) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const heap = new TimerHeap<Item>();
        const live: Item[] = [];
        let seq = 0;
        const order = (a: Item, b: Item): number => a.at - b.at || a.seq - b.seq;
        for (const o of ops) {
          if ('push' in o) {
            const item = { name: seq, at: o.push, seq: seq++, index: -1 };
            heap.push(item);
            live.push(item);
          } else if ('pop' in o) {
            const want = [...live].sort(order)[0];
            expect(heap.pop()).toBe(want);
            if (want !== undefined) live.splice(live.indexOf(want), 1);
          } else if (live.length > 0) {
            const item = live[('remove' in o ? o.remove : o.sooner) % live.length]!;
            if ('remove' in o) {
              heap.remove(item);
              live.splice(live.indexOf(item), 1);
              expect(item.index).toBe(-1);
            } else {
              item.at -= o.by;
              heap.decreased(item);
            }
          }
          expect(heap.length).toBe(live.length);
          expect(heap.peek()).toBe([...live].sort(order)[0]);
        }
        heap.removeWhere((item) => item.name % 2 === 0);
        const rest = live.filter((item) => item.name % 2 === 1).sort(order);
        expect(Array.from({ length: heap.length }, () => heap.pop())).toEqual(rest);
        heap.push({ name: -1, at: 0, seq: -1, index: -1 });
        heap.clear();
        expect(heap.length).toBe(0);
      }),
    );
  });
});
