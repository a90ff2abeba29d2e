// Client and endpoint discovery
export { createClient } from './client.js';
export type { ClientOptions, ClientStatus, KcpClient } from './client-types.js';
export type { ResourceClient } from './resource-client.js';
export { legacyVirtualWorkspaces } from './endpoints/legacy.js';
export { NUDGE_ANNOTATION } from './endpoints/nudge.js';
export type { NudgeOptions, NudgeResult } from './endpoints/nudge.js';
export { resolveRules } from './endpoints/rules.js';
export type { ExportFacts, Observation, RulesInput, SliceFacts } from './endpoints/rules.js';
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
  DecodeError,
  ExecCredentialError,
  InvalidArgumentError,
  isAbortError,
  isApiStatusError,
  isDecodeError,
  isExecCredentialError,
  isInvalidArgumentError,
  isKcpError,
  isKubeconfigError,
  isNetworkError,
  isTimeoutError,
  KcpError,
  KubeconfigError,
  NetworkError,
  TimeoutError,
} from './errors.js';
export type { ApiStatusErrorInit, KcpErrorCode, KcpErrorOptions, StatusDetails } from './errors.js';
export type { Logger } from './logger.js';

// Watch tuning
export {
  DEFAULT_BACKOFF_FACTOR,
  DEFAULT_BACKOFF_INITIAL_MS,
  DEFAULT_BACKOFF_JITTER,
  DEFAULT_BACKOFF_MAX_MS,
  DEFAULT_BACKOFF_RESET_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_INACTIVITY_SLACK_MS,
  DEFAULT_MIN_WATCH_TIMEOUT_SECONDS,
  DEFAULT_REPEATED_WARNING_INTERVAL_MS,
} from './watch/tuning.js';
export type { WatchTuning } from './watch/tuning.js';

// Transport (advanced)
export { createTransport, DEFAULT_REQUEST_TIMEOUT_MS } from './http/transport.js';
export type { HttpTransport, TransportOptions } from './http/transport.js';
export {
  DEFAULT_MAX_LIST_ITEMS,
  DEFAULT_MAX_LIST_PAGES,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_MAX_WATCH_EVENT_CHARS,
} from './http/limits.js';
export type { ResponseLimits } from './http/limits.js';
export type { CallOptions, ListOptions, Transport, WatchItem, WatchOptions } from './http/types.js';

// kcp model
export { APIEXPORTENDPOINTSLICES, readSliceEndpoints } from './kcp/apiexportendpointslice.js';
export type { APIExportEndpointSlice, ExportBindingReference } from './kcp/apiexportendpointslice.js';
export { endpointUrlProblem } from './kcp/endpoint.js';
export type {
  EndpointList,
  EndpointSelector,
  InvalidEndpoint,
  SliceEndpoint,
  VirtualWorkspace,
} from './kcp/endpoint.js';
export {
  APIEXPORTS_V1ALPHA1,
  APIEXPORTS_V1ALPHA2,
  readVirtualWorkspaces,
  SKIP_ENDPOINTSLICE_ANNOTATION,
  skipsDefaultEndpointSlice,
} from './kcp/apiexport.js';
export type {
  APIExport,
  APIExportResource,
  APIExportStatus,
  APIExportV1alpha1,
  APIExportV1alpha2,
} from './kcp/apiexport.js';
export {
  APIBINDINGS_V1ALPHA1,
  APIBINDINGS_V1ALPHA2,
  apiBindingExportKey,
  bindingReferencesExport,
} from './kcp/apibinding.js';
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
export {
  formatLabelSelector,
  labelSelectorMatches,
  labelSelectorProblem,
  parseSelectorString,
} from './kcp/labels.js';
export type { LabelSelector, LabelSelectorRequirement } from './kcp/labels.js';
export {
  allTrue,
  ConditionReason,
  ConditionType,
  conditionsNotTrue,
  findCondition,
  isTrue,
} from './kcp/conditions.js';
export { clusterOf, decodeObject, pathOf, safeDecode } from './kcp/decode.js';
export type { DecodeResult } from './kcp/decode.js';
export {
  formatRef,
  isLogicalClusterName,
  isValidObjectName,
  isValidWorkspacePath,
  parseExportRef,
  parseObjectName,
  parseWorkspacePath,
  WILDCARD_CLUSTER,
} from './kcp/paths.js';
export type { ExportRef, ObjectRef } from './kcp/paths.js';
export { CLUSTER_ANNOTATION, PATH_ANNOTATION } from './kcp/meta.js';
export type { Condition, List, ObjectMeta, Status, WatchEvent, WatchEventType } from './kcp/meta.js';
export type { ResourceDescriptor } from './kcp/resource.js';

// Kubeconfig and credentials
export { loadConnection } from './config/load-connection.js';
export type { ConnectionOptions, LoadedConfig } from './config/load-connection.js';
export { kubeconfigPaths, loadKubeconfig } from './config/merge.js';
export type { KubeconfigEntry, KubeconfigEnv, MergedKubeconfig } from './config/merge.js';
export type {
  KubeconfigCluster,
  KubeconfigContext,
  KubeconfigExec,
  KubeconfigObject,
  KubeconfigUser,
} from './config/schema.js';
export { anonymousCredentials, staticTokenCredentials } from './config/connection.js';
export type { Connection, CredentialProvider, Credentials, TlsConfig } from './config/connection.js';
export {
  basicAuthCredentials,
  DEFAULT_TOKEN_FILE_PERIOD_MS,
  tokenFileCredentials,
} from './config/credentials.js';
export {
  DEFAULT_EXEC_EXPIRY_SKEW_MS,
  DEFAULT_EXEC_TIMEOUT_MS,
  execCredentials,
} from './config/exec-provider.js';
export type { ExecProviderOptions } from './config/exec-provider.js';
export type { ExecPluginConfig } from './config/exec-run.js';
