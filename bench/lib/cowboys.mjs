// The world of the consumers benchmark, built inside the simulator's process (lib/sim-child.mjs, method
// `cowboys`): two shards (root, whose virtual workspace is at the simulator's URL, and beta at
// `<url>/shards/beta`), an export of namespaced `cowboys.wildwest.dev` in root:org:provider, N consumer
// workspaces alternating between the two shards, each bound to the export, and K cowboys spread over the
// consumers. Every cowboy is created through its consumer workspace's REST API (as `kubectl apply` would: with
// labels, annotations and the last-applied annotation) and then given a status through the status subresource
// (as a controller would), so it carries the two managedFields entries the simulator writes.
//
// Names: the first cowboy of every consumer is `default/main`, the same namespace and name in every cluster
// (as tenants pick the same obvious names); every other name is unique. A cache keyed by namespace/name only
// keeps one `main` per endpoint.
import { Agent, request } from 'node:http';

export const PROVIDER = 'root:org:provider';
export const EXPORT = 'cowboys';
export const REF = `${PROVIDER}:${EXPORT}`;
export const COWBOYS = { group: 'wildwest.dev', version: 'v1alpha1', resource: 'cowboys', kind: 'Cowboy' };
export const SHARED_NAME = 'main';
const NAMESPACES = ['default', 'posse', 'ranch'];
const BREEDS = ['mustang', 'appaloosa', 'quarter horse', 'paint', 'morgan'];

/** Workspace path of consumer `c`. */
export const consumerPath = (c) => `root:org:consumer-${c}`;

/** Namespace and name of cowboy `j` of a consumer. */
export function placeOf(c, j) {
  if (j === 0) return { namespace: 'default', name: SHARED_NAME };
  return { namespace: NAMESPACES[j % NAMESPACES.length], name: `cowboy-${c}-${j}` };
}

/** Object `j` of consumer `c` as its owner applies it. */
function cowboy(c, j) {
  const { namespace, name } = placeOf(c, j);
  const applied = {
    apiVersion: 'wildwest.dev/v1alpha1',
    kind: 'Cowboy',
    metadata: {
      name,
      namespace,
      labels: {
        'app.kubernetes.io/name': 'cowboy',
        'app.kubernetes.io/part-of': 'wildwest',
        'app.kubernetes.io/managed-by': 'kubectl',
        'wildwest.dev/posse': `posse-${j % 7}`,
        'wildwest.dev/tier': j % 2 === 0 ? 'gold' : 'silver',
      },
      annotations: {
        'wildwest.dev/owner': `team-${c}@example.com`,
        'wildwest.dev/description': `Rides the ${BREEDS[j % BREEDS.length]} trail of consumer ${c}, sheriff-approved.`,
      },
    },
    spec: {
      intent: j % 3 === 0 ? 'ride' : 'rest',
      horse: { name: `horse-${c}-${j}`, breed: BREEDS[j % BREEDS.length], color: 'bay', age: 3 + (j % 9) },
      weapons: [
        { name: 'lasso', length: 12 },
        { name: 'harmonica', key: 'G' },
      ],
      schedule: { start: '06:00', end: '18:00', days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'] },
      replicas: 1 + (j % 3),
    },
  };
  applied.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'] =
    `${JSON.stringify(applied)}\n`;
  return applied;
}

/** The status a provider's controller writes. */
function statusOf(j) {
  return {
    status: {
      result: j % 3 === 0 ? 'rode' : 'rested',
      observedGeneration: 1,
      miles: 10 * j,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Reconciled',
          message: 'the cowboy is saddled and the horse is fed',
          lastTransitionTime: '2026-12-01T10:00:00Z',
          observedGeneration: 1,
        },
        {
          type: 'Synced',
          status: 'True',
          reason: 'UpToDate',
          message: 'spec and status agree',
          lastTransitionTime: '2026-12-01T10:00:00Z',
          observedGeneration: 1,
        },
      ],
    },
  };
}

/** Builds the world in `sim`; resolves a description of it (endpoints, object sizes, names shared). */
export async function buildCowboys(sim, { consumers, objects, concurrency = 8 }) {
  if (!(consumers >= 2) || !(objects >= consumers)) throw new Error('need ≥ 2 consumers and ≥ 1 object each');
  sim.addShard('beta', { virtualWorkspaceURL: `${sim.url}/shards/beta` });
  sim.createWorkspace(PROVIDER);
  const shards = {};
  for (let c = 0; c < consumers; c++) {
    const shard = c % 2 === 0 ? 'root' : 'beta';
    sim.createWorkspace(consumerPath(c), { shard });
    shards[shard] = (shards[shard] ?? 0) + 1;
  }
  sim.createExport(PROVIDER, EXPORT, {
    resources: [
      {
        name: 'cowboys',
        group: 'wildwest.dev',
        schema: 'today.cowboys.wildwest.dev',
        scope: 'Namespaced',
        versions: ['v1alpha1'],
        statusSubresource: true,
      },
    ],
  });
  for (let c = 0; c < consumers; c++) sim.bind(consumerPath(c), REF);
  await sim.waitForIdle();

  // requests over an agent of our own, destroyed at the end: no keep-alive socket of the build stays open
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const send = (method, url, contentType, body) =>
    new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent,
          headers: { authorization: `Bearer ${sim.token}`, 'content-type': contentType },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode, text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const sizes = [];
  let managedFieldsEntries = 0;
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < objects; i = next++) {
      const c = i % consumers;
      const j = Math.floor(i / consumers);
      const { namespace, name } = placeOf(c, j);
      const base = `${sim.url}/clusters/${consumerPath(c)}/apis/wildwest.dev/v1alpha1/namespaces/${namespace}/cowboys`;
      const created = await send('POST', base, 'application/json', cowboy(c, j));
      if (created.status !== 201) throw new Error(`POST ${base}: ${created.status} ${created.text}`);
      const patched = await send(
        'PATCH',
        `${base}/${name}/status`,
        'application/merge-patch+json',
        statusOf(j),
      );
      if (patched.status !== 200)
        throw new Error(`PATCH ${base}/${name}/status: ${patched.status} ${patched.text}`);
      if (i < 1000) {
        sizes.push(Buffer.byteLength(patched.text));
        managedFieldsEntries = Math.max(
          managedFieldsEntries,
          JSON.parse(patched.text).metadata.managedFields.length,
        );
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  await sim.waitForIdle();
  sizes.sort((a, b) => a - b);
  return {
    ref: REF,
    resource: COWBOYS,
    consumers,
    consumersPerShard: shards,
    objects,
    endpoints: sim.endpoints(PROVIDER, EXPORT),
    clusters: Array.from({ length: consumers }, (_, c) => sim.workspace(consumerPath(c)).cluster),
    objectBytes: { median: sizes[Math.floor(sizes.length / 2)], min: sizes[0], max: sizes.at(-1) },
    managedFieldsEntries,
    sharedName: `default/${SHARED_NAME}`,
    objectsWithSharedName: consumers,
  };
}
