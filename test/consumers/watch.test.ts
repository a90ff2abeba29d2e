import { Subject, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointCaches } from '../../src/consumers/endpoint-caches.js';
import type { ConsumerEvent } from '../../src/consumers/types.js';
import { watchConsumers } from '../../src/consumers/watch.js';
import type { EndpointChange } from '../../src/endpoints/types.js';
import type { APIBinding } from '../../src/kcp/apibinding.js';
import { NetworkError } from '../../src/errors.js';
import {
  FakeTransport,
  type ListStep,
  type Widget,
  fastTuning,
  tick,
} from '../watch/helpers/fake-transport.js';

const A = 'https://shard-a.kcp.test:6443/services/apiexport/2hwz/cowboys';
const B = 'https://shard-b.kcp.test:6443/services/apiexport/2hwz/cowboys';

let rv = 100;
/** An APIBinding as the virtual workspace lists it: annotated with its consumer's cluster and path. */
function binding(name: string, cluster: string, ready: boolean | 'no-condition', path?: string): Widget {
  const b: APIBinding = {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIBinding',
    metadata: {
      name,
      resourceVersion: String(rv++),
      annotations: { 'kcp.io/cluster': cluster, ...(path === undefined ? {} : { 'kcp.io/path': path }) },
    },
    spec: { reference: { export: { path: 'root:org:provider', name: 'cowboys' } } },
    status: {
      phase: ready === false ? 'Binding' : 'Bound',
      conditions: ready === 'no-condition' ? [] : [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    },
  };
  return b as unknown as Widget;
}

function change(urls: string[], previous: string[] = []): EndpointChange {
  return {
    export: { path: 'root:org:provider', name: 'cowboys' },
    slice: { path: 'root:org:provider', name: 'cowboys' },
    source: urls.length > 0 ? 'endpointSlice' : 'none',
    urls,
    endpoints: urls.map((url) => ({ url })),
    phase: urls.length > 0 ? 'Ready' : 'AwaitingBinding',
    reason: urls.length > 0 ? 'SliceHasEndpoints' : 'NoBindingYet',
    message: '',
    sliceConditions: [],
    warnings: [],
    warningDetails: [],
    added: urls.filter((u) => !previous.includes(u)),
    removed: previous.filter((u) => !urls.includes(u)),
    previous: null,
  } as unknown as EndpointChange;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(
  objects: Record<string, Widget[]>,
  rewriteUrl?: (url: string) => string,
  listSteps: Record<string, ListStep[]> = {},
) {
  const transports = new Map<string, FakeTransport & { closed: boolean }>();
  const caches = new EndpointCaches({
    open: (url) => {
      const t = Object.assign(new FakeTransport(url), {
        closed: false,
        close(this: { closed: boolean }) {
          this.closed = true;
          return Promise.resolve();
        },
      });
      const published = [...Object.keys(objects)].find((k) => (rewriteUrl?.(k) ?? k) === url) ?? url;
      t.objects = objects[published] ?? [];
      t.listSteps = [...(listSteps[published] ?? [])];
      transports.set(published, t);
      return t;
    },
    rewriteUrl,
    tuning: fastTuning,
  });
  cleanups.push(() => caches.close());
  const endpoints$ = new Subject<EndpointChange>();
  const subscribe = (engage: 'ready' | 'any' = 'ready') => {
    const events: ConsumerEvent[] = [];
    const sub: Subscription = watchConsumers(endpoints$, caches, engage).subscribe((e) => events.push(e));
    cleanups.push(() => {
      sub.unsubscribe();
    });
    return { events, sub };
  };
  return { transports, caches, endpoints$, subscribe };
}

const brief = (e: ConsumerEvent) =>
  `${e.type} ${e.cluster}@${e.endpoint === A ? 'A' : 'B'}${e.type === 'disengaged' ? ` ${e.reason}` : ''}`;

describe('watchConsumers', () => {
  it('engages the ready consumers of every endpoint, in cluster order, once every endpoint has synced', async () => {
    const { transports, endpoints$, subscribe } = setup({
      [A]: [binding('cowboys', 'c2', true), binding('cowboys', 'c1', true), binding('cowboys', 'c9', false)],
      [B]: [binding('cowboys', 'c3', true, 'root:org:consumer-3')],
    });
    const { events } = subscribe();
    endpoints$.next(change([A, B]));
    await transports.get(A)!.watchAt(0);
    await transports.get(B)!.watchAt(0);
    expect(events.map(brief)).toEqual(['engaged c1@A', 'engaged c2@A', 'engaged c3@B']);
    expect(events[2]).toMatchObject({
      path: 'root:org:consumer-3',
      url: `${B}/clusters/c3`,
      binding: { name: 'cowboys', phase: 'Bound', ready: true },
    });
    expect(transports.get(A)!.lists[0]!.cluster).toBe('*');
  });

  it('holds every event until the slowest endpoint synced, and lets them go when that endpoint is removed', async () => {
    const { transports, endpoints$, subscribe } = setup(
      { [A]: [binding('cowboys', 'c1', true)], [B]: [binding('cowboys', 'c3', true)] },
      undefined,
      { [B]: ['hang'] },
    );
    const { events } = subscribe();
    endpoints$.next(change([A, B]));
    await transports.get(A)!.watchAt(0);
    await transports.get(B)!.until(() => transports.get(B)!.pendingLists === 1);
    await tick(5);
    expect(events).toEqual([]);
    endpoints$.next(change([A], [A, B]));
    expect(events.map(brief)).toEqual(['engaged c1@A']);
    expect(transports.get(B)!.pendingLists).toBe(0);
  });

  it('does not hold back the first events for an endpoint that fails, and engages its consumers when it recovers', async () => {
    const { transports, endpoints$, subscribe } = setup(
      { [A]: [binding('cowboys', 'c1', true)], [B]: [binding('cowboys', 'c3', true)] },
      undefined,
      { [B]: [new NetworkError('connection refused'), new NetworkError('connection refused')] },
    );
    const { events } = subscribe();
    endpoints$.next(change([A, B]));
    await transports.get(A)!.watchAt(0);
    await transports.get(B)!.until(() => transports.get(B)!.lists.length >= 2);
    expect(events.map(brief)[0]).toBe('engaged c1@A');
    await transports.get(B)!.watchAt(0);
    expect(events.map(brief)).toEqual(['engaged c1@A', 'engaged c3@B']);
  });

  it('reports updated, disengaged when the binding stops being ready or goes, and engaged again', async () => {
    const { transports, endpoints$, subscribe } = setup({ [A]: [binding('cowboys', 'c1', true)] });
    const { events } = subscribe();
    endpoints$.next(change([A]));
    const w = await transports.get(A)!.watchAt(0);
    w.push({ type: 'MODIFIED', object: binding('cowboys', 'c1', true, 'root:org:c1') });
    w.push({ type: 'MODIFIED', object: binding('cowboys', 'c1', true, 'root:org:c1') }); // no visible change
    w.push({ type: 'MODIFIED', object: binding('cowboys', 'c1', false, 'root:org:c1') });
    w.push({ type: 'MODIFIED', object: binding('cowboys', 'c1', 'no-condition', 'root:org:c1') });
    w.push({ type: 'DELETED', object: binding('cowboys', 'c1', true, 'root:org:c1') });
    await transports.get(A)!.until(() => events.length === 5);
    expect(events.map(brief)).toEqual([
      'engaged c1@A',
      'updated c1@A',
      'disengaged c1@A BindingNotReady',
      'engaged c1@A',
      'disengaged c1@A BindingDeleted',
    ]);
  });

  it('keeps a consumer engaged while another of its bindings is ready', async () => {
    const { transports, endpoints$, subscribe } = setup({
      [A]: [binding('one', 'c1', true), binding('two', 'c1', true)],
    });
    const { events } = subscribe();
    endpoints$.next(change([A]));
    const w = await transports.get(A)!.watchAt(0);
    w.push({ type: 'DELETED', object: binding('one', 'c1', true) });
    await tick(5);
    w.push({ type: 'DELETED', object: binding('two', 'c1', true) });
    await transports.get(A)!.until(() => events.length === 3);
    expect(events.map((e) => `${brief(e)} ${e.binding.name}`)).toEqual([
      'engaged c1@A one',
      'updated c1@A two',
      'disengaged c1@A BindingDeleted two',
    ]);
  });

  it('disengages exactly the clusters of a removed endpoint and stops its watch, leaving the other alone', async () => {
    const { transports, endpoints$, subscribe } = setup({
      [A]: [binding('cowboys', 'c1', true), binding('cowboys', 'c2', true)],
      [B]: [binding('cowboys', 'c3', true)],
    });
    const { events } = subscribe();
    endpoints$.next(change([A, B]));
    const wa = await transports.get(A)!.watchAt(0);
    const wb = await transports.get(B)!.watchAt(0);
    endpoints$.next(change([B], [A, B]));
    expect(events.slice(3).map(brief)).toEqual([
      'disengaged c1@A EndpointRemoved',
      'disengaged c2@A EndpointRemoved',
    ]);
    expect(wa.aborted).toBe(true);
    expect(wb.aborted).toBe(false);
    await transports.get(A)!.until(() => transports.get(A)!.closed);
    wb.push({ type: 'ADDED', object: binding('cowboys', 'c4', true) });
    await transports.get(B)!.until(() => events.length === 6);
    expect(brief(events[5]!)).toBe('engaged c4@B');
  });

  it('engages on any binding with engage "any"', async () => {
    const { transports, endpoints$, subscribe } = setup({ [A]: [binding('cowboys', 'c9', false)] });
    const { events } = subscribe('any');
    endpoints$.next(change([A]));
    await transports.get(A)!.watchAt(0);
    expect(events.map(brief)).toEqual(['engaged c9@A']);
    expect(events[0]!.binding).toMatchObject({ phase: 'Binding', ready: false });
  });

  it('shares one list and one watch per endpoint among subscribers, each getting its own first events', async () => {
    const { transports, endpoints$, subscribe } = setup({ [A]: [binding('cowboys', 'c1', true)] });
    const one = subscribe();
    const two = subscribe();
    endpoints$.next(change([A]));
    await transports.get(A)!.watchAt(0);
    expect(one.events.map(brief)).toEqual(['engaged c1@A']);
    expect(two.events.map(brief)).toEqual(['engaged c1@A']);
    expect(transports.get(A)!.lists).toHaveLength(1);
    expect(transports.get(A)!.watchCalls).toHaveLength(1);
  });

  it('sends requests to the rewritten URL and reports the published one as the endpoint', async () => {
    const rewrite = (url: string) => url.replace('https://shard-a.kcp.test:6443', 'https://127.0.0.1:16443');
    const { transports, endpoints$, subscribe } = setup({ [A]: [binding('cowboys', 'c1', true)] }, rewrite);
    const { events } = subscribe();
    endpoints$.next(change([A]));
    await transports.get(A)!.watchAt(0);
    expect(transports.get(A)!.baseUrl).toBe('https://127.0.0.1:16443/services/apiexport/2hwz/cowboys');
    expect(events[0]).toMatchObject({
      endpoint: A,
      url: 'https://127.0.0.1:16443/services/apiexport/2hwz/cowboys/clusters/c1',
    });
  });

  it('releases every endpoint when the last subscriber leaves', async () => {
    const { transports, caches, endpoints$, subscribe } = setup({ [A]: [binding('cowboys', 'c1', true)] });
    const { sub } = subscribe();
    endpoints$.next(change([A]));
    const w = await transports.get(A)!.watchAt(0);
    sub.unsubscribe();
    expect(w.aborted).toBe(true);
    expect(caches.size).toBe(0);
  });
});

/** A change as the probing stage emits it: `serving` for every URL. */
function probed(serving: Record<string, boolean>, previous: string[] = []): EndpointChange {
  return { ...change(Object.keys(serving), previous), serving };
}

describe('watchConsumers on probed endpoints', () => {
  it('follows an endpoint from when it first serves, and does not hold back the others before', async () => {
    const { transports, endpoints$, subscribe } = setup({
      [A]: [binding('cowboys', 'c1', true)],
      [B]: [binding('cowboys', 'c3', true)],
    });
    const { events } = subscribe();
    endpoints$.next(probed({ [A]: true, [B]: false }));
    await transports.get(A)!.watchAt(0);
    expect(events.map(brief)).toEqual(['engaged c1@A']);
    expect(transports.has(B)).toBe(false);
    endpoints$.next(probed({ [A]: true, [B]: true }, [A, B]));
    await transports.get(B)!.watchAt(0);
    expect(events.map(brief)).toEqual(['engaged c1@A', 'engaged c3@B']);
    expect(transports.get(A)!.lists).toHaveLength(1);
  });

  it('opens the gate at once when no endpoint serves at first', async () => {
    const { transports, endpoints$, subscribe } = setup({ [A]: [binding('cowboys', 'c1', true)] });
    const { events } = subscribe();
    endpoints$.next(probed({ [A]: false }));
    await tick(5);
    expect(transports.size).toBe(0);
    endpoints$.next(probed({ [A]: true }, [A]));
    await transports.get(A)!.watchAt(0);
    expect(events.map(brief)).toEqual(['engaged c1@A']);
  });

  it('keeps following an endpoint that stops serving, so its events still come', async () => {
    const { transports, endpoints$, subscribe } = setup({ [A]: [binding('cowboys', 'c1', true)] });
    const { events } = subscribe();
    endpoints$.next(probed({ [A]: true }));
    const w = await transports.get(A)!.watchAt(0);
    endpoints$.next(probed({ [A]: false }, [A]));
    expect(w.aborted).toBe(false);
    w.push({ type: 'ADDED', object: binding('cowboys', 'c2', true) });
    await transports.get(A)!.until(() => events.length === 2);
    expect(events.map(brief)).toEqual(['engaged c1@A', 'engaged c2@A']);
  });

  it('forgets an endpoint that never served when it is removed', async () => {
    const { transports, caches, endpoints$, subscribe } = setup({ [A]: [binding('cowboys', 'c1', true)] });
    const { events } = subscribe();
    endpoints$.next(probed({ [A]: false }));
    endpoints$.next(probed({}, [A]));
    endpoints$.next(probed({ [A]: true }));
    await transports.get(A)!.watchAt(0);
    expect(events.map(brief)).toEqual(['engaged c1@A']);
    expect(caches.size).toBe(1);
  });
});
