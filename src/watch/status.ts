import type { KcpError } from '../errors.js';

/**
 * Lifecycle events of one list+watch loop, discriminated on `type`. `resource` is `plural` or
 * `plural.group`; `workspace` is the cluster the loop lists in (a workspace path, a logical cluster name or `*`).
 *
 * - `connecting`: a list (the first one) or a watch is being opened.
 * - `connected`: a watch is open from `resourceVersion`.
 * - `retrying`: a failure is being waited out (`attempt`, `delayMs`, the `error`).
 * - `relisting`: the loop lists again because its resourceVersion `expired` (410) or after another `error`.
 * - `error`: a failure a consumer should see (401/403/404, bad data, an undecodable event); retries go on.
 * - `probed`: a readiness probe of a virtual-workspace endpoint had another outcome than the one before (the
 *   first outcome included): `serving`, and the `error` saying why not. `resource` is what was probed
 *   (`plural.group`, or `apis` for the API group list); `workspace` is always `*`.
 *
 * Events of a watch through a virtual workspace (consumers) and of a probe also carry the `endpoint` URL.
 */
export type WatchStatus = WatchStatusEvent & { endpoint?: string | undefined };

/** The events of {@link WatchStatus}, without the optional `endpoint`. */
export type WatchStatusEvent =
  | { type: 'connecting'; resource: string; workspace: string }
  | { type: 'connected'; resource: string; workspace: string; resourceVersion: string }
  | {
      type: 'retrying';
      resource: string;
      workspace: string;
      attempt: number;
      delayMs: number;
      error: KcpError;
    }
  | { type: 'relisting'; resource: string; workspace: string; reason: 'expired' | 'error' }
  | { type: 'error'; resource: string; workspace: string; error: KcpError }
  | { type: 'probed'; resource: string; workspace: '*'; serving: boolean; error?: KcpError };
