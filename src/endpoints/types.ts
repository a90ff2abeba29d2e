import type { Condition } from '../kcp/meta.js';
import type { ObjectRef } from '../kcp/paths.js';

/** Where `urls` came from. */
export type EndpointSource = 'endpointSlice' | 'virtualWorkspaces' | 'none';

/** The endpoint-slice lifecycle phase (see the README's phase table). Orthogonal to {@link EndpointSource}. */
export type EndpointPhase =
  'Ready' | 'AwaitingBinding' | 'Degraded' | 'SliceNotReady' | 'SliceMissing' | 'ExportMissing' | 'Forbidden';

/**
 * Stable reason codes. `SliceConditionFalse` is refined by kcp's own condition reason in `message`
 * and `sliceConditions`. Phase `Degraded` carries kcp's reason of the first condition that is not True
 * (`APIExportNotFound`, `PartitionInvalidReference`, `InternalError`, `ErrorGeneratingURLs`), or
 * `SliceConditionFalse` when kcp gave none or an unknown one.
 */
export type EndpointReason =
  | 'SliceHasEndpoints'
  | 'APIExportNotFound'
  | 'PartitionInvalidReference'
  | 'InternalError'
  | 'ErrorGeneratingURLs'
  | 'NoBindingYet'
  | 'LegacyFallback'
  | 'SliceConditionFalse'
  | 'SliceNotFound'
  | 'ExportNotFound'
  | 'Forbidden'
  | 'LegacyOnly'
  | 'NoLegacyUrls';

/**
 * Stable codes of {@link ResolutionWarning}s:
 * - `SliceReferenceNotCanonical`: the slice's `spec.export.path` is not the export's canonical path
 *   (`kcp.io/path`), so kcp may not notice bindings for it (URLs missing or stale);
 * - `InvalidEndpoint`: an entry of the slice's `status.endpoints` was skipped;
 * - `InvalidLegacyEndpoint`: an entry of the export's `status.virtualWorkspaces` was skipped;
 * - `ExportUnreadable`: the APIExport could not be read (401/403), so the legacy fallback is unavailable.
 */
export type WarningCode =
  'SliceReferenceNotCanonical' | 'InvalidEndpoint' | 'InvalidLegacyEndpoint' | 'ExportUnreadable';

/** A problem that did not stop resolution: a stable code and a sentence saying what to do. */
export interface ResolutionWarning {
  /** Stable machine code. */
  code: WarningCode;
  /** The same sentence as in `warnings`. */
  message: string;
}

/** How to pick the source of URLs. */
export type ResolveMode = 'auto' | 'endpointSlice' | 'virtualWorkspaces';

/** One endpoint as kcp lists it in `status.endpoints[]`. */
export interface Endpoint {
  /** Virtual-workspace base URL; append `/clusters/<name or *>/…`. */
  url: string;
  /** kcp main only: which shards this URL serves (`matchAll` or a label selector). */
  shards?: { matchAll?: boolean | undefined; selector?: Record<string, unknown> | undefined } | undefined;
}

/** The answer of `resolveEndpoints`: plain data, JSON-serialisable. */
export interface EndpointResolution {
  /** The APIExport that was resolved. */
  export: ObjectRef;
  /** The endpoint slice that was read (by default the export's name in the export's workspace). */
  slice: ObjectRef;
  /** Where `urls` came from. */
  source: EndpointSource;
  /** Sorted, unique virtual-workspace base URLs. */
  urls: string[];
  /** Endpoints as kcp returned them (slice endpoints, or legacy `virtualWorkspaces` entries). */
  endpoints: Endpoint[];
  /** Endpoint-slice lifecycle phase. */
  phase: EndpointPhase;
  /** Stable machine code. */
  reason: EndpointReason;
  /** One sentence for a human: what this means and what to do next. */
  message: string;
  /** The slice's conditions as kcp wrote them (empty when there is no slice). */
  sliceConditions: Condition[];
  /** resourceVersions of the objects read. */
  resourceVersions: { slice?: string | undefined; export?: string | undefined };
  /** Problems that did not stop resolution (invalid endpoint URLs, a non-canonical slice reference), in plain words. */
  warnings: string[];
  /** The same problems as `warnings`, in the same order, each with a stable {@link WarningCode}. */
  warningDetails: ResolutionWarning[];
}

/** One emission of `watchEndpoints`. */
export type EndpointChange = EndpointResolution & {
  /** URLs present now and not in the previous emission. */
  added: string[];
  /** URLs present in the previous emission and not now. */
  removed: string[];
  /** The previous emission, or null for the first one. */
  previous: EndpointResolution | null;
  /**
   * Present only when the watch probes its endpoints (the `probe` option of `watchEndpoints`): for every URL
   * of `urls`, whether its virtual workspace answered the readiness probe (true) or not yet / no longer
   * (false). A change that adds URLs comes once their first probes ended; each time an endpoint starts or
   * stops serving, one more change comes with the same resolution, `added` and `removed` empty.
   */
  serving?: Readonly<Record<string, boolean>>;
};

/** Options of `resolveEndpoints` and `watchEndpoints`. */
export interface ResolveOptions {
  /** @default 'auto' */
  mode?: ResolveMode | undefined;
  /** The endpoint slice to read. @default the export's name, in the export's workspace */
  slice?: string | { name: string; path?: string | undefined } | undefined;
  /** Cancels the call (resolve rejects with `AbortError`) or completes the stream (watch). */
  signal?: AbortSignal | undefined;
}
