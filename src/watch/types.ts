// eslint-disable-next-line no-restricted-imports -- fixed by the watch-stack rewrite
import type { ClientStatus } from '../client-types.js';
import type { KcpError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { StoreDelta } from './store.js';
import type { WatchTuning } from './tuning.js';

/** Options of a {@link Reflector}. */
export interface ReflectorOptions {
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
}

/** What a {@link Reflector} reports, discriminated on `type`. */
export type ReflectorEvent<T> =
  /**
   * A list completed: `items` is the whole, consistent store; `delta` compares it with the previous one.
   * `items` (here and in `changed`) is the reflector's live store: read it during the event, copy it to keep it.
   */
  | { type: 'synced'; items: ReadonlyMap<string, T>; resourceVersion: string; delta: StoreDelta }
  /** A watch event changed the store. */
  | {
      type: 'changed';
      items: ReadonlyMap<string, T>;
      resourceVersion: string;
      event: 'ADDED' | 'MODIFIED' | 'DELETED';
      key: string;
      object: T;
    }
  /** A list failed in a way a consumer should show (401/403/404, bad data); retries continue. */
  | { type: 'failed'; error: KcpError }
  /** Something degraded but was handled (an undecodable watch line was skipped). */
  | { type: 'diagnostic'; error: KcpError }
  /** A connection lifecycle transition. */
  | { type: 'status'; status: ClientStatus };
