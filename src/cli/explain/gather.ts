import type { KcpEndpointsClient } from '../../client.js';
import type { ResolveOptions } from '../../endpoints/types.js';
import { isApiStatusError, isKcpError } from '../../errors.js';
import { bindingReferencesExport } from '../../kcp/apibinding.js';
import { readVirtualWorkspaces, skipsDefaultEndpointSlice } from '../../kcp/apiexport.js';
import { readSliceEndpoints } from '../../kcp/apiexportendpointslice.js';
import { conditionsNotTrue } from '../../kcp/conditions.js';
import { clusterOf, pathOf } from '../../kcp/decode.js';
import type { ObjectRef } from '../../kcp/paths.js';
import type { ResourceClient } from '../../resource-client.js';
import type {
  ConsumerFinding,
  ExplainReport,
  ExportFinding,
  LookupState,
  SchemaFinding,
  SliceFinding,
  VerbCheck,
} from './types.js';

type Failed = { state: LookupState; message: string };

/** Classifies a failed read: 404 of an object vs. of the resource type, 401/403, anything else. */
export function classify(e: unknown): Failed {
  const message = isKcpError(e) || e instanceof Error ? e.message : String(e);
  if (isApiStatusError(e)) {
    if (e.status === 401 || e.status === 403) return { state: 'forbidden', message };
    if (e.status === 404) {
      return { state: e.details?.name === undefined ? 'notServed' : 'notFound', message };
    }
  }
  return { state: 'error', message };
}

async function probeVerbs<T>(rc: ResourceClient<T>, name: string, getFailed: boolean): Promise<VerbCheck[]> {
  let list = true;
  try {
    await rc.list({ fieldSelector: `metadata.name=${name}` });
  } catch (e) {
    list = classify(e).state !== 'forbidden';
  }
  return [
    { verb: 'get', allowed: !getFailed },
    { verb: 'list', allowed: list },
  ];
}

async function gatherExport(client: KcpEndpointsClient, ref: ObjectRef): Promise<ExportFinding> {
  const base: ExportFinding = {
    ref,
    state: 'found',
    resourceSchemas: [],
    conditions: [],
    virtualWorkspaceUrls: [],
    skipsEndpointSlice: false,
  };
  const rc = client.workspace(ref.path).apiExports;
  try {
    const exp = await rc.get(ref.name);
    return {
      ...base,
      logicalCluster: clusterOf(exp),
      identityHash: exp.status?.identityHash,
      resourceSchemas: exp.spec?.latestResourceSchemas ?? [],
      conditions: exp.status?.conditions ?? [],
      virtualWorkspaceUrls: readVirtualWorkspaces(exp).endpoints.map((v) => v.url),
      skipsEndpointSlice: skipsDefaultEndpointSlice(exp),
      ...(pathOf(exp) === undefined ? {} : { ref: { path: pathOf(exp) ?? ref.path, name: ref.name } }),
    };
  } catch (e) {
    const f = classify(e);
    const verbs = f.state === 'forbidden' ? await probeVerbs(rc, ref.name, true) : undefined;
    return { ...base, ...f, verbs };
  }
}

async function gatherSchema(client: KcpEndpointsClient, path: string, name: string): Promise<SchemaFinding> {
  try {
    const s = await client.workspace(path).apiResourceSchemas.get(name);
    return {
      name,
      state: 'found',
      group: s.spec.group,
      resource: s.spec.names.plural,
      kind: s.spec.names.kind,
      versions: s.spec.versions.map((v) => v.name),
    };
  } catch (e) {
    return { name, ...classify(e) };
  }
}

async function gatherConsumer(
  client: KcpEndpointsClient,
  workspace: string,
  exp: ExportFinding,
): Promise<ConsumerFinding> {
  try {
    const list = await client.workspace(workspace).apiBindings.list();
    const bindings = list.items
      .filter((b) => bindingReferencesExport(b, exp.ref.path, exp.logicalCluster, exp.ref.name))
      .map((b) => ({
        name: b.metadata.name,
        phase: b.status?.phase ?? '',
        deleting: b.metadata.deletionTimestamp !== undefined && b.metadata.deletionTimestamp !== null,
        conditionsNotTrue: conditionsNotTrue(b.status?.conditions),
      }));
    return { workspace, state: 'found', bindings };
  } catch (e) {
    return { workspace, ...classify(e), bindings: [] };
  }
}

async function gatherSlice(client: KcpEndpointsClient, ref: ObjectRef): Promise<SliceFinding> {
  const rc = client.workspace(ref.path).apiExportEndpointSlices;
  try {
    const s = await rc.get(ref.name);
    return {
      ref,
      state: 'found',
      partition: s.spec.partition,
      conditions: s.status?.conditions ?? [],
      endpoints: readSliceEndpoints(s).endpoints.map((x) => x.url),
    };
  } catch (e) {
    const f = classify(e);
    const verbs = f.state === 'forbidden' ? await probeVerbs(rc, ref.name, true) : undefined;
    return { ref, conditions: [], endpoints: [], ...f, verbs };
  }
}

/**
 * Walks APIExport → APIResourceSchemas → APIBindings (in `consumers`) → APIExportEndpointSlice, and resolves
 * like `get`. Reads in parallel where independent; every failure becomes a finding, never a throw (except
 * invalid arguments).
 */
export async function gatherReport(
  client: KcpEndpointsClient,
  refs: { export: ObjectRef; slice: ObjectRef },
  consumers: readonly string[],
  options: ResolveOptions,
): Promise<Omit<ExplainReport, 'nextSteps'>> {
  for (const c of consumers) client.workspace(c); // validates (throws InvalidArgumentError) before any I/O
  const [exp, slice, resolution] = await Promise.all([
    gatherExport(client, refs.export),
    gatherSlice(client, refs.slice),
    client.resolveEndpoints(refs.export, options).catch((e: unknown) => {
      if (classify(e).state === 'forbidden') return null;
      throw e;
    }),
  ]);
  const [schemas, consumerFindings] = await Promise.all([
    Promise.all(exp.resourceSchemas.map((s) => gatherSchema(client, exp.ref.path, s))),
    Promise.all(consumers.map((c) => gatherConsumer(client, c, exp))),
  ]);
  return { export: exp, schemas, consumers: consumerFindings, slice, resolution };
}
