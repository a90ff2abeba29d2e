// Model-based test of the work queue: random sequences of add, addAfter, addRateLimited, get, done, forget,
// dropCluster, time passing and shutDown run against the queue and against a plain reference model (arrays
// and sets, no heap, no ring structure), and every observable must agree after every step: which key `get`
// hands out (and which key object), the queue's counts, the backoff of every key, and the number of timers
// (one while anything is delayed, none otherwise).
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { WorkQueue, type QueueKey } from '../../src/controller/queue.js';
import { FakeClock } from '../testing/helpers.js';

interface Key extends QueueKey {
  /** Which add made this key object: the queue must hand out the latest. */
  tag: number;
}

const CLUSTERS = ['a', 'b', 'c'];
const NAMES = ['x', 'y', 'z', 'w'];
const BASE_MS = 5;
const MAX_MS = 80;

/** The reference: what the queue must do, written the obvious way. */
class Model {
  /** Commands run so far. */
  steps = 0;
  now = 0;
  tags = 0;
  shut = false;
  /** Latest key object added per id. */
  readonly latest = new Map<string, Key>();
  readonly dirty = new Set<string>();
  /** Keys handed out and not done, by id. */
  readonly processing = new Map<string, Key>();
  /** Queued ids per cluster, in order. */
  readonly queues = new Map<string, string[]>();
  /** Clusters with queued ids, in the order they are served. */
  ring: string[] = [];
  /** Delayed ids: due time and the order they were first delayed in. */
  readonly delayed = new Map<string, { at: number; seq: number }>();
  seq = 0;
  readonly failures = new Map<string, number>();

  queuedCount(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  key(cluster: string, name: string): Key {
    const k = { cluster, name, tag: this.tags++ };
    if (!this.shut) this.latest.set(id(k), k);
    return k;
  }

  add(i: string): void {
    if (this.shut || this.dirty.has(i)) return;
    this.dirty.add(i);
    if (!this.processing.has(i)) this.push(i);
  }

  push(i: string): void {
    const cluster = clusterOf(i);
    const q = this.queues.get(cluster) ?? [];
    if (q.length === 0) this.ring.push(cluster);
    q.push(i);
    this.queues.set(cluster, q);
  }

  addAfter(i: string, ms: number): void {
    if (this.shut) return;
    if (ms <= 0) {
      this.add(i);
      return;
    }
    const at = this.now + ms;
    const d = this.delayed.get(i);
    if (d === undefined) this.delayed.set(i, { at, seq: this.seq++ });
    else if (at < d.at) d.at = at;
  }

  get(): Key | undefined {
    const cluster = this.ring.shift();
    if (cluster === undefined) return undefined;
    const q = this.queues.get(cluster)!;
    const i = q.shift()!;
    if (q.length > 0) this.ring.push(cluster);
    this.dirty.delete(i);
    const k = this.latest.get(i)!;
    this.processing.set(i, k);
    return k;
  }

  advance(ms: number): void {
    this.now += ms;
    const due = [...this.delayed]
      .filter(([, d]) => d.at <= this.now)
      .sort(([, a], [, b]) => a.at - b.at || a.seq - b.seq);
    for (const [i] of due) {
      this.delayed.delete(i);
      this.add(i);
    }
  }

  drop(cluster: string): void {
    this.queues.delete(cluster);
    this.ring = this.ring.filter((c) => c !== cluster);
    for (const set of [this.dirty, this.delayed, this.failures])
      for (const i of [...set.keys()]) if (clusterOf(i) === cluster) set.delete(i);
  }

  shutDown(): void {
    this.shut = true;
    this.queues.clear();
    this.ring = [];
    this.dirty.clear();
    this.delayed.clear();
    this.failures.clear();
  }
}

const id = (k: QueueKey): string => `${k.cluster}|${k.name}`;
const clusterOf = (i: string): string => i.slice(0, i.indexOf('|'));

interface Real {
  q: WorkQueue<Key>;
  clock: FakeClock;
}

type Cmd = fc.AsyncCommand<Model, Real>;

/** Compares every count after each command. */
function agree(m: Model, r: Real): void {
  const expected = {
    length: m.queuedCount(),
    inFlight: m.processing.size,
    delayed: m.delayed.size,
    timers: m.delayed.size > 0 ? 1 : 0,
    shuttingDown: m.shut,
  };
  const actual = {
    length: r.q.length,
    inFlight: r.q.inFlight,
    delayed: r.q.delayedCount,
    timers: r.clock.pending,
    shuttingDown: r.q.shuttingDown,
  };
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`queue ${JSON.stringify(actual)} ≠ model ${JSON.stringify(expected)}`);
  }
  for (const c of CLUSTERS)
    for (const n of NAMES) {
      const k = { cluster: c, name: n, tag: -1 };
      const want = m.failures.get(id(k)) ?? 0;
      if (r.q.numRequeues(k) !== want)
        throw new Error(`numRequeues(${id(k)}) ${r.q.numRequeues(k)} ≠ ${want}`);
    }
}

function command(
  label: string,
  run: (m: Model, r: Real) => void | Promise<void>,
  check: (m: Model) => boolean = () => true,
): Cmd {
  return {
    check,
    async run(m, r) {
      m.steps += 1;
      await run(m, r);
      agree(m, r);
    },
    toString: () => label,
  };
}

const cluster = fc.constantFrom(...CLUSTERS);
const name = fc.constantFrom(...NAMES);

const addCmd = fc.tuple(cluster, name).map(([c, n]) =>
  command(`add(${c}|${n})`, (m, r) => {
    const k = m.key(c, n);
    m.add(id(k));
    r.q.add(k);
  }),
);
const addAfterCmd = fc.tuple(cluster, name, fc.integer({ min: -5, max: 60 })).map(([c, n, ms]) =>
  command(`addAfter(${c}|${n}, ${ms})`, (m, r) => {
    const k = m.key(c, n);
    m.addAfter(id(k), ms);
    r.q.addAfter(k, ms);
  }),
);
const addRateLimitedCmd = fc.tuple(cluster, name).map(([c, n]) =>
  command(`addRateLimited(${c}|${n})`, (m, r) => {
    const k = m.key(c, n);
    if (!m.shut) {
      const f = m.failures.get(id(k)) ?? 0;
      m.failures.set(id(k), f + 1);
      m.addAfter(id(k), Math.min(BASE_MS * 2 ** f, MAX_MS));
    }
    r.q.addRateLimited(k);
  }),
);
const forgetCmd = fc.tuple(cluster, name).map(([c, n]) =>
  command(`forget(${c}|${n})`, (m, r) => {
    m.failures.delete(`${c}|${n}`);
    r.q.forget({ cluster: c, name: n, tag: -1 });
  }),
);
const getCmd = fc.constant(
  command(
    'get()',
    async (m, r) => {
      const want = m.get();
      const got = await r.q.get();
      if (got?.tag !== want?.tag || (got === undefined) !== (want === undefined)) {
        throw new Error(`get() gave ${JSON.stringify(got)}, the model ${JSON.stringify(want)}`);
      }
    },
    (m) => m.shut || m.queuedCount() > 0, // an empty queue would wait
  ),
);
const doneCmd = fc.nat().map((pick) =>
  command(
    `done(#${pick})`,
    (m, r) => {
      const keys = [...m.processing.values()];
      const k = keys[pick % keys.length]!;
      m.processing.delete(id(k));
      if (m.dirty.has(id(k))) m.push(id(k));
      r.q.done(k);
    },
    (m) => m.processing.size > 0,
  ),
);
const doneIdleCmd = fc.tuple(cluster, name).map(([c, n]) =>
  command(
    `done(${c}|${n}) not in flight`,
    (_m, r) => {
      r.q.done({ cluster: c, name: n, tag: -1 });
    },
    (m) => !m.processing.has(`${c}|${n}`),
  ),
);
const advanceCmd = fc.integer({ min: 1, max: 40 }).map((ms) =>
  command(`advance(${ms})`, (m, r) => {
    m.advance(ms);
    r.clock.advance(ms);
  }),
);
const dropCmd = cluster.map((c) =>
  command(`dropCluster(${c})`, (m, r) => {
    m.drop(c);
    r.q.dropCluster(c);
  }),
);
const shutDownCmd = fc.constant(
  command(
    'shutDown()',
    (m, r) => {
      m.shutDown();
      r.q.shutDown();
    },
    (m) => m.steps >= 60, // late, so that most of a sequence runs on a live queue
  ),
);

/** Every command, weighted by repetition (shutDown only late in a sequence: see its precondition). */
const commands = [
  ...[addCmd, addCmd, addCmd, addAfterCmd, addAfterCmd, addRateLimitedCmd, addRateLimitedCmd, forgetCmd],
  ...[getCmd, getCmd, getCmd, getCmd, doneCmd, doneCmd, doneCmd, doneIdleCmd],
  ...[advanceCmd, advanceCmd, dropCmd, shutDownCmd],
];

describe('WorkQueue against a reference model', () => {
  it('agrees with the model on every random sequence of operations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 150, size: 'max' }), async (cmds) => {
        const clock = new FakeClock();
        const real: Real = {
          q: new WorkQueue<Key>({
            clock,
            rateLimit: { baseDelayMs: BASE_MS, maxDelayMs: MAX_MS, qps: Infinity },
          }),
          clock,
        };
        await fc.asyncModelRun(() => ({ model: new Model(), real }), cmds);
      }),
      { numRuns: Number(process.env['FUZZ_RUNS'] ?? 200) },
    );
  });
});
