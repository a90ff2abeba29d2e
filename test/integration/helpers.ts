import { firstValueFrom, filter, type Observable, type Subscription } from 'rxjs';
import { createClient } from '../../src/client.js';
import type { KcpClient } from '../../src/client-types.js';
import type { ClientOptions } from '../../src/client-types.js';
import type { EndpointChange } from '../../src/endpoints/types.js';
import { silentLogger } from '../../src/logger.js';
import type { WatchTuning } from '../../src/watch/tuning.js';
import type { KcpSimulator } from '../../src/testing/index.js';

/** Millisecond timings so resilience paths run fast in tests. */
export const TINY: WatchTuning = {
  backoffInitialMs: 5,
  backoffMaxMs: 40,
  backoffResetMs: 1_000,
  minWatchTimeoutSeconds: 30,
  inactivitySlackMs: 2_000,
  connectTimeoutMs: 2_000,
};

/** A client for the simulator's root workspace with tiny timings and a silent logger. */
export function simClient(sim: KcpSimulator, extra: ClientOptions = {}): KcpClient {
  return createClient({
    server: `${sim.url}/clusters/root`,
    token: sim.token,
    kubeconfig: { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] },
    logger: silentLogger,
    watch: TINY,
    requestTimeoutMs: 5_000,
    ...extra,
  });
}

/** Records every emission of a stream. */
export class Recorder<T> {
  readonly values: T[] = [];
  private readonly listeners = new Set<() => void>();
  readonly subscription: Subscription;
  constructor(readonly source: Observable<T>) {
    this.subscription = source.subscribe((v) => {
      this.values.push(v);
      for (const l of this.listeners) l();
    });
  }
  /** Resolves with the first recorded value (past or future) matching `pred`. */
  async until(pred: (v: T) => boolean, timeoutMs = 5_000): Promise<T> {
    const found = this.values.find(pred);
    if (found !== undefined) return found;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`timed out; recorded: ${JSON.stringify(this.values.map(summary))}`));
      }, timeoutMs);
      const check = (): void => {
        const v = this.values.find(pred);
        if (v === undefined) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(v);
      };
      this.listeners.add(check);
    });
  }
  stop(): void {
    this.subscription.unsubscribe();
  }
}

/** A short summary of an emission for failure messages. */
export function summary(v: unknown): unknown {
  const c = v as Partial<EndpointChange>;
  return c.phase === undefined ? v : { phase: c.phase, source: c.source, reason: c.reason, urls: c.urls };
}

/** The first emission of `obs` matching `pred`. */
export function firstMatching<T>(obs: Observable<T>, pred: (v: T) => boolean): Promise<T> {
  return firstValueFrom(obs.pipe(filter(pred)));
}

/** Closes a client and a simulator left by a test (either may be undefined). */
export async function closeAll(
  client: { close(): Promise<void> } | undefined,
  sim: KcpSimulator | undefined,
): Promise<void> {
  await client?.close();
  await sim?.close();
}

/** Resolves once `cond()` holds, polling every few ms; rejects with `what` after `timeoutMs`. */
export async function until(cond: () => boolean, what: () => string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Number of active timers of this process (`setTimeout`/`setInterval`). */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}
