/**
 * `kcp-endpoints/testing`: a kcp simulator that speaks real Kubernetes HTTP on loopback, for tests, demos
 * and benchmarks of code that talks to kcp — no kcp needed.
 *
 * @packageDocumentation
 */
export { startKcpSimulator, INSTANT_DELAYS, REALISTIC_DELAYS } from './simulator.js';
export type {
  AddShardOptions,
  BindOptions,
  CreateExportOptions,
  KcpSimulator,
  LabelSelector,
  SimObject,
  SimulatorOptions,
} from './types.js';
export type { GrantOptions } from './harness/auth.js';
export type { SimulatorClock } from './clock.js';
export type { SimulatorDelays, SimulatorGates } from './controllers/context.js';
export type {
  FaultHandle,
  FaultKind,
  FaultMatch,
  FaultRecord,
  FaultSpec,
  FaultVerb,
  RandomFaultOptions,
  SimulatorFaults,
} from './harness/faults.js';
export type { KubeconfigDocument, KubeconfigOptions, SimulatorKubeconfig } from './harness/kubeconfig.js';
export type { KcpProfile, SimResource } from './model/resources.js';
export type { WorkspaceInfo } from './model/topology.js';
export type { Json, JsonObject } from './model/json.js';
