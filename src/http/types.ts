import type { DecodeError } from '../errors.js';
import type { List, WatchEvent } from '../kcp/meta.js';
import type { ResourceDescriptor } from '../kcp/resource.js';

/** Options every transport call accepts. */
export interface CallOptions {
  /** Cancels the request; the call then rejects with `AbortError`. */
  signal?: AbortSignal | undefined;
}

/** Options of a call on one object (or to create one): where it is, besides cluster and name. */
export interface ObjectOptions extends CallOptions {
  /** The namespace of a namespaced object; leave out for cluster-scoped ones. */
  namespace?: string | undefined;
  /** Send the call to the object's `status` subresource (`updateStatus`, `patchStatus`). */
  subresource?: 'status' | undefined;
}

/** Options of a patch. */
export interface PatchOptions extends ObjectOptions {
  /**
   * `merge`: JSON merge patch (`application/merge-patch+json`, RFC 7386); `json`: JSON patch
   * (`application/json-patch+json`, RFC 6902, an array of operations).
   * @default 'merge'
   */
  patchType?: 'merge' | 'json' | undefined;
}

/** List options (Kubernetes query parameters). */
export interface ListOptions extends CallOptions {
  /** List one namespace of a namespaced resource; leave out for every namespace (or a cluster-scoped one). */
  namespace?: string | undefined;
  /** e.g. `metadata.name=today-cowboys`. */
  fieldSelector?: string | undefined;
  /** e.g. `app=x,tier!=y`. */
  labelSelector?: string | undefined;
  /** `"0"` (any, possibly cached), `""` (most recent) or a specific RV. */
  resourceVersion?: string | undefined;
  /** Page size; the transport follows `continue` tokens until the list is complete. */
  limit?: number | undefined;
}

/** Watch options (Kubernetes query parameters plus client-side timeouts). */
export interface WatchOptions extends CallOptions {
  fieldSelector?: string | undefined;
  labelSelector?: string | undefined;
  /** Resource version to watch from (exclusive). */
  resourceVersion?: string | undefined;
  /** Ask the server to close the watch after this many seconds. */
  timeoutSeconds?: number | undefined;
  /** Ask for BOOKMARK events. */
  allowWatchBookmarks?: boolean | undefined;
  /** Fail with `TimeoutError` when response headers do not arrive within this many ms. */
  connectTimeoutMs?: number | undefined;
  /** Fail with `TimeoutError` when no byte arrives for this many ms once the stream is open. */
  inactivityTimeoutMs?: number | undefined;
}

/**
 * One item of a watch stream: a typed event, or a line that could not be decoded (the stream goes on).
 */
export type WatchItem<T> = WatchEvent<T> | { type: 'DECODE_ERROR'; error: DecodeError };

/**
 * The HTTP transport: typed calls under `/clusters/<cluster>` for one connection.
 * Every method rejects with a `KcpError` subclass (never a raw axios error).
 */
export interface Transport {
  /** Server base URL without any `/clusters/<x>` suffix (no trailing slash). */
  readonly baseUrl: string;
  /**
   * Builds the full URL of a resource collection or object in a cluster (workspace path or name), in
   * `place.namespace` and at `place.subresource` when given.
   */
  url(
    desc: ResourceDescriptor<unknown>,
    cluster: string,
    name?: string,
    place?: Omit<ObjectOptions, 'signal'>,
  ): string;
  get<T>(desc: ResourceDescriptor<T>, cluster: string, name: string, options?: ObjectOptions): Promise<T>;
  list<T>(desc: ResourceDescriptor<T>, cluster: string, options?: ListOptions): Promise<List<T>>;
  /** POST to the collection (in `options.namespace` for a namespaced resource). */
  create<T>(desc: ResourceDescriptor<T>, cluster: string, body: unknown, options?: ObjectOptions): Promise<T>;
  update<T>(
    desc: ResourceDescriptor<T>,
    cluster: string,
    name: string,
    body: unknown,
    options?: ObjectOptions,
  ): Promise<T>;
  /** JSON merge patch (`application/merge-patch+json`), or JSON patch with `patchType: 'json'`. */
  patch<T>(
    desc: ResourceDescriptor<T>,
    cluster: string,
    name: string,
    patch: unknown,
    options?: PatchOptions,
  ): Promise<T>;
  delete(
    desc: ResourceDescriptor<unknown>,
    cluster: string,
    name: string,
    options?: ObjectOptions,
  ): Promise<void>;
  /**
   * Opens a watch. Resolves once response headers arrived (so HTTP errors reject here, as `ApiStatusError`);
   * iterate the result for events. Breaking out of the loop or aborting the signal closes the connection.
   */
  watch<T>(
    desc: ResourceDescriptor<T>,
    cluster: string,
    options?: WatchOptions,
  ): Promise<AsyncIterable<WatchItem<T>>>;
  /**
   * {@link Transport.watch} one network chunk at a time: each step is the non-empty array of the items that
   * chunk completed, in order, so a consumer pays one async step per chunk instead of one per event. `watch`
   * is this stream flattened. Optional: a transport without it is consumed item by item.
   */
  watchBatches?<T>(
    desc: ResourceDescriptor<T>,
    cluster: string,
    options?: WatchOptions,
  ): Promise<AsyncIterable<ReadonlyArray<WatchItem<T>>>>;
  /** GET an arbitrary path under the server (e.g. `/clusters/root/version`), parsed as JSON, not validated. */
  raw(path: string, options?: CallOptions): Promise<unknown>;
}
