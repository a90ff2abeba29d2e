/**
 * Where the controller runtime keeps its Leases: a small interface (get, list, create, update with
 * optimistic concurrency) and its implementation over the SDK's transport. Leader election, membership and
 * fencing are written against the interface only, so tests can run them on a store in memory.
 */
import { isNotFound } from '../errors.js';
import type { Transport } from '../http/types.js';
import { LEASES, type Lease } from '../kcp/lease.js';

/**
 * The Leases of one namespace in one workspace. Every write returns the object as stored, with its new
 * `metadata.resourceVersion`.
 */
export interface LeaseStore {
  /** Where the Leases are, for messages (e.g. `root:org:provider/default`). */
  readonly description: string;
  /** The Lease named `name`, or `undefined` when there is none. Other failures reject. */
  get(name: string, signal?: AbortSignal): Promise<Lease | undefined>;
  /** The Leases whose labels match `labelSelector` (`key=value,…`; every Lease when omitted). */
  list(labelSelector?: string, signal?: AbortSignal): Promise<Lease[]>;
  /**
   * Creates `lease` (named by `metadata.name`).
   * @throws ConflictError (`isConflict`, reason `AlreadyExists`) when a Lease of that name exists.
   */
  create(lease: Lease, signal?: AbortSignal): Promise<Lease>;
  /**
   * Replaces `lease`. With `metadata.resourceVersion` set, the write succeeds only while that is still the
   * stored version.
   * @throws ConflictError (`isConflict`, reason `Conflict`) when the Lease changed since that version; an
   *   `ApiStatusError` with status 404 (`isNotFound`) when it is gone.
   */
  update(lease: Lease, signal?: AbortSignal): Promise<Lease>;
}

/** Where a {@link transportLeaseStore} keeps its Leases. */
export interface LeaseStoreLocation {
  /** The workspace (path or logical cluster name), e.g. `root:org:provider`. */
  workspace: string;
  /** The namespace, e.g. `default` (a kcp workspace has `default`; `kube-system` is not created). */
  namespace: string;
}

/** A {@link LeaseStore} over a transport: `coordination.k8s.io/v1` Leases in one namespace of a workspace. */
export function transportLeaseStore(transport: Transport, where: LeaseStoreLocation): LeaseStore {
  const { workspace, namespace } = where;
  return {
    description: `${workspace}/${namespace}`,
    async get(name, signal) {
      try {
        return await transport.get(LEASES, workspace, name, { namespace, signal });
      } catch (e) {
        // a missing namespace is reported as 404 too, by name: only a missing Lease means "no Lease"
        if (isNotFound(e) && (e.details?.kind ?? 'leases') === 'leases') return undefined;
        throw e;
      }
    },
    async list(labelSelector, signal) {
      const l = await transport.list(LEASES, workspace, { namespace, labelSelector, signal });
      return l.items;
    },
    create: (lease, signal) => transport.create(LEASES, workspace, lease, { namespace, signal }),
    update: (lease, signal) =>
      transport.update(LEASES, workspace, lease.metadata.name, lease, { namespace, signal }),
  };
}
