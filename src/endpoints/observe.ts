import { isForbidden, isNotFound, isUnauthorized } from '../errors.js';
import type { NameSnapshot } from '../watch/name-dispatch.js';
import type { KubeObject } from '../watch/keys.js';
import type { Observation } from './rules.js';

/** The status of a 401/403 from the server ({@link isForbidden}), which the rules show as phase `Forbidden`. */
export function authStatus(error: unknown): 401 | 403 | undefined {
  if (!isForbidden(error)) return undefined;
  return isUnauthorized(error) ? 401 : 403;
}

/**
 * Follows one named object of a shared informer as an {@link Observation}: `update` returns the new
 * observation when it differs from the previous one (another state, another status code, or another
 * resourceVersion of the object), and `undefined` when nothing is known yet or nothing changed.
 */
export class ObjectObserver<T extends KubeObject, F> {
  private last: { observation: Observation<F>; object: T | null } | undefined;

  constructor(private readonly facts: (obj: T) => F) {}

  /** The current observation, once known. */
  get current(): Observation<F> | undefined {
    return this.last?.observation;
  }

  /** Takes a snapshot; returns the observation when it changed. */
  update(snap: NameSnapshot<T>): Observation<F> | undefined {
    const next = this.observe(snap);
    if (next === undefined || this.same(this.last, next)) return undefined;
    this.last = next;
    return next.observation;
  }

  private observe(snap: NameSnapshot<T>): { observation: Observation<F>; object: T | null } | undefined {
    const auth = authStatus(snap.error);
    if (auth !== undefined) return { observation: { state: 'forbidden', status: auth }, object: null };
    if (isNotFound(snap.error)) {
      return { observation: { state: 'notFound' }, object: null };
    }
    if (!snap.synced) return undefined;
    const obj = snap.object;
    return {
      observation: obj === null ? { state: 'notFound' } : { state: 'found', facts: this.facts(obj) },
      object: obj,
    };
  }

  private same(
    a: { observation: Observation<F>; object: T | null } | undefined,
    b: { observation: Observation<F>; object: T | null },
  ): boolean {
    if (a === undefined || a.observation.state !== b.observation.state) return false;
    if (a.observation.state === 'forbidden' && b.observation.state === 'forbidden') {
      return a.observation.status === b.observation.status;
    }
    if (a.object === b.object) return true;
    const rv = a.object?.metadata.resourceVersion;
    return rv !== undefined && rv === b.object?.metadata.resourceVersion;
  }
}
