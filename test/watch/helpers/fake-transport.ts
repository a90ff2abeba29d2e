import { z } from 'zod';
import { AbortError } from '../../../src/errors.js';
import type { ListOptions, Transport, WatchItem, WatchOptions } from '../../../src/http/types.js';
import type { List } from '../../../src/kcp/meta.js';
import type { ResourceDescriptor } from '../../../src/kcp/resource.js';

/** A minimal test object. */
export interface Widget {
  metadata: {
    name: string;
    resourceVersion?: string | undefined;
    annotations?: Record<string, string> | undefined;
  };
  spec?: { value?: number };
}

/** Descriptor of the test resource. */
export const widgets: ResourceDescriptor<Widget> = {
  group: 'test.kcp.io',
  version: 'v1',
  plural: 'widgets',
  kind: 'Widget',
  schema: z.custom<Widget>(),
};

/** Builds a widget. */
export function widget(name: string, rv: string, cluster?: string, value?: number): Widget {
  const w: Widget = { metadata: { name, resourceVersion: rv } };
  if (cluster !== undefined) w.metadata.annotations = { 'kcp.io/cluster': cluster };
  if (value !== undefined) w.spec = { value };
  return w;
}

type Ending = { kind: 'closed' } | { kind: 'error'; error: unknown };

/** One scripted watch stream handed out by {@link FakeTransport.watch} (or `watchBatches`). */
export class FakeWatch implements AsyncIterable<WatchItem<Widget>> {
  /** What the stream delivers next, one batch (network chunk) per entry. */
  private readonly queue: Array<Array<WatchItem<Widget>>> = [];
  private ending: Ending | undefined;
  private waiter: (() => void) | undefined;
  /** True once the consumer stopped iterating (return()) or the signal aborted. */
  released = false;

  constructor(
    readonly cluster: string,
    readonly options: WatchOptions,
  ) {
    options.signal?.addEventListener('abort', () => {
      this.end({ kind: 'error', error: new AbortError() });
    });
  }

  /** True when the request signal was aborted. */
  get aborted(): boolean {
    return this.options.signal?.aborted ?? false;
  }

  /** True while the consumer still holds the stream. */
  get open(): boolean {
    return !this.released && this.ending === undefined;
  }

  /** Delivers each item as a chunk of its own. */
  push(...items: Array<WatchItem<Widget>>): void {
    this.queue.push(...items.map((item) => [item]));
    this.wake();
  }

  /** Delivers the items together, as one network chunk (one batch for `watchBatches`). */
  pushBatch(...items: Array<WatchItem<Widget>>): void {
    this.queue.push(items);
    this.wake();
  }

  close(): void {
    this.end({ kind: 'closed' });
  }

  fail(error: unknown): void {
    this.end({ kind: 'error', error });
  }

  private end(e: Ending): void {
    this.ending ??= e;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchItem<Widget>> {
    return {
      next: async (): Promise<IteratorResult<WatchItem<Widget>>> => {
        for (;;) {
          const item = this.queue[0]?.shift();
          if (this.queue[0]?.length === 0) this.queue.shift();
          if (item !== undefined) return { value: item, done: false };
          if (this.ending !== undefined) {
            this.released = true;
            if (this.ending.kind === 'closed') return { value: undefined, done: true };
            throw this.ending.error;
          }
          await new Promise<void>((resolve) => {
            this.waiter = resolve;
          });
        }
      },
      return: async (): Promise<IteratorResult<WatchItem<Widget>>> => {
        this.released = true;
        return { value: undefined, done: true };
      },
    };
  }

  /** The stream one batch at a time, as `Transport.watchBatches` hands it out. */
  batches(): AsyncIterable<ReadonlyArray<WatchItem<Widget>>> {
    return {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<ReadonlyArray<WatchItem<Widget>>>> => {
          for (;;) {
            const batch = this.queue.shift();
            if (batch !== undefined && batch.length > 0) return { value: batch, done: false };
            if (batch !== undefined) continue;
            if (this.ending !== undefined) {
              this.released = true;
              if (this.ending.kind === 'closed') return { value: undefined, done: true };
              throw this.ending.error;
            }
            await new Promise<void>((resolve) => {
              this.waiter = resolve;
            });
          }
        },
        return: async (): Promise<IteratorResult<ReadonlyArray<WatchItem<Widget>>>> => {
          this.released = true;
          return { value: undefined, done: true };
        },
      }),
    };
  }
}

/** A scripted list result: a list, an error to reject with, or 'hang' (pending until aborted). */
export type ListStep = List<Widget> | Error | 'hang';

/**
 * A fake {@link Transport}: lists answer from `listSteps` (in order) and then from `objects`/`rv`;
 * watches fail with the next of `watchFailures`, else hand out a {@link FakeWatch} the test drives.
 */
export class FakeTransport implements Transport {
  readonly baseUrl: string;
  readonly lists: Array<{ cluster: string; options: ListOptions }> = [];
  readonly watchCalls: Array<{ cluster: string; options: WatchOptions }> = [];
  readonly watches: FakeWatch[] = [];
  listSteps: ListStep[] = [];
  watchFailures: unknown[] = [];
  objects: Widget[] = [];
  rv = '10';
  /** Lists currently awaiting an answer. */
  pendingLists = 0;
  private waiters: Array<() => void> = [];

  /** How many times the idle sockets were released. */
  idleReleases = 0;

  releaseIdle(): void {
    this.idleReleases += 1;
  }

  constructor(baseUrl = 'https://kcp.fake') {
    this.baseUrl = baseUrl;
  }

  url(_d: ResourceDescriptor<unknown>, cluster: string, name?: string): string {
    return `${this.baseUrl}/clusters/${cluster}/apis/test.kcp.io/v1/widgets${name === undefined ? '' : `/${name}`}`;
  }

  async list<T>(_d: ResourceDescriptor<T>, cluster: string, options: ListOptions = {}): Promise<List<T>> {
    this.lists.push({ cluster, options });
    this.notify();
    const step = this.listSteps.shift();
    if (step === 'hang') {
      this.pendingLists += 1;
      return new Promise<List<T>>((_resolve, reject) => {
        options.signal?.addEventListener('abort', () => {
          this.pendingLists -= 1;
          reject(new AbortError());
        });
      });
    }
    if (step instanceof Error) throw step;
    const list = step ?? { resourceVersion: this.rv, items: [...this.objects] };
    return list as unknown as List<T>;
  }

  async watch<T>(
    _d: ResourceDescriptor<T>,
    cluster: string,
    options: WatchOptions = {},
  ): Promise<AsyncIterable<WatchItem<T>>> {
    this.watchCalls.push({ cluster, options });
    this.notify();
    if (this.watchFailures.length > 0) throw this.watchFailures.shift();
    const w = new FakeWatch(cluster, options);
    this.watches.push(w);
    this.notify();
    return w as unknown as AsyncIterable<WatchItem<T>>;
  }

  /** Resolves with the n-th (0-based) watch stream once it exists. */
  async watchAt(n: number, timeoutMs = 2000): Promise<FakeWatch> {
    await this.until(() => this.watches.length > n, timeoutMs);
    return this.watches[n]!;
  }

  /** Number of watch streams the consumer still holds. */
  get openWatches(): number {
    return this.watches.filter((w) => w.open).length;
  }

  /** Resolves once `cond()` holds (checked on every call and every few ms). */
  async until(cond: () => boolean, timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  private notify(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  get(): Promise<never> {
    return Promise.reject(new Error('not scripted'));
  }
  create(): Promise<never> {
    return Promise.reject(new Error('not scripted'));
  }
  update(): Promise<never> {
    return Promise.reject(new Error('not scripted'));
  }
  patch(): Promise<never> {
    return Promise.reject(new Error('not scripted'));
  }
  delete(): Promise<never> {
    return Promise.reject(new Error('not scripted'));
  }
  raw(): Promise<never> {
    return Promise.reject(new Error('not scripted'));
  }
}

/** Millisecond timings for tests; `random` fixed at 0.5. */
export const fastTuning = {
  backoffInitialMs: 2,
  backoffMaxMs: 8,
  backoffResetMs: 60_000,
  minWatchTimeoutSeconds: 60,
  inactivitySlackMs: 1000,
  connectTimeoutMs: 1000,
  veryShortWatchMs: 0,
  random: (): number => 0.5,
};

/** Waits for pending microtasks and a macrotask. */
export function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A {@link FakeTransport} that also offers `watchBatches`, the way the HTTP transport does. */
export class FakeBatchingTransport extends FakeTransport {
  async watchBatches<T>(
    d: ResourceDescriptor<T>,
    cluster: string,
    options: WatchOptions = {},
  ): Promise<AsyncIterable<ReadonlyArray<WatchItem<T>>>> {
    await this.watch(d, cluster, options);
    return this.watches.at(-1)!.batches() as unknown as AsyncIterable<ReadonlyArray<WatchItem<T>>>;
  }
}
