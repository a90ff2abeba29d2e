import { Observable } from 'rxjs';
import type { EndpointChange, EndpointResolution } from '../endpoints/types.js';
import { toChange } from '../endpoints/watch.js';
import { isKcpError, NetworkError, type KcpError } from '../errors.js';
import { Backoff } from '../http/backoff.js';
import type { WatchStatus } from '../watch/status.js';
import type { WatchTuning } from '../watch/tuning.js';
import { timerDelay } from '../timers.js';
import type { EndpointCaches, EndpointLease } from './endpoint-caches.js';
import { probeEndpoint, probeResource, type ProbeResult, type ProbeTarget } from './probe.js';

/** What the probing stage needs of the endpoint caches: transports, the endpoints' status, a way to report. */
export type ProbeCaches = Pick<EndpointCaches, 'acquire' | 'status$' | 'report'>;

/** The probing of one URL. */
interface UrlProbe {
  readonly url: string;
  readonly lease: EndpointLease;
  readonly backoff: Backoff;
  /** The last outcome; undefined until the first probe ended. */
  serving: boolean | undefined;
  /** The message of the last failure (undefined while serving), to tell a new outcome from a repeat. */
  failure: string | undefined;
  /** The probe in flight. */
  inFlight: AbortController | undefined;
  /** The pending retry after a failure. */
  retry: ReturnType<typeof setTimeout> | undefined;
}

/** The resolution part of a change (what `previous` holds). */
function resolutionOf(change: EndpointChange): EndpointResolution {
  const { added: _added, removed: _removed, previous: _previous, serving: _serving, ...resolution } = change;
  return resolution;
}

function sameServing(a: Readonly<Record<string, boolean>>, b: Readonly<Record<string, boolean>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * Readiness probes of the endpoints of one export: follows `endpoints$` (the export's endpoint changes) and
 * probes each URL it lists through that endpoint's transport from `caches` ({@link probeEndpoint}: the
 * resource `target`, or the API group list when `target` is undefined). Emits the changes of `endpoints$`,
 * each with `serving` (every URL of `urls` → whether it serves), and one more change each time an endpoint
 * starts or stops serving (same resolution, `added` and `removed` empty).
 *
 * - A URL is probed as soon as it is listed, and a change that lists new URLs is emitted once their first
 *   probes ended (meanwhile nothing is emitted; what changed in between is in that change: `added`,
 *   `removed` and `previous` are relative to the last emission).
 * - A failing probe is retried with backoff (`tuning`'s, as the reflectors back off) until the endpoint
 *   serves.
 * - A serving endpoint whose watches fail (`caches.status$` reports `retrying` or `error` for it) is probed
 *   again; if that fails, it is reported not serving and retried until it serves again.
 * - Each probe outcome that differs from the one before (the first included) is reported on `caches` as a
 *   `probed` status (`resource` from {@link probeResource}, `workspace` `*`, the `endpoint`, `serving` and the
 *   `error`).
 * - A URL that is no longer listed stops being probed at once (its probe in flight is aborted).
 *
 * Errors and completes with `endpoints$`; errors with what `caches.acquire` throws (a `rewriteUrl` that
 * returns no URL). Unsubscribing stops every probe and retry and releases every endpoint it acquired.
 */
export function probeEndpoints(
  endpoints$: Observable<EndpointChange>,
  caches: ProbeCaches,
  target: ProbeTarget | undefined,
  tuning: WatchTuning = {},
): Observable<EndpointChange> {
  const resource = probeResource(target);
  return new Observable<EndpointChange>((subscriber) => {
    const probes = new Map<string, UrlProbe>();
    /** The latest change of `endpoints$`. */
    let latest: EndpointChange | undefined;
    /** True while `latest` has not been emitted. */
    let unsent = false;
    let lastResolution: EndpointResolution | null = null;
    let lastServing: Readonly<Record<string, boolean>> | undefined;
    let stopped = false;

    const flush = (): void => {
      if (stopped || latest === undefined) return;
      const serving: Record<string, boolean> = {};
      for (const url of latest.urls) {
        const s = probes.get(url)?.serving;
        if (s === undefined) return; // a first probe is still running
        serving[url] = s;
      }
      if (!unsent && lastServing !== undefined && sameServing(lastServing, serving)) return;
      const resolution = resolutionOf(latest);
      const change: EndpointChange = { ...toChange(resolution, lastResolution), serving };
      unsent = false;
      lastResolution = resolution;
      lastServing = serving;
      subscriber.next(change);
    };

    const settle = (p: UrlProbe, result: ProbeResult): void => {
      const before = { serving: p.serving, failure: p.failure };
      p.serving = result.serving;
      p.failure = result.error?.message;
      if (result.serving) {
        p.backoff.reset();
      } else {
        const { delayMs } = p.backoff.next(Date.now(), result.error);
        p.retry = setTimeout(() => {
          p.retry = undefined;
          run(p);
        }, timerDelay(delayMs));
      }
      if (before.serving !== p.serving || before.failure !== p.failure) {
        const status: WatchStatus = { type: 'probed', resource, workspace: '*', serving: result.serving };
        if (result.error !== undefined) status.error = result.error;
        status.endpoint = p.url;
        caches.report(status);
      }
      flush();
    };

    const run = (p: UrlProbe): void => {
      if (stopped || p.inFlight !== undefined) return;
      clearTimeout(p.retry);
      p.retry = undefined;
      const controller = new AbortController();
      p.inFlight = controller;
      probeEndpoint(p.lease.transport, target, controller.signal).then(
        (result) => {
          if (controller.signal.aborted) return;
          p.inFlight = undefined;
          settle(p, result);
        },
        (e: unknown) => {
          if (controller.signal.aborted) return;
          p.inFlight = undefined;
          settle(p, { serving: false, error: asKcpError(e) });
        },
      );
    };

    const stop = (p: UrlProbe): void => {
      probes.delete(p.url);
      p.inFlight?.abort();
      p.inFlight = undefined;
      clearTimeout(p.retry);
      p.retry = undefined;
      p.lease.release();
    };

    // A serving endpoint whose watch fails may have stopped serving: probe it again.
    const statuses = caches.status$.subscribe((s) => {
      if ((s.type !== 'retrying' && s.type !== 'error') || s.endpoint === undefined) return;
      const p = probes.get(s.endpoint);
      if (p?.serving === true) run(p);
    });

    const subscription = endpoints$.subscribe({
      next: (change) => {
        latest = change;
        unsent = true;
        const listed = new Set(change.urls);
        for (const p of [...probes.values()]) if (!listed.has(p.url)) stop(p);
        try {
          for (const url of change.urls) {
            if (probes.has(url)) continue;
            const p: UrlProbe = {
              url,
              lease: caches.acquire(url),
              backoff: new Backoff(tuning),
              serving: undefined,
              failure: undefined,
              inFlight: undefined,
              retry: undefined,
            };
            probes.set(url, p);
            run(p);
          }
        } catch (e) {
          // Only a caller's mistake gets here (a rewriteUrl that returns no URL): the stream errors with it.
          subscriber.error(e);
          return;
        }
        flush();
      },
      error: (e: unknown) => {
        subscriber.error(e);
      },
      complete: () => {
        subscriber.complete();
      },
    });

    return () => {
      stopped = true;
      subscription.unsubscribe();
      statuses.unsubscribe();
      for (const p of [...probes.values()]) stop(p);
    };
  });
}

function asKcpError(e: unknown): KcpError {
  return isKcpError(e) ? e : new NetworkError(`probe failed: ${String(e)}`, { cause: e });
}
