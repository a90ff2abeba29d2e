/**
 * Conditions as kcp's controllers set them (`conditions.Set` semantics and order). Deliberately not
 * `src/kcp/conditions.ts`, the SDK's reader: the simulator is an independent oracle of kcp (see `../index.ts`).
 *
 * @module
 */
import { arrAt, isObject, type JsonObject } from './json.js';

/** A condition to set (status True/False/Unknown, optional reason, severity and message). */
export interface ConditionInput {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  severity?: 'Error' | 'Warning' | 'Info';
  message?: string;
}

/** Sort order of kcp's condition setter: `Ready` first, then alphabetical by type. */
function less(a: JsonObject, b: JsonObject): number {
  const ta = JSON.stringify(a['type']);
  const tb = JSON.stringify(b['type']);
  if (ta === tb) return 0;
  if (ta === '"Ready"') return -1;
  if (tb === '"Ready"') return 1;
  return ta < tb ? -1 : 1;
}

/**
 * Sets conditions on `status.conditions`, keeping `lastTransitionTime` unless status, reason, severity or
 * message change, and keeping kcp's order. `MarkTrue` semantics: True conditions carry no reason/message.
 */
export function setConditions(status: JsonObject, inputs: ConditionInput[], now: string): void {
  const existing = (arrAt(status, 'conditions') ?? []).filter(isObject);
  const out = existing.filter((c) => !inputs.some((i) => i.type === c['type']));
  for (const input of inputs) {
    const prev = existing.find((c) => c['type'] === input.type);
    const next: JsonObject = { type: input.type, status: input.status };
    if (input.status !== 'True' && input.severity !== undefined) next['severity'] = input.severity;
    next['lastTransitionTime'] = now;
    if (input.reason !== undefined) next['reason'] = input.reason;
    if (input.message !== undefined) next['message'] = input.message;
    if (
      prev !== undefined &&
      prev['status'] === next['status'] &&
      prev['reason'] === next['reason'] &&
      prev['severity'] === next['severity'] &&
      prev['message'] === next['message'] &&
      typeof prev['lastTransitionTime'] === 'string'
    ) {
      next['lastTransitionTime'] = prev['lastTransitionTime'];
    }
    out.push(next);
  }
  out.sort(less);
  status['conditions'] = out;
}

/** Removes conditions of the given types. */
export function deleteConditions(status: JsonObject, types: string[]): void {
  const existing = arrAt(status, 'conditions');
  if (existing === undefined) return;
  const kept = existing.filter(
    (c) => !(isObject(c) && typeof c['type'] === 'string' && types.includes(c['type'])),
  );
  if (kept.length === 0) delete status['conditions'];
  else status['conditions'] = kept;
}

/** True when every condition on the status is True (vacuously true without conditions). */
export function allTrue(status: JsonObject | undefined): boolean {
  return (arrAt(status, 'conditions') ?? []).every((c) => isObject(c) && c['status'] === 'True');
}
