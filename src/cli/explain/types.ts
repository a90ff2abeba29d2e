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
  /** `spec.latestResourceSchemas` (the v1alpha1 view). */
  resourceSchemas: string[];
  conditions: Condition[];
  /** Legacy `status.virtualWorkspaces[].url`. */
  virtualWorkspaceUrls: string[];
  skipsEndpointSlice: boolean;
  /** RBAC probe when forbidden. */
  verbs?: VerbCheck[] | undefined;
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
  conditions: Condition[];
  endpoints: string[];
  verbs?: VerbCheck[] | undefined;
}

/** The whole chain, in the order explain walks it, plus the verdict and what to do. */
export interface ExplainReport {
  export: ExportFinding;
  schemas: SchemaFinding[];
  consumers: ConsumerFinding[];
  slice: SliceFinding;
  /** The resolution `get` would print; `null` when every object was refused. */
  resolution: EndpointResolution | null;
  /** Concrete next steps, most important first. */
  nextSteps: string[];
}
