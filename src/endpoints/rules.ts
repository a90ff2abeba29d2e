import type { Condition } from '../kcp/meta.js';
import { formatRef, type ObjectRef } from '../kcp/paths.js';
import type {
  Endpoint,
  EndpointPhase,
  EndpointReason,
  EndpointResolution,
  EndpointSource,
  ResolveMode,
} from './types.js';

/** What was observed about one object: found (with the facts read from it), absent, or not readable. */
export type Observation<T> =
  | { state: 'found'; facts: T }
  | { state: 'notFound' }
  | { state: 'forbidden'; status: 401 | 403; message?: string | undefined };

/** The facts the rules need from an APIExportEndpointSlice. */
export interface SliceFacts {
  resourceVersion?: string | undefined;
  conditions: Condition[];
  /** Valid endpoints, as kcp listed them. */
  endpoints: Endpoint[];
  /** Plain-words descriptions of endpoints that were skipped because they are invalid. */
  invalid: string[];
  /** `spec.partition`, when set. */
  partition?: string | undefined;
}

/** The facts the rules need from an APIExport. */
export interface ExportFacts {
  resourceVersion?: string | undefined;
  /** Valid `status.virtualWorkspaces` entries. */
  virtualWorkspaces: Endpoint[];
  /** Plain-words descriptions of legacy entries that were skipped because they are invalid. */
  invalid: string[];
  /** The export carries the `apiexports.apis.kcp.io/skip-endpointslice` annotation. */
  skipsEndpointSlice: boolean;
}

/** Input of {@link resolveRules}. */
export interface RulesInput {
  export: ObjectRef;
  slice: ObjectRef;
  mode: ResolveMode;
  sliceObservation: Observation<SliceFacts>;
  exportObservation: Observation<ExportFacts>;
}

function sortedUnique(urls: Iterable<string>): string[] {
  return [...new Set(urls)].sort();
}

function bindHint(exp: ObjectRef): string {
  return `bind it from a consumer workspace: kubectl kcp bind apiexport ${formatRef(exp)}`;
}

function falseConditions(conditions: Condition[]): Condition[] {
  return conditions.filter((c) => c.status !== 'True');
}

function describeCondition(c: Condition): string {
  const why = [c.reason, c.message].filter((s) => s !== undefined && s !== '').join(': ');
  return `${c.type} is ${c.status}${why === '' ? '' : ` (${why})`}`;
}

function nextStepForCondition(
  c: Condition | undefined,
  input: RulesInput,
  partition: string | undefined,
): string {
  switch (c?.reason) {
    case 'APIExportNotFound':
      return `create APIExport ${formatRef(input.export)} or fix the slice's spec.export`;
    case 'PartitionInvalidReference':
      return partition === undefined
        ? "fix the slice's spec.partition"
        : `create Partition "${partition}" in workspace ${input.slice.path} (partitions must live next to the slice) or fix spec.partition`;
    case 'InternalError':
      return 'kcp hit an internal error and will retry; check the kcp logs if it persists';
    default:
      return `inspect the slice: kubectl get apiexportendpointslice ${input.slice.name} -o yaml (in ${input.slice.path})`;
  }
}

interface Phase {
  phase: EndpointPhase;
  reason: EndpointReason;
  message: string;
}

function slicePhase(input: RulesInput): Phase {
  const s = input.sliceObservation;
  const e = input.exportObservation;
  const sliceName = `APIExportEndpointSlice ${formatRef(input.slice)}`;
  if (s.state === 'forbidden') {
    const code = s.status === 401 ? '401 Unauthorized: the credentials were rejected' : '403 Forbidden';
    return {
      phase: 'Forbidden',
      reason: 'Forbidden',
      message: `Not allowed to read ${sliceName} (${code}); grant get, list and watch on apiexportendpointslices in ${input.slice.path}.`,
    };
  }
  if (s.state === 'notFound') {
    if (e.state === 'notFound') {
      return {
        phase: 'ExportMissing',
        reason: 'ExportNotFound',
        message: `APIExport ${formatRef(input.export)} does not exist and neither does its endpoint slice; check the workspace path and export name (kubectl get apiexports in ${input.export.path}).`,
      };
    }
    const why =
      e.state === 'found' && e.facts.skipsEndpointSlice
        ? 'the APIExport carries the apiexports.apis.kcp.io/skip-endpointslice annotation, so kcp creates no default slice; create one or remove the annotation'
        : 'kcp ≥ 0.28 creates one per APIExport with the same name (give it a moment after creating the export); on older kcp create one yourself, or pass the right slice name';
    return {
      phase: 'SliceMissing',
      reason: 'SliceNotFound',
      message: `${sliceName} does not exist: ${why}.`,
    };
  }
  const facts = s.facts;
  const notTrue = falseConditions(facts.conditions);
  if (notTrue.length > 0) {
    const first = notTrue[0];
    return {
      phase: 'SliceNotReady',
      reason: 'SliceConditionFalse',
      message: `${sliceName} is not ready: ${notTrue.map(describeCondition).join('; ')}; ${nextStepForCondition(first, input, facts.partition)}.`,
    };
  }
  if (facts.endpoints.length > 0) {
    const n = sortedUnique(facts.endpoints.map((x) => x.url)).length;
    return {
      phase: 'Ready',
      reason: 'SliceHasEndpoints',
      message: `${sliceName} lists ${n} endpoint${n === 1 ? '' : 's'} (one per shard that hosts a binding).`,
    };
  }
  return {
    phase: 'AwaitingBinding',
    reason: 'NoBindingYet',
    message: `${sliceName} is valid but lists no URL yet because no APIBinding references the export (kcp adds a shard's URL with its first binding); ${bindHint(input.export)}.`,
  };
}

function legacyOf(input: RulesInput): Endpoint[] {
  return input.exportObservation.state === 'found' ? input.exportObservation.facts.virtualWorkspaces : [];
}

/**
 * The resolution rules of the README's phase table, as one pure function: given what was observed about the
 * endpoint slice and the APIExport, and the mode, say which URLs to use, where they came from, and why.
 */
export function resolveRules(input: RulesInput): EndpointResolution {
  const phase = slicePhase(input);
  const warnings: string[] = [];
  const s = input.sliceObservation;
  const e = input.exportObservation;
  if (s.state === 'found') warnings.push(...s.facts.invalid);
  if (e.state === 'found') warnings.push(...e.facts.invalid);
  if (e.state === 'forbidden' && input.mode !== 'endpointSlice') {
    warnings.push(
      `Not allowed to read APIExport ${formatRef(input.export)} (${e.status}); the legacy fallback is unavailable.`,
    );
  }

  let source: EndpointSource = 'none';
  let endpoints: Endpoint[] = [];
  let reason = phase.reason;
  let message = phase.message;
  const legacy = legacyOf(input);

  if (input.mode === 'virtualWorkspaces') {
    if (legacy.length > 0) {
      source = 'virtualWorkspaces';
      endpoints = legacy;
      reason = 'LegacyOnly';
      message = `Using APIExport.status.virtualWorkspaces as asked (mode virtualWorkspaces); ${phase.message}`;
    } else if (e.state === 'notFound') {
      reason = 'ExportNotFound';
      message = `APIExport ${formatRef(input.export)} does not exist; check the workspace path and export name.`;
    } else if (e.state === 'forbidden') {
      reason = 'Forbidden';
      message = `Not allowed to read APIExport ${formatRef(input.export)} (${e.status}); grant get on apiexports in ${input.export.path}.`;
    } else {
      reason = 'NoLegacyUrls';
      message = `APIExport.status.virtualWorkspaces is empty: kcp ≥ 0.28 fills it only with the EnableDeprecatedAPIExportVirtualWorkspacesUrls feature gate; use mode "auto" or "endpointSlice".`;
    }
  } else if (phase.phase === 'Ready' && s.state === 'found') {
    source = 'endpointSlice';
    endpoints = s.facts.endpoints;
  } else if (input.mode === 'auto' && phase.phase !== 'ExportMissing' && legacy.length > 0) {
    source = 'virtualWorkspaces';
    endpoints = legacy;
    reason = 'LegacyFallback';
    const caveat =
      phase.phase === 'AwaitingBinding'
        ? ' These URLs may not serve anything until the first APIBinding exists.'
        : '';
    message = `Falling back to the deprecated APIExport.status.virtualWorkspaces. ${phase.message}${caveat}`;
  }

  return {
    export: { ...input.export },
    slice: { ...input.slice },
    source,
    urls: sortedUnique(endpoints.map((x) => x.url)),
    endpoints,
    phase: phase.phase,
    reason,
    message,
    sliceConditions: s.state === 'found' ? s.facts.conditions : [],
    resourceVersions: {
      ...(s.state === 'found' && s.facts.resourceVersion !== undefined
        ? { slice: s.facts.resourceVersion }
        : {}),
      ...(e.state === 'found' && e.facts.resourceVersion !== undefined
        ? { export: e.facts.resourceVersion }
        : {}),
    },
    warnings,
  };
}
