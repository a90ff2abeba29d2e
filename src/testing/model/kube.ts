/**
 * The Kubernetes resources every kcp workspace serves that the simulator models: core/v1 Namespaces and
 * coordination.k8s.io/v1 Leases. Unlike kcp's own resources (CRDs), these are kube-apiserver's compiled-in
 * types: a posted body is decoded into the Go type (unknown fields dropped, or refused with
 * `fieldValidation=Strict`; a value of the wrong type refused with 400), `metadata.generation` is not kept,
 * strategic merge patch is accepted, and a Lease's DELETE answers a `Status`.
 *
 * What kcp does with them (kcp 0.28.0): the `universal` workspace type's initializer creates the `default`
 * namespace in every workspace; there is no `kube-system`; `default`, `kube-system` and `kube-public` may not be
 * deleted (the `WorkspaceNamespaceLifecycle` admission); creating an object in a namespace that does not exist
 * answers 404 `namespaces "<ns>" not found`.
 */
import { clone, drop, isObject, meta, objAt, strAt, type Json, type JsonObject } from './json.js';
import type { ResourceDef } from './resources.js';
import { invalid, notFound, qualified, SimHttpError, type FieldCause } from './api-errors.js';

const v1 = (): string[] => ['v1'];

/** core/v1 Namespaces (cluster-scoped). */
export const NAMESPACES: ResourceDef = Object.freeze({
  resource: 'namespaces',
  key: 'namespaces',
  namespaced: false,
  group: '',
  kind: 'Namespace',
  singular: 'namespace',
  versions: v1,
  storage: 'v1',
  hasStatus: true,
  pathAnnotation: false,
  categories: [],
  shortNames: ['ns'],
  builtin: true,
});

/** coordination.k8s.io/v1 Leases (namespaced). */
export const LEASES: ResourceDef = Object.freeze({
  resource: 'leases',
  key: 'leases',
  namespaced: true,
  group: 'coordination.k8s.io',
  kind: 'Lease',
  singular: 'lease',
  versions: v1,
  storage: 'v1',
  hasStatus: false,
  pathAnnotation: false,
  categories: [],
  shortNames: [],
  builtin: true,
});

/** The Kubernetes resources every workspace serves. */
export const KUBE_RESOURCES: readonly ResourceDef[] = [NAMESPACES, LEASES];

/** Namespaces the simulator creates in every workspace, as kcp does. */
export const DEFAULT_NAMESPACE = 'default';
/** Namespaces kube's lifecycle admission (and so kcp's) refuses to delete. */
export const IMMORTAL_NAMESPACES: readonly string[] = ['default', 'kube-system', 'kube-public'];
/** The label kube-apiserver puts on every Namespace. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

/** A field's Go type, for decoding as the typed decoder does. */
type FieldType = 'string' | 'int32' | 'microtime' | 'strings';

/** The Go-typed fields of one built-in kind: its top-level keys and the typed fields of its sections. */
interface TypedKind {
  goType: string;
  /** `section → field → type`; a section absent here is decoded as-is (metadata, status). */
  sections: Record<string, Record<string, FieldType> | 'meta' | 'free'>;
}

const KINDS: Record<string, TypedKind> = {
  leases: {
    goType: 'Lease',
    sections: {
      metadata: 'meta',
      spec: {
        holderIdentity: 'string',
        leaseDurationSeconds: 'int32',
        acquireTime: 'microtime',
        renewTime: 'microtime',
        leaseTransitions: 'int32',
        strategy: 'string',
        preferredHolder: 'string',
      },
    },
  },
  namespaces: {
    goType: 'Namespace',
    sections: { metadata: 'meta', spec: { finalizers: 'strings' }, status: 'free' },
  },
};

/** Go's `RFC3339Micro` layout, piece by piece, as `time.Parse` reads it. */
const MICRO_LAYOUT = '2006-01-02T15:04:05.000000Z07:00';
const MICRO_PIECES: Array<[string, RegExp]> = [
  ['2006', /^\d{4}/],
  ['-', /^-/],
  ['01', /^\d{2}/],
  ['-', /^-/],
  ['02', /^\d{2}/],
  ['T', /^T/],
  ['15', /^\d{2}/],
  [':', /^:/],
  ['04', /^\d{2}/],
  [':', /^:/],
  ['05', /^\d{2}/],
  ['.000000', /^[.,]\d{6}/],
  ['Z07:00', /^(?:Z|[+-]\d{2}:\d{2})/],
];

/**
 * Parses a `MicroTime` as kube-apiserver does (Go's `time.Parse` with `RFC3339Micro`: exactly six fractional
 * digits) and returns it in UTC, as the server writes it back.
 * @throws Error with Go's `parsing time …` message.
 */
export function parseMicroTime(text: string): string {
  const fail = (detail: string): Error =>
    new Error(
      `parsing time ${JSON.stringify(text)}${detail.startsWith(':') ? '' : ` as ${JSON.stringify(MICRO_LAYOUT)}: `}${detail}`,
    );
  let rest = text;
  const parts: string[] = [];
  for (const [name, re] of MICRO_PIECES) {
    const m = re.exec(rest);
    if (m === null) throw fail(`cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(name)}`);
    parts.push(m[0]);
    rest = rest.slice(m[0].length);
  }
  if (rest !== '') throw fail(`: extra text: ${JSON.stringify(rest)}`);
  const [year, , month, , day, , hour, , minute, , second, frac = '.000000', zone = 'Z'] = parts;
  const n = (s: string | undefined): number => Number(s);
  const ranges: Array<[number, number, number, string]> = [
    [n(month), 1, 12, 'month'],
    [n(hour), 0, 23, 'hour'],
    [n(minute), 0, 59, 'minute'],
    [n(second), 0, 59, 'second'],
  ];
  for (const [v, lo, hi, what] of ranges) if (v < lo || v > hi) throw fail(`: ${what} out of range`);
  const d = new Date(Date.UTC(2000, 0, 1, n(hour), n(minute), n(second)));
  d.setUTCFullYear(n(year), n(month) - 1, 1);
  const daysInMonth =
    new Date(Date.UTC(2000, n(month), 0)).getUTCDate() - (n(month) === 2 && !leap(n(year)) ? 1 : 0);
  if (n(day) < 1 || n(day) > daysInMonth) throw fail(': day out of range');
  d.setUTCDate(n(day));
  const offsetMin =
    zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (n(zone.slice(1, 3)) * 60 + n(zone.slice(4, 6)));
  d.setTime(d.getTime() - offsetMin * 60_000);
  if (d.getUTCFullYear() < 0 || d.getUTCFullYear() > 9999) throw fail(': year out of range');
  return `${d.toISOString().slice(0, 19)}.${frac.slice(1)}Z`;
}

function leap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const typeName = (v: Json): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v;

/**
 * Decodes a posted object of a built-in kind as kube-apiserver's typed decoder does: fields of the wrong type
 * are refused (400), fields the type does not have are dropped and reported, MicroTimes are normalised to UTC.
 * @returns the decoded object and the unknown fields (`spec.foo`), in document order.
 * @throws SimHttpError 400 `<Kind> in version "<v>" cannot be handled as a <Kind>: …`.
 */
export function decodeBuiltin(
  def: ResourceDef,
  version: string,
  body: JsonObject,
): { object: JsonObject; unknown: string[] } {
  const kind = KINDS[def.key];
  if (kind === undefined) return { object: body, unknown: [] };
  const bad = (detail: string): SimHttpError =>
    new SimHttpError(
      400,
      `${kind.goType} in version "${version}" cannot be handled as a ${kind.goType}: ${detail}`,
    );
  const unknown: string[] = [];
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue;
    if (key === 'apiVersion' || key === 'kind') {
      out[key] = value;
      continue;
    }
    const section = kind.sections[key];
    if (section === undefined) {
      unknown.push(key);
      continue;
    }
    if (value === null) continue;
    if (!isObject(value)) {
      throw bad(
        `json: cannot unmarshal ${typeName(value)} into Go struct field ${kind.goType}.${key} of type ${goPackageType(kind.goType, key)}`,
      );
    }
    if (section === 'free') {
      out[key] = clone(value);
      continue;
    }
    const decoded: JsonObject = {};
    for (const [field, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const type = section === 'meta' ? (OBJECT_META_FIELDS.has(field) ? undefined : null) : section[field];
      if (type === null || (section !== 'meta' && type === undefined)) {
        unknown.push(`${key}.${field}`);
        continue;
      }
      if (type === undefined || v === null) {
        if (v !== null) decoded[field] = clone(v);
        continue;
      }
      const where = `Go struct field ${goSectionType(kind.goType, key)}.${key}.${field}`;
      decoded[field] = decodeField(v, type, where, bad);
    }
    out[key] = decoded;
  }
  const spec = out['spec'];
  if (def.key === 'leases' && isObject(spec)) {
    // the CoordinatedLeaderElection feature gate is off in kcp: kube-apiserver drops these fields
    drop(spec, 'strategy');
    drop(spec, 'preferredHolder');
  }
  return { object: out, unknown };
}

/** The Go type of a section with its package (`v1.LeaseSpec`). */
function goPackageType(goType: string, section: string): string {
  const t = goSectionType(goType, section);
  return t.includes('.') ? t : `v1.${t}`;
}

function goSectionType(goType: string, section: string): string {
  if (section === 'metadata') return 'v1.ObjectMeta';
  return `${goType}${section[0]?.toUpperCase() ?? ''}${section.slice(1)}`;
}

function decodeField(v: Json, type: FieldType, where: string, bad: (d: string) => SimHttpError): Json {
  switch (type) {
    case 'string':
      if (typeof v !== 'string')
        throw bad(`json: cannot unmarshal ${typeName(v)} into ${where} of type string`);
      return v;
    case 'int32':
      if (typeof v !== 'number')
        throw bad(`json: cannot unmarshal ${typeName(v)} into ${where} of type int32`);
      if (!Number.isInteger(v) || v < -(2 ** 31) || v > 2 ** 31 - 1) {
        throw bad(`json: cannot unmarshal number ${String(v)} into ${where} of type int32`);
      }
      return v;
    case 'strings':
      if (!Array.isArray(v))
        throw bad(`json: cannot unmarshal ${typeName(v)} into ${where} of type []v1.FinalizerName`);
      for (const item of v) {
        if (typeof item !== 'string')
          throw bad(`json: cannot unmarshal ${typeName(item)} into ${where} of type v1.FinalizerName`);
      }
      return clone(v);
    case 'microtime':
      if (typeof v !== 'string')
        throw bad(`json: cannot unmarshal ${typeName(v)} into ${where} of type string`);
      try {
        return parseMicroTime(v);
      } catch (e) {
        throw bad((e as Error).message);
      }
  }
}

/**
 * What kube-apiserver does on create of a built-in kind: a Namespace gets `spec.finalizers: [kubernetes]`,
 * `status.phase: Active` and its name label.
 */
export function prepareBuiltinCreate(def: ResourceDef, obj: JsonObject): void {
  if (def.key !== 'namespaces') return;
  const name = strAt(meta(obj), 'name') ?? '';
  const labels = isObject(meta(obj)['labels']) ? (meta(obj)['labels'] as JsonObject) : {};
  labels[NAMESPACE_NAME_LABEL] = name;
  meta(obj)['labels'] = labels;
  const spec = objAt(obj, 'spec') ?? {};
  spec['finalizers'] = ['kubernetes'];
  obj['spec'] = spec;
  obj['status'] = { phase: 'Active' };
}

/**
 * The namespace lifecycle admission: a namespaced object is created only in a namespace that exists and is
 * not being deleted.
 * @param ns the stored Namespace, or `undefined`.
 * @throws SimHttpError 404 `namespaces "<ns>" not found`; 403 `… unable to create new content in namespace
 *   <ns> because it is being terminated`.
 */
export function admitInNamespace(
  def: ResourceDef,
  name: string,
  namespace: string,
  ns: JsonObject | undefined,
): void {
  if (ns === undefined) throw notFound('namespaces', '', namespace);
  if (meta(ns)['deletionTimestamp'] === undefined) return;
  throw new SimHttpError(
    403,
    `${qualified(def.resource, def.group)} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
    {
      details: {
        name,
        ...(def.group === '' ? {} : { group: def.group }),
        kind: def.resource,
        causes: [
          {
            reason: 'NamespaceTerminating',
            message: `namespace ${namespace} is being terminated`,
            field: 'metadata.namespace',
          },
        ],
      },
    },
  );
}

/** The annotation kcp's bootstrap puts on the namespaces it creates. */
export const CREATE_ONLY_ANNOTATION = 'bootstrap.kcp.io/create-only';

/** The `default` Namespace as kcp's workspace initializer creates it. */
export function defaultNamespace(): JsonObject {
  return { metadata: { name: DEFAULT_NAMESPACE, annotations: { [CREATE_ONLY_ANNOTATION]: 'true' } } };
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The field errors of a Namespace name, as kube-apiserver words them (the name is also the value of the
 * `kubernetes.io/metadata.name` label, which is validated too).
 */
export function namespaceNameCauses(name: string): FieldCause[] {
  const bad = (field: string, detail: string): FieldCause => ({
    field,
    reason: 'FieldValueInvalid',
    message: `Invalid value: ${JSON.stringify(name)}: ${detail}`,
  });
  if (name.includes('.')) return [bad('metadata.name', 'must not contain dots')];
  if (name.length > 63) {
    return [
      bad('metadata.name', 'must be no more than 63 characters'),
      bad('metadata.labels', 'must be no more than 63 characters'),
    ];
  }
  if (DNS_LABEL.test(name)) return [];
  const causes = [
    bad(
      'metadata.name',
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ),
  ];
  if (!LABEL_VALUE.test(name)) {
    causes.push(
      bad(
        'metadata.labels',
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ),
    );
  }
  return causes;
}

/**
 * A Lease is created by an update of a missing name, and never updated without a resourceVersion (kube's
 * Lease strategy: `AllowCreateOnUpdate`, no `AllowUnconditionalUpdate`).
 * @throws SimHttpError 422 `leases.coordination.k8s.io "<name>" is invalid: metadata.resourceVersion: …`.
 */
export function requireResourceVersion(
  def: ResourceDef,
  name: string,
  resourceVersion: string | undefined,
): void {
  if (def.key !== 'leases' || (resourceVersion !== undefined && resourceVersion !== '')) return;
  throw invalid(def.resource, def.group, name, [
    {
      field: 'metadata.resourceVersion',
      reason: 'FieldValueInvalid',
      message: 'Invalid value: 0x0: must be specified for an update',
    },
  ]);
}

/**
 * The lifecycle admission on DELETE of a Namespace: `default`, `kube-system` and `kube-public` stay.
 * @throws SimHttpError 403 `namespaces "<ns>" is forbidden: this namespace may not be deleted`.
 */
export function checkNamespaceDelete(name: string): void {
  if (IMMORTAL_NAMESPACES.includes(name)) {
    throw new SimHttpError(403, `namespaces "${name}" is forbidden: this namespace may not be deleted`, {
      details: { name, kind: 'namespaces' },
    });
  }
}

/** kube's answer to a DELETE that removed the object at once (built-in kinds that do not return it). */
export function deletedStatus(def: ResourceDef, obj: JsonObject): JsonObject {
  const name = strAt(meta(obj), 'name') ?? '';
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: {
      name,
      ...(def.group === '' ? {} : { group: def.group }),
      kind: def.resource,
      uid: strAt(meta(obj), 'uid') ?? '',
    },
  };
}
