/**
 * `kcp-endpoints`: resolve and watch the virtual-workspace URLs of kcp APIExports.
 *
 * The root entry holds what the README documents: the client, resolution results, errors and their guards,
 * the kcp object types with their resource descriptors, the endpoint readers, path helpers and tuning types.
 * The transport, credential providers, kubeconfig loading and other building blocks are in
 * `kcp-endpoints/advanced`; the simulator is in `kcp-endpoints/testing`. The list of exports is checked by
 * `scripts/check-pack.mjs` against `api/exports.txt`.
 *
 * @packageDocumentation
 */

// Client and endpoint discovery
export { createClient } from './client.js';
export type {
  ClientOptions,
  ClientStatus,
  ExportedOptions,
  KcpClient,
  WatchEndpointsOptions,
} from './client-types.js';
export type { ResourceClient } from './resource-client.js';
export type { CallOptions, ListOptions, WatchItem, WatchOptions } from './http/types.js';
export { legacyVirtualWorkspaces } from './endpoints/legacy.js';
export { NUDGE_ANNOTATION } from './endpoints/nudge.js';
export type {
  ConsumerBinding,
  ConsumerEvent,
  ConsumerOptions,
  ConsumerState,
  DisengageReason,
} from './consumers/types.js';
export type { ConsumerList } from './consumers/list.js';
export type {
  ClusterObjects,
  ExportedCallOptions,
  ExportedEvent,
  ExportedItem,
  ExportedPatchOptions,
  ExportedReadOptions,
  ExportedResource,
} from './consumers/exported.js';
export type { ExportedObject, ExportedResourceName } from './kcp/exported.js';
export type { ProbeTarget } from './consumers/probe.js';
export type { NudgeOptions, NudgeResult } from './endpoints/nudge.js';
export type {
  Endpoint,
  EndpointChange,
  EndpointPhase,
  EndpointReason,
  EndpointResolution,
  EndpointSource,
  ResolutionWarning,
  ResolveMode,
  ResolveOptions,
  WarningCode,
} from './endpoints/types.js';

// Errors
export {
  AbortError,
  ApiStatusError,
  ConflictError,
  DecodeError,
  ExecCredentialError,
  InvalidArgumentError,
  isAbortError,
  isApiStatusError,
  isConflict,
  isDecodeError,
  isExecCredentialError,
  isExpired,
  isForbidden,
  isInvalidArgumentError,
  isKcpError,
  isKubeconfigError,
  isNetworkError,
  isNotFound,
  isRetriable,
  isTimeoutError,
  isTooManyRequests,
  isUnauthorized,
  KcpError,
  KubeconfigError,
  NetworkError,
  suggestsDelay,
  TimeoutError,
} from './errors.js';
export type { KcpErrorCode, StatusDetails } from './errors.js';

// Logging and tuning
export type { Logger } from './logger.js';
export type { WatchTuning } from './watch/tuning.js';
export type { ResponseLimits } from './http/limits.js';

// kcp objects
export { APIEXPORTENDPOINTSLICES, readSliceEndpoints } from './kcp/apiexportendpointslice.js';
export type { APIExportEndpointSlice, ExportBindingReference } from './kcp/apiexportendpointslice.js';
export type {
  EndpointList,
  EndpointSelector,
  InvalidEndpoint,
  SliceEndpoint,
  VirtualWorkspace,
} from './kcp/endpoint.js';
export { APIEXPORTS_V1ALPHA1, APIEXPORTS_V1ALPHA2, readVirtualWorkspaces } from './kcp/apiexport.js';
export type {
  APIExport,
  APIExportResource,
  APIExportStatus,
  APIExportV1alpha1,
  APIExportV1alpha2,
} from './kcp/apiexport.js';
export { APIBINDINGS_V1ALPHA1, APIBINDINGS_V1ALPHA2 } from './kcp/apibinding.js';
export type {
  APIBinding,
  APIBindingPhase,
  APIBindingStatus,
  APIBindingV1alpha1,
  APIBindingV1alpha2,
  BoundAPIResource,
} from './kcp/apibinding.js';
export { PARTITIONS } from './kcp/partition.js';
export type { Partition } from './kcp/partition.js';
export { APIRESOURCESCHEMAS } from './kcp/apiresourceschema.js';
export type { APIResourceSchema } from './kcp/apiresourceschema.js';
export type { Condition, List, ObjectMeta, Status, WatchEvent, WatchEventType } from './kcp/meta.js';
export type { ResourceDescriptor } from './kcp/resource.js';

// Workspace paths and export references
export { formatRef, isLogicalClusterName, parseExportRef, parseWorkspacePath } from './kcp/paths.js';
export type { ExportRef, ObjectRef } from './kcp/paths.js';
