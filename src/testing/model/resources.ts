import { arrAt, clone, drop, isObject, objAt, strAt, type Json, type JsonObject } from './json.js';

/** kcp version profiles the simulator emulates. */
/**
 * kcp version profiles the simulator emulates: `'0.28'` (default slices that are not re-created after a
 * delete), `'0.29+'` (re-created). `'0.28+'` is the earlier name of `'0.29+'`, still accepted.
 */
export type KcpProfile = '0.26' | '0.27' | '0.28' | '0.29+' | '0.28+';

/** True for the profiles of kcp ≥ 0.28 (default slices, v1alpha2, legacy field behind a gate). */
export function isV028OrLater(profile: KcpProfile): boolean {
  return profile === '0.28' || profile === '0.29+' || profile === '0.28+';
}

/** Plural resource names the simulator serves. */
export type SimResource =
  'apiexports' | 'apiexportendpointslices' | 'apibindings' | 'apiresourceschemas' | 'partitions' | 'shards';

/**
 * Description of one served resource: one of kcp's own (static, {@link RESOURCES}) or one defined by an
 * APIResourceSchema and served through an APIBinding or an APIExport's virtual workspace (dynamic).
 */
export interface ResourceDef {
  /** Plural name, e.g. `apibindings` or `cowboys`. */
  resource: string;
  /**
   * Key of the objects in the store: the plural for kcp's own resources, `<plural>.<group>:<identity>` for
   * exported ones (objects of the same resource bound from two exports are kept apart, as kcp does).
   */
  key: string;
  /** Namespaced (exported resources that say so, and Leases). */
  namespaced: boolean;
  group: string;
  kind: string;
  singular: string;
  /** Served versions, preferred first, for a profile. */
  versions: (profile: KcpProfile) => string[];
  /** Version objects are stored in. */
  storage: string;
  hasStatus: boolean;
  /** Whether admission sets `kcp.io/path`. */
  pathAnnotation: boolean;
  categories: string[];
  shortNames: string[];
  /** Verbs discovery lists when not the full set (read-only APIBindings in a virtual workspace). */
  verbs?: readonly string[] | undefined;
  /**
   * One of kube-apiserver's compiled-in types (Namespaces, Leases: see `kube.ts`) rather than a CRD: typed
   * decoding, no `metadata.generation`, strategic merge patch.
   */
  builtin?: boolean | undefined;
}

/** `apiVersion` of a group and version: `<group>/<version>`, or `<version>` for the core group. */
export function apiVersionFor(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

const v1alpha1Only = (): string[] => ['v1alpha1'];
const byProfile = (profile: KcpProfile): string[] =>
  isV028OrLater(profile) ? ['v1alpha2', 'v1alpha1'] : ['v1alpha1'];

type StaticDef = Omit<ResourceDef, 'key' | 'namespaced'> & { resource: SimResource };

const STATIC_DEFS: readonly StaticDef[] = [
  {
    resource: 'apiexports',
    group: 'apis.kcp.io',
    kind: 'APIExport',
    singular: 'apiexport',
    versions: byProfile,
    storage: 'v1alpha2',
    hasStatus: true,
    pathAnnotation: true,
    categories: ['kcp'],
    shortNames: [],
  },
  {
    resource: 'apiexportendpointslices',
    group: 'apis.kcp.io',
    kind: 'APIExportEndpointSlice',
    singular: 'apiexportendpointslice',
    versions: v1alpha1Only,
    storage: 'v1alpha1',
    hasStatus: true,
    pathAnnotation: false,
    categories: ['kcp'],
    shortNames: [],
  },
  {
    resource: 'apibindings',
    group: 'apis.kcp.io',
    kind: 'APIBinding',
    singular: 'apibinding',
    versions: byProfile,
    storage: 'v1alpha2',
    hasStatus: true,
    pathAnnotation: true,
    categories: ['kcp'],
    shortNames: [],
  },
  {
    resource: 'apiresourceschemas',
    group: 'apis.kcp.io',
    kind: 'APIResourceSchema',
    singular: 'apiresourceschema',
    versions: v1alpha1Only,
    storage: 'v1alpha1',
    hasStatus: false,
    pathAnnotation: false,
    categories: ['kcp'],
    shortNames: [],
  },
  {
    resource: 'partitions',
    group: 'topology.kcp.io',
    kind: 'Partition',
    singular: 'partition',
    versions: v1alpha1Only,
    storage: 'v1alpha1',
    hasStatus: false,
    pathAnnotation: false,
    categories: ['kcp'],
    shortNames: [],
  },
  {
    resource: 'shards',
    group: 'core.kcp.io',
    kind: 'Shard',
    singular: 'shard',
    versions: v1alpha1Only,
    storage: 'v1alpha1',
    hasStatus: false,
    pathAnnotation: false,
    categories: ['kcp'],
    shortNames: [],
  },
];

/** Every resource of kcp's own that the simulator serves. */
export const RESOURCES: readonly ResourceDef[] = STATIC_DEFS.map((d) => ({
  ...d,
  key: d.resource,
  namespaced: false,
}));

/** The API groups of some resources, in order of first appearance. */
export function groups(defs: readonly ResourceDef[] = RESOURCES): string[] {
  return [...new Set(defs.map((r) => r.group))];
}

/** Looks a resource up by group, version and plural name for a profile. */
export function findResource(
  group: string,
  version: string,
  resource: string,
  profile: KcpProfile,
): ResourceDef | undefined {
  return RESOURCES.find(
    (r) => r.group === group && r.resource === resource && r.versions(profile).includes(version),
  );
}

/** The definition of a resource by plural name. */
export function resourceDef(resource: SimResource): ResourceDef {
  const def = RESOURCES.find((r) => r.resource === resource);
  if (def === undefined) throw new Error(`unknown resource ${resource}`);
  return def;
}

const RESOURCE_SCHEMAS_ANNOTATION = 'apis.v1alpha2.kcp.io/resource-schemas';
const PERMISSION_CLAIMS_ANNOTATION = 'apis.v1alpha2.kcp.io/permission-claims';

/** Splits an APIResourceSchema name `<prefix>.<resource>.<group>` into resource and group. */
function schemaParts(schema: string): { name: string; group: string } {
  const parts = schema.split('.');
  return { name: parts[1] ?? schema, group: parts.slice(2).join('.') };
}

function annotations(obj: JsonObject): JsonObject {
  const m = objAt(obj, 'metadata');
  const a = objAt(m, 'annotations');
  if (a !== undefined) return a;
  const created: JsonObject = {};
  if (m !== undefined) m['annotations'] = created;
  return created;
}

function dropEmptyAnnotations(obj: JsonObject): void {
  const m = objAt(obj, 'metadata');
  const a = objAt(m, 'annotations');
  if (m !== undefined && a !== undefined && Object.keys(a).length === 0) delete m['annotations'];
}

/** APIExport v1alpha2 (storage) → v1alpha1. */
function exportToV1alpha1(obj: JsonObject): void {
  const spec = objAt(obj, 'spec');
  if (spec === undefined) return;
  const resources = arrAt(spec, 'resources');
  if (resources !== undefined) {
    const crd = resources.filter((r) => isObject(r) && objAt(objAt(r, 'storage'), 'virtual') === undefined);
    const other = resources.filter((r) => !crd.includes(r));
    spec['latestResourceSchemas'] = crd.map((r) => (isObject(r) ? (strAt(r, 'schema') ?? '') : ''));
    if (other.length > 0) annotations(obj)[RESOURCE_SCHEMAS_ANNOTATION] = JSON.stringify(other);
    delete spec['resources'];
  }
  const claims = arrAt(spec, 'permissionClaims');
  if (claims !== undefined) {
    annotations(obj)[PERMISSION_CLAIMS_ANNOTATION] = JSON.stringify(claims);
    spec['permissionClaims'] = claims.map((c) => {
      const o = isObject(c) ? c : {};
      const out: JsonObject = { group: o['group'] ?? '', resource: o['resource'] ?? '', all: true };
      if (typeof o['identityHash'] === 'string' && o['identityHash'] !== '')
        out['identityHash'] = o['identityHash'];
      return out;
    });
  }
}

/** APIExport v1alpha1 → v1alpha2 (storage). */
function exportToV1alpha2(obj: JsonObject): void {
  const spec = objAt(obj, 'spec');
  if (spec === undefined) return;
  const ann = annotations(obj);
  const latest = arrAt(spec, 'latestResourceSchemas');
  if (latest !== undefined || ann[RESOURCE_SCHEMAS_ANNOTATION] !== undefined) {
    const resources: Json[] = (latest ?? []).map((s) => {
      const schema = typeof s === 'string' ? s : '';
      const { name, group } = schemaParts(schema);
      return { name, group, schema, storage: { crd: {} } };
    });
    const extra = parseJsonArray(ann[RESOURCE_SCHEMAS_ANNOTATION]);
    spec['resources'] = [...resources, ...extra];
    delete spec['latestResourceSchemas'];
    drop(ann, RESOURCE_SCHEMAS_ANNOTATION);
  }
  const claims = arrAt(spec, 'permissionClaims');
  const saved = parseJsonArray(ann[PERMISSION_CLAIMS_ANNOTATION]);
  if (saved.length > 0) spec['permissionClaims'] = saved;
  else if (claims !== undefined) {
    spec['permissionClaims'] = claims.map((c) => {
      const o = isObject(c) ? c : {};
      return {
        group: o['group'] ?? '',
        resource: o['resource'] ?? '',
        verbs: ['*'],
        identityHash: o['identityHash'] ?? '',
      };
    });
  }
  drop(ann, PERMISSION_CLAIMS_ANNOTATION);
  dropEmptyAnnotations(obj);
}

function parseJsonArray(text: Json | undefined): Json[] {
  if (typeof text !== 'string') return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as Json[]) : [];
  } catch {
    return [];
  }
}

/** APIBinding claims v1alpha2 ↔ v1alpha1. */
function bindingClaims(obj: JsonObject, to: string): void {
  const spec = objAt(obj, 'spec');
  const claims = arrAt(spec, 'permissionClaims');
  if (spec === undefined || claims === undefined) return;
  spec['permissionClaims'] = claims.map((c) => {
    const o = isObject(c) ? { ...c } : {};
    if (to === 'v1alpha1') {
      const sel = objAt(o, 'selector');
      o['all'] = sel?.['matchAll'] ?? true;
      delete o['selector'];
      delete o['verbs'];
    } else {
      o['selector'] = { matchAll: o['all'] ?? true };
      o['verbs'] = o['verbs'] ?? ['*'];
      delete o['all'];
      delete o['resourceSelector'];
    }
    return o;
  });
}

/** Converts a stored object to `version` (a copy; the input is untouched). */
export function convert(def: ResourceDef, obj: JsonObject, version: string): JsonObject {
  const out: JsonObject = { apiVersion: apiVersionFor(def.group, version), kind: def.kind, ...clone(obj) };
  const from = strAt(obj, 'apiVersion')?.split('/').at(-1) ?? def.storage;
  out['apiVersion'] = apiVersionFor(def.group, version);
  out['kind'] = def.kind;
  if (from === version) return out;
  if (def.resource === 'apiexports') {
    if (version === 'v1alpha1') exportToV1alpha1(out);
    else exportToV1alpha2(out);
  } else if (def.resource === 'apibindings') bindingClaims(out, version);
  return out;
}
