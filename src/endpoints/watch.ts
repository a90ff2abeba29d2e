import { Observable } from 'rxjs';
import { APIEXPORTS_V1ALPHA1, type APIExport } from '../kcp/apiexport.js';
import { APIEXPORTENDPOINTSLICES, type APIExportEndpointSlice } from '../kcp/apiexportendpointslice.js';
import type { InformerCache } from '../watch/informer-cache.js';
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
  options: { signal?: AbortSignal | undefined } = {},
): Observable<EndpointChange> {
  return new Observable<EndpointChange>((subscriber) => {
    const { signal } = options;
    if (signal?.aborted === true) {
      subscriber.complete();
      return undefined;
    }
    const slice = new ObjectObserver<APIExportEndpointSlice, SliceFacts>(sliceFacts);
    const exp = new ObjectObserver<APIExport, ExportFacts>(exportFacts);
    let previous: EndpointResolution | null = null;
    // The caller's signal aborted, or the client was closed: the stream completes.
    const onClose = (): void => {
      subscriber.complete();
    };
    const emit = (): void => {
      const sliceObservation = slice.current;
      const exportObservation = exp.current;
      if (sliceObservation === undefined || exportObservation === undefined) return;
      const current = resolveRules({
        export: target.export,
        slice: target.slice,
        mode: target.mode,
        sliceObservation,
        exportObservation,
      });
      if (previous !== null && sameOutcome(previous, current)) return;
      const change = toChange(current, previous);
      previous = current;
      subscriber.next(change);
    };
    const slices = cache.acquire(APIEXPORTENDPOINTSLICES, target.slice.path);
    const exports = cache.acquire(APIEXPORTS_V1ALPHA1, target.export.path);
    const sliceRegistration = slices.informer.watchName(
      target.slice.name,
      (snap) => {
        if (slice.update(snap) !== undefined) emit();
      },
      onClose,
    );
    const exportRegistration = exports.informer.watchName(
      target.export.name,
      (snap) => {
        if (exp.update(snap) !== undefined) emit();
      },
      onClose,
    );
    signal?.addEventListener('abort', onClose, { once: true });
    return () => {
      signal?.removeEventListener('abort', onClose);
      sliceRegistration.release();
      exportRegistration.release();
      slices.release();
      exports.release();
    };
  });
}
