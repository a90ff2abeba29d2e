import type { ServerResponse } from 'node:http';
import type { SimulatorClock } from '../clock.js';
import type { ChosenFault } from '../harness/faults.js';
import type { JsonObject } from '../model/json.js';
import { apiVersionFor, convert, type ResourceDef } from '../model/resources.js';
import { expired, SimHttpError } from '../model/api-errors.js';
import type { Store, StoreEvent } from '../model/store.js';
import { passes, type Filters } from './query.js';

/** Parameters of one watch request. */
export interface WatchParams {
  def: ResourceDef;
  version: string;
  /** Logical cluster name, or `*`. */
  cluster: string;
  filters: Filters;
  /** `resourceVersion` as sent (absent and `0` mean "current state first"). */
  resourceVersion: string | undefined;
  bookmarks: boolean;
  timeoutSeconds: number | undefined;
  fault: ChosenFault | undefined;
}

/** Watch server options. */
export interface WatchHubOptions {
  bookmarkIntervalMs: number;
  /** Default watch duration when the client sends no `timeoutSeconds`. */
  defaultTimeoutSeconds: number;
  /** How a too-old resourceVersion is reported: an `ERROR` event (kube's watch cache) or HTTP 410. */
  expiredAs: 'event' | 'http';
}

function line(type: string, object: JsonObject): string {
  return `${JSON.stringify({ type, object })}\n`;
}

/** Serves watch streams; tracks them so the simulator can end them all on close. */
export class WatchHub {
  private readonly streams = new Set<() => void>();
  private readonly store: Store;
  private readonly clock: SimulatorClock;
  private readonly options: WatchHubOptions;

  constructor(store: Store, clock: SimulatorClock, options: WatchHubOptions) {
    this.store = store;
    this.clock = clock;
    this.options = options;
  }

  /** Number of open watch streams. */
  get size(): number {
    return this.streams.size;
  }

  /** Ends every open stream cleanly. */
  closeAll(): void {
    for (const end of [...this.streams]) end();
  }

  /**
   * Starts a watch stream on `res`.
   * @throws SimHttpError (before any byte is written) for a malformed or, with `expiredAs: 'http'`, expired RV.
   */
  open(res: ServerResponse, p: WatchParams): void {
    const rvText = p.resourceVersion ?? '';
    let fromRv: number | undefined;
    if (rvText !== '' && rvText !== '0') {
      if (!/^\d+$/.test(rvText))
        throw new SimHttpError(400, `resourceVersion: Invalid value: "${rvText}": must be an integer`);
      fromRv = Number(rvText);
    }
    const isExpired = fromRv !== undefined && this.store.isExpired(fromRv);
    if (isExpired && this.options.expiredAs === 'http') throw expired(rvText, this.store.resourceVersion);
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();

    let sent = 0;
    let ended = false;
    let splitting = false;
    const queued: string[] = [];
    let fault = p.fault;
    const timers = new Set<unknown>();
    const later = (fn: () => void, ms: number): void => {
      const t = this.clock.setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
    };
    let unsubscribe: () => void = () => undefined;

    const isEnded = (): boolean => ended;
    const cleanup = (): void => {
      if (ended) return;
      ended = true;
      unsubscribe();
      for (const t of timers) this.clock.clearTimeout(t);
      this.streams.delete(end);
    };
    const end = (): void => {
      cleanup();
      if (!res.writableEnded) res.end();
    };
    this.streams.add(end);
    res.on('close', cleanup);

    const raw = (text: string): void => {
      if (ended || res.destroyed) return;
      if (splitting) queued.push(text);
      else res.write(text);
    };
    const strike = (): boolean => {
      const f = fault;
      if (f === undefined) return false;
      const after = f.afterEvents ?? (f.kind === 'drop' ? 1 : 0);
      if (sent < after || f.kind === 'split-line' || f.kind === 'http' || f.kind === 'stall') return false;
      fault = undefined;
      if (f.kind === 'drop') {
        cleanup();
        res.socket?.destroySoon();
        return true;
      }
      if (f.kind === 'expired-event') {
        raw(line('ERROR', expired(rvText === '' ? 0 : rvText, this.store.resourceVersion).toStatus()));
        end();
        return true;
      }
      raw('{"type":"MODIFIED","object":{"kind":\n');
      return false;
    };
    const emit = (text: string): void => {
      if (ended) return;
      const f = fault;
      if (f?.kind === 'split-line' && sent >= (f.afterEvents ?? 0) && !splitting) {
        fault = undefined;
        const cut = Math.max(1, Math.floor(text.length / 2));
        res.write(text.slice(0, cut));
        splitting = true;
        later(() => {
          splitting = false;
          if (ended || res.destroyed) return;
          res.write(text.slice(cut));
          for (const q of queued.splice(0)) res.write(q);
        }, 5);
      } else raw(text);
      sent++;
      strike();
    };
    const eventLine = (ev: StoreEvent): string | undefined => {
      const now = passes(p.filters, ev.object);
      const before = ev.previous !== undefined && passes(p.filters, ev.previous);
      let type: string = ev.type;
      if (ev.type === 'ADDED' && !now) return undefined;
      if (ev.type === 'DELETED' && !before) return undefined;
      if (ev.type === 'MODIFIED') {
        if (!now && !before) return undefined;
        if (!before) type = 'ADDED';
        else if (!now) type = 'DELETED';
      }
      if (type !== ev.type) return line(type, convert(p.def, ev.object, p.version));
      let cached = ev.lines.get(p.version);
      if (cached === undefined) {
        cached = line(ev.type, convert(p.def, ev.object, p.version));
        ev.lines.set(p.version, cached);
      }
      return cached;
    };
    const onEvent = (ev: StoreEvent): void => {
      if (ev.resource !== p.def.key || (p.cluster !== '*' && ev.cluster !== p.cluster)) return;
      const text = eventLine(ev);
      if (text !== undefined) emit(text);
    };

    if (strike()) return;
    if (isExpired) {
      raw(line('ERROR', expired(rvText, this.store.resourceVersion).toStatus()));
      end();
      return;
    }
    if (fromRv === undefined) {
      for (const obj of this.store.list(p.def.key, p.cluster)) {
        if (passes(p.filters, obj)) emit(line('ADDED', convert(p.def, obj, p.version)));
        if (isEnded()) return;
      }
    } else {
      for (const ev of this.store.since(fromRv)) {
        onEvent(ev);
        if (isEnded()) return;
      }
    }
    unsubscribe = this.store.watch(p.def.key, p.cluster, onEvent);
    const seconds =
      p.timeoutSeconds === undefined || p.timeoutSeconds === 0
        ? this.options.defaultTimeoutSeconds
        : p.timeoutSeconds;
    const timeoutMs = seconds * 1000;
    later(end, timeoutMs);
    if (p.bookmarks && this.options.bookmarkIntervalMs > 0) {
      const bookmark = (): void => {
        if (ended) return;
        raw(
          line('BOOKMARK', {
            kind: p.def.kind,
            apiVersion: apiVersionFor(p.def.group, p.version),
            metadata: { resourceVersion: String(this.store.resourceVersion) },
          }),
        );
        later(bookmark, this.options.bookmarkIntervalMs);
      };
      later(bookmark, this.options.bookmarkIntervalMs);
    }
  }
}
