import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { api, startSim } from './helpers.js';

describe('robustness', () => {
  it('answers arbitrary client input with a Status and never crashes', { timeout: 20_000 }, async () => {
    const sim = await startSim();
    sim.createExport('root:org:p', 'e');
    sim.bind('root:org:c', 'root:org:p:e');
    const segment = fc.constantFrom(
      'clusters',
      'root',
      'root:org:p',
      '*',
      'apis',
      'apis.kcp.io',
      'v1alpha1',
      'v1alpha2',
      'apiexports',
      'apiexportendpointslices',
      'apibindings',
      'e',
      'status',
      'x',
      '%zz',
      'openapi',
      'v3',
      '..',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
        fc.array(segment, { maxLength: 8 }),
        fc.oneof(
          fc.json(),
          fc.constant('{"metadata":{"name":"e"},"spec":{"export":{"name":5}}}'),
          fc.string(),
        ),
        fc.constantFrom(
          '',
          '?watch=false',
          '?limit=1',
          '?fieldSelector=metadata.name%3De',
          '?labelSelector=%28',
        ),
        async (method, segs, raw, query) => {
          const r = await api(sim, method, `/${segs.join('/')}${query}`, undefined, {
            raw: method === 'GET' || method === 'DELETE' ? undefined : raw,
            contentType: method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
          } as never);
          expect(r.status).toBeGreaterThanOrEqual(200);
          expect(r.status).toBeLessThan(500);
          if (r.status >= 400) expect(r.body?.kind).toBe('Status');
        },
      ),
      { numRuns: 150, seed: 1 },
    );
    expect(sim.errors).toEqual([]);
  });
});
