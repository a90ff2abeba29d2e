import type { Condition } from '../kcp/meta.js';
import type { ObjectRef } from '../kcp/paths.js';

/** Where `urls` came from. */
export type EndpointSource = 'endpointSlice' | 'virtualWorkspaces' | 'none';

/** The endpoint-slice lifecycle phase (see the README's phase table). Orthogonal to {@link EndpointSource}. */
export type EndpointPhase =
  'Ready' | 'AwaitingBinding' | 'SliceNotReady' | 'SliceMissing' | 'ExportMissing' | 'Forbidden';

/**
 * Stable reason codes. `SliceConditionFalse` is refined by kcp's own condition reason in `message`
 * and `sliceConditions`.
 */
export type EndpointReason =
  | 'SliceHasEndpoints'
  | 'NoBindingYet'
  | 'LegacyFallback'
  | 'SliceConditionFalse'
  | 'SliceNotFound'
  | 'ExportNotFound'
  | 'Forbidden'
  | 'LegacyOnly'
  | 'NoLegacyUrls';

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
  /** Problems that did not stop resolution (invalid endpoint URLs, decode errors), in plain words. */
  warnings: string[];
}

/** One emission of `watchEndpoints`. */
export type EndpointChange = EndpointResolution & {
  /** URLs present now and not in the previous emission. */
  added: string[];
  /** URLs present in the previous emission and not now. */
  removed: string[];
  /** The previous emission, or null for the first one. */
  previous: EndpointResolution | null;
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
