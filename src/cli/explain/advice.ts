import {
  awaitDefaultSliceStep,
  checkExportStep,
  checkSliceNameStep,
  grantReadStep,
  removeSkipAnnotationStep,
  bindStep as bindFragment,
  canonicalPathStep,
  capitalise,
  conditionStep as conditionFragment,
  createPartitionStep,
  fixPartitionSelectorStep,
  grantContentStep,
  nudgeCommand,
  shardUrlStep,
  waitStep,
  widenPartitionStep,
} from '../../endpoints/next-steps.js';
import type { Condition } from '../../kcp/meta.js';
import { redactUrlUserinfo } from '../../redact.js';
import type { ObjectRef } from '../../kcp/paths.js';
import { originOf } from './render.js';
import type { ExplainReport, SchemaFinding, VerbCheck } from './types.js';

type Report = Omit<ExplainReport, 'nextSteps'>;

function rbacStep(resources: string[], path: string, verbs: VerbCheck[] | undefined): string {
  const missing = (verbs ?? []).filter((v) => !v.allowed).map((v) => v.verb);
  return capitalise(grantReadStep(resources, path, missing));
}

function bindStep(exp: ObjectRef, consumer?: string): string {
  return capitalise(bindFragment(exp, consumer));
}

function sliceYaml(slice: ObjectRef, exp: ObjectRef): string {
  return [
    `kubectl ws ${slice.path} && kubectl apply -f - <<EOF`,
    'apiVersion: apis.kcp.io/v1alpha1',
    'kind: APIExportEndpointSlice',
    'metadata:',
    `  name: ${slice.name}`,
    'spec:',
    '  export:',
    `    path: ${exp.path}`,
    `    name: ${exp.name}`,
    'EOF',
  ].join('\n');
}

/** `apis/<group>/<version>/<resource>` from a schema read from the server, else from a schema name. */
export function apiPath(schemas: SchemaFinding[]): string {
  const s = schemas.find((x) => x.state === 'found');
  if (s?.group !== undefined && s.resource !== undefined) {
    return `apis/${s.group}/${s.versions?.[0] ?? '<version>'}/${s.resource}`;
  }
  // kcp names schemas <prefix>.<resource>.<group>
  const parts = schemas[0]?.name.split('.') ?? [];
  return parts.length >= 3
    ? `apis/${parts.slice(2).join('.')}/<version>/${parts[1] ?? ''}`
    : 'apis/<group>/<version>/<resource>';
}

/**
 * Where requests for the published `url` go: its rewritten URL (`--rewrite-url`), else `url` itself; a user
 * name and password in it redacted.
 */
function requestUrlOf(url: string | undefined, r: Report): string {
  if (url === undefined) return '<url>';
  const shown = redactUrlUserinfo(url);
  return r.rewrittenUrls?.find((w) => w.url === shown)?.requestUrl ?? shown;
}

function usageExample(url: string, schemas: SchemaFinding[]): string {
  const api = apiPath(schemas);
  return `Point your controller at the URL(s); e.g. list across all consumers: kubectl get --raw '${url}/clusters/*/${api}' (with the provider's credentials)`;
}

/** The step for one slice condition; the Partition read (when any) tells missing from an invalid selector. */
function conditionStep(c: Condition, index: number, r: Report): string {
  const slice = r.slice.ref;
  const partition = r.slice.partition;
  if (c.reason === 'PartitionInvalidReference' && partition !== undefined && r.partition !== undefined) {
    if (r.partition.state === 'notFound') return capitalise(createPartitionStep(partition, slice));
    if (r.partition.state === 'found') {
      const selector = r.partition.selector === undefined ? '' : ` (its selector: ${r.partition.selector})`;
      return capitalise(
        `Partition "${partition}" exists${selector} but kcp cannot use it: ${fixPartitionSelectorStep(partition, slice, c.message ?? '')}`,
      );
    }
  }
  const step = conditionFragment(c, index, { export: r.export.ref, slice, partition });
  return c.type === 'EndpointURLsReady' || c.reason !== undefined
    ? capitalise(step)
    : `Condition ${c.type} is ${c.status}: ${step}`;
}

/** Why a slice with all conditions True lists no URL although a binding exists, most certain cause first. */
function missingUrlSteps(r: Report, refText: string): string[] {
  const steps: string[] = [];
  const slice = r.slice.ref;
  const shards = r.shards.state === 'found' ? r.shards.shards : [];
  const out = shards.filter((s) => !s.inPartition).map((s) => s.name);
  const inside = shards.filter((s) => s.inPartition);
  if (out.length > 0) {
    const selector = r.slice.shardSelector ?? '';
    const why =
      inside.length === 0
        ? `no shard matches the slice's shard selector "${selector}", so kcp publishes no URL for any binding`
        : `the slice's shard selector "${selector}" leaves out shard(s) ${out.join(', ')}; a binding on one of them gets no URL`;
    steps.push(`${capitalise(why)}: ${widenPartitionStep(r.slice.partition, slice, out)}`);
  }
  for (const s of inside.filter((x) => x.virtualWorkspaceURL === undefined)) {
    steps.push(`Shard ${s.name} has no spec.virtualWorkspaceURL: ${shardUrlStep(s.name)}`);
  }
  const canonical = r.export.canonicalPath;
  const slicePath = r.slice.exportPath;
  const bindingPaths = [
    ...new Set(
      r.consumers
        .flatMap((c) => c.bindings.map((b) => b.exportPath))
        .filter((p) => p !== '' && p !== slicePath),
    ),
  ];
  const offCanonical = canonical !== undefined && slicePath !== undefined && slicePath !== canonical;
  if (slicePath !== undefined && (offCanonical || bindingPaths.length > 0)) {
    const shown = slicePath === '' ? 'an empty path' : `"${slicePath}"`;
    const theirs =
      bindingPaths.length === 0
        ? ''
        : ` while the binding(s) use ${bindingPaths.map((p) => `"${p}"`).join(', ')}`;
    const fix =
      offCanonical || canonical === undefined
        ? canonicalPathStep(slice, canonical ?? bindingPaths[0] ?? '<canonical path>')
        : `the slice already uses the canonical path, so re-create the binding(s) with it: ${bindFragment(r.export.ref)}`;
    steps.push(
      `The slice names the export by ${shown}${theirs}; kcp matches bindings to slices by the text of the path, so it never re-checked this slice when the binding appeared: ${fix}; or re-trigger kcp now: ${nudgeCommand(r.export.ref, slice)}`,
    );
  }
  if (steps.length === 0) steps.push(`Perhaps kcp has not reacted yet: ${waitStep(refText)}`);
  return steps;
}

function schemaSteps(r: Report): string[] {
  return r.schemas
    .filter((s) => s.state === 'notFound')
    .map(
      (s) =>
        `APIResourceSchema ${s.name} named by the export does not exist in ${r.export.ref.path}: create it (kubectl ws ${r.export.ref.path} && kubectl apply -f <schema>.yaml) or fix the export's resources`,
    );
}

function bindingSteps(r: Report): string[] {
  const steps: string[] = [];
  for (const c of r.consumers) {
    if (c.state === 'forbidden') {
      steps.push(
        `You may not list APIBindings in ${c.workspace}: ask for get,list on apibindings.apis.kcp.io there`,
      );
    } else if (c.state === 'found') {
      for (const b of c.bindings) {
        const bad = b.conditionsNotTrue[0];
        if (b.phase !== 'Bound' && bad !== undefined) {
          steps.push(
            `APIBinding ${b.name} in ${c.workspace} is ${b.phase === '' ? 'not reconciled yet' : b.phase}: ${bad.type} is ${bad.status}${bad.message === undefined ? '' : ` (${bad.message})`}`,
          );
        }
      }
    }
  }
  return steps;
}

/** What to do about endpoint URLs whose probe could not reach the host (with and without `--rewrite-url`). */
function unreachableSteps(r: Report, refText: string): string[] {
  const unreachable = (r.serving ?? []).filter((s) => s.reason === 'unreachable');
  const rewritten = new Map((r.rewrittenUrls ?? []).map((w) => [w.url, w.requestUrl]));
  const steps: string[] = [];
  const direct = [...new Set(unreachable.filter((s) => !rewritten.has(s.url)).map((s) => originOf(s.url)))];
  if (direct.length > 0) {
    const hosts =
      direct.length === 1 ? `endpoint host ${direct[0] ?? ''}` : `endpoint hosts ${direct.join(', ')}`;
    steps.push(
      `The ${hosts} cannot be reached from here (kcp publishes the address each shard was given, which may be inside its own network): send the requests to an address you can reach, e.g. kcp-endpoints explain ${refText} ${direct.map((o) => `--rewrite-url ${o}=<reachable URL>`).join(' ')}`,
    );
  }
  const targets = [
    ...new Set(
      unreachable.flatMap((s) => {
        const to = rewritten.get(s.url);
        return to === undefined ? [] : [originOf(to)];
      }),
    ),
  ];
  if (targets.length > 0) {
    steps.push(
      `The --rewrite-url target${targets.length === 1 ? '' : 's'} ${targets.join(', ')} cannot be reached from here: check the TO of each --rewrite-url FROM=TO`,
    );
  }
  return steps;
}

/** Concrete next steps for the report's phase and reason, most important first. */
export function nextSteps(r: Report, refText: string): string[] {
  const exp = r.export.ref;
  const res = r.resolution;
  const steps: string[] = [];
  if (res === null) {
    const missing = (v: VerbCheck[] | undefined): string =>
      (v ?? [])
        .filter((x) => !x.allowed)
        .map((x) => x.verb)
        .join();
    const both =
      r.slice.state === 'forbidden' &&
      r.export.state === 'forbidden' &&
      r.slice.ref.path === exp.path &&
      missing(r.slice.verbs) === missing(r.export.verbs);
    if (both) steps.push(rbacStep(['apiexportendpointslices', 'apiexports'], exp.path, r.slice.verbs));
    else {
      if (r.slice.state === 'forbidden') {
        steps.push(rbacStep(['apiexportendpointslices'], r.slice.ref.path, r.slice.verbs));
      }
      if (r.export.state === 'forbidden') steps.push(rbacStep(['apiexports'], exp.path, r.export.verbs));
    }
    return steps.length > 0
      ? steps
      : ['Check the credentials of your kubeconfig user (401/403 from the server)'];
  }
  steps.push(...schemaSteps(r));
  steps.push(...unreachableSteps(r, refText));
  switch (res.phase) {
    case 'Ready':
      steps.push(usageExample(requestUrlOf(res.urls[0], r), r.schemas));
      steps.push(`Follow changes as bindings come and go: kcp-endpoints watch ${refText}`);
      break;
    case 'AwaitingBinding': {
      const bound = r.consumers.filter((c) => c.bindings.length > 0);
      const unbound = r.consumers.filter((c) => c.state === 'found' && c.bindings.length === 0);
      if (bound.length > 0) {
        steps.push(...bindingSteps(r));
        steps.push(
          ...missingUrlSteps(r, refText).map(
            (x) =>
              `A binding exists in ${bound.map((c) => c.workspace).join(', ')} but the slice lists no URL. ${x}`,
          ),
        );
      } else if (unbound.length > 0) {
        for (const c of unbound) steps.push(bindStep(exp, c.workspace));
      } else {
        steps.push(bindStep(exp));
        if (r.consumers.length === 0)
          steps.push(
            `To check existing bindings, run: kcp-endpoints explain ${refText} --consumer <consumer-workspace>`,
          );
      }
      break;
    }
    case 'Degraded':
      steps.push(
        `The slice still lists ${res.urls.length === 1 ? 'its URL, which still serves' : `its ${res.urls.length} URLs, which still serve`}, but kcp adds or removes none until the condition is fixed (keep using them meanwhile).`,
      );
      r.slice.conditions.forEach((c, i) => {
        if (c.status !== 'True') steps.push(conditionStep(c, i, r));
      });
      break;
    case 'SliceNotReady':
      r.slice.conditions.forEach((c, i) => {
        if (c.status !== 'True') steps.push(conditionStep(c, i, r));
      });
      break;
    case 'SliceMissing':
      if (r.export.skipsEndpointSlice) {
        steps.push(`${capitalise(removeSkipAnnotationStep(exp))}:\n${sliceYaml(r.slice.ref, exp)}`);
      } else if (r.slice.ref.name !== exp.name || r.slice.ref.path !== exp.path) {
        steps.push(`${capitalise(checkSliceNameStep(r.slice.ref))}:\n${sliceYaml(r.slice.ref, exp)}`);
      } else {
        steps.push(`${awaitDefaultSliceStep(refText)}:\n${sliceYaml(r.slice.ref, exp)}`);
      }
      break;
    case 'ExportMissing':
      steps.push(capitalise(checkExportStep(exp)));
      break;
    case 'Forbidden':
      steps.push(rbacStep(['apiexportendpointslices'], r.slice.ref.path, r.slice.verbs));
      break;
  }
  const trapHandled = res.phase === 'AwaitingBinding' && r.consumers.some((c) => c.bindings.length > 0);
  const canonical = r.export.canonicalPath;
  if (
    !trapHandled &&
    canonical !== undefined &&
    res.warningDetails.some((w) => w.code === 'SliceReferenceNotCanonical')
  ) {
    steps.push(
      `The slice does not name the export by its canonical path, so kcp may miss bindings or keep a stale URL: ${canonicalPathStep(r.slice.ref, canonical)}; or re-trigger kcp now: ${nudgeCommand(r.export.ref, r.slice.ref)}`,
    );
  }
  const denied =
    r.access.state === 'found' ? r.access.verbs.filter((v) => !v.allowed).map((v) => v.verb) : [];
  const review = `SelfSubjectAccessReview on apiexports/content denies ${denied.join(', ')}`;
  if ((r.serving ?? []).some((s) => s.reason === 'forbidden')) {
    const why = `an endpoint answered 403 to discovery, which needs get on apiexports/content${denied.length === 0 ? '' : `, and the ${review}`}`;
    steps.push(
      `These credentials cannot use the export's virtual workspace (${why}); if they are the provider's, ${grantContentStep(exp, ['get', ...denied])}`,
    );
  } else if (denied.length > 0 && res.phase !== 'Forbidden') {
    steps.push(
      `These credentials cannot use the export's virtual workspace (${review}); if they are the provider's, ${grantContentStep(exp, denied)}`,
    );
  }
  if (res.source === 'virtualWorkspaces' && res.reason === 'LegacyFallback') {
    steps.push(
      'These URLs come from the deprecated APIExport.status.virtualWorkspaces (empty by default since kcp 0.28): make the slice work, then use --mode endpointSlice',
    );
  }
  if (res.phase !== 'AwaitingBinding') steps.push(...bindingSteps(r));
  return [...new Set(steps)];
}
