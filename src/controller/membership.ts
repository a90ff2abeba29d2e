/**
 * Membership of the replicas that share work: each replica holds a membership Lease named
 * `<prefix><identity>` (renewed like a leader's, see `LeaderElector`), and every replica reads the
 * membership Leases to know who is live. Liveness is judged the client-go way, on the local clock: a member is
 * live while its Lease names it as holder and its record was seen change within its `leaseDurationSeconds`.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';
import type { Lease } from '../kcp/lease.js';
import { isValidObjectName } from '../kcp/paths.js';
import { systemClock, type Clock } from './clock.js';
import { LeaseObservation } from './lease-lock.js';

/** The longest Kubernetes object name. */
const MAX_NAME = 253;
/** A lease-name prefix: lowercase alphanumerics, `-` and `.`, starting with an alphanumeric. */
const PREFIX = /^[a-z0-9][-a-z0-9.]*$/;

/**
 * Checks a lease-name prefix (e.g. `cowboys-member-`).
 * @throws InvalidArgumentError naming `what` when it is not lowercase alphanumerics, `-` and `.`, starting
 *   with an alphanumeric, or longer than 200 characters.
 */
export function checkLeasePrefix(prefix: unknown, what = 'leasePrefix'): string {
  if (typeof prefix !== 'string' || prefix.length > 200 || !PREFIX.test(prefix)) {
    throw new InvalidArgumentError(
      `Invalid ${what} ${JSON.stringify(prefix)}: expected lowercase letters, digits, "-" and "." starting with a letter or digit, like "cowboys-member-"`,
      what,
    );
  }
  return prefix;
}

/**
 * The Lease name `<prefix><id>` of a member identity or a cluster. An id that does not make a valid name
 * as it is (uppercase, `_`, `:`, too long…) is lowercased, every run of other characters becomes `-`, and a hash of
 * the original id is appended, so two different ids never share a name.
 */
export function leaseNameFor(prefix: string, id: string): string {
  const plain = `${checkLeasePrefix(prefix)}${id}`;
  if (id !== '' && isValidObjectName(plain)) return plain;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 10);
  const cleaned = id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const room = MAX_NAME - prefix.length - hash.length - 1;
  const head = cleaned.slice(0, Math.max(0, room)).replace(/-+$/, '');
  return head === '' ? `${prefix}${hash}` : `${prefix}${head}-${hash}`;
}

/** What a {@link MembershipView} reads. */
export interface MembershipOptions {
  /** Only Leases whose name starts with this prefix are membership Leases. */
  prefix: string;
  /** @default systemClock */
  clock?: Clock | undefined;
}

/**
 * The live members, from successive reads of the membership Leases. Feed it every complete read
 * ({@link MembershipView.observe}); ask it who is live at any time ({@link MembershipView.live}).
 */
export class MembershipView {
  private readonly prefix: string;
  private readonly clock: Clock;
  private readonly seen = new Map<string, LeaseObservation>();

  constructor(options: MembershipOptions) {
    this.prefix = checkLeasePrefix(options.prefix, 'prefix');
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Records a complete read of the membership Leases, made now: a Lease whose record changed since the last
   * read was renewed now; a Lease missing from the read is forgotten (deleted).
   */
  observe(leases: readonly Lease[]): void {
    const now = this.clock.now();
    const names = new Set<string>();
    for (const lease of leases) {
      const name = lease.metadata.name;
      if (!name.startsWith(this.prefix)) continue;
      names.add(name);
      let o = this.seen.get(name);
      if (o === undefined) {
        o = new LeaseObservation();
        this.seen.set(name, o);
      }
      o.see(lease.spec, now);
    }
    for (const name of [...this.seen.keys()]) if (!names.has(name)) this.seen.delete(name);
  }

  /**
   * The identities live at `now` (sorted, no duplicates): a membership Lease names each as holder, and was
   * seen change less than its `leaseDurationSeconds` ago. A member first seen now counts as live for one
   * lease duration, as client-go treats a record it has just read.
   */
  live(now: number = this.clock.now()): string[] {
    const out = new Set<string>();
    for (const o of this.seen.values()) {
      if (o.record.holderIdentity !== '' && o.expiresAt > now) out.add(o.record.holderIdentity);
    }
    return [...out].sort();
  }

  /** When the first live member expires unless its Lease changes (`undefined` with no live member). */
  nextExpiry(now: number = this.clock.now()): number | undefined {
    let next: number | undefined;
    for (const o of this.seen.values()) {
      if (o.record.holderIdentity === '' || o.expiresAt <= now) continue;
      if (next === undefined || o.expiresAt < next) next = o.expiresAt;
    }
    return next;
  }
}
