import type { APIBinding } from '../kcp/apibinding.js';
import { ConditionType, findCondition } from '../kcp/conditions.js';
import { pathOf } from '../kcp/decode.js';
import type { ConsumerBinding, ConsumerState } from './types.js';

/** True when `binding` is usable: its `Ready` condition is True, or (no `Ready` condition) it is `Bound`. */
export function bindingReady(binding: APIBinding): boolean {
  const ready = findCondition(binding.status?.conditions, ConditionType.Ready);
  if (ready !== undefined) return ready.status === 'True';
  return binding.status?.phase === 'Bound';
}

/** What a provider sees of one binding. */
export function bindingView(binding: APIBinding): ConsumerBinding {
  return {
    name: binding.metadata.name,
    phase: binding.status?.phase ?? '',
    ready: bindingReady(binding),
    conditions: binding.status?.conditions ?? [],
  };
}

/**
 * The state of one consumer cluster behind one endpoint, from the bindings of that cluster (to the export)
 * that the endpoint lists: `undefined` when none engages it. With `engage: 'ready'` only a ready binding
 * engages; with `any`, every binding does. The deciding binding is the first engaging one by name.
 */
export function consumerState(
  bindings: readonly APIBinding[],
  where: { endpoint: string; url: string; cluster: string },
  engage: 'ready' | 'any',
): ConsumerState | undefined {
  const engaging = bindings
    .filter((b) => engage === 'any' || bindingReady(b))
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const deciding = engaging[0];
  if (deciding === undefined) return undefined;
  const path = pathOf(deciding);
  return {
    endpoint: where.endpoint,
    cluster: where.cluster,
    ...(path === undefined ? {} : { path }),
    binding: bindingView(deciding),
    url: `${where.url}/clusters/${where.cluster}`,
  };
}

/** True when two states of one consumer differ in anything a provider is told about. */
export function sameConsumerState(a: ConsumerState, b: ConsumerState): boolean {
  return (
    a.path === b.path &&
    a.url === b.url &&
    a.binding.name === b.binding.name &&
    a.binding.phase === b.binding.phase &&
    a.binding.ready === b.binding.ready &&
    JSON.stringify(a.binding.conditions) === JSON.stringify(b.binding.conditions)
  );
}

/** Orders states by cluster name (events of one batch come in this order). */
export function byCluster(a: { cluster: string }, b: { cluster: string }): number {
  return a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0;
}
