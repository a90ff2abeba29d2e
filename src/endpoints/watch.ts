import { Observable, type Subscriber } from 'rxjs';
import { APIEXPORTS_V1ALPHA1, type APIExport } from '../kcp/apiexport.js';
import { APIEXPORTENDPOINTSLICES, type APIExportEndpointSlice } from '../kcp/apiexportendpointslice.js';
import type { InformerCache, InformerLease } from '../watch/informer-cache.js';
import type { Registration } from '../watch/informer.js';
import type { NameSnapshot } from '../watch/name-dispatch.js';
import { exportFacts, sliceFacts } from './facts.js';
import { ObjectObserver } from './observe.js';
import type { ResolveTarget } from './refs.js';
import { resolveRules, type ExportFacts, type SliceFacts } from './rules.js';
import type { EndpointChange, EndpointResolution } from './types.js';

/** True when two resolutions differ in nothing `watchEndpoints` reports a change for. */
export function sameOutcome(a: EndpointResolution, b: EndpointResolution): boolean {
  return (
    a.source === b.source &&
    a.phase === b.phase &&
    a.reason === b.reason &&
    a.urls.length === b.urls.length &&
    a.urls.every((u, i) => u === b.urls[i])
  );
}

/** The change from `previous` to `current`. */
export function toChange(current: EndpointResolution, previous: EndpointResolution | null): EndpointChange {
  const before = new Set(previous?.urls ?? []);
  const now = new Set(current.urls);
  return {
    ...current,
    added: current.urls.filter((u) => !before.has(u)),
    removed: (previous?.urls ?? []).filter((u) => !now.has(u)),
    previous,
  };
}

/** Options of {@link watchResolution}. */
export interface WatchResolutionOptions {
  /** Completes the stream when it aborts. */
  signal?: AbortSignal | undefined;
  /**
   * Called with each change just before the subscriber gets it (what an rxjs `tap` would do, without an
   * operator chain per subscription). If it throws, the subscription errors with what it threw.
   */
  onChange?: ((change: EndpointChange) => void) | undefined;
}

/**
 * Endpoint changes of one export, built on the shared informers of `cache` (one list+watch per resource kind
 * and workspace, whatever the number of subscribers; events reach only the subscribers of the object they
 * touch): the first emission after both informers synced, then one per change of (urls, source, phase,
 * reason). Completes when `signal` aborts; never errors for healable states. Every subscription gets its
 * own first emission.
 */
export function watchResolution(
  cache: InformerCache,
  target: ResolveTarget,
  options: WatchResolutionOptions = {},
): Observable<EndpointChange> {
  return new Observable<EndpointChange>((subscriber) => {
    const { signal } = options;
    if (signal?.aborted === true) {
      subscriber.complete();
      return undefined;
    }
    const state = new ResolutionState(target, subscriber, options.onChange);
    state.start(cache);
    signal?.addEventListener('abort', state.onClose, { once: true });
    return () => {
      signal?.removeEventListener('abort', state.onClose);
      state.stop();
    };
  });
}

/**
 * What one `watchEndpoints` subscription holds: the two observations, the last resolution, the two name
 * registrations and leases. A class rather than closures: with 10,000 subscriptions every byte of it counts.
 */
class ResolutionState {
  private readonly slice = new ObjectObserver<APIExportEndpointSlice, SliceFacts>(sliceFacts);
  private readonly exp = new ObjectObserver<APIExport, ExportFacts>(exportFacts);
  private previous: EndpointResolution | null = null;
  private slices: InformerLease<APIExportEndpointSlice> | undefined;
  private exports: InformerLease<APIExport> | undefined;
  private sliceRegistration: Registration | undefined;
  private exportRegistration: Registration | undefined;
  /** The caller's signal aborted, or the client was closed: the stream completes. */
  readonly onClose = (): void => {
    this.subscriber.complete();
  };

  constructor(
    private readonly target: ResolveTarget,
    private readonly subscriber: Subscriber<EndpointChange>,
    private readonly onChange: ((change: EndpointChange) => void) | undefined,
  ) {}

  start(cache: InformerCache): void {
    const { target } = this;
    this.slices = cache.acquire(APIEXPORTENDPOINTSLICES, target.slice.path);
    this.exports = cache.acquire(APIEXPORTS_V1ALPHA1, target.export.path);
    this.sliceRegistration = this.slices.informer.watchName(target.slice.name, this.onSlice, this.onClose);
    this.exportRegistration = this.exports.informer.watchName(
      target.export.name,
      this.onExport,
      this.onClose,
    );
  }

  stop(): void {
    this.sliceRegistration?.release();
    this.exportRegistration?.release();
    this.slices?.release();
    this.exports?.release();
  }

  private readonly onSlice = (snap: NameSnapshot<APIExportEndpointSlice>): void => {
    if (this.slice.update(snap) !== undefined) this.emit();
  };

  private readonly onExport = (snap: NameSnapshot<APIExport>): void => {
    if (this.exp.update(snap) !== undefined) this.emit();
  };

  private emit(): void {
    const sliceObservation = this.slice.current;
    const exportObservation = this.exp.current;
    if (sliceObservation === undefined || exportObservation === undefined) return;
    const { target, previous } = this;
    const current = resolveRules({
      export: target.export,
      slice: target.slice,
      mode: target.mode,
      sliceObservation,
      exportObservation,
    });
    if (previous !== null && sameOutcome(previous, current)) return;
    const change = toChange(current, previous);
    this.previous = current;
    if (this.onChange !== undefined) {
      try {
        this.onChange(change);
      } catch (e) {
        this.subscriber.error(e);
        return;
      }
    }
    this.subscriber.next(change);
  }
}
