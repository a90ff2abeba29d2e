/**
 * The kubeconfig format (`clientcmd/api/v1`) and its validation, lenient where kubectl is: unknown fields
 * are kept, lists may be `null`, and numbers are accepted where a string is expected (YAML `password: 1234`).
 *
 * Written out by hand rather than with zod, so that loading a kubeconfig does not load a schema library on
 * every start of the CLI. `test/config/kubeconfig-schema.test.ts` holds the zod schema this validator was
 * written from and checks that the two agree on every document: the same value, or the same first issue.
 *
 * @module
 */

/** `clusters[].cluster`. */
export interface KubeconfigCluster {
  server?: string | undefined;
  'tls-server-name'?: string | undefined;
  'insecure-skip-tls-verify'?: boolean | undefined;
  'certificate-authority'?: string | undefined;
  'certificate-authority-data'?: string | undefined;
  'proxy-url'?: string | undefined;
  'disable-compression'?: boolean | undefined;
  [field: string]: unknown;
}

/** `users[].user.exec.env[]`. */
export interface KubeconfigExecEnv {
  name: string;
  value: string;
  [field: string]: unknown;
}

/** `users[].user.exec`: an exec credential plugin. */
export interface KubeconfigExec {
  command: string;
  args?: string[] | undefined;
  env?: KubeconfigExecEnv[] | undefined;
  apiVersion?: string | undefined;
  installHint?: string | undefined;
  provideClusterInfo?: boolean | undefined;
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always' | undefined;
  [field: string]: unknown;
}

/** `users[].user`. */
export interface KubeconfigUser {
  'client-certificate'?: string | undefined;
  'client-certificate-data'?: string | undefined;
  'client-key'?: string | undefined;
  'client-key-data'?: string | undefined;
  token?: string | undefined;
  tokenFile?: string | undefined;
  as?: string | undefined;
  'as-uid'?: string | undefined;
  'as-groups'?: string[] | undefined;
  'as-user-extra'?: Record<string, string[]> | null | undefined;
  username?: string | undefined;
  password?: string | undefined;
  'auth-provider'?: { name: string; [field: string]: unknown } | null | undefined;
  exec?: KubeconfigExec | null | undefined;
  [field: string]: unknown;
}

/** `contexts[].context`. */
export interface KubeconfigContext {
  cluster?: string | undefined;
  user?: string | undefined;
  namespace?: string | undefined;
  [field: string]: unknown;
}

/** A validated kubeconfig document. */
export interface KubeconfigObject {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  clusters: Array<{ name: string; cluster?: KubeconfigCluster | null | undefined; [field: string]: unknown }>;
  users: Array<{ name: string; user?: KubeconfigUser | null | undefined; [field: string]: unknown }>;
  contexts: Array<{ name: string; context?: KubeconfigContext | null | undefined; [field: string]: unknown }>;
  'current-context'?: string | undefined;
  [field: string]: unknown;
}

/** The first problem of a kubeconfig document, in zod's terms (its issue codes, paths and expected types). */
export interface KubeconfigIssue {
  /** Where: keys and list indexes from the document's root. */
  path: Array<string | number>;
  /**
   * `invalid_type` (a map, list, boolean or string of another type), `invalid_union` (a string or number was
   * expected), `invalid_value` (not one of `values`).
   */
  code: 'invalid_type' | 'invalid_union' | 'invalid_value';
  /** For `invalid_type`: `object` (a map), `array` (a list), `record` (a map of lists), `boolean`. */
  expected?: 'object' | 'array' | 'record' | 'boolean' | undefined;
  /** For `invalid_value`: the allowed values. */
  values?: readonly string[] | undefined;
}

/** The outcome of {@link checkKubeconfig}. */
export type KubeconfigCheck = { ok: true; value: KubeconfigObject } | { ok: false; issue: KubeconfigIssue };

type Path = Array<string | number>;

/** Thrown inside the validator on the first issue; {@link checkKubeconfig} turns it into a result. */
class Invalid extends Error {
  constructor(readonly issue: KubeconfigIssue) {
    super(`kubeconfig issue ${issue.code} at ${issue.path.join('.')}`);
  }
}

/** Reads one value at `path`: returns the parsed value, or throws {@link Invalid}. */
type Reader<T> = (value: unknown, path: Path) => T;

/** A field of a map. */
interface Field {
  read: Reader<unknown>;
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A string; a finite number becomes its text, as client-go's YAML→JSON conversion does. */
const str: Reader<string> = (v, path) => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new Invalid({ path, code: 'invalid_union' });
};

const bool: Reader<boolean> = (v, path) => {
  if (typeof v === 'boolean') return v;
  throw new Invalid({ path, code: 'invalid_type', expected: 'boolean' });
};

function oneOf<const T extends string>(values: readonly T[]): Reader<T> {
  return (v, path) => {
    if (values.includes(v as T)) return v as T;
    throw new Invalid({ path, code: 'invalid_value', values });
  };
}

/** A list that may be written as `null` or left out (`users:`): both read as `[]`. */
function list<T>(item: Reader<T>): Reader<T[]> {
  return (v, path) => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new Invalid({ path, code: 'invalid_type', expected: 'array' });
    return v.map((x, i) => item(x, [...path, i]));
  };
}

/** A field that may be left out. */
const optional = (read: Reader<unknown>): Field => ({
  read: (v, path) => (v === undefined ? undefined : read(v, path)),
});

/** A field that may be left out or `null` (kept as `null`). */
const nullish = (read: Reader<unknown>): Field => ({
  read: (v, path) => (v === undefined || v === null ? v : read(v, path)),
});

/** A field that must be there (a reader of `undefined` fails, or gives a default). */
const required = (read: Reader<unknown>): Field => ({ read });

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** A map with these fields, in this order (the first issue is the first field's); other fields are kept. */
function looseMap<T>(fields: Record<string, Field>): Reader<T> {
  const entries = Object.entries(fields);
  return (v, path) => {
    if (!isMap(v)) throw new Invalid({ path, code: 'invalid_type', expected: 'object' });
    const out: Record<string, unknown> = {};
    for (const [key, field] of entries) {
      const present = Object.hasOwn(v, key);
      const value = field.read(present ? v[key] : undefined, [...path, key]);
      // a field left out stays out, unless reading it gives a value (a missing list reads as [])
      if (present || value !== undefined) setOwn(out, key, value);
    }
    for (const key of Object.keys(v)) if (!Object.hasOwn(fields, key)) setOwn(out, key, v[key]);
    return out as T;
  };
}

/** A map from any key to values read by `value`. */
function record<T>(value: Reader<T>): Reader<Record<string, T>> {
  return (v, path) => {
    const proto: unknown = isMap(v) ? Object.getPrototypeOf(v) : undefined;
    if (!isMap(v) || (proto !== Object.prototype && proto !== null)) {
      throw new Invalid({ path, code: 'invalid_type', expected: 'record' });
    }
    const out: Record<string, T> = {};
    for (const key of Object.keys(v)) setOwn(out, key, value(v[key], [...path, key]));
    return out;
  };
}

const cluster = looseMap<KubeconfigCluster>({
  server: optional(str),
  'tls-server-name': optional(str),
  'insecure-skip-tls-verify': optional(bool),
  'certificate-authority': optional(str),
  'certificate-authority-data': optional(str),
  'proxy-url': optional(str),
  'disable-compression': optional(bool),
});

const exec = looseMap<KubeconfigExec>({
  command: required(str),
  args: optional(list(str)),
  env: optional(list(looseMap<KubeconfigExecEnv>({ name: required(str), value: required(str) }))),
  apiVersion: optional(str),
  installHint: optional(str),
  provideClusterInfo: optional(bool),
  interactiveMode: optional(oneOf(['Never', 'IfAvailable', 'Always'])),
});

const user = looseMap<KubeconfigUser>({
  'client-certificate': optional(str),
  'client-certificate-data': optional(str),
  'client-key': optional(str),
  'client-key-data': optional(str),
  token: optional(str),
  tokenFile: optional(str),
  as: optional(str),
  'as-uid': optional(str),
  'as-groups': optional(list(str)),
  'as-user-extra': nullish(record(list(str))),
  username: optional(str),
  password: optional(str),
  'auth-provider': nullish(looseMap({ name: required(str) })),
  exec: nullish(exec),
});

const context = looseMap<KubeconfigContext>({
  cluster: optional(str),
  user: optional(str),
  namespace: optional(str),
});

const kubeconfig = looseMap<KubeconfigObject>({
  apiVersion: optional(str),
  kind: optional(str),
  clusters: required(list(looseMap({ name: required(str), cluster: nullish(cluster) }))),
  users: required(list(looseMap({ name: required(str), user: nullish(user) }))),
  contexts: required(list(looseMap({ name: required(str), context: nullish(context) }))),
  'current-context': optional(str),
});

/**
 * Validates a parsed kubeconfig document: the document with strings for numbers and `[]` for missing lists,
 * or its first issue (fields in the order above, list items in order).
 */
export function checkKubeconfig(input: unknown): KubeconfigCheck {
  try {
    return { ok: true, value: kubeconfig(input, []) };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, issue: e.issue };
    throw e;
  }
}
