import type { Condition } from './meta.js';

/** Condition types kcp writes on APIExportEndpointSlices, APIExports and APIBindings. */
export const ConditionType = {
  /** Slice and binding: the referenced APIExport exists (and, for bindings, is usable). */
  APIExportValid: 'APIExportValid',
  /** Slice: no partition set, or the partition exists and its selector parses. */
  PartitionValid: 'PartitionValid',
  /** Slice, kcp ≤ 0.26 only (deprecated, may linger on old objects): endpoint list computed. */
  EndpointURLsReady: 'EndpointURLsReady',
  /** Export: legacy `status.virtualWorkspaces` computed (absent on kcp ≥ 0.28 unless the gate is on). */
  VirtualWorkspaceURLsReady: 'VirtualWorkspaceURLsReady',
  /** Export: identity secret valid, `status.identityHash` set. */
  IdentityValid: 'IdentityValid',
  /** Binding: first binding done (never reset once True). */
  InitialBindingCompleted: 'InitialBindingCompleted',
  /** Binding: bound resources match the export's current schemas. */
  BindingUpToDate: 'BindingUpToDate',
  /** Binding: summary; mirrors `InitialBindingCompleted` only. */
  Ready: 'Ready',
  /** Binding, during deletion: bound resources deleted. */
  BindingResourceDeleteSuccess: 'BindingResourceDeleteSuccess',
  /** Binding: permission claims are valid. */
  PermissionClaimsValid: 'PermissionClaimsValid',
  /** Binding: permission claims applied. */
  PermissionClaimsApplied: 'PermissionClaimsApplied',
} as const;
/** A known kcp condition type. */
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Condition reasons kcp writes (on False or Unknown conditions). */
export const ConditionReason = {
  /** `APIExportValid`: the APIExport does not exist (slice endpoints are cleared). */
  APIExportNotFound: 'APIExportNotFound',
  /** `APIExportValid`: the reference is invalid. */
  APIExportInvalidReference: 'APIExportInvalidReference',
  /** `APIExportValid` on bindings: the export has no `status.identityHash` yet. */
  MissingIdentityHash: 'MissingIdentityHash',
  /** Any condition: an internal error; kcp retries. */
  InternalError: 'InternalError',
  /** `PartitionValid`: partition not found or its selector does not parse (slice endpoints are cleared). */
  PartitionInvalidReference: 'PartitionInvalidReference',
  /** `EndpointURLsReady` / `VirtualWorkspaceURLsReady`: URLs could not be computed. */
  ErrorGeneratingURLs: 'ErrorGeneratingURLs',
  /** `IdentityValid`: the identity secret does not match. */
  IdentityVerificationFailed: 'IdentityVerificationFailed',
  /** `IdentityValid`: the identity could not be generated. */
  IdentityGenerationFailed: 'IdentityGenerationFailed',
  /** Binding conditions: bound CRDs are not established yet (Info; transient). */
  WaitingForEstablished: 'WaitingForEstablished',
  /** Binding conditions: the export's logical cluster was not found. */
  LogicalClusterNotFound: 'LogicalClusterNotFound',
  /** Binding conditions: resource names conflict with existing APIs. */
  NamingConflicts: 'NamingConflicts',
  /** Binding conditions: an APIResourceSchema is invalid. */
  APIResourceSchemaInvalid: 'APIResourceSchemaInvalid',
  /** `BindingResourceDeleteSuccess`: deleting bound resources failed. */
  ResourceDeletionFailed: 'ResourceDeletionFailed',
  /** `BindingResourceDeleteSuccess`: bound resources remain. */
  SomeResourcesRemain: 'SomeResourcesRemain',
  /** `BindingResourceDeleteSuccess`: finalizers remain on bound resources. */
  SomeFinalizersRemain: 'SomeFinalizersRemain',
  /** `PermissionClaimsValid`: claims are invalid. */
  InvalidPermissionClaims: 'InvalidPermissionClaims',
  /** `PermissionClaimsValid`: claims do not match the export's. */
  PermissionClaimsMismatch: 'PermissionClaimsMismatch',
} as const;
/** A known kcp condition reason. */
export type ConditionReason = (typeof ConditionReason)[keyof typeof ConditionReason];

/** A list of conditions as decoded (absent and `null` are treated as empty). */
export type Conditions = readonly Condition[] | null | undefined;

/** The condition of the given type, if present. */
export function findCondition(conditions: Conditions, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when the condition of the given type is present with status `True`. */
export function isTrue(conditions: Conditions, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** The conditions whose status is not `True`, in kcp's order. */
export function conditionsNotTrue(conditions: Conditions): Condition[] {
  return (conditions ?? []).filter((c) => c.status !== 'True');
}

/**
 * True when every condition is `True` — vacuously true for none. This is the gate kcp's endpoint-URL controller
 * applies to a slice before it adds or removes URLs.
 */
export function allTrue(conditions: Conditions): boolean {
  return conditionsNotTrue(conditions).length === 0;
}
