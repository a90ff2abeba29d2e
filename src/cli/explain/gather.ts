import { clientEndpoints, clientTransport } from '../../client.js';
import { probeEndpoint } from '../../consumers/probe.js';
import type { KcpClient } from '../../client-types.js';
import { exportFacts, sliceFacts } from '../../endpoints/facts.js';
import { resolveRules, type ExportFacts, type Observation, type SliceFacts } from '../../endpoints/rules.js';
import type { ResolveOptions } from '../../endpoints/types.js';
import {
  isForbidden,
  isKcpError,
  isNetworkError,
  isNotFound,
  isTimeoutError,
  isUnauthorized,
} from '../../errors.js';
import type { Transport } from '../../http/types.js';
import { accessReviewBody, SELFSUBJECTACCESSREVIEWS } from '../../kcp/access-review.js';
import { bindingReferencesExport } from '../../kcp/apibinding.js';
import {
  APIEXPORTS_V1ALPHA2,
  readVirtualWorkspaces,
  skipsDefaultEndpointSlice,
  type APIExport,
  type APIExportV1alpha2,
} from '../../kcp/apiexport.js';
import { readSliceEndpoints, type APIExportEndpointSlice } from '../../kcp/apiexportendpointslice.js';
import { conditionsNotTrue } from '../../kcp/conditions.js';
import { clusterOf, pathOf } from '../../kcp/decode.js';
import { formatLabelSelector, labelSelectorProblem, parseSelectorString } from '../../kcp/labels.js';
import { PARTITIONS } from '../../kcp/partition.js';
import type { ObjectRef } from '../../kcp/paths.js';
import { SHARDS, SHARDS_WORKSPACE } from '../../kcp/shard.js';
import { redactText, redactUrlUserinfo } from '../../redact.js';
import type { ResourceClient } from '../../resource-client.js';
import type {
  AccessFinding,
  ConsumerFinding,
  ExplainReport,
  ExportedResource,
  ExportFinding,
  LookupState,
  NotServingReason,
  PartitionFinding,
  RewrittenUrl,
  SchemaFinding,
  ServingFinding,
  ShardsFinding,
  SliceFinding,
  VerbCheck,
} from './types.js';

type Failed = { state: LookupState; message: string };

/**
 * The lookup state of a failed read, with its message: `forbidden` (401/403), `notFound` (404 naming an
 * object), `notServed` (404 without a name: the resource type is not served), else `error`.
 */
export function lookupFailure(e: unknown): Failed {
  const message = isKcpError(e) || e instanceof Error ? e.message : String(e);
  if (isForbidden(e)) return { state: 'forbidden', message };
  if (isNotFound(e)) return { state: e.details?.name === undefined ? 'notServed' : 'notFound', message };
  return { state: 'error', message };
}

/** What one read of the slice or the export gave: the finding for the report and the observation for the rules. */
interface Read<F, Finding> {
  finding: Finding;
  observation: Observation<F> | undefined;
  /** The error of a read that failed for another reason than 401/403/404 (explain fails like `get`). */
  error?: unknown;
}

function failedObservation<F>(e: unknown): Observation<F> | undefined {
  if (isForbidden(e))
    return { state: 'forbidden', status: isUnauthorized(e) ? 401 : 403, message: e.message };
  if (isNotFound(e)) return { state: 'notFound' };
  return undefined;
}

async function probeVerbs<T>(rc: ResourceClient<T>, name: string, getFailed: boolean): Promise<VerbCheck[]> {
  let list = true;
  try {
    await rc.list({ fieldSelector: `metadata.name=${name}` });
  } catch (e) {
    list = lookupFailure(e).state !== 'forbidden';
  }
  return [
    { verb: 'get', allowed: !getFailed },
    { verb: 'list', allowed: list },
  ];
}

function exportedResources(exp: APIExportV1alpha2): ExportedResource[] {
  return (exp.spec?.resources ?? []).map((r) => {
    const virtual = r.storage?.['virtual'] as { reference?: { kind?: string; name?: string } } | undefined;
    const ref = virtual?.reference;
    return {
      name: r.name,
      group: r.group ?? '',
      schema: r.schema,
      storage: virtual === undefined ? 'crd' : 'virtual',
      ...(ref === undefined ? {} : { reference: `${ref.kind ?? '?'} ${ref.name ?? '?'}` }),
    };
  });
}

/** Reads the export as v1alpha2 (for `spec.resources`, virtual storage included) where served, else v1alpha1. */
async function readExport(
  client: KcpClient,
  transport: Transport | undefined,
  ref: ObjectRef,
  signal: AbortSignal | undefined,
): Promise<Read<ExportFacts, ExportFinding>> {
  const base: ExportFinding = {
    ref,
    state: 'found',
    resourceSchemas: [],
    resources: [],
    conditions: [],
    virtualWorkspaceUrls: [],
    skipsEndpointSlice: false,
  };
  const rc = client.workspace(ref.path).apiExports;
  let exp: APIExport;
  let readAs: 'v1alpha1' | 'v1alpha2' = 'v1alpha2';
  let resources: ExportedResource[] = [];
  try {
    let v2: APIExportV1alpha2 | undefined;
    if (transport !== undefined) {
      try {
        v2 = await transport.get(APIEXPORTS_V1ALPHA2, ref.path, ref.name, { signal });
      } catch (e) {
        if (lookupFailure(e).state !== 'notServed') throw e;
      }
    }
    if (v2 === undefined) {
      readAs = 'v1alpha1';
      exp = await rc.get(ref.name, { signal });
    } else {
      exp = v2;
      resources = exportedResources(v2);
    }
  } catch (e) {
    const f = lookupFailure(e);
    const verbs = f.state === 'forbidden' ? await probeVerbs(rc, ref.name, true) : undefined;
    return { finding: { ...base, ...f, verbs }, observation: failedObservation(e), error: e };
  }
  const canonical = pathOf(exp);
  const schemas =
    readAs === 'v1alpha2'
      ? resources.map((r) => r.schema)
      : ((exp.spec as { latestResourceSchemas?: string[] | null } | undefined)?.latestResourceSchemas ?? []);
  return {
    finding: {
      ...base,
      ...(canonical === undefined ? {} : { ref: { path: canonical, name: ref.name } }),
      canonicalPath: canonical,
      logicalCluster: clusterOf(exp),
      identityHash: exp.status?.identityHash,
      resourceSchemas: schemas,
      resources,
      readAs,
      conditions: exp.status?.conditions ?? [],
      virtualWorkspaceUrls: readVirtualWorkspaces(exp).endpoints.map((v) => v.url),
      skipsEndpointSlice: skipsDefaultEndpointSlice(exp),
    },
    observation: { state: 'found', facts: exportFacts(exp) },
  };
}

async function readSlice(
  client: KcpClient,
  ref: ObjectRef,
  signal: AbortSignal | undefined,
): Promise<Read<SliceFacts, SliceFinding>> {
  const rc = client.workspace(ref.path).apiExportEndpointSlices;
  let s: APIExportEndpointSlice;
  try {
    s = await rc.get(ref.name, { signal });
  } catch (e) {
    const f = lookupFailure(e);
    const verbs = f.state === 'forbidden' ? await probeVerbs(rc, ref.name, true) : undefined;
    return {
      finding: { ref, conditions: [], endpoints: [], ...f, verbs },
      observation: failedObservation(e),
      error: e,
    };
  }
  const selector = s.status?.shardSelector;
  return {
    finding: {
      ref,
      state: 'found',
      partition: s.spec.partition === '' ? undefined : s.spec.partition,
      exportPath: s.spec.export.path ?? '',
      ...(selector === undefined || selector === '' ? {} : { shardSelector: selector }),
      conditions: s.status?.conditions ?? [],
      endpoints: readSliceEndpoints(s).endpoints.map((x) => x.url),
    },
    observation: { state: 'found', facts: sliceFacts(s) },
  };
}

async function gatherSchema(client: KcpClient, path: string, name: string): Promise<SchemaFinding> {
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
    return { name, ...lookupFailure(e) };
  }
}

async function gatherConsumer(
  client: KcpClient,
  workspace: string,
  exp: ExportFinding,
): Promise<ConsumerFinding> {
  try {
    const list = await client.workspace(workspace).apiBindings.list();
    const bindings = list.items
      .filter((b) => bindingReferencesExport(b, exp.ref.path, exp.logicalCluster, exp.ref.name))
      .map((b) => ({
        name: b.metadata.name,
        exportPath: b.spec.reference.export.path ?? '',
        phase: b.status?.phase ?? '',
        deleting: b.metadata.deletionTimestamp !== undefined && b.metadata.deletionTimestamp !== null,
        conditionsNotTrue: conditionsNotTrue(b.status?.conditions),
      }));
    return { workspace, state: 'found', bindings };
  } catch (e) {
    return { workspace, ...lookupFailure(e), bindings: [] };
  }
}

async function gatherPartition(
  transport: Transport | undefined,
  slice: SliceFinding,
): Promise<PartitionFinding | undefined> {
  const name = slice.partition;
  if (slice.state !== 'found' || name === undefined || transport === undefined) return undefined;
  try {
    const p = await transport.get(PARTITIONS, slice.ref.path, name);
    const selector = p.spec?.selector ?? {};
    const problem = labelSelectorProblem(selector);
    return problem === undefined
      ? { name, state: 'found', selector: formatLabelSelector(selector) }
      : { name, state: 'found', selector: JSON.stringify(selector), problem };
  } catch (e) {
    return { name, ...lookupFailure(e) };
  }
}

function inSelector(selector: string | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return true;
  try {
    return parseSelectorString(selector).matches(labels);
  } catch {
    return false;
  }
}

async function gatherShards(transport: Transport | undefined, slice: SliceFinding): Promise<ShardsFinding> {
  if (slice.state !== 'found' || transport === undefined) return { state: 'skipped', shards: [] };
  try {
    const list = await transport.list(SHARDS, SHARDS_WORKSPACE);
    const shards = list.items.map((s) => {
      const labels = { ...(s.metadata.labels ?? {}) };
      const url = s.spec?.virtualWorkspaceURL;
      return {
        name: s.metadata.name,
        labels,
        ...(url === undefined || url === '' ? {} : { virtualWorkspaceURL: url }),
        inPartition: inSelector(slice.shardSelector, labels),
      };
    });
    return { state: 'found', shards };
  } catch (e) {
    return { ...lookupFailure(e), shards: [] };
  }
}

async function gatherAccess(transport: Transport | undefined, exp: ExportFinding): Promise<AccessFinding> {
  if (exp.state !== 'found' || transport === undefined) return { state: 'skipped', verbs: [] };
  try {
    const verbs = await Promise.all(
      (['list', 'watch'] as const).map(async (verb) => {
        const review = await transport.create(
          SELFSUBJECTACCESSREVIEWS,
          exp.ref.path,
          accessReviewBody({
            group: 'apis.kcp.io',
            resource: 'apiexports',
            subresource: 'content',
            verb,
            name: exp.ref.name,
          }),
        );
        return { verb, allowed: review.status?.allowed === true };
      }),
    );
    return { state: 'found', verbs };
  } catch (e) {
    return { ...lookupFailure(e), verbs: [] };
  }
}

/**
 * The URLs of a resolution that `rewrite` changes, each with the URL requests go to. A user name and password
 * in a published URL are redacted (the rewritten URL carries none: its scheme, host and port come from TO).
 */
export function rewrittenUrls(urls: readonly string[], rewrite: (url: string) => string): RewrittenUrl[] {
  return urls.flatMap((url) => {
    const requestUrl = rewrite(url);
    return requestUrl === url
      ? []
      : [{ url: redactUrlUserinfo(url), requestUrl: redactUrlUserinfo(requestUrl) }];
  });
}

/** Socket error codes that mean the host cannot be reached from here (as opposed to TLS or a reset). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
]);

function codeOf(e: unknown): unknown {
  return e instanceof Error ? (e.cause as { code?: unknown } | undefined)?.code : undefined;
}

/** How a failed probe failed (see {@link NotServingReason}). */
export function notServingReason(e: unknown): NotServingReason {
  if (isUnauthorized(e)) return 'unauthorized';
  if (isForbidden(e)) return 'forbidden';
  if (isNotFound(e)) return 'notFound';
  if (isTimeoutError(e)) return 'unreachable';
  if (isNetworkError(e)) {
    const code = codeOf(e);
    return typeof code === 'string' && UNREACHABLE_CODES.has(code) ? 'unreachable' : 'error';
  }
  return 'error';
}

/** What {@link gatherServing} needs of the endpoint caches (`EndpointCaches` has it): a transport per URL. */
export interface ProbeLeases {
  acquire(url: string): { transport: Pick<Transport, 'raw' | 'baseUrl'>; release(): void };
}

/**
 * Probes each URL once, all at the same time, through its endpoint transport from `caches` (`rewriteUrl`
 * applied, the credentials policy of every endpoint request, each probe bounded by the request timeout):
 * `GET <url>/clusters/*\/apis`, as `watchEndpoints` with `probe: true` does. A URL whose rewrite fails
 * (`caches.acquire` throws) is reported as not serving.
 * @throws AbortError (rejects) when `signal` aborts.
 */
export async function gatherServing(
  caches: ProbeLeases,
  urls: readonly string[],
  signal: AbortSignal | undefined,
): Promise<ServingFinding[]> {
  return Promise.all(
    urls.map(async (url): Promise<ServingFinding> => {
      const shown = redactUrlUserinfo(url);
      const failed = (e: unknown): ServingFinding => ({
        url: shown,
        serving: false,
        error: redactText(isKcpError(e) || e instanceof Error ? e.message : String(e)),
        reason: notServingReason(e),
      });
      let lease;
      try {
        lease = caches.acquire(url);
      } catch (e) {
        return failed(e);
      }
      try {
        const result = await probeEndpoint(lease.transport, undefined, signal);
        return result.serving ? { url: shown, serving: true } : failed(result.error);
      } finally {
        lease.release();
      }
    }),
  );
}

/** What {@link gatherReport} does beyond reading: `--rewrite-url` and the probes of the endpoint URLs. */
export interface GatherOptions {
  /** `--rewrite-url`: the report lists the URLs it changes (`rewrittenUrls`). */
  rewriteUrl?: ((url: string) => string) | undefined;
  /** Probe each URL of the resolution (`serving`); false with `--no-probe`. @default false */
  probe?: boolean | undefined;
}

/**
 * Walks APIExport → APIResourceSchemas → APIBindings (in `consumers`) → APIExportEndpointSlice → Partition →
 * Shards, checks access to the export's virtual workspace, and resolves from what it read (the slice and the
 * export are read once, so the findings and the verdict cannot disagree). Every failure becomes a finding;
 * only invalid arguments, and a failed read of the slice or the export other than 401/403/404 (like `get`),
 * throw. With `rewriteUrl` (`--rewrite-url`), the report lists the URLs it changes (`rewrittenUrls`); with
 * `probe`, whether each URL serves (`serving`, see {@link gatherServing}).
 */
export async function gatherReport(
  client: KcpClient,
  refs: { export: ObjectRef; slice: ObjectRef },
  consumers: readonly string[],
  options: ResolveOptions,
  extra: GatherOptions = {},
): Promise<Omit<ExplainReport, 'nextSteps'>> {
  const { rewriteUrl } = extra;
  for (const c of consumers) client.workspace(c); // validates (throws InvalidArgumentError) before any I/O
  const transport = clientTransport(client);
  const { signal } = options;
  const mode = options.mode ?? 'auto';
  const [exp, slice] = await Promise.all([
    readExport(client, transport, refs.export, signal),
    readSlice(client, refs.slice, signal),
  ]);
  const sliceObservation = slice.observation;
  const exportObservation = exp.observation;
  if (sliceObservation === undefined) throw slice.error;
  if (exportObservation === undefined) throw exp.error;
  const refused =
    (mode === 'virtualWorkspaces' || sliceObservation.state === 'forbidden') &&
    (mode === 'endpointSlice' || exportObservation.state === 'forbidden');
  const resolution = refused
    ? null
    : resolveRules({ export: refs.export, slice: refs.slice, mode, sliceObservation, exportObservation });
  const caches = extra.probe === true ? clientEndpoints(client) : undefined;
  const [schemas, consumerFindings, partition, shards, access, serving] = await Promise.all([
    Promise.all(exp.finding.resourceSchemas.map((s) => gatherSchema(client, exp.finding.ref.path, s))),
    Promise.all(consumers.map((c) => gatherConsumer(client, c, exp.finding))),
    gatherPartition(transport, slice.finding),
    gatherShards(transport, slice.finding),
    gatherAccess(transport, exp.finding),
    caches === undefined ? undefined : gatherServing(caches, resolution?.urls ?? [], signal),
  ]);
  return {
    export: exp.finding,
    schemas,
    consumers: consumerFindings,
    slice: slice.finding,
    ...(partition === undefined ? {} : { partition }),
    shards,
    access,
    resolution,
    ...(rewriteUrl === undefined ? {} : { rewrittenUrls: rewrittenUrls(resolution?.urls ?? [], rewriteUrl) }),
    ...(serving === undefined ? {} : { serving }),
  };
}
