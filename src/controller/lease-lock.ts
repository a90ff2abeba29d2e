/**
 * One Lease as one identity competes for it: client-go's `tryAcquireOrRenew` and release, on a
 * {@link LeaseStore}. Writes are updates carrying the `resourceVersion` that was read (optimistic
 * concurrency), so of two contenders exactly one wins.
 *
 * Clock skew: the times in a Lease were written by its holder's clock, so they are compared only for change,
 * never against the local clock. What counts is when *this process* last saw the record change: a holder's
 * lease is valid until `observedAt + leaseDurationSeconds` on the local monotonic clock, where `observedAt`
 * is the local time the changed record was read (or, for the lock's own writes, the time the write was sent).
 * A dead holder's lease therefore expires one lease duration after its last change was seen here, whatever
 * its `renewTime` says.
 */
import { DecodeError, isConflict } from '../errors.js';
import { formatMicroTime, type Lease, type LeaseSpec } from '../kcp/lease.js';
import { wallTime, type Clock } from './clock.js';
import type { LeaseStore } from './lease-store.js';

/** The largest value of an `int32` Lease field. */
const MAX_INT32 = 2 ** 31 - 1;
/** How many conflicts in a row a release retries before it gives up. */
const RELEASE_ATTEMPTS = 5;

/** What a {@link LeaseLock} needs to know. */
export interface LeaseLockOptions {
  /** The Lease's name. */
  name: string;
  /** Who competes: written into `spec.holderIdentity`. */
  identity: string;
  /** `spec.leaseDurationSeconds` written when holding: this many ms, rounded up to whole seconds. */
  leaseDurationMs: number;
  clock: Clock;
  /** Labels set on the Lease on every write (other labels are kept). */
  labels?: Readonly<Record<string, string>> | undefined;
}

/** Options of one {@link LeaseLock.tryAcquireOrRenew}. */
export interface AcquireOptions {
  /**
   * Says that a holder is known to have stopped, so its Lease may be taken before its term runs out here:
   * e.g. a replica whose membership Lease has expired by the local clock, when every replica stops its
   * fenced work as soon as it cannot renew its membership.
   */
  holderGone?: ((holder: string) => boolean) | undefined;
}

/** The result of one {@link LeaseLock.tryAcquireOrRenew}. */
export type LeaseAttempt =
  | {
      /** The lock holds the Lease now: it was created, acquired or renewed. */
      held: true;
      /** When the successful write was sent (`clock.now()`): the holder's term is counted from it. */
      sentAt: number;
      /** True when this write took the Lease over (created it, or it had another or no holder). */
      acquired: boolean;
    }
  | {
      held: false;
      /** Another identity holds the Lease and its term has not expired by the local clock. */
      reason: 'held';
      holder: string;
      /** When its term expires unless its record changes again (`clock.now()` scale). */
      expiresAt: number;
    }
  | {
      held: false;
      /** Another write won the race (409 Conflict or AlreadyExists): read again and retry. */
      reason: 'conflict';
      error: unknown;
    }
  | {
      held: false;
      /** The store failed (network, 403, 5xx, aborted, …). */
      reason: 'error';
      error: unknown;
    };

/** The fields of a Lease's spec that make up its record, normalised. */
export interface LeaseRecord {
  /** `''` when the Lease has no holder (never held, or released). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: string | undefined;
  renewTime: string | undefined;
  leaseTransitions: number;
}

function int32(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value)
    ? Math.max(0, Math.min(MAX_INT32, Math.trunc(value)))
    : 0;
}

function recordOf(spec: LeaseSpec | null | undefined): LeaseRecord {
  return {
    holderIdentity: typeof spec?.holderIdentity === 'string' ? spec.holderIdentity : '',
    leaseDurationSeconds: int32(spec?.leaseDurationSeconds),
    acquireTime: typeof spec?.acquireTime === 'string' ? spec.acquireTime : undefined,
    renewTime: typeof spec?.renewTime === 'string' ? spec.renewTime : undefined,
    leaseTransitions: int32(spec?.leaseTransitions),
  };
}

/** The record as compared for change: every spec field, so any write by the holder counts. */
function fingerprint(spec: LeaseSpec | null | undefined): string {
  const s = spec ?? {};
  return JSON.stringify([
    s.holderIdentity ?? null,
    s.leaseDurationSeconds ?? null,
    s.acquireTime ?? null,
    s.renewTime ?? null,
    s.leaseTransitions ?? null,
    s.preferredHolder ?? null,
    s.strategy ?? null,
  ]);
}

/**
 * What this process knows of one Lease's record: its content, and when it was last seen change on the local
 * monotonic clock. The holder's term ends `leaseDurationSeconds` after that, whatever the Lease's own
 * timestamps say (they come from another host's clock).
 */
export class LeaseObservation {
  private seen: string | undefined;
  private current: LeaseRecord = recordOf(undefined);
  private at = Number.NEGATIVE_INFINITY;

  /** The record last seen (an empty one before any). */
  get record(): Readonly<LeaseRecord> {
    return this.current;
  }

  /** When the record was last seen change (`-Infinity` before any). */
  get observedAt(): number {
    return this.at;
  }

  /** When the holder's term ends unless the record changes again (`-Infinity` before any record). */
  get expiresAt(): number {
    return this.at + this.current.leaseDurationSeconds * 1000;
  }

  /**
   * Records a spec read at `now`; when it differs from the last one seen, `now` becomes the time it was seen
   * change. Returns true when it changed. `changed` says it changed even if it reads the same (a write of
   * this process: the server stored a new version).
   */
  see(spec: LeaseSpec | null | undefined, now: number, changed = false): boolean {
    const f = fingerprint(spec);
    if (f === this.seen && !changed) return false;
    this.seen = f;
    this.current = recordOf(spec);
    this.at = now;
    return true;
  }
}

/**
 * One Lease contended by one identity. Not safe for concurrent calls on the same instance: its owner runs
 * one attempt at a time.
 */
export class LeaseLock {
  /** The Lease's name. */
  readonly name: string;
  /** This contender's identity. */
  readonly identity: string;
  private readonly store: LeaseStore;
  private readonly clock: Clock;
  private readonly durationSeconds: number;
  private readonly labels: Readonly<Record<string, string>> | undefined;
  /** The last Lease object read or written (its resourceVersion is what the next write is based on). */
  private lease: Lease | undefined;
  private readonly seen = new LeaseObservation();
  private sentAt = Number.NEGATIVE_INFINITY;

  constructor(store: LeaseStore, options: LeaseLockOptions) {
    this.store = store;
    this.name = options.name;
    this.identity = options.identity;
    this.clock = options.clock;
    this.durationSeconds = Math.min(MAX_INT32, Math.max(1, Math.ceil(options.leaseDurationMs / 1000)));
    this.labels = options.labels;
  }

  /** The holder in the last record seen (`''` when none has been seen or the Lease was released). */
  get holder(): string {
    return this.seen.record.holderIdentity;
  }

  /** True when the last record seen names this identity as the holder. */
  get isHolder(): boolean {
    return this.seen.record.holderIdentity === this.identity;
  }

  /** When the last successful write of this lock was sent (`clock.now()` scale; `-Infinity` before any). */
  get lastWriteSentAt(): number {
    return this.sentAt;
  }

  /** `spec.leaseTransitions` of the last record seen. */
  get transitions(): number {
    return this.seen.record.leaseTransitions;
  }

  /**
   * When the term of the last record seen ends by the local clock: the local time it was seen change plus its
   * `leaseDurationSeconds` (`-Infinity` before any record was seen).
   */
  get expiresAt(): number {
    return this.seen.expiresAt;
  }

  /**
   * Creates, acquires or renews the Lease, as client-go's `tryAcquireOrRenew`: a holder whose own term is
   * still valid first updates from the object it last wrote (one request); otherwise the Lease is read, and
   * written only when it is missing, released, expired by the local clock, already held by this identity,
   * or held by one that `options.holderGone` says is gone. Never rejects: every failure is an outcome.
   */
  async tryAcquireOrRenew(signal?: AbortSignal, options: AcquireOptions = {}): Promise<LeaseAttempt> {
    const lastSeen = this.lease;
    if (this.isHolder && lastSeen !== undefined && this.expiresAt > this.clock.now()) {
      const spec = this.spec(this.seen.record.acquireTime, this.seen.record.leaseTransitions);
      const sentAt = this.clock.now();
      try {
        const written = await this.store.update(this.withSpec(lastSeen, spec), signal);
        return this.held(written, sentAt, false);
      } catch (e) {
        if (signal?.aborted === true) return { held: false, reason: 'error', error: e };
        // the fast path failed (most often a conflict): read the Lease and decide again
      }
    }
    let current: Lease | undefined;
    try {
      current = await this.store.get(this.name, signal);
    } catch (e) {
      return { held: false, reason: 'error', error: e };
    }
    if (current === undefined) return this.create(signal);
    this.observe(current);
    const now = this.clock.now();
    const gone = this.holder !== '' && !this.isHolder && options.holderGone?.(this.holder) === true;
    if (this.holder !== '' && !this.isHolder && this.expiresAt > now && !gone) {
      return { held: false, reason: 'held', holder: this.holder, expiresAt: this.expiresAt };
    }
    const taking = !this.isHolder;
    const spec = taking
      ? this.spec(undefined, Math.min(MAX_INT32, this.seen.record.leaseTransitions + 1))
      : this.spec(this.seen.record.acquireTime, this.seen.record.leaseTransitions);
    const sentAt = this.clock.now();
    try {
      const written = await this.store.update(this.withSpec(current, spec), signal);
      return this.held(written, sentAt, taking);
    } catch (e) {
      return { held: false, reason: isConflict(e) ? 'conflict' : 'error', error: e };
    }
  }

  /**
   * Gives the Lease up, as client-go's release: when the stored record still names this identity, it is
   * rewritten with no holder, `leaseDurationSeconds: 1` and the transitions kept, so a contender takes over
   * at its next attempt instead of waiting for the term to run out. Conflicts are retried after reading
   * again; a Lease that is missing or held by another identity is left alone.
   * @returns true when the Lease was released, false when there was nothing of this identity's to release.
   * @throws the store's error (or the last conflict after several in a row).
   */
  async release(signal?: AbortSignal): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.store.get(this.name, signal);
      if (current === undefined) return false;
      this.observe(current);
      if (!this.isHolder) return false;
      const now = formatMicroTime(wallTime(this.clock));
      const spec: LeaseSpec = {
        ...(current.spec ?? {}),
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: this.seen.record.leaseTransitions,
      };
      const sentAt = this.clock.now();
      try {
        this.wrote(await this.store.update(this.withSpec(current, spec), signal), sentAt);
        return true;
      } catch (e) {
        if (!isConflict(e) || attempt >= RELEASE_ATTEMPTS) throw e;
      }
    }
  }

  private async create(signal: AbortSignal | undefined): Promise<LeaseAttempt> {
    const lease: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, ...(this.labels === undefined ? {} : { labels: { ...this.labels } }) },
      spec: this.spec(undefined, 0),
    };
    const sentAt = this.clock.now();
    try {
      return this.held(await this.store.create(lease, signal), sentAt, true);
    } catch (e) {
      return { held: false, reason: isConflict(e) ? 'conflict' : 'error', error: e };
    }
  }

  /** The spec this identity writes when holding: times from the wall clock, acquireTime kept when given. */
  private spec(acquireTime: string | undefined, transitions: number): LeaseSpec {
    const now = formatMicroTime(wallTime(this.clock));
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.durationSeconds,
      acquireTime: acquireTime ?? now,
      renewTime: now,
      leaseTransitions: transitions,
    };
  }

  /** `lease` with `spec` (other spec fields it carries are kept) and this lock's labels. */
  private withSpec(lease: Lease, spec: LeaseSpec): Lease {
    const labels =
      this.labels === undefined ? lease.metadata.labels : { ...lease.metadata.labels, ...this.labels };
    return {
      ...lease,
      metadata: { ...lease.metadata, ...(labels === undefined || labels === null ? {} : { labels }) },
      spec: { ...(lease.spec ?? {}), ...spec },
    };
  }

  /** Records a Lease read: when its record differs from the last one seen, it was seen change now. */
  private observe(lease: Lease): void {
    this.lease = lease;
    this.seen.see(lease.spec, this.clock.now());
  }

  /** The outcome of a successful write meant to hold the Lease: held, unless the server stored another holder. */
  private held(written: Lease, sentAt: number, acquired: boolean): LeaseAttempt {
    this.wrote(written, sentAt);
    if (this.isHolder) return { held: true, sentAt, acquired };
    const error = new DecodeError(
      `Lease ${this.store.description}/${this.name}: the server stored holder ${JSON.stringify(this.holder)} for a write of holder ${JSON.stringify(this.identity)}`,
    );
    return { held: false, reason: 'error', error };
  }

  /** Records this lock's own successful write, seen at the time it was sent. */
  private wrote(lease: Lease, sentAt: number): void {
    this.lease = lease;
    this.seen.see(lease.spec, sentAt, true);
    if (this.isHolder) this.sentAt = sentAt;
  }
}
