import { conditionsNotTrue } from '../kcp/conditions.js';
import type { Condition } from '../kcp/meta.js';
import { formatRef, type ObjectRef } from '../kcp/paths.js';
import {
  awaitDefaultSliceStep,
  bindStep,
  checkExportStep,
  checkSliceNameStep,
  conditionStep,
  grantReadCommand,
  nonCanonicalSliceWarning,
  removeSkipAnnotationStep,
} from './next-steps.js';
import type {
  Endpoint,
  EndpointPhase,
  EndpointReason,
  EndpointResolution,
  EndpointSource,
  ResolutionWarning,
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
  /**
   * `spec.export.path` as written (`''` when empty or absent), compared with the export's canonical path to
   * detect a non-canonical reference. Omit to skip that check.
   */
  exportPath?: string | undefined;
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
  /** The export's canonical workspace path (its `kcp.io/path` annotation), when set. */
  canonicalPath?: string | undefined;
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

function describeCondition(c: Condition): string {
  const why = [c.reason, c.message].filter((s) => s !== undefined && s !== '').join(': ');
  return `${c.type} is ${c.status}${why === '' ? '' : ` (${why})`}`;
}

/** kcp's reasons that `Degraded` carries as its own reason. */
const DEGRADED_REASONS: ReadonlySet<string> = new Set([
  'APIExportNotFound',
  'PartitionInvalidReference',
  'InternalError',
  'ErrorGeneratingURLs',
]);

function degradedReason(c: Condition | undefined): EndpointReason {
  const r = c?.reason;
  return r !== undefined && DEGRADED_REASONS.has(r) ? (r as EndpointReason) : 'SliceConditionFalse';
}

/** The steps for every condition that is not True, in kcp's order, without repeats. */
function conditionSteps(facts: SliceFacts, input: RulesInput): string {
  const ctx = { export: input.export, slice: input.slice, partition: facts.partition };
  const steps = facts.conditions.flatMap((c, i) => (c.status === 'True' ? [] : [conditionStep(c, i, ctx)]));
  return [...new Set(steps)].join('; ');
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
      message: `Not allowed to read ${sliceName} (${code}); grant get, list and watch on apiexportendpointslices in ${input.slice.path}: ${grantReadCommand(input.slice.path)}.`,
    };
  }
  if (s.state === 'notFound') {
    if (e.state === 'notFound') {
      return {
        phase: 'ExportMissing',
        reason: 'ExportNotFound',
        message: `APIExport ${formatRef(input.export)} does not exist and neither does its endpoint slice; ${checkExportStep(input.export)}.`,
      };
    }
    const isDefault = input.slice.path === input.export.path && input.slice.name === input.export.name;
    const why =
      e.state === 'found' && e.facts.skipsEndpointSlice
        ? removeSkipAnnotationStep(input.export)
        : isDefault
          ? awaitDefaultSliceStep(formatRef(input.export))
          : checkSliceNameStep(input.slice);
    return {
      phase: 'SliceMissing',
      reason: 'SliceNotFound',
      message: `${sliceName} does not exist: ${why}.`,
    };
  }
  const facts = s.facts;
  const notTrue = conditionsNotTrue(facts.conditions);
  const n = sortedUnique(facts.endpoints.map((x) => x.url)).length;
  const urls = `${n} URL${n === 1 ? '' : 's'}`;
  if (notTrue.length > 0) {
    const conditions = notTrue.map(describeCondition).join('; ');
    if (n > 0) {
      return {
        phase: 'Degraded',
        reason: degradedReason(notTrue[0]),
        message: `${sliceName} still lists ${urls} and they still serve, but kcp adds or removes none until the condition is fixed (${conditions}); ${conditionSteps(facts, input)}.`,
      };
    }
    return {
      phase: 'SliceNotReady',
      reason: 'SliceConditionFalse',
      message: `${sliceName} is not ready: ${conditions}; ${conditionSteps(facts, input)}.`,
    };
  }
  if (n > 0) {
    return {
      phase: 'Ready',
      reason: 'SliceHasEndpoints',
      message: `${sliceName} lists ${urls}, one per shard virtual workspace kcp published for the export (kcp adds a shard's URL with the first APIBinding on that shard and removes it after the last; a shard that left the slice's partition keeps its URL while it still hosts bindings).`,
    };
  }
  return {
    phase: 'AwaitingBinding',
    reason: 'NoBindingYet',
    message: `${sliceName} is valid but lists no URL yet: kcp adds a shard's URL once an APIBinding to the export exists on that shard, and none has been seen yet (or kcp has not reacted yet); ${bindStep(input.export)}.`,
  };
}

/** The textual-path trap: the slice names the export by other text than the export's `kcp.io/path`. */
function nonCanonicalWarning(input: RulesInput): string | undefined {
  const s = input.sliceObservation;
  const e = input.exportObservation;
  if (s.state !== 'found' || e.state !== 'found') return undefined;
  const canonical = e.facts.canonicalPath;
  const path = s.facts.exportPath;
  if (canonical === undefined || path === undefined || path === canonical) return undefined;
  return nonCanonicalSliceWarning(input.export, input.slice, path, canonical);
}

function legacyOf(input: RulesInput): Endpoint[] {
  return input.exportObservation.state === 'found' ? input.exportObservation.facts.virtualWorkspaces : [];
}

/**
 * The resolution rules of the README's phase table, as one pure function: given what was observed about the
 * endpoint slice and the APIExport, and the mode, say which URLs to use, where they came from, and why. URLs
 * follow what kcp publishes: a slice that lists URLs while a condition is not True is `Degraded` and its URLs
 * are kept (kcp clears them itself when the export or the Partition is missing).
 */
export function resolveRules(input: RulesInput): EndpointResolution {
  const phase = slicePhase(input);
  const details: ResolutionWarning[] = [];
  const s = input.sliceObservation;
  const e = input.exportObservation;
  const nonCanonical = nonCanonicalWarning(input);
  if (nonCanonical !== undefined) details.push({ code: 'SliceReferenceNotCanonical', message: nonCanonical });
  if (s.state === 'found')
    details.push(...s.facts.invalid.map((m) => ({ code: 'InvalidEndpoint' as const, message: m })));
  if (e.state === 'found') {
    details.push(...e.facts.invalid.map((m) => ({ code: 'InvalidLegacyEndpoint' as const, message: m })));
  }
  if (e.state === 'forbidden' && input.mode !== 'endpointSlice') {
    details.push({
      code: 'ExportUnreadable',
      message: `Not allowed to read APIExport ${formatRef(input.export)} (${e.status}); the legacy fallback is unavailable.`,
    });
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
  } else if ((phase.phase === 'Ready' || phase.phase === 'Degraded') && s.state === 'found') {
    // URLs follow what kcp publishes, whatever the conditions say (kcp freezes the list while one is False).
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
    warnings: details.map((w) => w.message),
    warningDetails: details,
  };
}
