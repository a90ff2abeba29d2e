import { describe, expect, it } from 'vitest';
import { api, startSim } from './helpers.js';

const P = 'root:org:provider';
const SSAR = (cluster: string): string =>
  `/clusters/${cluster}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews`;
const review = (verb: string, subresource = 'content') => ({
  apiVersion: 'authorization.k8s.io/v1',
  kind: 'SelfSubjectAccessReview',
  spec: {
    resourceAttributes: { group: 'apis.kcp.io', resource: 'apiexports', subresource, verb, name: 'x' },
  },
});

describe('SelfSubjectAccessReview', () => {
  it('answers from the grants of the workspace, subresource included', async () => {
    const sim = await startSim();
    sim.createExport(P, 'x');
    const token = sim.addUser('provider');
    sim.grant('provider', P, { resources: ['apiexports/content'], verbs: ['list'] });
    const list = await api(sim, 'POST', SSAR(P), review('list'), { token });
    const watch = await api(sim, 'POST', SSAR(P), review('watch'), { token });
    const elsewhere = await api(sim, 'POST', SSAR('root'), review('list'), { token });
    const admin = await api(sim, 'POST', SSAR(P), review('watch'));
    expect(list.status).toBe(201);
    expect(list.body).toMatchObject({ kind: 'SelfSubjectAccessReview', status: { allowed: true } });
    expect(watch.body.status).toEqual({ allowed: false });
    expect(elsewhere.body.status).toEqual({ allowed: false });
    expect(admin.body.status).toMatchObject({ allowed: true });
  });

  it('refuses other methods and reviews without a verb or resource', async () => {
    const sim = await startSim();
    expect((await api(sim, 'GET', SSAR('root'))).status).toBe(405);
    const bad = await api(sim, 'POST', SSAR('root'), { spec: { resourceAttributes: { verb: 'get' } } });
    expect(bad.status).toBe(422);
  });
});
