/**
 * `kcp-endpoints/advanced`: the building blocks behind the client, for tools that need more than
 * `createClient`: the HTTP transport, kubeconfig loading and credential providers, the pure resolution rules,
 * object decoders, condition and label-selector helpers, and the named defaults of every tuning option.
 *
 * Less stable than the root entry: these exports may change in a minor version (each change is in the
 * CHANGELOG). It shares its modules with the root entry (in the same module format): one exec-plugin
 * credential cache, one registry of secrets to redact and one set of error classes. Between the ESM and the
 * CommonJS build they are still two copies, so the guards (`isApiStatusError`, …), which check `name` and
 * `code`, remain the safer test.
 *
 * @packageDocumentation
 */

// HTTP transport
export { createTransport, DEFAULT_REQUEST_TIMEOUT_MS } from './http/transport.js';
export type { HttpTransport, TransportOptions } from './http/transport.js';
export type { Transport } from './http/types.js';
export {
  DEFAULT_MAX_LIST_ITEMS,
  DEFAULT_MAX_LIST_PAGES,
  DEFAULT_MAX_RESPONSE_BYTES,
  DEFAULT_MAX_WATCH_EVENT_CHARS,
} from './http/limits.js';

// Watch tuning defaults
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

// Resolution rules (pure)
export { resolveRules } from './endpoints/rules.js';
export type { ExportFacts, Observation, RulesInput, SliceFacts } from './endpoints/rules.js';

// Error construction
export type { ApiStatusErrorInit, KcpErrorOptions } from './errors.js';

// kcp object helpers
export { clusterOf, decodeObject, pathOf, safeDecode } from './kcp/decode.js';
export type { DecodeResult } from './kcp/decode.js';
export { endpointUrlProblem } from './kcp/endpoint.js';
export { SKIP_ENDPOINTSLICE_ANNOTATION, skipsDefaultEndpointSlice } from './kcp/apiexport.js';
export { apiBindingExportKey, bindingReferencesExport } from './kcp/apibinding.js';
export { CLUSTER_ANNOTATION, PATH_ANNOTATION } from './kcp/meta.js';
export { isValidObjectName, isValidWorkspacePath, parseObjectName, WILDCARD_CLUSTER } from './kcp/paths.js';
export {
  allTrue,
  ConditionReason,
  ConditionType,
  conditionsNotTrue,
  findCondition,
  isTrue,
} from './kcp/conditions.js';

// Label selectors
export {
  formatLabelSelector,
  labelSelectorMatches,
  labelSelectorProblem,
  parseSelectorString,
} from './kcp/labels.js';
export type { LabelSelector, LabelSelectorRequirement } from './kcp/labels.js';
