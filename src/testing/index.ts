/**
 * `kcp-endpoints/testing`: a kcp simulator that speaks real Kubernetes HTTP on loopback, for tests, demos
 * and benchmarks of code that talks to kcp — no kcp needed.
 *
 * The simulator is an independent oracle of kcp: it parses and matches label selectors, sets conditions,
 * reads and writes kcp objects with its own code, not with the SDK's (`src/kcp/labels.ts`,
 * `src/kcp/conditions.ts`, `src/kcp/decode.ts`, …), so a bug in the SDK is not mirrored by the server it is
 * tested against. The copies are deliberate. From the SDK it imports only what both sides must agree on by
 * definition: wire constants from `src/kcp/meta.ts` (annotation keys, the code → `Status.reason` table), the
 * reference syntax of `src/kcp/paths.ts` (its helpers take the same `ExportRef`s as the client) and
 * `InvalidArgumentError` from `src/errors.ts` (thrown by its helpers). ESLint's `no-restricted-imports`
 * enforces this for `src/testing/**` (see `eslint.config.js`).
 *
 * @packageDocumentation
 */
// Layout:
//   simulator.ts  startKcpSimulator: wires the parts below into one HTTP(S) server
//   types.ts      the public KcpSimulator interface and its options
//   clock.ts      time source and scheduler, shared by every part
//   model/        kcp's object model as the simulator keeps it: JSON values, resources and versions, the
//                 store, objects and their metadata, validation, schemas, the resources bound in workspaces
//                 and served by export virtual workspaces, conditions, selectors, topology, API errors
//                 (metav1.Status)
//   controllers/  the simulated kcp controllers (exports, slices, bindings)
//   http/         the Kubernetes REST, watch and discovery endpoints, and the APIExport virtual workspaces
//   harness/      what tests drive: object helpers, users and grants, faults, TLS, kubeconfigs
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
