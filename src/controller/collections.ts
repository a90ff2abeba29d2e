/**
 * The two containers of the work queue: a first-in first-out list with O(1) `shift` (an array's `shift`
 * moves every element, which a queue of 100,000 keys cannot afford) and a binary min-heap of timed entries
 * that knows where each entry sits, so an entry can be moved sooner or removed in O(log n).
 */

/** A FIFO list: `push` at the tail, `shift` at the head, both O(1) amortised. */
export class Fifo<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  /** Number of items. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends `item` at the tail. */
  push(item: T): void {
    this.items.push(item);
  }

  /** Removes and returns the head, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined; // no reference kept to a removed item
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** The items, head first. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}

/** An entry of a {@link TimerHeap}: due at `at` (ms); `seq` orders entries due at the same time. */
export interface Timed {
  at: number;
  seq: number;
  /** Position in the heap, -1 when not in one. Maintained by the heap. */
  index: number;
}

/** A binary min-heap of {@link Timed} entries, earliest `at` first (then lowest `seq`). */
export class TimerHeap<T extends Timed> {
  private readonly items: T[] = [];

  /** Number of entries. */
  get length(): number {
    return this.items.length;
  }

  /** The earliest entry, or `undefined`. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds `entry`. */
  push(entry: T): void {
    entry.index = this.items.length;
    this.items.push(entry);
    this.up(entry.index);
  }

  /** Removes and returns the earliest entry. */
  pop(): T | undefined {
    const first = this.items[0];
    if (first !== undefined) this.remove(first);
    return first;
  }

  /** Removes `entry` (which must be in this heap). */
  remove(entry: T): void {
    const i = entry.index;
    const last = this.items.pop() as T;
    entry.index = -1;
    if (last === entry) return;
    this.items[i] = last;
    last.index = i;
    this.down(i);
    this.up(last.index);
  }

  /** Moves `entry` to its place after its `at` decreased. */
  decreased(entry: T): void {
    this.up(entry.index);
  }

  /** Removes every entry for which `drop` is true. O(n). */
  removeWhere(drop: (entry: T) => boolean): void {
    for (const entry of this.items.filter(drop)) this.remove(entry);
  }

  /** Removes every entry. */
  clear(): void {
    for (const entry of this.items) entry.index = -1;
    this.items.length = 0;
  }

  private less(a: T, b: T): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private up(i: number): void {
    const items = this.items;
    const entry = items[i] as T;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p] as T;
      if (!this.less(entry, parent)) break;
      items[i] = parent;
      parent.index = i;
      i = p;
    }
    items[i] = entry;
    entry.index = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const entry = items[i] as T;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const right = c + 1;
      if (right < n && this.less(items[right] as T, items[c] as T)) c = right;
      const child = items[c] as T;
      if (!this.less(child, entry)) break;
      items[i] = child;
      child.index = i;
      i = c;
    }
    items[i] = entry;
    entry.index = i;
  }
}
