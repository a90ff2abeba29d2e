/**
 * A per-cluster fencing Lease: before a replica reconciles a cluster it holds that cluster's Lease, so two
 * replicas that disagree about ownership for a moment (membership changes are seen at different times)
 * never reconcile one cluster at the same time. Acquire when assigned, renew while owned, release when not.
 * The sharding coordinator schedules the calls; this is one fence's state and its operations.
 */
import { systemClock, type Clock } from './clock.js';
import { checkLeaseTimings, LEADER_ELECTION_DEFAULTS } from './leader-election.js';
import { LeaseLock, type AcquireOptions, type LeaseAttempt } from './lease-lock.js';
import type { LeaseStore } from './lease-store.js';
import { leaseNameFor } from './membership.js';

/** Options of a {@link ClusterFence}. */
export interface ClusterFenceOptions {
  /** The fencing Lease is named `<prefix><cluster>` (see `leaseNameFor`). */
  prefix: string;
  /** This replica's identity. */
  identity: string;
  /** The fence's term, written as `leaseDurationSeconds` (rounded up to whole seconds). @default 15000 */
  leaseDurationMs?: number | undefined;
  /**
   * How long after a successful acquire or renew was sent the replica may go on reconciling without another
   * one; less than `leaseDurationMs`.
   * @default 10000
   */
  renewDeadlineMs?: number | undefined;
  /** Labels put on the Lease. */
  labels?: Readonly<Record<string, string>> | undefined;
  /** @default systemClock */
  clock?: Clock | undefined;
}

/** One cluster's fencing Lease, as one replica holds it. */
export class ClusterFence {
  /** The cluster (e.g. a logical cluster name) this fence guards. */
  readonly cluster: string;
  /** The fencing Lease's name. */
  readonly leaseName: string;
  private readonly lock: LeaseLock;
  private readonly clock: Clock;
  private readonly renewDeadlineMs: number;

  constructor(store: LeaseStore, cluster: string, options: ClusterFenceOptions) {
    const leaseDurationMs = options.leaseDurationMs ?? LEADER_ELECTION_DEFAULTS.leaseDurationMs;
    this.renewDeadlineMs = options.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs;
    checkLeaseTimings(leaseDurationMs, this.renewDeadlineMs);
    this.cluster = cluster;
    this.leaseName = leaseNameFor(options.prefix, cluster);
    this.clock = options.clock ?? systemClock;
    this.lock = new LeaseLock(store, {
      name: this.leaseName,
      identity: options.identity,
      leaseDurationMs,
      clock: this.clock,
      labels: options.labels,
    });
  }

  /**
   * One attempt to acquire the fence, or to renew it when held: succeeds when the Lease is missing,
   * released, held by this replica, held by a replica `options.holderGone` says is gone, or its holder's
   * record has not changed for its lease duration (local clock). Never rejects; see {@link LeaseAttempt}.
   *
   * A replica that reads another's fence only when it becomes the owner sees that record change for the
   * first time then, and would wait a whole lease duration more; `holderGone` (e.g. "not a live member")
   * lets it take over at once, provided every replica stops all fenced work when it loses its membership.
   */
  acquire(signal?: AbortSignal, options: AcquireOptions = {}): Promise<LeaseAttempt> {
    return this.lock.tryAcquireOrRenew(signal, options);
  }

  /**
   * True while the cluster may be reconciled: this replica holds the fence, and its last successful acquire
   * or renew was sent less than `renewDeadlineMs` ago (so every other replica still sees the term running).
   */
  holds(now: number = this.clock.now()): boolean {
    return now < this.heldUntil();
  }

  /** When {@link ClusterFence.holds} turns false unless renewed (`-Infinity` when not held). */
  heldUntil(): number {
    return this.lock.isHolder ? this.lock.lastWriteSentAt + this.renewDeadlineMs : Number.NEGATIVE_INFINITY;
  }

  /** The holder last seen (`''` for none). */
  get holder(): string {
    return this.lock.holder;
  }

  /**
   * Releases the fence (no holder, so the next owner acquires it at once) when the Lease still names this
   * replica. Stop reconciling the cluster first.
   * @returns true when released, false when there was nothing of this replica's to release.
   * @throws the store's error.
   */
  release(signal?: AbortSignal): Promise<boolean> {
    return this.lock.release(signal);
  }
}
