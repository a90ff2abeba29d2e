/**
 * Test doubles of the controller runtime's lease machinery: a fake clock whose timers fire only when a test
 * advances it, and a Lease store in memory with kube-apiserver's optimistic concurrency, whose every call
 * can be scripted (delayed, failed, held).
 */
import { AbortError, ApiStatusError, ConflictError, NetworkError } from '../../src/errors.js';
import type { Clock } from '../../src/controller/clock.js';
import type { LeaseStore } from '../../src/controller/lease-store.js';
import type { Lease } from '../../src/kcp/lease.js';
import { FakeClock as SimulatorFakeClock } from '../testing/helpers.js';

function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** Lets every pending promise callback run (a macrotask boundary drains the microtask queue). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * The simulator tests' fake clock, for async code: time starts at 0, {@link FakeClock.tick} lets the
 * promise callbacks run after each timer it fires, and `wallTime` is 2026-01-01 plus the time plus `skewMs`
 * (a host whose clock is wrong).
 */
export class FakeClock extends SimulatorFakeClock implements Clock {
  /** Added to the wall clock. */
  skewMs = 0;

  constructor() {
    super();
    this.time = 0;
  }

  wallTime(): number {
    return Date.UTC(2026, 0, 1) + this.time + this.skewMs;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order, settling after each. */
  async tick(ms: number): Promise<void> {
    const target = this.time + ms;
    await settle();
    for (;;) {
      const next = this.nextTimerAt;
      if (next === undefined || next > target) break;
      this.advance(Math.max(0, next - this.time));
      await settle();
    }
    this.advance(target - this.time);
    await settle();
  }

  /** Advances in steps of `stepMs` until `done()` holds or `maxMs` passed; returns the time it took. */
  async until(done: () => boolean, maxMs: number, stepMs = 100): Promise<number> {
    const start = this.time;
    while (!done()) {
      if (this.time - start >= maxMs) throw new Error(`condition not met within ${maxMs} ms of fake time`);
      await this.tick(stepMs);
    }
    return this.time - start;
  }
}

/** A call the store received. */
export interface StoreCall {
  op: 'get' | 'list' | 'create' | 'update';
  name: string;
  /** Fake time the call was made. */
  at: number;
}

/**
 * A call gate: runs before each store call and may delay it (await the clock, honouring or ignoring the
 * call's signal) or throw to fail it.
 */
export type Gate = (call: StoreCall, signal: AbortSignal | undefined) => Promise<void> | void;

/** Leases in memory, with resourceVersions and 409s as kube-apiserver answers them. */
export class MemoryLeaseStore implements LeaseStore {
  readonly description = 'root:test/default';
  readonly leases = new Map<string, Lease>();
  readonly calls: StoreCall[] = [];
  private rv = 0;
  /** Runs before every call (see {@link Gate}). */
  gate: Gate | undefined;

  constructor(private readonly clock: Clock) {}

  private async enter(op: StoreCall['op'], name: string, signal: AbortSignal | undefined): Promise<void> {
    const call = { op, name, at: this.clock.now() };
    this.calls.push(call);
    if (signal?.aborted === true) throw new AbortError();
    await this.gate?.(call, signal);
    if (isAborted(signal)) throw new AbortError();
  }

  private stored(lease: Lease): Lease {
    const copy = structuredClone(lease);
    copy.metadata.resourceVersion = String(++this.rv);
    copy.metadata.namespace = 'default';
    this.leases.set(copy.metadata.name, copy);
    return structuredClone(copy);
  }

  /** Writes a Lease as another client would (no gate, no resourceVersion check). */
  put(lease: Lease): Lease {
    return this.stored(lease);
  }

  /** The stored Lease's spec. */
  spec(name: string): Lease['spec'] {
    return this.leases.get(name)?.spec;
  }

  async get(name: string, signal?: AbortSignal): Promise<Lease | undefined> {
    await this.enter('get', name, signal);
    const l = this.leases.get(name);
    return l === undefined ? undefined : structuredClone(l);
  }

  async list(labelSelector?: string, signal?: AbortSignal): Promise<Lease[]> {
    await this.enter('list', '', signal);
    const wanted = (labelSelector ?? '')
      .split(',')
      .filter((s) => s !== '')
      .map((s) => s.split('='));
    return [...this.leases.values()]
      .filter((l) => wanted.every(([k = '', v]) => l.metadata.labels?.[k] === v))
      .map((l) => structuredClone(l));
  }

  async create(lease: Lease, signal?: AbortSignal): Promise<Lease> {
    const name = lease.metadata.name;
    await this.enter('create', name, signal);
    if (this.leases.has(name)) {
      throw new ConflictError(`leases.coordination.k8s.io "${name}" already exists`, {
        status: 409,
        reason: 'AlreadyExists',
      });
    }
    return this.stored(lease);
  }

  async update(lease: Lease, signal?: AbortSignal): Promise<Lease> {
    const name = lease.metadata.name;
    await this.enter('update', name, signal);
    const current = this.leases.get(name);
    if (current === undefined) {
      throw new ApiStatusError(`leases.coordination.k8s.io "${name}" not found`, {
        status: 404,
        reason: 'NotFound',
      });
    }
    const rv = lease.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion) {
      throw new ConflictError(
        `Operation cannot be fulfilled on leases.coordination.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        { status: 409, reason: 'Conflict' },
      );
    }
    return this.stored(lease);
  }
}

/** One client's view of a shared store, which a test can cut off from the API server. */
export class StoreView implements LeaseStore {
  /** While true, every call fails as if the network were down. */
  cut = false;

  constructor(private readonly inner: LeaseStore) {}

  get description(): string {
    return this.inner.description;
  }

  private check(): void {
    if (this.cut) throw new NetworkError('connect ECONNREFUSED 127.0.0.1:6443');
  }

  async get(name: string, signal?: AbortSignal): Promise<Lease | undefined> {
    this.check();
    return this.inner.get(name, signal);
  }

  async list(labelSelector?: string, signal?: AbortSignal): Promise<Lease[]> {
    this.check();
    return this.inner.list(labelSelector, signal);
  }

  async create(lease: Lease, signal?: AbortSignal): Promise<Lease> {
    this.check();
    return this.inner.create(lease, signal);
  }

  async update(lease: Lease, signal?: AbortSignal): Promise<Lease> {
    this.check();
    return this.inner.update(lease, signal);
  }
}
