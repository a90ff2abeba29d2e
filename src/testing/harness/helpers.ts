import { InvalidArgumentError } from '../../errors.js';
import { parseExportRef, parseObjectName, parseWorkspacePath } from '../../kcp/paths.js';
import type { Auth } from './auth.js';
import type { Scheduler } from '../clock.js';
import { SKIP_ENDPOINTSLICE_ANNOTATION } from '../controllers/exports.js';
import { urlsOf } from '../controllers/slices.js';
import { clone, type JsonObject } from '../model/json.js';
import type { Objects } from '../model/objects.js';
import { convert, resourceDef, type SimResource } from '../model/resources.js';
import { schemasToCreate } from '../model/schemas.js';
import { SimHttpError } from '../model/api-errors.js';
import type { Store } from '../model/store.js';
import type { Topology, WorkspaceInfo } from '../model/topology.js';
import type { KcpSimulator } from '../types.js';
import { validateObject } from '../model/validation.js';

/** Services behind the helper methods. */
export interface HelperDeps {
  store: Store;
  objects: Objects;
  topology: Topology;
  scheduler: Scheduler;
  auth: Auth;
  /** VW URL of the root shard. */
  url: string;
}

type Helpers = Pick<
  KcpSimulator,
  | 'createWorkspace'
  | 'workspace'
  | 'addShard'
  | 'setShardLabels'
  | 'createExport'
  | 'deleteExport'
  | 'createSlice'
  | 'deleteSlice'
  | 'bind'
  | 'unbind'
  | 'createPartition'
  | 'deletePartition'
  | 'get'
  | 'list'
  | 'endpoints'
>;

/** Runs a helper write like a client request; API errors become InvalidArgumentError. */
function write<T>(d: HelperDeps, what: string, fn: () => T): T {
  try {
    return d.scheduler.batch(fn);
  } catch (e) {
    if (e instanceof SimHttpError)
      throw new InvalidArgumentError(`kcp simulator: ${e.message}`, what, { cause: e });
    throw e;
  }
}

function create(d: HelperDeps, resource: SimResource, ws: WorkspaceInfo, obj: JsonObject): JsonObject {
  const def = resourceDef(resource);
  const causes = validateObject(def, def.storage, obj);
  if (causes.length > 0) {
    throw new InvalidArgumentError(
      `kcp simulator: invalid ${def.kind}: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
      resource,
    );
  }
  return clone(d.objects.create(def, ws, obj, 'client'));
}

function existing(d: HelperDeps, path: string): WorkspaceInfo {
  const ws = d.topology.resolve(parseWorkspacePath(path));
  if (ws === undefined) throw new InvalidArgumentError(`kcp simulator: unknown workspace "${path}"`, 'path');
  return ws;
}

/** Builds the object helpers of a simulator. */
export function createHelpers(d: HelperDeps): Helpers {
  const shardObj = (name: string): JsonObject | undefined => d.store.get('shards', 'root', name);
  const ensureWorkspace = (path: string, shard = 'root'): WorkspaceInfo => {
    parseWorkspacePath(path);
    if (shardObj(shard) === undefined)
      throw new InvalidArgumentError(`kcp simulator: unknown shard "${shard}"`, 'shard');
    try {
      return d.scheduler.batch(() => d.topology.resolve(path) ?? d.topology.create(path, shard));
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message, 'path');
    }
  };
  const remove = (resource: SimResource, path: string, name: string): void => {
    const ws = existing(d, path);
    write(d, resource, () => d.objects.delete(resourceDef(resource), ws, name, 'client'));
  };
  const helpers: Helpers = {
    createWorkspace: (path, options = {}) => ({ ...ensureWorkspace(path, options.shard) }),
    workspace: (p) => {
      const ws = d.topology.resolve(p);
      return ws === undefined ? undefined : { ...ws };
    },
    addShard: (name, options = {}) => {
      parseObjectName(name, 'shard name');
      const vw =
        options.virtualWorkspaceURL ?? (name === 'root' ? d.url : `https://${name}.shards.kcp.test:6443`);
      const obj: JsonObject = {
        metadata: { name, labels: { ...options.labels, name } },
        spec: {
          baseURL: vw === '' ? d.url : vw,
          externalURL: d.url,
          ...(vw === '' ? {} : { virtualWorkspaceURL: vw }),
        },
      };
      return write(d, 'shard', () => create(d, 'shards', existing(d, 'root'), obj));
    },
    setShardLabels: (name, labels) => {
      const root = existing(d, 'root');
      const out = write(d, 'shard', () =>
        d.objects.mutate(
          resourceDef('shards'),
          root,
          name,
          (s) => {
            (s['metadata'] as JsonObject)['labels'] = { ...labels, name };
          },
          'client',
        ),
      );
      if (out === undefined)
        throw new InvalidArgumentError(`kcp simulator: unknown shard "${name}"`, 'shard');
      return clone(out);
    },
    createExport: (path, name, options = {}) => {
      const ws = ensureWorkspace(path);
      const annotations: Record<string, string> = { ...options.annotations };
      if (options.skipEndpointSlice === true) annotations[SKIP_ENDPOINTSLICE_ANNOTATION] = 'true';
      const resources = options.resources ?? [
        { name: 'widgets', group: `${name}.kcp-sim.dev`, schema: `v1.widgets.${name}.kcp-sim.dev` },
      ];
      const obj: JsonObject = {
        metadata: {
          name,
          annotations,
          ...(options.labels === undefined ? {} : { labels: { ...options.labels } }),
        },
        spec: {
          resources: resources.map((r) => ({
            name: r.name,
            group: r.group,
            schema: r.schema,
            storage: { crd: {} },
          })),
          identity: { secretRef: { namespace: 'kcp-system', name } },
        },
      };
      const schemas = schemasToCreate(d.store, ws, resources);
      return write(d, 'export', () => {
        const created = create(d, 'apiexports', ws, obj);
        for (const schema of schemas) create(d, 'apiresourceschemas', ws, schema);
        return created;
      });
    },
    deleteExport: (path, name) => {
      remove('apiexports', path, name);
    },
    createSlice: (path, name, options) => {
      const ws = ensureWorkspace(path);
      const ref = parseExportRef(options.export, '');
      const spec: JsonObject = {
        export: ref.path === '' ? { name: ref.name } : { path: ref.path, name: ref.name },
      };
      if (options.partition !== undefined) spec['partition'] = options.partition;
      return write(d, 'slice', () => create(d, 'apiexportendpointslices', ws, { metadata: { name }, spec }));
    },
    deleteSlice: (path, name) => {
      remove('apiexportendpointslices', path, name);
    },
    bind: (consumerPath, exportRef, options = {}) => {
      const ws = ensureWorkspace(consumerPath, options.shard);
      const ref = parseExportRef(exportRef, consumerPath);
      const obj: JsonObject = {
        metadata: { name: options.name ?? ref.name },
        spec: { reference: { export: { path: ref.path, name: ref.name } } },
      };
      return write(d, 'binding', () => create(d, 'apibindings', ws, obj));
    },
    unbind: (consumerPath, name) => {
      remove('apibindings', consumerPath, name);
    },
    createPartition: (path, name, selector) => {
      const ws = ensureWorkspace(path);
      const obj = JSON.parse(JSON.stringify({ metadata: { name }, spec: { selector } })) as JsonObject;
      return write(d, 'partition', () => create(d, 'partitions', ws, obj));
    },
    deletePartition: (path, name) => {
      remove('partitions', path, name);
    },
    get: (resource, path, name, version) => {
      const ws = d.topology.resolve(path);
      const obj = ws === undefined ? undefined : d.store.get(resource, ws.cluster, name);
      if (obj === undefined) return undefined;
      const def = resourceDef(resource);
      return convert(def, obj, version ?? def.storage);
    },
    list: (resource, path) => {
      const cluster = path === undefined ? '*' : d.topology.resolve(path)?.cluster;
      return cluster === undefined ? [] : d.store.list(resource, cluster).map((o) => clone(o));
    },
    endpoints: (path, sliceName) => {
      const ws = d.topology.resolve(path);
      return urlsOf(
        ws === undefined ? undefined : d.store.get('apiexportendpointslices', ws.cluster, sliceName),
      );
    },
  };
  return helpers;
}
