/**
 * Label selectors as kcp's API server parses and matches them. Deliberately not `src/kcp/labels.ts`: the
 * simulator is an independent oracle of kcp (see `../index.ts`), so a selector bug in the SDK is not mirrored here.
 *
 * @module
 */
import { arrAt, isObject, objAt, type JsonObject } from './json.js';

/** One parsed label requirement. */
export interface Requirement {
  key: string;
  op: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

/** A parsed label selector: all requirements must hold. */
export type Selector = Requirement[];

/** True when `labels` satisfy every requirement. An empty selector matches everything. */
export function matches(selector: Selector, labels: Record<string, string>): boolean {
  return selector.every((r) => {
    const has = Object.hasOwn(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      case 'In':
        return has && v !== undefined && r.values.includes(v);
      case 'NotIn':
        return !has || v === undefined || !r.values.includes(v);
    }
  });
}

const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/**
 * Parses a label selector string (`a=b,c!=d,e in (x,y),!f,g`).
 * @throws Error with a kube-style message when the string is invalid.
 */
export function parseSelectorString(text: string): Selector {
  const out: Selector = [];
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  for (const raw of parts) {
    const p = raw.trim();
    if (p === '') {
      if (text.trim() === '') continue;
      throw new Error(`unable to parse requirement: empty requirement in "${text}"`);
    }
    const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
    let req: Requirement;
    if (set !== null) {
      const values = (set[3] ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      req = { key: set[1] ?? '', op: set[2] === 'in' ? 'In' : 'NotIn', values };
    } else if (p.startsWith('!')) req = { key: p.slice(1).trim(), op: 'DoesNotExist', values: [] };
    else {
      const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(p);
      if (eq === null) {
        if (/[\s=!()]/.test(p)) throw new Error(`unable to parse requirement: "${p}"`);
        req = { key: p, op: 'Exists', values: [] };
      } else req = { key: eq[1] ?? '', op: eq[2] === '!=' ? 'NotIn' : 'In', values: [eq[3] ?? ''] };
    }
    validate(req);
    out.push(req);
  }
  return out;
}

function validate(req: Requirement): void {
  if (!KEY.test(req.key)) throw new Error(`invalid label key "${req.key}"`);
  for (const v of req.values) if (!VALUE.test(v)) throw new Error(`invalid label value: "${v}"`);
}

/**
 * Parses a `metav1.LabelSelector` object (`matchLabels`, `matchExpressions`).
 * @throws Error naming the invalid part.
 */
export function parseLabelSelector(obj: JsonObject | undefined): Selector {
  if (obj === undefined) return [];
  const out: Selector = [];
  const ml = objAt(obj, 'matchLabels') ?? {};
  for (const [k, v] of Object.entries(ml)) {
    if (typeof v !== 'string') throw new Error(`matchLabels.${k}: value must be a string`);
    const req: Requirement = { key: k, op: 'In', values: [v] };
    validate(req);
    out.push(req);
  }
  for (const e of arrAt(obj, 'matchExpressions') ?? []) {
    if (!isObject(e) || typeof e['key'] !== 'string') throw new Error('matchExpressions: key is required');
    const op = e['operator'];
    if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') {
      throw new Error(
        `matchExpressions: ${JSON.stringify(op ?? null)} is not a valid label selector operator`,
      );
    }
    const values = (arrAt(e, 'values') ?? []).filter((v): v is string => typeof v === 'string');
    if ((op === 'In' || op === 'NotIn') && values.length === 0) {
      throw new Error(`values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty`);
    }
    const req: Requirement = { key: e['key'], op, values };
    validate(req);
    out.push(req);
  }
  return out;
}

/** Renders a selector as kcp writes `status.shardSelector` (e.g. `name=alpha,region in (eu,us)`). */
export function formatSelector(selector: Selector): string {
  return [...selector]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => {
      switch (r.op) {
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
        case 'In':
          return r.values.length === 1
            ? `${r.key}=${r.values[0] ?? ''}`
            : `${r.key} in (${[...r.values].sort().join(',')})`;
        case 'NotIn':
          return r.values.length === 1
            ? `${r.key}!=${r.values[0] ?? ''}`
            : `${r.key} notin (${[...r.values].sort().join(',')})`;
      }
    })
    .join(',');
}
