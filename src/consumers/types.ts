import type { Condition } from '../kcp/meta.js';
import type { ResolveOptions } from '../endpoints/types.js';
import type { ProbeTarget } from './probe.js';

/** What a consumer's APIBinding looks like to a provider. */
export interface ConsumerBinding {
  /** The APIBinding's name (in the consumer's workspace). */
  name: string;
  /** `status.phase`: `''`, `Binding` or `Bound`. */
  phase: string;
  /** True when the binding's `Ready` condition is True (or, on kcp that writes none, the phase is `Bound`). */
  ready: boolean;
  /** The binding's conditions as kcp wrote them. */
  conditions: Condition[];
}

/** Why a consumer was disengaged. */
export type DisengageReason =
  /** The cluster's last APIBinding to the export is gone. */
  | 'BindingDeleted'
  /** The cluster's bindings are no longer ready (only when engaging on ready bindings). */
  | 'BindingNotReady'
  /** The endpoint serving the cluster is no longer listed (its shard's last binding went, or the export did). */
  | 'EndpointRemoved';

/**
 * One consumer (a logical cluster bound to the export) as seen behind one endpoint, discriminated on `type`:
 * `engaged` when it becomes usable, `updated` when its binding changes while engaged, `disengaged` (with a
 * `reason`) when it stops being usable.
 */
export type ConsumerEvent =
  | (ConsumerState & { type: 'engaged' })
  | (ConsumerState & { type: 'updated' })
  | (ConsumerState & { type: 'disengaged'; reason: DisengageReason });

/** A consumer cluster behind one endpoint. */
export interface ConsumerState {
  /** The published endpoint URL (as in `EndpointChange.urls`). */
  endpoint: string;
  /** The consumer's logical cluster name (`kcp.io/cluster`). */
  cluster: string;
  /** The consumer's workspace path (`kcp.io/path`), when kcp wrote it. */
  path?: string | undefined;
  /** The binding that decides the state (the ready one, when several bind the export). */
  binding: ConsumerBinding;
  /** Where to reach the consumer's objects: the endpoint (after `rewriteUrl`) + `/clusters/<cluster>`. */
  url: string;
}

/** Options of `watchConsumers` and `listConsumers`. */
export interface ConsumerOptions extends ResolveOptions {
  /**
   * Which bindings engage a consumer: `ready` (a binding whose `Ready` condition is True) or `any` (any
   * binding, whatever its phase).
   * @default 'ready'
   */
  engage?: 'ready' | 'any' | undefined;
  /**
   * `watchConsumers` only: probe each endpoint before following it. `true` probes the APIBindings resource
   * every APIExport virtual workspace serves (`GET <url>/clusters/*\/apis/apis.kcp.io/v1alpha1` must list
   * `apibindings`); a {@link ProbeTarget} probes that resource. An endpoint is followed from when it first
   * serves (a failing one is probed again with backoff, shown on `status$` as `probed`), and no longer holds
   * back the first events of the others; once followed it stays followed. `listConsumers` ignores it.
   * @default false
   */
  probe?: boolean | ProbeTarget | undefined;
}
