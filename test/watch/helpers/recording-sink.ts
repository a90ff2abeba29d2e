import type { KcpError } from '../../../src/errors.js';
import type { StoreDelta } from '../../../src/watch/keys.js';
import type { ReflectorSink } from '../../../src/watch/reflector.js';
import type { WatchStatus } from '../../../src/watch/status.js';

/** One call a reflector made into its sink, recorded as data. */
export type ReflectorEvent<T> =
  | { type: 'synced'; items: ReadonlyMap<string, T>; resourceVersion: string; delta: StoreDelta }
  | {
      type: 'changed';
      items: ReadonlyMap<string, T>;
      resourceVersion: string;
      event: 'ADDED' | 'MODIFIED' | 'DELETED';
      key: string;
      object: T;
    }
  | { type: 'failed'; error: KcpError }
  | { type: 'status'; status: WatchStatus };

/** A sink that records every call (and hands each to `onEvent`, e.g. to stop the reflector from inside). */
export function recordingSink<T>(onEvent?: (e: ReflectorEvent<T>) => void): {
  sink: ReflectorSink<T>;
  events: Array<ReflectorEvent<T>>;
} {
  const events: Array<ReflectorEvent<T>> = [];
  const record = (e: ReflectorEvent<T>): void => {
    events.push(e);
    onEvent?.(e);
  };
  return {
    events,
    sink: {
      replace: (items, delta, resourceVersion) => {
        record({ type: 'synced', items, resourceVersion, delta });
      },
      apply: (event, key, object, items, resourceVersion) => {
        record({ type: 'changed', items, resourceVersion, event, key, object });
      },
      failed: (error) => {
        record({ type: 'failed', error });
      },
      status: (status) => {
        record({ type: 'status', status });
      },
    },
  };
}
