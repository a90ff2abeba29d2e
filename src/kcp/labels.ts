import * as z from 'zod';
import { InvalidArgumentError } from '../errors.js';

/** One `matchExpressions[]` entry of a Kubernetes `LabelSelector`. */
export const labelSelectorRequirementSchema = z.looseObject({
  key: z.string(),
  operator: z.string(),
  values: z.array(z.string()).nullish(),
});
/** One `matchExpressions[]` entry: `{ key, operator: In | NotIn | Exists | DoesNotExist, values? }`. */
export type LabelSelectorRequirement = z.infer<typeof labelSelectorRequirementSchema>;

/** A Kubernetes `metav1.LabelSelector`. Operators are validated by {@link labelSelectorProblem}, not here. */
export const labelSelectorSchema = z.looseObject({
  matchLabels: z.record(z.string(), z.string()).nullish(),
  matchExpressions: z.array(labelSelectorRequirementSchema).nullish(),
});
/** A Kubernetes `metav1.LabelSelector` (`matchLabels` and `matchExpressions`; both empty = everything). */
export type LabelSelector = z.infer<typeof labelSelectorSchema>;

/** Operators of a parsed selector requirement (the `LabelSelector` ones plus the string-only forms). */
export type SelectorOperator =
  'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Equals' | 'NotEquals' | 'Gt' | 'Lt';

/** One requirement of a label selector, normalised. */
export interface SelectorRequirement {
  /** Label key. */
  key: string;
  /** How the key's value is tested. */
  operator: SelectorOperator;
  /** Values for `In`/`NotIn`/`Equals`/`NotEquals`/`Gt`/`Lt`; empty for `Exists`/`DoesNotExist`. */
  values: string[];
}

/** A compiled label selector: its requirements (all must hold) and a matcher. */
export interface LabelMatcher {
  /** The requirements, sorted by key. No requirements = matches everything. */
  readonly requirements: readonly SelectorRequirement[];
  /** True when every requirement holds for `labels`. */
  matches(labels: Readonly<Record<string, string>> | null | undefined): boolean;
  /** The selector in Kubernetes string syntax, e.g. `name=alpha,region in (eu,us)`. */
  toString(): string;
}

const SELECTOR_OPERATORS: ReadonlySet<string> = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/**
 * Says what is wrong with a `LabelSelector`, the way Kubernetes validates it (unknown operator, `In`/`NotIn`
 * without values, `Exists`/`DoesNotExist` with values), or `undefined` when it is valid.
 */
export function labelSelectorProblem(selector: LabelSelector): string | undefined {
  for (const [i, e] of (selector.matchExpressions ?? []).entries()) {
    const where = `matchExpressions[${i}] (key "${e.key}")`;
    if (e.key === '') return `${where}: key must not be empty`;
    if (!SELECTOR_OPERATORS.has(e.operator)) {
      return `${where}: operator "${e.operator}" is not one of In, NotIn, Exists, DoesNotExist`;
    }
    const n = e.values?.length ?? 0;
    if ((e.operator === 'In' || e.operator === 'NotIn') && n === 0) {
      return `${where}: operator ${e.operator} needs at least one value`;
    }
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && n > 0) {
      return `${where}: operator ${e.operator} takes no values`;
    }
  }
  return undefined;
}

/**
 * Compiles a `LabelSelector` like `metav1.LabelSelectorAsSelector`: `matchLabels` become `Equals`
 * requirements, expressions keep their operator, requirements are sorted by key.
 * @throws InvalidArgumentError when the selector is invalid (see {@link labelSelectorProblem}).
 */
export function compileLabelSelector(selector: LabelSelector): LabelMatcher {
  const problem = labelSelectorProblem(selector);
  if (problem !== undefined) {
    throw new InvalidArgumentError(`Invalid label selector: ${problem}`, 'selector');
  }
  const reqs: SelectorRequirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, v]) => ({
    key,
    operator: 'Equals',
    values: [v],
  }));
  for (const e of selector.matchExpressions ?? []) {
    reqs.push({ key: e.key, operator: e.operator as SelectorOperator, values: [...(e.values ?? [])] });
  }
  return makeMatcher(reqs);
}

/**
 * True when `labels` satisfy `selector`. An empty selector (`{}`) matches everything.
 * @throws InvalidArgumentError when the selector is invalid (see {@link labelSelectorProblem}).
 */
export function labelSelectorMatches(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | null | undefined,
): boolean {
  return compileLabelSelector(selector).matches(labels);
}

/**
 * Renders a `LabelSelector` as a selector string the way kcp writes `status.shardSelector`
 * (e.g. `name=alpha`); `''` for an empty selector.
 * @throws InvalidArgumentError when the selector is invalid.
 */
export function formatLabelSelector(selector: LabelSelector): string {
  return compileLabelSelector(selector).toString();
}

function makeMatcher(reqs: SelectorRequirement[]): LabelMatcher {
  const sorted = [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    requirements: sorted,
    matches: (labels) => sorted.every((r) => requirementMatches(r, labels ?? {})),
    toString: () => sorted.map(formatRequirement).join(','),
  };
}

function requirementMatches(r: SelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'In':
    case 'Equals':
      return value !== undefined && r.values.includes(value);
    case 'NotIn':
    case 'NotEquals':
      return value === undefined || !r.values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      const bound = Number(r.values[0]);
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      return r.operator === 'Gt' ? Number(value) > bound : Number(value) < bound;
    }
  }
}

function formatRequirement(r: SelectorRequirement): string {
  const values = [...r.values].sort();
  switch (r.operator) {
    case 'Equals':
      return `${r.key}=${values[0] ?? ''}`;
    case 'NotEquals':
      return `${r.key}!=${values[0] ?? ''}`;
    case 'In':
      return `${r.key} in (${values.join(',')})`;
    case 'NotIn':
      return `${r.key} notin (${values.join(',')})`;
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    case 'Gt':
      return `${r.key}>${values[0] ?? ''}`;
    case 'Lt':
      return `${r.key}<${values[0] ?? ''}`;
  }
}

const KEY_RE = /^(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/**
 * Parses a Kubernetes label selector string (`a=b,c!=d,e in (x,y),f notin (z),g,!h`; also `==`, `>` and `<`)
 * into a matcher. The empty string matches everything, as kcp treats an empty `status.shardSelector`.
 * @throws InvalidArgumentError naming the part that does not parse.
 */
export function parseSelectorString(input: string): LabelMatcher {
  const reqs: SelectorRequirement[] = [];
  for (const part of splitTopLevel(input)) {
    reqs.push(parseRequirement(part, input));
  }
  return makeMatcher(reqs);
}

function splitTopLevel(input: string): string[] {
  if (input.trim() === '') return [];
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(input.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(input.slice(start));
  return parts.map((p) => p.trim());
}

function parseRequirement(part: string, input: string): SelectorRequirement {
  const fail = (why: string): never => {
    throw new InvalidArgumentError(
      `Invalid label selector "${input}": ${why} (a valid selector looks like "name=alpha,region in (eu,us),!legacy")`,
      'selector',
    );
  };
  const key = (k: string): string => {
    const t = k.trim();
    if (!KEY_RE.test(t)) fail(`"${t}" is not a valid label key`);
    return t;
  };
  const value = (v: string): string => {
    const t = v.trim();
    if (!VALUE_RE.test(t)) fail(`"${t}" is not a valid label value`);
    return t;
  };
  if (part === '') return fail('it has an empty requirement (check for a doubled or trailing ",")');
  const set = /^(.+?)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (set !== null) {
    const values = (set[3] ?? '').split(',').map(value);
    if (values.length === 1 && values[0] === '') fail(`"${part}" needs at least one value`);
    return { key: key(set[1] ?? ''), operator: set[2] === 'in' ? 'In' : 'NotIn', values };
  }
  const op = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(part);
  if (op !== null) {
    const operator: SelectorOperator =
      op[2] === '!=' ? 'NotEquals' : op[2] === '>' ? 'Gt' : op[2] === '<' ? 'Lt' : 'Equals';
    const v = value(op[3] ?? '');
    if ((operator === 'Gt' || operator === 'Lt') && !/^-?\d+$/.test(v)) {
      fail(`"${part}" needs an integer after "${op[2] ?? ''}"`);
    }
    return { key: key(op[1] ?? ''), operator, values: [v] };
  }
  if (part.startsWith('!')) return { key: key(part.slice(1)), operator: 'DoesNotExist', values: [] };
  return { key: key(part), operator: 'Exists', values: [] };
}
