import { describe, expect, it } from 'vitest';
import { nextSteps } from '../../src/cli/explain/advice.js';
import { gatherServing, notServingReason, type ProbeLeases } from '../../src/cli/explain/gather.js';
import { originOf, renderExplain } from '../../src/cli/explain/render.js';
import type { ExplainReport, ServingFinding } from '../../src/cli/explain/types.js';
import { styleFor } from '../../src/cli/io.js';
import {
  AbortError,
  ApiStatusError,
  DecodeError,
  InvalidArgumentError,
  NetworkError,
  TimeoutError,
} from '../../src/errors.js';
import { AWAITING, MemoryStream } from './helpers.js';

const GROUPS = { kind: 'APIGroupList', apiVersion: 'v1', groups: [] };
const plain = styleFor(new MemoryStream(false), {});

/** Endpoint leases whose transports answer from `answer`, counting acquisitions and releases. */
function leases(answer: (url: string, signal: AbortSignal | undefined) => Promise<unknown>) {
  const log = { acquired: [] as string[], released: [] as string[], started: [] as string[] };
  const caches: ProbeLeases = {
    acquire(url) {
      if (url.includes('bad-rewrite'))
        throw new InvalidArgumentError('rewriteUrl returned "nope"', 'rewriteUrl');
      log.acquired.push(url);
      return {
        transport: {
          baseUrl: url,
          raw: (path, options) => {
            log.started.push(`${url}${path}`);
            return answer(url, options?.signal);
          },
        },
        release: () => log.released.push(url),
      };
    },
  };
  return { caches, log };
}

describe('gatherServing', () => {
  it('probes every URL at once, in order, redacts a password in a URL, and releases every lease', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const { caches, log } = leases(async (url) => {
      await gate;
      if (url.includes('down'))
        throw new ApiStatusError('GET x: 503 ServiceUnavailable: busy', {
          status: 503,
          reason: 'ServiceUnavailable',
        });
      return GROUPS;
    });
    const urls = ['https://u:pw-hunter22@a:1/vw', 'https://down:2/vw', 'https://bad-rewrite:3/vw'];
    const pending = gatherServing(caches, urls, undefined);
    await new Promise((r) => setTimeout(r, 10));
    // both reachable URLs are in flight before either answers
    expect(log.started).toEqual([
      'https://u:pw-hunter22@a:1/vw/clusters/*/apis',
      'https://down:2/vw/clusters/*/apis',
    ]);
    release();
    const found = await pending;
    expect(found).toEqual<ServingFinding[]>([
      { url: 'https://[REDACTED]@a:1/vw', serving: true },
      {
        url: 'https://down:2/vw',
        serving: false,
        error: 'GET x: 503 ServiceUnavailable: busy',
        reason: 'error',
      },
      {
        url: 'https://bad-rewrite:3/vw',
        serving: false,
        error: 'rewriteUrl returned "nope"',
        reason: 'error',
      },
    ]);
    expect(JSON.stringify(found)).not.toContain('pw-hunter22');
    expect(log.released).toEqual(log.acquired);
  });

  it('rejects with AbortError when the signal aborts, and still releases the lease', async () => {
    const { caches, log } = leases(
      (_url, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => {
            reject(new AbortError('GET x: aborted'));
          });
        }),
    );
    const ac = new AbortController();
    const pending = gatherServing(caches, ['https://slow:1/vw'], ac.signal);
    await new Promise((r) => setTimeout(r, 10));
    ac.abort();
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    expect(log.released).toEqual(['https://slow:1/vw']);
  });

  it('returns nothing to probe for no URL', async () => {
    const { caches, log } = leases(() => Promise.resolve(GROUPS));
    expect(await gatherServing(caches, [], undefined)).toEqual([]);
    expect(log.acquired).toEqual([]);
  });
});

describe('notServingReason', () => {
  const status = (code: number): ApiStatusError =>
    new ApiStatusError(`x: ${code}`, { status: code, reason: 'R' });
  const network = (code: string): NetworkError =>
    new NetworkError(`x: ${code}`, { cause: Object.assign(new Error(code), { code }) });

  it.each<[string, unknown, string]>([
    ['a 401', status(401), 'unauthorized'],
    ['a 403', status(403), 'forbidden'],
    ['a 404', status(404), 'notFound'],
    ['a 503', status(503), 'error'],
    ['a refused connection', network('ECONNREFUSED'), 'unreachable'],
    ['an unknown host', network('ENOTFOUND'), 'unreachable'],
    ['a connect timeout', network('ETIMEDOUT'), 'unreachable'],
    ['a request timeout', new TimeoutError('x: no response within 30000 ms', 30_000), 'unreachable'],
    ['an untrusted certificate', network('DEPTH_ZERO_SELF_SIGNED_CERT'), 'error'],
    ['a reset connection', network('ECONNRESET'), 'error'],
    ['a network error without a code', new NetworkError('x: boom'), 'error'],
    [
      'an answer that is not discovery',
      new DecodeError('x: APIGroupList is malformed', { issues: [] }),
      'error',
    ],
  ])('calls %s %s', (_what, error, reason) => {
    expect(notServingReason(error)).toBe(reason);
  });
});

describe('originOf', () => {
  it('keeps scheme, host and port and drops a user name and password, the path and the query', () => {
    expect(originOf('https://u:p@10.0.0.5:6443/services/apiexport/x?y=1')).toBe('https://10.0.0.5:6443');
    expect(originOf('http://[::1]/a')).toBe('http://[::1]');
    expect(originOf('not a url')).toBe('not a url');
  });
});

const exp = { path: 'root:p', name: 'x' };
const base: Omit<ExplainReport, 'nextSteps'> = {
  export: {
    ref: exp,
    state: 'found',
    resourceSchemas: [],
    resources: [],
    conditions: [],
    virtualWorkspaceUrls: [],
    skipsEndpointSlice: false,
  },
  schemas: [],
  consumers: [],
  slice: { ref: exp, state: 'found', conditions: [], endpoints: [] },
  shards: { state: 'skipped', shards: [] },
  access: {
    state: 'found',
    verbs: [
      { verb: 'list', allowed: true },
      { verb: 'watch', allowed: true },
    ],
  },
  resolution: null,
};

function ready(urls: string[], serving: ServingFinding[], rewritten?: ExplainReport['rewrittenUrls']) {
  const r: Omit<ExplainReport, 'nextSteps'> = {
    ...base,
    resolution: {
      ...AWAITING,
      source: 'endpointSlice',
      phase: 'Ready',
      reason: 'SliceHasEndpoints',
      urls,
      endpoints: urls.map((url) => ({ url })),
    },
    serving,
    ...(rewritten === undefined ? {} : { rewrittenUrls: rewritten }),
  };
  const steps = nextSteps(r, 'root:p:x');
  return { steps, text: renderExplain({ ...r, nextSteps: steps }, plain) };
}

describe('explain advice about endpoints that do not serve', () => {
  it('says a 401 endpoint does not accept the credentials, and shows any other failure as is', () => {
    const { text, steps } = ready(
      ['https://a:1/vw', 'https://b:2/vw'],
      [
        {
          url: 'https://a:1/vw',
          serving: false,
          error: 'GET https://a:1/vw/clusters/*/apis: 401 Unauthorized: Unauthorized',
          reason: 'unauthorized',
        },
        {
          url: 'https://b:2/vw',
          serving: false,
          error: 'GET https://b:2/vw/clusters/*/apis: 503 ServiceUnavailable: busy\u001b[2J',
          reason: 'error',
        },
      ],
    );
    expect(text).toContain(
      '\n  ✗ https://a:1/vw: not serving: 401 Unauthorized: Unauthorized (the endpoint does not accept these credentials)\n  ✗ https://b:2/vw: not serving: 503 ServiceUnavailable: busy\\u001b[2J\nNext steps\n',
    );
    // neither is a 403 or a network failure: no grant and no --rewrite-url step
    expect(steps.some((s) => s.includes('apiexports/content') || s.includes('--rewrite-url'))).toBe(false);
  });

  it('names each unreachable host once, most important first, and the rewrite targets that cannot be reached', () => {
    const failed = (url: string): ServingFinding => ({
      url,
      serving: false,
      error: 'x',
      reason: 'unreachable',
    });
    const { steps, text } = ready(
      [
        'https://s1.internal:6443/a',
        'https://s1.internal:6443/b',
        'https://s2.internal/c',
        'https://s3.internal/d',
      ],
      [
        'https://s1.internal:6443/a',
        'https://s1.internal:6443/b',
        'https://s2.internal/c',
        'https://s3.internal/d',
      ].map(failed),
      [{ url: 'https://s3.internal/d', requestUrl: 'http://127.0.0.1:7443/d' }],
    );
    expect(steps[0]).toBe(
      'The endpoint hosts https://s1.internal:6443, https://s2.internal cannot be reached from here (kcp publishes the address each shard was given, which may be inside its own network): send the requests to an address you can reach, e.g. kcp-endpoints explain root:p:x --rewrite-url https://s1.internal:6443=<reachable URL> --rewrite-url https://s2.internal=<reachable URL>',
    );
    expect(steps[1]).toBe(
      'The --rewrite-url target http://127.0.0.1:7443 cannot be reached from here: check the TO of each --rewrite-url FROM=TO',
    );
    expect(steps[2]).toMatch(/^Point your controller at the URL\(s\)/);
    expect(text).toContain(
      '  ✗ https://s3.internal/d → http://127.0.0.1:7443/d: not serving: x (the target of --rewrite-url, http://127.0.0.1:7443, cannot be reached from here)\n',
    );
  });

  it('asks to check the rewrite when a rewritten endpoint answers 404', () => {
    const { text } = ready(
      ['https://s1:1/a'],
      [
        {
          url: 'https://s1:1/a',
          serving: false,
          error: 'GET http://127.0.0.1:2/a/clusters/*/apis: 404 NotFound: no',
          reason: 'notFound',
        },
      ],
      [{ url: 'https://s1:1/a', requestUrl: 'http://127.0.0.1:2/a' }],
    );
    expect(text).toContain(
      "  ~ https://s1:1/a → http://127.0.0.1:2/a: not serving: 404 NotFound: no (kcp publishes a shard's URL before its virtual workspace serves; retry shortly, or use watchEndpoints with probe, and check that --rewrite-url points at the shard's virtual workspace)\n",
    );
  });

  it('grants get when discovery is refused although the access review could not be made', () => {
    const { steps } = ready(
      ['https://a:1/vw'],
      [{ url: 'https://a:1/vw', serving: false, error: '403', reason: 'forbidden' }],
    );
    const withoutReview = nextSteps(
      {
        ...base,
        access: { state: 'forbidden', message: 'no', verbs: [] },
        resolution: {
          ...AWAITING,
          source: 'endpointSlice',
          phase: 'Ready',
          reason: 'SliceHasEndpoints',
          urls: ['https://a:1/vw'],
          endpoints: [{ url: 'https://a:1/vw' }],
        },
        serving: [{ url: 'https://a:1/vw', serving: false, error: '403', reason: 'forbidden' }],
      },
      'root:p:x',
    );
    for (const s of [steps, withoutReview]) {
      expect(s.filter((x) => x.includes('apiexports/content'))).toEqual([
        expect.stringMatching(/grant get on apiexports\/content of x in root:p: .*--verb=get /),
      ]);
    }
  });
});
