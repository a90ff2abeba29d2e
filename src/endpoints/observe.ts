import { distinctUntilChanged, filter, map, type Observable } from 'rxjs';
import { isApiStatusError, type KcpError } from '../errors.js';
import type { InformerState } from '../watch/informer.js';
import type { KubeObject } from '../watch/store.js';
import type { Observation } from './rules.js';

const indexes = new WeakMap<InformerState<KubeObject>, Map<string, KubeObject>>();

/** Name → object for one informer state, built once per state and shared by every subscriber. */
function byName<T extends KubeObject>(state: InformerState<T>): Map<string, T> {
  let index = indexes.get(state);
  if (index === undefined) {
    index = new Map();
    for (const obj of state.items.values()) {
      if (!index.has(obj.metadata.name)) index.set(obj.metadata.name, obj);
    }
    indexes.set(state, index);
  }
  return index as Map<string, T>;
}

/** 401/403 from the server, which the rules show as phase `Forbidden`. */
export function authStatus(error: KcpError | undefined): 401 | 403 | undefined {
  if (error === undefined || !isApiStatusError(error)) return undefined;
  return error.status === 401 || error.status === 403 ? error.status : undefined;
}

/** One object of an informer as an observation, or `undefined` while nothing is known yet. */
export function observeState<T extends KubeObject, F>(
  state: InformerState<T>,
  name: string,
  facts: (obj: T) => F,
): { observation: Observation<F>; object: T | null } | undefined {
  const auth = authStatus(state.error);
  if (auth !== undefined) return { observation: { state: 'forbidden', status: auth }, object: null };
  if (isApiStatusError(state.error) && state.error.status === 404) {
    return { observation: { state: 'notFound' }, object: null };
  }
  if (!state.synced) return undefined;
  const obj = byName(state).get(name) ?? null;
  return {
    observation: obj === null ? { state: 'notFound' } : { state: 'found', facts: facts(obj) },
    object: obj,
  };
}

/**
 * The observation of one named object in a shared informer: emitted after the initial sync (or once the
 * server refused access), then only when the object's resourceVersion or its readability changes.
 */
export function observeObject<T extends KubeObject, F>(
  state$: Observable<InformerState<T>>,
  name: string,
  facts: (obj: T) => F,
): Observable<Observation<F>> {
  return state$.pipe(
    map((s) => observeState(s, name, facts)),
    filter((o) => o !== undefined),
    distinctUntilChanged((a, b) => {
      if (a.observation.state !== b.observation.state) return false;
      if (a.observation.state === 'forbidden' && b.observation.state === 'forbidden') {
        return a.observation.status === b.observation.status;
      }
      if (a.object === b.object) return true;
      const rv = a.object?.metadata.resourceVersion;
      return rv !== undefined && rv === b.object?.metadata.resourceVersion;
    }),
    map((o) => o.observation),
  );
}
