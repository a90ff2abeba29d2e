import type { EndpointResolution } from '../../endpoints/types.js';
import type { Condition } from '../../kcp/meta.js';
import type { ObjectRef } from '../../kcp/paths.js';

/** How reading one object went. */
export type LookupState = 'found' | 'notFound' | 'notServed' | 'forbidden' | 'error' | 'skipped';

/** A missing or present RBAC verb, probed against the server. */
export interface VerbCheck {
  verb: 'get' | 'list';
  allowed: boolean;
}

/** What explain found about the APIExport. */
export interface ExportFinding {
  ref: ObjectRef;
  state: LookupState;
  message?: string | undefined;
  /** `kcp.io/cluster` of the export (its logical cluster). */
  logicalCluster?: string | undefined;
  identityHash?: string | undefined;
  /** `kcp.io/path` of the export (its canonical workspace path), when set. */
  canonicalPath?: string | undefined;
  /** APIResourceSchema names of the exported resources (v1alpha2 `spec.resources[].schema`, else v1alpha1 `spec.latestResourceSchemas`). */
  resourceSchemas: string[];
  /** Exported resources as read from APIExport v1alpha2 `spec.resources` (empty when only v1alpha1 is served). */
  resources: ExportedResource[];
  /** The API version the export was read as. */
  readAs?: 'v1alpha1' | 'v1alpha2' | undefined;
  conditions: Condition[];
  /** Legacy `status.virtualWorkspaces[].url`. */
  virtualWorkspaceUrls: string[];
  skipsEndpointSlice: boolean;
  /** RBAC probe when forbidden. */
  verbs?: VerbCheck[] | undefined;
}

/** One `spec.resources[]` entry of a v1alpha2 APIExport. */
export interface ExportedResource {
  name: string;
  group: string;
  schema: string;
  /** `crd` (the default) or `virtual` (served through another endpoint slice kind). */
  storage: 'crd' | 'virtual';
  /** For virtual storage: `kind name` of the referenced object. */
  reference?: string | undefined;
}

/** What explain found about one APIResourceSchema. */
export interface SchemaFinding {
  name: string;
  state: LookupState;
  message?: string | undefined;
  group?: string | undefined;
  resource?: string | undefined;
  kind?: string | undefined;
  versions?: string[] | undefined;
}

/** One APIBinding that references the export. */
export interface BindingFinding {
  name: string;
  /** `spec.reference.export.path` as written (`''` = the binding's own workspace). */
  exportPath: string;
  phase: string;
  deleting: boolean;
  conditionsNotTrue: Condition[];
}

/** What explain found in one consumer workspace. */
export interface ConsumerFinding {
  workspace: string;
  state: LookupState;
  message?: string | undefined;
  bindings: BindingFinding[];
}

/** What explain found about the endpoint slice. */
export interface SliceFinding {
  ref: ObjectRef;
  state: LookupState;
  message?: string | undefined;
  partition?: string | undefined;
  /** `spec.export.path` as written (`''` when empty). */
  exportPath?: string | undefined;
  /** `status.shardSelector` (kcp ≥ 0.27), when set. */
  shardSelector?: string | undefined;
  conditions: Condition[];
  endpoints: string[];
  verbs?: VerbCheck[] | undefined;
}

/** What explain found about the slice's Partition (only when the slice names one). */
export interface PartitionFinding {
  name: string;
  state: LookupState;
  message?: string | undefined;
  /** The selector in Kubernetes string syntax when it is valid, else as JSON. */
  selector?: string | undefined;
  /** What is wrong with the selector, when it is invalid. */
  problem?: string | undefined;
}

/** One shard as explain sees it against the slice's shard selector. */
export interface ShardFinding {
  name: string;
  labels: Record<string, string>;
  virtualWorkspaceURL?: string | undefined;
  /** The shard's labels match the slice's `status.shardSelector` (always true without one). */
  inPartition: boolean;
}

/** The shards, when readable (`/clusters/root/apis/core.kcp.io/v1alpha1/shards`). */
export interface ShardsFinding {
  state: LookupState;
  message?: string | undefined;
  shards: ShardFinding[];
}

/** One verb of the provider's access to the export's virtual workspace. */
export interface AccessVerb {
  verb: 'list' | 'watch';
  allowed: boolean;
}

/**
 * A SelfSubjectAccessReview of `apiexports/content` on the export in the export's workspace, with the
 * credentials explain runs with (run explain with the provider's credentials to check the provider).
 */
export interface AccessFinding {
  state: LookupState;
  message?: string | undefined;
  verbs: AccessVerb[];
}

/** A published endpoint URL that `--rewrite-url` changes, and the URL requests for it go to instead. */
export interface RewrittenUrl {
  /** The published URL, as in the resolution's `urls` (a user name and password in it redacted). */
  url: string;
  /** The URL requests go to (the rewrite applied). */
  requestUrl: string;
}

/**
 * Why an endpoint URL does not serve: `notFound` (404: kcp publishes a shard's URL before its virtual
 * workspace serves), `forbidden` (403: these credentials lack `apiexports/content` on the export),
 * `unauthorized` (401: the endpoint does not accept these credentials), `unreachable` (no connection or no
 * answer in time), `error` (anything else: another status, TLS, an answer that is not discovery).
 */
export type NotServingReason = 'notFound' | 'forbidden' | 'unauthorized' | 'unreachable' | 'error';

/** Whether one endpoint URL serves: one GET of `<url>/clusters/*\/apis` (through its rewritten URL). */
export interface ServingFinding {
  /** The published URL, as in the resolution's `urls` (a user name and password in it redacted). */
  url: string;
  /** True when the virtual workspace answered discovery. */
  serving: boolean;
  /** Why not (absent when serving): the failure's message, redacted. */
  error?: string | undefined;
  /** The kind of failure (absent when serving). */
  reason?: NotServingReason | undefined;
}

/** The whole chain, in the order explain walks it, plus the verdict and what to do. */
export interface ExplainReport {
  export: ExportFinding;
  schemas: SchemaFinding[];
  consumers: ConsumerFinding[];
  slice: SliceFinding;
  /** The slice's Partition, when the slice names one and could be read. */
  partition?: PartitionFinding | undefined;
  /** Shards and their place in the slice's partition. */
  shards: ShardsFinding;
  /** Can these credentials use the export's virtual workspace (`apiexports/content` list, watch)? */
  access: AccessFinding;
  /** The resolution `get` would print, computed from the objects read above; `null` when every object was refused. */
  resolution: EndpointResolution | null;
  /**
   * With `--rewrite-url`: the URLs of `resolution` that a rewrite changes, in their order (empty when it changes
   * none of them). Absent without the flag.
   */
  rewrittenUrls?: RewrittenUrl[] | undefined;
  /**
   * Whether each URL of `resolution` serves, in their order (empty without a URL). Absent with `--no-probe`.
   */
  serving?: ServingFinding[] | undefined;
  /** Concrete next steps, most important first. */
  nextSteps: string[];
}
