import { Subject, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { EndpointCaches } from '../../src/consumers/endpoint-caches.js';
import { probeEndpoints } from '../../src/consumers/probe-stage.js';
import { APIBINDINGS_PROBE, type ProbeTarget } from '../../src/consumers/probe.js';
import type { EndpointChange } from '../../src/endpoints/types.js';
import { AbortError, ApiStatusError, InvalidArgumentError, NetworkError } from '../../src/errors.js';
import { APIBINDINGS_V1ALPHA1 } from '../../src/kcp/apibinding.js';
import type { CallOptions } from '../../src/http/types.js';
import type { WatchStatus } from '../../src/watch/status.js';
import { FakeTransport, fastTuning, tick } from '../watch/helpers/fake-transport.js';

const A = 'https://shard-a.kcp.test:6443/services/apiexport/2hwz/cowboys';
const B = 'https://shard-b.kcp.test:6443/services/apiexport/2hwz/cowboys';

/** What a probed transport answers to discovery: the resource list, a 404, or nothing until told. */
type Mode = 'serve' | 'refuse' | 'hang';

/** A request the transport holds (mode `hang`): the test answers it. */
interface Held {
  path: string;
  signal: AbortSignal | undefined;
  answer(mode: 'serve' | 'refuse'): void;
}

const notFound = (path: string): ApiStatusError =>
  new ApiStatusError(`GET ${path}: 404 NotFound: the server could not find the requested resource`, {
    status: 404,
    reason: 'NotFound',
  });

/** A fake endpoint transport whose discovery answers are scripted per endpoint. */
class ProbedTransport extends FakeTransport {
  mode: Mode = 'serve';
  readonly probes: string[] = [];
  readonly held: Held[] = [];
  closed = false;

  override raw(path = '', options: CallOptions = {}): Promise<never> {
    this.probes.push(path);
    const body = (): unknown =>
      path.endsWith('/apis')
        ? { kind: 'APIGroupList', groups: [] }
        : {
            kind: 'APIResourceList',
            groupVersion: 'apis.kcp.io/v1alpha1',
            resources: [{ name: 'apibindings' }],
          };
    const answer = (mode: 'serve' | 'refuse'): Promise<never> =>
      (mode === 'serve' ? Promise.resolve(body()) : Promise.reject(notFound(path))) as Promise<never>;
    if (this.mode !== 'hang') return answer(this.mode);
    return new Promise<never>((resolve, reject) => {
      const held: Held = {
        path,
        signal: options.signal,
        answer: (mode) => {
          answer(mode).then(resolve, reject);
        },
      };
      this.held.push(held);
      options.signal?.addEventListener('abort', () => {
        reject(new AbortError());
      });
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

let rv = 1;
function change(urls: string[], phase: EndpointChange['phase'] = 'Ready'): EndpointChange {
  return {
    export: { path: 'root:org:provider', name: 'cowboys' },
    slice: { path: 'root:org:provider', name: 'cowboys' },
    source: urls.length > 0 ? 'endpointSlice' : 'none',
    urls,
    endpoints: urls.map((url) => ({ url })),
    phase,
    reason: urls.length > 0 ? 'SliceHasEndpoints' : 'NoBindingYet',
    message: '',
    sliceConditions: [],
    resourceVersions: { slice: String(rv++) },
    warnings: [],
    warningDetails: [],
    // the stage recomputes these from what it emitted
    added: ['ignored'],
    removed: [],
    previous: null,
  };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A probing stage over fake endpoints (target: APIBindings unless `{ target }` says otherwise). */
function setup(options: { target?: ProbeTarget | undefined } = {}) {
  const target = 'target' in options ? options.target : APIBINDINGS_PROBE;
  const transports = new Map<string, ProbedTransport>();
  const modes = new Map<string, Mode>();
  const caches = new EndpointCaches({
    open: (url) => {
      const t = new ProbedTransport(url);
      t.mode = modes.get(url) ?? 'serve';
      transports.set(url, t);
      return t;
    },
    tuning: fastTuning,
  });
  cleanups.push(() => caches.close());
  const statuses: WatchStatus[] = [];
  const statusSub = caches.status$.subscribe((s) => statuses.push(s));
  cleanups.push(() => {
    statusSub.unsubscribe();
  });
  const endpoints$ = new Subject<EndpointChange>();
  const changes: EndpointChange[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const sub: Subscription = probeEndpoints(endpoints$, caches, target, fastTuning).subscribe({
    next: (c) => changes.push(c),
    error: (e: unknown) => errors.push(e),
    complete: () => {
      completed = true;
    },
  });
  cleanups.push(() => {
    sub.unsubscribe();
  });
  const t = (url: string): ProbedTransport => {
    const found = transports.get(url);
    if (found === undefined) throw new Error(`no transport for ${url}`);
    return found;
  };
  const probed = () => statuses.filter((s) => s.type === 'probed');
  return {
    caches,
    endpoints$,
    changes,
    errors,
    sub,
    modes,
    t,
    statuses,
    probed,
    completed: () => completed,
  };
}

/** Resolves once `cond()` holds, polling every 2 ms (2 s at most). */
async function until(cond: () => boolean, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(2);
  }
}

const brief = (c: EndpointChange) => ({ added: c.added, removed: c.removed, serving: c.serving });

describe('probeEndpoints', () => {
  it('emits a change once the first probes of its new URLs ended: true for the one that serves, false for the other', async () => {
    const s = setup();
    s.modes.set(B, 'hang');
    s.endpoints$.next(change([A, B]));
    await until(() => s.t(B).held.length === 1, 'the probe of B');
    await tick(10);
    expect(s.changes).toEqual([]);
    expect(s.t(A).probes).toEqual(['/clusters/*/apis/apis.kcp.io/v1alpha1']);
    s.t(B).held[0]!.answer('refuse');
    await until(() => s.changes.length === 1, 'the first change');
    expect(brief(s.changes[0]!)).toEqual({ added: [A, B], removed: [], serving: { [A]: true, [B]: false } });
    expect(s.changes[0]).toMatchObject({ phase: 'Ready', urls: [A, B], previous: null });
    expect(s.probed()).toEqual([
      { type: 'probed', resource: 'apibindings.apis.kcp.io', workspace: '*', serving: true, endpoint: A },
      {
        type: 'probed',
        resource: 'apibindings.apis.kcp.io',
        workspace: '*',
        serving: false,
        error: expect.objectContaining({ status: 404 }),
        endpoint: B,
      },
    ]);
  });

  it('retries a failing endpoint with backoff and emits one more change when it starts serving', async () => {
    const s = setup();
    s.modes.set(B, 'refuse');
    s.endpoints$.next(change([A, B]));
    await until(() => s.changes.length === 1);
    await until(() => s.t(B).probes.length >= 3, 'three probes of B');
    expect(s.changes).toHaveLength(1);
    // the same failure again is no new outcome
    expect(s.probed().filter((x) => x.endpoint === B)).toHaveLength(1);
    s.t(B).mode = 'serve';
    await until(() => s.changes.length === 2, 'the flip');
    const [first, flip] = s.changes;
    expect(brief(flip!)).toEqual({ added: [], removed: [], serving: { [A]: true, [B]: true } });
    expect(flip!.urls).toEqual([A, B]);
    expect(flip!.previous).toEqual(expect.objectContaining({ urls: [A, B], phase: 'Ready' }));
    expect(flip!.previous).not.toHaveProperty('serving');
    expect(flip!.previous).not.toHaveProperty('added');
    expect(flip!.resourceVersions).toEqual(first!.resourceVersions);
    expect(s.probed().map((x) => [x.endpoint, x.serving])).toEqual([
      [A, true],
      [B, false],
      [B, true],
    ]);
    const calls = s.t(B).probes.length;
    await tick(30);
    expect(s.t(B).probes.length, 'no probing once it serves').toBe(calls);
  });

  it('reports a new outcome when a failing endpoint fails another way', async () => {
    const s = setup();
    s.modes.set(A, 'refuse');
    s.endpoints$.next(change([A]));
    await until(() => s.changes.length === 1);
    s.t(A).raw = () => Promise.reject(new NetworkError('connect ECONNREFUSED'));
    await until(() => s.probed().length === 2, 'the second outcome');
    expect(s.probed()[1]).toMatchObject({ serving: false, error: { message: 'connect ECONNREFUSED' } });
    expect(s.changes).toHaveLength(1);
  });

  it('probes a serving endpoint again when its watch reports retrying or error, flips to false, and back to true once it serves', async () => {
    const s = setup();
    s.endpoints$.next(change([A, B]));
    await until(() => s.changes.length === 1);
    expect(s.t(A).probes).toHaveLength(1);
    const error = new NetworkError('watch broke');
    const where = { resource: 'apibindings.apis.kcp.io', workspace: '*' };
    // a serving endpoint whose watch only blipped: probed again, still serving, nothing emitted
    s.caches.report({ type: 'retrying', ...where, attempt: 1, delayMs: 5, error, endpoint: A });
    await until(() => s.t(A).probes.length === 2);
    await tick(10);
    expect(s.changes).toHaveLength(1);
    // a watch error on an endpoint that stopped serving
    s.t(A).mode = 'refuse';
    s.caches.report({ type: 'error', ...where, error, endpoint: A });
    await until(() => s.changes.length === 2, 'the flip to false');
    expect(brief(s.changes[1]!)).toEqual({ added: [], removed: [], serving: { [A]: false, [B]: true } });
    // while it is retried, further watch failures start no second probe
    s.t(A).mode = 'hang';
    await until(() => s.t(A).held.length === 1);
    s.caches.report({ type: 'retrying', ...where, attempt: 2, delayMs: 5, error, endpoint: A });
    s.caches.report({ type: 'relisting', ...where, reason: 'error', endpoint: B });
    s.caches.report({ type: 'retrying', ...where, attempt: 1, delayMs: 5, error });
    s.caches.report({ type: 'error', ...where, error, endpoint: 'https://elsewhere.test' });
    await tick(10);
    expect(s.t(A).held).toHaveLength(1);
    expect(s.t(B).probes).toHaveLength(1);
    s.t(A).held[0]!.answer('serve');
    await until(() => s.changes.length === 3, 'the flip to true');
    expect(brief(s.changes[2]!)).toEqual({ added: [], removed: [], serving: { [A]: true, [B]: true } });
  });

  it('probes again when the watch of a real endpoint cache fails', async () => {
    const s = setup();
    s.endpoints$.next(change([A]));
    await until(() => s.changes.length === 1);
    // a consumer's watch of APIBindings through A, whose lists fail
    const lease = s.caches.acquire(A);
    s.t(A).listSteps = [notFound('/clusters/*/apis/apis.kcp.io/v1alpha1/apibindings')];
    s.t(A).mode = 'refuse';
    const bindings = lease.cache.acquire(APIBINDINGS_V1ALPHA1, '*');
    const registration = bindings.informer.watchAll(() => undefined);
    cleanups.push(() => {
      registration.release();
      bindings.release();
      lease.release();
    });
    await until(() => s.changes.length === 2, 'the flip to false');
    expect(s.changes[1]!.serving).toEqual({ [A]: false });
    expect(s.statuses.some((x) => x.type === 'error' && x.endpoint === A)).toBe(true);
  });

  it('stops probing a removed URL at once: aborts its probe in flight and releases its endpoint', async () => {
    const s = setup();
    s.modes.set(B, 'hang');
    s.endpoints$.next(change([A, B]));
    await until(() => s.t(B).held.length === 1);
    const held = s.t(B).held[0]!;
    s.endpoints$.next(change([A]));
    expect(held.signal?.aborted).toBe(true);
    await until(() => s.changes.length === 1);
    expect(brief(s.changes[0]!)).toEqual({ added: [A], removed: [], serving: { [A]: true } });
    await until(() => s.t(B).closed, 'B released');
    expect(s.caches.size).toBe(1);
    expect(s.probed().map((x) => x.endpoint)).toEqual([A]);
  });

  it('stops the retries of a removed URL that kept failing', async () => {
    const s = setup();
    s.modes.set(B, 'refuse');
    s.endpoints$.next(change([A, B]));
    await until(() => s.t(B).probes.length >= 2);
    s.endpoints$.next(change([A]));
    const calls = s.t(B).probes.length;
    await tick(30);
    expect(s.t(B).probes).toHaveLength(calls);
    expect(s.changes.map(brief)).toEqual([
      { added: [A, B], removed: [], serving: { [A]: true, [B]: false } },
      { added: [], removed: [B], serving: { [A]: true } },
    ]);
  });

  it('merges the changes that come while a first probe runs into one emission relative to the last one', async () => {
    const s = setup();
    s.endpoints$.next(change([A]));
    await until(() => s.changes.length === 1);
    s.modes.set(B, 'hang');
    s.endpoints$.next(change([A, B]));
    await until(() => s.t(B).held.length === 1);
    s.endpoints$.next(change([B]));
    s.t(B).held[0]!.answer('serve');
    await until(() => s.changes.length === 2);
    expect(brief(s.changes[1]!)).toEqual({ added: [B], removed: [A], serving: { [B]: true } });
    expect(s.changes[1]!.previous?.urls).toEqual([A]);
  });

  it('emits a change that adds no URL at once, with what is known', async () => {
    const s = setup();
    s.modes.set(A, 'refuse');
    s.endpoints$.next(change([A]));
    await until(() => s.changes.length === 1);
    s.endpoints$.next(change([A], 'Degraded'));
    expect(s.changes).toHaveLength(2);
    expect(s.changes[1]).toMatchObject({
      phase: 'Degraded',
      added: [],
      removed: [],
      serving: { [A]: false },
    });
    s.endpoints$.next(change([]));
    expect(s.changes[2]).toMatchObject({ urls: [], added: [], removed: [A], serving: {} });
  });

  it('probes the API group list without a target', async () => {
    const s = setup({ target: undefined });
    s.endpoints$.next(change([A]));
    await until(() => s.changes.length === 1);
    expect(s.t(A).probes).toEqual(['/clusters/*/apis']);
    expect(s.probed()[0]).toMatchObject({ resource: 'apis', serving: true });
  });

  it('aborts its probes and retries when unsubscribed, and releases every endpoint', async () => {
    const s = setup();
    s.modes.set(A, 'hang');
    s.modes.set(B, 'refuse');
    s.endpoints$.next(change([A, B]));
    await until(() => s.t(A).held.length === 1 && s.t(B).probes.length >= 1);
    s.sub.unsubscribe();
    expect(s.t(A).held[0]!.signal?.aborted).toBe(true);
    const calls = s.t(B).probes.length;
    await tick(30);
    expect(s.t(B).probes).toHaveLength(calls);
    await until(() => s.t(A).closed && s.t(B).closed, 'both released');
    expect(s.caches.size).toBe(0);
    expect(s.endpoints$.observed).toBe(false);
    expect(s.changes).toEqual([]);
  });

  it('errors and completes with its source, and errors when an endpoint cannot be acquired', async () => {
    const s = setup();
    s.endpoints$.next(change([A]));
    await until(() => s.changes.length === 1);
    s.endpoints$.complete();
    expect(s.completed()).toBe(true);
    const t = setup();
    t.endpoints$.error(new Error('upstream'));
    expect(t.errors).toEqual([new Error('upstream')]);

    const caches = new EndpointCaches({
      open: (url) => new ProbedTransport(url),
      rewriteUrl: () => {
        throw new InvalidArgumentError('rewriteUrl returned "nope"', 'rewriteUrl');
      },
    });
    cleanups.push(() => caches.close());
    const source = new Subject<EndpointChange>();
    const errors: unknown[] = [];
    probeEndpoints(source, caches, undefined).subscribe({ error: (e: unknown) => errors.push(e) });
    source.next(change([A]));
    expect(errors).toEqual([expect.objectContaining({ code: 'E_INVALID_ARGUMENT' })]);
    expect(source.observed).toBe(false);
  });

  it('counts a probe that throws something else than a KcpError as a failure', async () => {
    const s = setup();
    s.endpoints$.next(change([A]));
    await until(() => s.changes.length === 1);
    Object.defineProperty(s.t(A), 'baseUrl', {
      get: () => {
        throw new Error('boom');
      },
    });
    s.caches.report({
      type: 'error',
      resource: 'x',
      workspace: '*',
      error: new NetworkError('x'),
      endpoint: A,
    });
    await until(() => s.changes.length === 2);
    expect(s.probed()[1]).toMatchObject({
      serving: false,
      error: { code: 'E_NETWORK', message: 'probe failed: Error: boom' },
    });
  });
});
