/**
 * Leader election on a `coordination.k8s.io/v1` Lease, with client-go's `tools/leaderelection` semantics and
 * defaults: candidates try to acquire every `retryPeriodMs` (jittered by {@link JITTER_FACTOR}); the leader
 * renews every `retryPeriodMs`; a leader that cannot renew within `renewDeadlineMs` stops leading before its
 * lease can expire; a graceful stop releases the lease so a standby takes over at its next attempt.
 *
 * Where this is stricter than client-go, on purpose:
 * - the renew deadline is counted from when the last successful renewal was *sent*, not from when the next
 *   round of attempts began, so a slow answer cannot stretch a term past what other candidates assume;
 * - a leader that reads another holder's unexpired record stops at once instead of retrying until the deadline;
 * - a release rewrites the Lease only when the stored record still names this identity;
 * - `onStoppedLeading` is called only after `onStartedLeading`, and a graceful stop keeps renewing until the
 *   work started by `onStartedLeading` has settled, then releases.
 */
import { hostname } from 'node:os';
import { InvalidArgumentError, isAbortError } from '../errors.js';
import { isValidObjectName } from '../kcp/paths.js';
import { resolveLogger, type Logger } from '../logger.js';
import { checkDurationMs, delay } from '../timers.js';
import { systemClock, type Clock } from './clock.js';
import { LeaseLock } from './lease-lock.js';
import type { LeaseStore } from './lease-store.js';

/** client-go's `JitterFactor`: a candidate waits `retryPeriodMs × (1 + random × 1.2)` between attempts. */
export const JITTER_FACTOR = 1.2;

/** `signal.aborted`, read through a call so that TypeScript does not narrow it across awaits. */
function isAborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** What a renewal round's timer resolves to when the renew deadline passes. */
const DEADLINE: unique symbol = Symbol('deadline');

/** client-go's defaults ("core clients default this value to …"). */
export const LEADER_ELECTION_DEFAULTS = Object.freeze({
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
});

/** Options of a {@link LeaderElector}. */
export interface LeaderElectionOptions {
  /** The Lease's name (a DNS subdomain). */
  name: string;
  /**
   * This candidate's identity, unique among the candidates (written into `spec.holderIdentity`).
   * @default defaultIdentity(): `<hostname>-<pid>`
   */
  identity?: string | undefined;
  /**
   * How long a candidate waits without seeing the Lease change before it takes over (written, rounded up to
   * whole seconds, into `spec.leaseDurationSeconds`).
   * @default 15000
   */
  leaseDurationMs?: number | undefined;
  /**
   * How long the leader keeps trying to renew before it stops leading; less than `leaseDurationMs`.
   * @default 10000
   */
  renewDeadlineMs?: number | undefined;
  /**
   * Wait between attempts (acquire: jittered; renew: fixed); `renewDeadlineMs` must exceed
   * `retryPeriodMs × 1.2`.
   * @default 2000
   */
  retryPeriodMs?: number | undefined;
  /**
   * On a graceful stop (the `run` signal aborted while leading), clear the holder so a standby takes over at
   * once instead of after `leaseDurationMs`.
   * @default true
   */
  releaseOnStop?: boolean | undefined;
  /**
   * Called when this candidate starts leading. `signal` aborts when leadership ends (a failed renewal or a
   * stop): stop the guarded work then. On a graceful stop the returned promise is awaited, with the lease
   * still renewed, before the lease is released.
   */
  onStartedLeading?: ((signal: AbortSignal) => void | Promise<void>) | undefined;
  /** Called once leadership has ended (only after `onStartedLeading`). */
  onStoppedLeading?: (() => void) | undefined;
  /** Called when the observed leader changes to `identity` (this candidate included; not for "no leader"). */
  onNewLeader?: ((identity: string) => void) | undefined;
  /** Labels put on the Lease. */
  labels?: Readonly<Record<string, string>> | undefined;
  /** Where failed attempts are reported (warn) and transitions (info). @default console for warn/error */
  logger?: Partial<Logger> | undefined;
  /** The time source (tests use a fake one). @default systemClock */
  clock?: Clock | undefined;
  /** Random numbers in [0, 1) for the jitter. @default Math.random */
  random?: (() => number) | undefined;
}

/** `<hostname>-<pid>`: a candidate identity unique per process on a host. */
export function defaultIdentity(): string {
  return `${hostname()}-${process.pid}`;
}

/** The checked timings and identity of an elector. */
interface Settings {
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/**
 * Checks a lease's timings as client-go does: both durations positive, and `leaseDurationMs` greater than
 * `renewDeadlineMs` (a holder must stop before the others' view of its term can end).
 * @throws InvalidArgumentError naming the option that is wrong.
 */
export function checkLeaseTimings(leaseDurationMs: number, renewDeadlineMs: number): void {
  checkDurationMs(leaseDurationMs, 'leaseDurationMs');
  checkDurationMs(renewDeadlineMs, 'renewDeadlineMs');
  for (const [k, v] of [
    ['leaseDurationMs', leaseDurationMs],
    ['renewDeadlineMs', renewDeadlineMs],
  ] as const) {
    if (!(v > 0)) throw new InvalidArgumentError(`Option "${k}" must be greater than zero`, k);
  }
  if (leaseDurationMs <= renewDeadlineMs) {
    throw new InvalidArgumentError(
      `Option "leaseDurationMs" (${leaseDurationMs}) must be greater than "renewDeadlineMs" (${renewDeadlineMs})`,
      'leaseDurationMs',
    );
  }
}

function settingsOf(o: LeaderElectionOptions): Settings {
  if (typeof o.name !== 'string' || !isValidObjectName(o.name)) {
    throw new InvalidArgumentError(
      `Invalid lease name ${JSON.stringify(o.name)}: expected a lowercase DNS subdomain like "my-controller"`,
      'name',
    );
  }
  const identity = o.identity ?? defaultIdentity();
  if (typeof identity !== 'string' || identity === '') {
    throw new InvalidArgumentError('Option "identity" must be a non-empty string', 'identity');
  }
  checkDurationMs(o.retryPeriodMs, 'retryPeriodMs');
  const s: Settings = {
    identity,
    leaseDurationMs: o.leaseDurationMs ?? LEADER_ELECTION_DEFAULTS.leaseDurationMs,
    renewDeadlineMs: o.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs,
    retryPeriodMs: o.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs,
  };
  if (!(s.retryPeriodMs > 0)) {
    throw new InvalidArgumentError('Option "retryPeriodMs" must be greater than zero', 'retryPeriodMs');
  }
  checkLeaseTimings(s.leaseDurationMs, s.renewDeadlineMs);
  if (s.renewDeadlineMs <= JITTER_FACTOR * s.retryPeriodMs) {
    throw new InvalidArgumentError(
      `Option "renewDeadlineMs" (${s.renewDeadlineMs}) must be greater than "retryPeriodMs" × ${JITTER_FACTOR} (${JITTER_FACTOR * s.retryPeriodMs})`,
      'renewDeadlineMs',
    );
  }
  return s;
}

/**
 * A candidate for leadership on one Lease. Create one per Lease and identity; {@link LeaderElector.run} it.
 *
 * @example
 * ```ts
 * const elector = new LeaderElector(store, {
 *   name: 'cowboys-controller',
 *   onStartedLeading: (signal) => reconcileUntil(signal),
 * });
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort());
 * await elector.run(stop.signal); // returns after a graceful stop (lease released) or a lost lease
 * ```
 */
export class LeaderElector {
  /** This candidate's identity. */
  readonly identity: string;
  /** The Lease's name. */
  readonly name: string;
  private readonly settings: Settings;
  private readonly lock: LeaseLock;
  private readonly options: LeaderElectionOptions;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly where: string;
  private reported = '';
  private isLeading = false;
  private running = false;

  constructor(store: LeaseStore, options: LeaderElectionOptions) {
    this.settings = settingsOf(options);
    this.options = options;
    this.identity = this.settings.identity;
    this.name = options.name;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.log = resolveLogger(options.logger);
    this.where = `${store.description}/${options.name}`;
    this.lock = new LeaseLock(store, {
      name: options.name,
      identity: this.identity,
      leaseDurationMs: this.settings.leaseDurationMs,
      clock: this.clock,
      labels: options.labels,
    });
  }

  /** True while this candidate leads (from `onStartedLeading` until leadership ends). */
  get leading(): boolean {
    return this.isLeading;
  }

  /** The holder of the last record seen (`''` when none, or the lease was released). */
  get leader(): string {
    return this.lock.holder;
  }

  /**
   * Campaigns until this candidate leads, leads until a renewal fails or `signal` aborts, then returns: one
   * term, like client-go's `Run` (call it again to campaign again). After a graceful stop the work of
   * `onStartedLeading` has settled and the lease is released (`releaseOnStop`); after a lost lease, `run`
   * waits for that work to settle (its signal is aborted) and leaves the lease alone.
   * @throws InvalidArgumentError when this elector is already running.
   */
  async run(signal: AbortSignal = new AbortController().signal): Promise<void> {
    if (this.running) throw new InvalidArgumentError(`Leader election on ${this.where} is already running`);
    this.running = true;
    try {
      if (!(await this.acquire(signal))) return;
      await this.lead(signal);
    } finally {
      this.running = false;
    }
  }

  /** Attempts every jittered `retryPeriodMs` until the lease is held (true) or `signal` aborts (false). */
  private async acquire(signal: AbortSignal): Promise<boolean> {
    this.log.info(`leader election: trying to acquire lease ${this.where}`, { identity: this.identity });
    for (;;) {
      if (signal.aborted) return false;
      const r = await this.lock.tryAcquireOrRenew(signal);
      this.reportLeader();
      if (r.held) {
        this.log.info(`leader election: acquired lease ${this.where}`, { identity: this.identity });
        return true;
      }
      if (r.reason !== 'held' && !isAborted(signal)) this.failed('acquire', r.error);
      const { retryPeriodMs } = this.settings;
      try {
        await delay(retryPeriodMs + this.random() * JITTER_FACTOR * retryPeriodMs, signal, this.clock);
      } catch {
        return false;
      }
    }
  }

  /** One term: start the work, renew until lost or stopped, then stop the work (and release on a stop). */
  private async lead(stop: AbortSignal): Promise<void> {
    const leading = new AbortController();
    this.isLeading = true;
    const start = this.options.onStartedLeading;
    const work = (async () => {
      await start?.(leading.signal);
    })().catch((e: unknown) => {
      if (!isAbortError(e)) this.log.error(`leader election: the leading work failed`, { error: e });
    });
    const work$ = { settled: false };
    const wake = new AbortController();
    void work.then(() => {
      work$.settled = true;
      if (stop.aborted) wake.abort();
    });
    const onStop = (): void => {
      leading.abort();
      if (work$.settled) wake.abort();
    };
    stop.addEventListener('abort', onStop, { once: true });
    if (stop.aborted) onStop();
    let lost = false;
    try {
      for (;;) {
        if (stop.aborted && work$.settled) break;
        try {
          await delay(this.settings.retryPeriodMs, wake.signal, this.clock);
        } catch {
          break; // stopped and the work has settled
        }
        if (!(await this.renew(wake.signal))) {
          lost = !(stop.aborted && work$.settled);
          break;
        }
      }
    } finally {
      stop.removeEventListener('abort', onStop);
    }
    leading.abort();
    if (lost) {
      this.isLeading = false;
      this.log.warn(`leader election: lost lease ${this.where}`, { identity: this.identity });
      this.options.onStoppedLeading?.();
      await work;
      return;
    }
    await work;
    if (this.options.releaseOnStop !== false) await this.release();
    this.isLeading = false;
    this.options.onStoppedLeading?.();
  }

  /**
   * Renews until it succeeds (true), or until `renewDeadlineMs` after the last successful renewal was sent
   * (false), or until another holder is seen (false). An attempt still in flight at the deadline is aborted.
   */
  private async renew(wake: AbortSignal): Promise<boolean> {
    const deadline = this.lock.lastWriteSentAt + this.settings.renewDeadlineMs;
    for (;;) {
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) return false;
      const attempt = new AbortController();
      const timer = new AbortController();
      const passed = (): typeof DEADLINE => DEADLINE;
      const deadlinePassed = delay(remaining, timer.signal, this.clock).then(passed, passed);
      const result = await Promise.race([this.lock.tryAcquireOrRenew(attempt.signal), deadlinePassed]);
      timer.abort();
      this.reportLeader();
      if (result === DEADLINE) {
        attempt.abort();
        return false;
      }
      if (result.held) return true;
      if (result.reason === 'held') return false;
      this.failed('renew', result.error);
      const wait = Math.min(this.settings.retryPeriodMs, deadline - this.clock.now());
      if (wait <= 0) return false;
      try {
        await delay(wait, wake, this.clock);
      } catch {
        return false; // stopped, and the work has settled: no need to renew any more
      }
    }
  }

  private async release(): Promise<void> {
    const timeout = new AbortController();
    const t = delay(this.settings.renewDeadlineMs, timeout.signal, this.clock).then(
      () => {
        timeout.abort();
      },
      () => undefined,
    );
    try {
      if (await this.lock.release(timeout.signal)) {
        this.log.info(`leader election: released lease ${this.where}`, { identity: this.identity });
      }
    } catch (e) {
      this.failed('release', e);
    } finally {
      if (!timeout.signal.aborted) timeout.abort();
      await t;
    }
    this.reportLeader();
  }

  private reportLeader(): void {
    const holder = this.lock.holder;
    if (holder === this.reported) return;
    this.reported = holder;
    if (holder !== '') this.options.onNewLeader?.(holder);
  }

  private failed(what: string, error: unknown): void {
    this.log.warn(`leader election: could not ${what} lease ${this.where}`, { error });
  }
}
