import { DecodeError, type KcpError, NetworkError, TimeoutError, isExpired } from '../errors.js';
import type { ResourceDescriptor } from '../kcp/resource.js';
import type { Transport, WatchItem } from '../http/types.js';
import { type Logger, silentLogger } from '../logger.js';
import type { Backoff } from '../http/backoff.js';
import { retryPolicy } from '../http/retry.js';
import { statusToError } from '../http/errors.js';
import { delay, timerDelay } from '../timers.js';
import { type WatchOutcome, isReportableError, toKcpError, watchOutcomeOf } from './policy.js';
import { RepeatLimiter, repeatKey } from './repeat-limiter.js';
import { type KubeObject, type StoreDelta, buildStore, diffStores, objectKey } from './keys.js';
import type { WatchStatus } from './status.js';
import { type ResolvedWatchTuning, type WatchTuning, resolveWatchTuning } from './tuning.js';

/** Options of a {@link Reflector}. */
export interface ReflectorOptions<T extends KubeObject = KubeObject> {
  /** Kubernetes field selector, e.g. `metadata.name=x`. */
  fieldSelector?: string | undefined;
  /** Kubernetes label selector. */
  labelSelector?: string | undefined;
  /** Timings and backoff. @default client-go's defaults */
  tuning?: WatchTuning | undefined;
  /** Logging hook. @default silent */
  logger?: Logger | undefined;
  /** Clock in ms, for tests. @default Date.now */
  now?: (() => number) | undefined;
  /**
   * Applied to every object before it enters the store (list items and watch event objects), like client-go's
   * `SetTransform`: what it returns is what the store keeps and the sink sees. It must keep the name,
   * namespace, `kcp.io/cluster` annotation and resourceVersion. @default none (objects are kept whole)
   */
  transform?: ((object: T) => T) | undefined;
}

/**
 * Where a {@link Reflector} pushes what it learns (client-go's `Store` idea): its owner gives it one and the
 * reflector only ever calls down into it. `items` is the reflector's live store: read it during the call,
 * copy it to keep it. No method is called after {@link Reflector.stop}.
 */
export interface ReflectorSink<T> {
  /** A list completed: `items` is the whole, consistent store; `delta` compares it with the previous one. */
  replace(items: ReadonlyMap<string, T>, delta: StoreDelta, resourceVersion: string): void;
  /** A watch event changed the store (`key` was set to `object`, or removed for `DELETED`). */
  apply(
    event: 'ADDED' | 'MODIFIED' | 'DELETED',
    key: string,
    object: T,
    items: ReadonlyMap<string, T>,
    resourceVersion: string,
  ): void;
  /** A list failed in a way a consumer should show (401/403/404, bad data); retries continue. */
  failed(error: KcpError): void;
  /** A lifecycle transition, or a handled degradation (a skipped undecodable event is an `error` status). */
  status(status: WatchStatus): void;
}

/**
 * Keeps a local copy of one collection in sync with the server by list + watch, like client-go's reflector:
 * lists at `resourceVersion=0` first and at the last seen RV afterwards (`""` once that is expired), watches
 * with bookmarks and a random `timeoutSeconds`, re-watches at once after a clean close, relists after 410,
 * and retries every healable failure with jittered backoff. Only decoded events count as progress: a watch
 * that delivers nothing but undecodable lines is a failure and backs off. Identical warnings are logged at
 * most once per `repeatedWarningIntervalMs`. Never stops by itself; call {@link stop}.
 *
 * Store keys are `cluster|name` (cluster from the `kcp.io/cluster` annotation, else the requested cluster).
 * Everything it learns goes down into the {@link ReflectorSink} its owner gives it.
 */
export class Reflector<T extends KubeObject> {
  private readonly tuning: ResolvedWatchTuning;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly backoff: Backoff;
  private readonly warnings: RepeatLimiter;
  private readonly controller = new AbortController();
  private readonly resource: string;
  /** The store, mutated in place by watch events (replaced by each list). */
  private items = new Map<string, T>();
  private rv = '';
  private synced = false;
  private rvUnavailable = false;
  private connected = false;
  /** A connecting/relisting status was emitted since the last connected/retrying one. */
  private announced = false;
  private started = false;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private watchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly desc: ResourceDescriptor<T>,
    private readonly cluster: string,
    private readonly sink: ReflectorSink<T>,
    private readonly options: ReflectorOptions<T> = {},
  ) {
    this.tuning = resolveWatchTuning(options.tuning);
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.backoff = retryPolicy(this.tuning).backoff();
    this.warnings = new RepeatLimiter(this.tuning.repeatedWarningIntervalMs);
    this.resource = desc.group === '' ? desc.plural : `${desc.plural}.${desc.group}`;
  }

  /** The current store: a live, read-only view (watch events update it in place); copy it to keep it. */
  get store(): ReadonlyMap<string, T> {
    return this.items;
  }

  /** The last resourceVersion seen (list, event or bookmark). */
  get resourceVersion(): string {
    return this.rv;
  }

  /** True once the first list completed. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** Starts the list/watch loop (idempotent; a stopped reflector cannot restart). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.loop = this.run().catch((e: unknown) => {
      this.logger.error('reflector loop crashed', { ...this.ctx(), error: toKcpError(e).message });
    });
  }

  /** Aborts the in-flight request and clears every timer; the sink hears nothing more. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.controller.abort();
    clearTimeout(this.watchTimer);
    this.watchTimer = undefined;
  }

  /** Resolves once the loop has exited after {@link stop} (or at once if never started). */
  join(): Promise<void> {
    return this.loop;
  }

  /** Not a field read, so TypeScript does not narrow it across awaits. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private ctx(): Record<string, unknown> {
    return { resource: this.resource, workspace: this.cluster };
  }

  /** Logs a warning unless the same one (numbers aside) was logged within the repeat interval. */
  private warn(message: string, key: string = repeatKey(message)): void {
    const suppressed = this.warnings.admit(key, this.now());
    if (suppressed === undefined) return;
    const note = suppressed > 0 ? ` (${suppressed} similar warnings suppressed)` : '';
    this.logger.warn(`${message}${note}`, this.ctx());
  }

  private status(
    s:
      | { type: 'connecting' }
      | { type: 'connected'; resourceVersion: string }
      | { type: 'retrying'; attempt: number; delayMs: number; error: KcpError }
      | { type: 'relisting'; reason: 'expired' | 'error' }
      | { type: 'error'; error: KcpError },
  ): void {
    this.announced = s.type === 'connecting' || s.type === 'relisting';
    if (!this.stopped) this.sink.status({ ...s, resource: this.resource, workspace: this.cluster });
  }

  private async run(): Promise<void> {
    let needList = true;
    let relist: 'expired' | 'error' | undefined;
    while (!this.isStopped()) {
      if (needList) {
        if (relist === undefined) this.status({ type: 'connecting' });
        else this.status({ type: 'relisting', reason: relist });
        if (this.isStopped()) return;
        try {
          await this.list();
          // The sink may have stopped us from inside replace().
          if (this.isStopped()) return;
          needList = false;
          relist = undefined;
        } catch (e) {
          if (this.isStopped()) return;
          const error = toKcpError(e);
          if (isReportableError(error)) {
            this.warn(`list failed: ${error.message}`);
            if (!this.isStopped()) this.sink.failed(error);
            this.status({ type: 'error', error });
          }
          await this.sleepBackoff(error);
          continue;
        }
      }
      if (this.isStopped()) return;
      const outcome = await this.watchOnce();
      if (this.isStopped()) return;
      if (outcome.kind === 'closed') {
        if (outcome.events > 0) continue;
        if (outcome.undecodable === 0 && outcome.durationMs >= this.tuning.veryShortWatchMs) continue;
        this.connected = false;
        const error =
          outcome.undecodable > 0
            ? new DecodeError(
                `watch delivered no usable event (${outcome.undecodable} undecodable lines) before it closed`,
              )
            : new NetworkError(`very short watch: closed after ${outcome.durationMs} ms without any event`);
        await this.sleepBackoff(error);
        continue;
      }
      this.connected = false;
      await this.sleepBackoff(outcome.error);
      if (outcome.kind === 'relist') {
        needList = true;
        relist = outcome.reason;
      }
    }
  }

  private async list(): Promise<void> {
    const base = {
      fieldSelector: this.options.fieldSelector,
      labelSelector: this.options.labelSelector,
      signal: this.controller.signal,
    };
    const rv = !this.synced ? '0' : this.rvUnavailable ? '' : this.rv;
    let result;
    try {
      result = await this.transport.list(this.desc, this.cluster, { ...base, resourceVersion: rv });
    } catch (e) {
      if (rv === '' || !isExpired(e)) throw e;
      this.rvUnavailable = true;
      this.logger.info(`resourceVersion ${rv} expired; listing the latest state`, this.ctx());
      result = await this.transport.list(this.desc, this.cluster, { ...base, resourceVersion: '' });
    }
    if (this.stopped) return;
    this.rvUnavailable = false;
    const transform = this.options.transform;
    const next = buildStore(
      transform === undefined ? result.items : result.items.map((item) => transform(item)),
      this.cluster,
    );
    const delta = diffStores(this.items, next);
    this.items = next;
    this.rv = result.resourceVersion;
    this.synced = true;
    this.logger.debug('listed', { ...this.ctx(), resourceVersion: this.rv, items: next.size });
    this.sink.replace(next, delta, this.rv);
  }

  private async watchOnce(): Promise<WatchOutcome> {
    // Never open a watch (or arm its deadline) once stopped: an already-aborted signal fires no listener.
    if (this.controller.signal.aborted) return { kind: 'closed', events: 0, undecodable: 0, durationMs: 0 };
    const t = this.tuning;
    const min = t.minWatchTimeoutSeconds;
    const raw = min + t.random() * min;
    const timeoutSeconds = min >= 1 ? Math.floor(raw) : raw;
    const inactivityTimeoutMs = Math.round(timeoutSeconds * 1000 + t.inactivitySlackMs);
    // Per-watch controller: aborted by stop() and by our own deadline (a server that never closes the watch).
    const ctrl = new AbortController();
    const onStop = (): void => {
      ctrl.abort();
    };
    this.controller.signal.addEventListener('abort', onStop, { once: true });
    const deadlineMs = t.connectTimeoutMs + inactivityTimeoutMs;
    const deadlineState = { timedOut: false };
    this.watchTimer = setTimeout(() => {
      this.watchTimer = undefined;
      deadlineState.timedOut = true;
      ctrl.abort();
    }, timerDelay(deadlineMs));
    const startedAt = this.now();
    let events = 0;
    let undecodable = 0;
    const fail = (e: unknown): WatchOutcome =>
      watchOutcomeOf(
        deadlineState.timedOut
          ? new TimeoutError(`watch exceeded its ${deadlineMs} ms deadline`, deadlineMs, { cause: e })
          : toKcpError(e),
      );
    try {
      if (!this.connected && !this.announced) this.status({ type: 'connecting' });
      const watchOptions = {
        fieldSelector: this.options.fieldSelector,
        labelSelector: this.options.labelSelector,
        resourceVersion: this.rv,
        timeoutSeconds,
        allowWatchBookmarks: true,
        connectTimeoutMs: t.connectTimeoutMs,
        inactivityTimeoutMs,
        signal: ctrl.signal,
      };
      // One async step per network chunk when the transport can batch; else one per item.
      const stream =
        this.transport.watchBatches === undefined
          ? singletons(await this.transport.watch(this.desc, this.cluster, watchOptions))
          : await this.transport.watchBatches(this.desc, this.cluster, watchOptions);
      if (this.isStopped())
        return { kind: 'closed', events, undecodable, durationMs: this.now() - startedAt };
      if (!this.connected) {
        this.connected = true;
        this.status({ type: 'connected', resourceVersion: this.rv });
      }
      batches: for await (const batch of stream) {
        for (const item of batch) {
          if (this.isStopped()) break batches;
          if (item.type === 'DECODE_ERROR') undecodable += 1;
          else events += 1;
          const error = this.apply(item);
          if (error !== undefined) return watchOutcomeOf(error);
          // The sink may have stopped us from inside apply().
          if (this.isStopped()) break batches;
        }
      }
      if (deadlineState.timedOut) return fail(undefined);
      return { kind: 'closed', events, undecodable, durationMs: this.now() - startedAt };
    } catch (e) {
      return fail(e);
    } finally {
      clearTimeout(this.watchTimer);
      this.watchTimer = undefined;
      this.controller.signal.removeEventListener('abort', onStop);
    }
  }

  /** Applies one watch item to the store; returns the error an ERROR event carries. */
  private apply(item: WatchItem<T>): KcpError | undefined {
    switch (item.type) {
      case 'BOOKMARK':
        if (item.resourceVersion !== '') this.rv = item.resourceVersion;
        return undefined;
      case 'ERROR':
        return statusToError(item.status, this.transport.url(this.desc, this.cluster));
      case 'DECODE_ERROR':
        this.warn(`skipped an undecodable watch event: ${item.error.message}`, 'undecodable watch event');
        this.status({ type: 'error', error: item.error });
        return undefined;
      default: {
        const key = objectKey(item.object, this.cluster);
        const rv = item.object.metadata.resourceVersion;
        if (rv !== undefined && rv !== '') this.rv = rv;
        if (item.type === 'DELETED' && !this.items.has(key)) return undefined;
        const object =
          this.options.transform === undefined ? item.object : this.options.transform(item.object);
        // In place: copying the whole store per event would cost O(objects) per event.
        const next = this.items;
        if (item.type === 'DELETED') next.delete(key);
        else next.set(key, object);
        if (!this.isStopped()) this.sink.apply(item.type, key, object, next, this.rv);
        return undefined;
      }
    }
  }

  private async sleepBackoff(error: KcpError): Promise<void> {
    if (this.stopped) return;
    const { delayMs, attempt } = this.backoff.next(this.now(), error);
    this.warn(`retrying in ${delayMs} ms (attempt ${attempt}): ${error.message}`);
    this.status({ type: 'retrying', attempt, delayMs, error });
    // The status emission may have stopped us: arm no timer then.
    if (this.isStopped()) return;
    // stop() aborts the controller, which ends the wait early (and clears its timer): not a failure.
    await delay(delayMs, this.controller.signal).catch(() => undefined);
  }
}

/** An item-wise watch as batches of one (a transport without `watchBatches`). */
async function* singletons<T>(items: AsyncIterable<T>): AsyncGenerator<readonly T[], void, undefined> {
  for await (const item of items) yield [item];
}
