import { Subject, type Observable } from 'rxjs';
import type { WatchStatus } from '../watch/status.js';
import { InformerCache, type CacheTransport } from '../watch/informer-cache.js';
import type { Logger } from '../logger.js';
import type { WatchTuning } from '../watch/tuning.js';

/** A transport to one endpoint URL, closed when nothing uses that endpoint any more. */
export type EndpointTransport = CacheTransport & { close(): Promise<void> };

/** Options of {@link EndpointCaches}. */
export interface EndpointCachesOptions {
  /** Opens a transport whose base URL is the endpoint URL (already rewritten, see `rewriteUrl`). */
  open: (url: string) => EndpointTransport;
  /** Maps a published endpoint URL to the URL requests go to. @default identity */
  rewriteUrl?: ((url: string) => string) | undefined;
  /** Timings of every reflector. */
  tuning?: WatchTuning | undefined;
  /** Logging hook. */
  logger?: Logger | undefined;
}

/** A hold on the informer cache of one endpoint; release it when done. */
export interface EndpointLease {
  /** The published endpoint URL. */
  readonly endpoint: string;
  /** The URL requests go to (`rewriteUrl` applied). */
  readonly url: string;
  /** The endpoint's informer cache: one list+watch per collection, shared by every holder. */
  readonly cache: InformerCache;
  /** The endpoint's transport (one-shot requests through the virtual workspace). */
  readonly transport: EndpointTransport;
  /** Gives the hold back; the last release closes the endpoint's watches and sockets. Idempotent. */
  release(): void;
}

interface Entry {
  url: string;
  transport: EndpointTransport;
  cache: InformerCache;
  leases: number;
}

/**
 * One transport and one informer cache per virtual-workspace endpoint URL, shared by every subscription of a
 * client family and closed with the last lease. {@link status$} carries the watch status of every endpoint
 * and what is {@link report}ed about it (probe outcomes), each event naming its `endpoint`.
 */
export class EndpointCaches {
  /** Watch lifecycle of every endpoint's reflectors (hot); completes on {@link close}. */
  readonly status$: Observable<WatchStatus>;
  private readonly statusSubject = new Subject<WatchStatus>();
  private readonly entries = new Map<string, Entry>();
  private readonly retiring = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: EndpointCachesOptions) {
    this.status$ = this.statusSubject.asObservable();
  }

  /** Number of endpoints currently held. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * A lease on the cache of `endpoint` (a published URL). After {@link close} the lease's cache is closed
   * (its informers end registrations at once).
   */
  acquire(endpoint: string): EndpointLease {
    let entry = this.entries.get(endpoint);
    if (entry === undefined) {
      const url = this.options.rewriteUrl?.(endpoint) ?? endpoint;
      const transport = this.options.open(url);
      const cache = new InformerCache({
        transport,
        tuning: this.options.tuning,
        logger: this.options.logger,
        endpoint,
        status: (s) => {
          this.statusSubject.next(s);
        },
      });
      entry = { url, transport, cache, leases: 0 };
      if (this.closing !== undefined) {
        void cache.close().then(() => transport.close());
        return { endpoint, url, cache, transport, release: () => undefined };
      }
      this.entries.set(endpoint, entry);
    }
    const held = entry;
    held.leases += 1;
    let released = false;
    return {
      endpoint,
      url: held.url,
      cache: held.cache,
      transport: held.transport,
      release: () => {
        if (released) return;
        released = true;
        held.leases -= 1;
        if (held.leases > 0 || this.entries.get(endpoint) !== held) return;
        this.entries.delete(endpoint);
        const done = held.cache.close().then(() => held.transport.close());
        this.retiring.add(done);
        void done.then(() => this.retiring.delete(done));
      },
    };
  }

  /**
   * Publishes `status` on {@link status$}: how what runs beside the watches (a readiness probe of an endpoint)
   * reports, each event naming its `endpoint`. Nothing is published after {@link close}.
   */
  report(status: WatchStatus): void {
    if (this.closing === undefined) this.statusSubject.next(status);
  }

  /** Closes every endpoint's watches and sockets; resolves when all have stopped. Idempotent. */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const all = [...this.entries.values()].map((e) => e.cache.close().then(() => e.transport.close()));
    this.entries.clear();
    this.statusSubject.complete();
    this.closing = Promise.all([...all, ...this.retiring]).then(() => undefined);
    return this.closing;
  }
}
