import { combineLatest, distinctUntilChanged, fromEvent, map, Observable, scan, takeUntil } from 'rxjs';
import { APIEXPORTS_V1ALPHA1, type APIExport } from '../kcp/apiexport.js';
import { APIEXPORTENDPOINTSLICES, type APIExportEndpointSlice } from '../kcp/apiexportendpointslice.js';
import type { InformerCache } from '../watch/informer-cache.js';
import { exportFacts, sliceFacts } from './facts.js';
import { observeObject } from './observe.js';
import type { ResolveTarget } from './refs.js';
import { resolveRules } from './rules.js';
import type { EndpointChange, EndpointResolution } from './types.js';

/** True when two resolutions differ in what `watchEndpoints` reports a change for. */
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
 * and workspace, whatever the number of subscribers): the first emission after both informers synced, then
 * one per change of (urls, source, phase, reason). Completes when `signal` aborts; never errors for
 * healable states. Every subscription gets its own first emission (the informers replay their state).
 */
export function watchResolution(
  cache: InformerCache,
  target: ResolveTarget,
  options: { signal?: AbortSignal | undefined; onEmit?: ((r: EndpointResolution) => void) | undefined } = {},
): Observable<EndpointChange> {
  return new Observable<EndpointChange>((subscriber) => {
    const slices = cache.acquire(APIEXPORTENDPOINTSLICES, target.slice.path);
    const exports = cache.acquire(APIEXPORTS_V1ALPHA1, target.export.path);
    let stream = combineLatest([
      observeObject(slices.state$, target.slice.name, (s: APIExportEndpointSlice) => sliceFacts(s)),
      observeObject(exports.state$, target.export.name, (e: APIExport) => exportFacts(e)),
    ]).pipe(
      map(([sliceObservation, exportObservation]) =>
        resolveRules({
          export: target.export,
          slice: target.slice,
          mode: target.mode,
          sliceObservation,
          exportObservation,
        }),
      ),
      distinctUntilChanged(sameOutcome),
      scan<EndpointResolution, EndpointChange | null>(
        (prev, current) => toChange(current, prev === null ? null : stripChange(prev)),
        null,
      ),
      map((c) => c as EndpointChange),
    );
    if (options.signal !== undefined) {
      stream = stream.pipe(takeUntil(fromEvent(options.signal, 'abort')));
      if (options.signal.aborted) {
        subscriber.complete();
        return undefined;
      }
    }
    const sub = stream.subscribe({
      next: (c) => {
        options.onEmit?.(c);
        subscriber.next(c);
      },
      error: (e: unknown) => {
        subscriber.error(e);
      },
      complete: () => {
        subscriber.complete();
      },
    });
    return () => {
      sub.unsubscribe();
    };
  });
}

function stripChange(c: EndpointChange): EndpointResolution {
  const { added: _a, removed: _r, previous: _p, ...rest } = c;
  return rest;
}
