import { Observable } from 'rxjs';
import type { CallOptions, ListOptions, Transport, WatchItem, WatchOptions } from './http/types.js';
import type { List } from './kcp/meta.js';
import type { ResourceDescriptor } from './kcp/resource.js';
import { statusToError } from './http/errors.js';

/** Typed access to one kcp resource in one workspace. */
export interface ResourceClient<T> {
  /** GET one object; rejects with `ApiStatusError` (404 when absent). */
  get(name: string, options?: CallOptions): Promise<T>;
  /** LIST (all pages); each item validated. */
  list(options?: ListOptions): Promise<List<T>>;
  /**
   * Raw watch events from `options.resourceVersion` (resumable: pass the last seen resourceVersion).
   * A clean server-side close re-opens the watch from the last resourceVersion; errors (including 410
   * Expired, as `ApiStatusError`) end the stream so the caller can relist. Unsubscribing closes the request.
   */
  watch(options?: Omit<WatchOptions, 'signal'>): Observable<WatchItem<T>>;
}

/** Creates a {@link ResourceClient} for `desc` in `cluster`. */
export function createResourceClient<T>(
  transport: Transport,
  desc: ResourceDescriptor<T>,
  cluster: string,
): ResourceClient<T> {
  return {
    get: (name, options) => transport.get(desc, cluster, name, options),
    list: (options) => transport.list(desc, cluster, options),
    watch: (options = {}) =>
      new Observable<WatchItem<T>>((subscriber) => {
        const controller = new AbortController();
        let rv = options.resourceVersion;
        const run = async (): Promise<void> => {
          while (!controller.signal.aborted) {
            const events = await transport.watch(desc, cluster, {
              ...options,
              resourceVersion: rv,
              allowWatchBookmarks: options.allowWatchBookmarks ?? true,
              signal: controller.signal,
            });
            for await (const item of events) {
              if (item.type === 'BOOKMARK') rv = item.resourceVersion;
              else if (item.type !== 'ERROR' && item.type !== 'DECODE_ERROR') {
                rv =
                  (item.object as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion ??
                  rv;
              }
              subscriber.next(item);
              if (item.type === 'ERROR') throw statusToError(item.status, transport.url(desc, cluster));
            }
          }
        };
        run().then(
          () => {
            subscriber.complete();
          },
          (e: unknown) => {
            if (!controller.signal.aborted) subscriber.error(e);
          },
        );
        return () => {
          controller.abort();
        };
      }),
  };
}
