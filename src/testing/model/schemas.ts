import { InvalidArgumentError } from '../../errors.js';
import { arrAt, deepEqual, isObject, objAt, strAt, type JsonObject } from './json.js';
import { resourceDef, type ResourceDef } from './resources.js';
import type { Store } from './store.js';
import type { WorkspaceInfo } from './topology.js';
import { validateObject } from './validation.js';

/**
 * One exported resource of a simulated APIExport (v1alpha2 `spec.resources[]` without storage), and the
 * shape of the APIResourceSchema the helper creates for it.
 */
export interface ExportedResource {
  name: string;
  group: string;
  schema: string;
  /** @default 'Cluster' */
  scope?: 'Cluster' | 'Namespaced' | undefined;
  /** Served versions; the first is the storage version. @default ['v1'] */
  versions?: string[] | undefined;
  /** Give every version a status subresource. @default false */
  statusSubresource?: boolean | undefined;
}

function singularOf(plural: string): string {
  if (plural.endsWith('ies') && plural.length > 3) return `${plural.slice(0, -3)}y`;
  if (plural.endsWith('s') && plural.length > 1) return plural.slice(0, -1);
  return plural;
}

/**
 * The APIResourceSchema kcp would hold for an exported resource: named as the export's schema entry, by
 * default cluster-scoped with one served and stored version `v1`, each version with a schema that keeps
 * unknown fields. As in kcp, `versions[].schema` is the OpenAPI v3 schema itself (not wrapped in
 * `openAPIV3Schema` as in a CRD).
 */
export function resourceSchemaFor(r: ExportedResource): JsonObject {
  const singular = singularOf(r.name);
  const kind = singular.charAt(0).toUpperCase() + singular.slice(1);
  const versions = r.versions ?? ['v1'];
  return {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIResourceSchema',
    metadata: { name: r.schema },
    spec: {
      group: r.group,
      names: { plural: r.name, singular, kind, listKind: `${kind}List` },
      scope: r.scope ?? 'Cluster',
      versions: versions.map((name, i) => ({
        name,
        served: true,
        storage: i === 0,
        schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        ...(r.statusSubresource === true ? { subresources: { status: {} } } : {}),
      })),
    },
  };
}

const KUBE_VERSION_RE = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Orders API versions as Kubernetes does for discovery (`version.CompareKubeAwareVersionStrings`): GA before
 * beta before alpha, higher numbers first, then other names alphabetically. Negative when `a` comes first.
 */
export function compareKubeAwareVersions(a: string, b: string): number {
  const ma = KUBE_VERSION_RE.exec(a);
  const mb = KUBE_VERSION_RE.exec(b);
  if (ma === null || mb === null) {
    if (ma !== null) return -1;
    if (mb !== null) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const level = (m: RegExpExecArray): number => (m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0);
  if (level(ma) !== level(mb)) return level(mb) - level(ma);
  if (Number(ma[1]) !== Number(mb[1])) return Number(mb[1]) - Number(ma[1]);
  return Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}

/**
 * The resource an APIResourceSchema defines, as served with `identityHash` (kcp stores the objects of a
 * bound resource under its export's identity, so two exports of the same resource stay apart). Only served
 * versions count; the storage version is the one marked `storage` (else the first served). `undefined` for a
 * schema that serves nothing.
 */
export function definitionFromSchema(schema: JsonObject, identityHash: string): ResourceDef | undefined {
  const spec = objAt(schema, 'spec');
  const names = objAt(spec, 'names');
  const plural = strAt(names, 'plural') ?? '';
  const group = strAt(spec, 'group') ?? '';
  const versions = (arrAt(spec, 'versions') ?? []).filter(isObject).filter((v) => v['served'] !== false);
  if (plural === '' || versions.length === 0) return undefined;
  const served = versions
    .map((v) => strAt(v, 'name') ?? '')
    .filter((v) => v !== '')
    .sort(compareKubeAwareVersions);
  const storage = strAt(versions.find((v) => v['storage'] === true) ?? versions[0], 'name') ?? '';
  const stringList = (key: string): string[] =>
    (arrAt(names, key) ?? []).filter((x): x is string => typeof x === 'string');
  return {
    resource: plural,
    key: `${plural}.${group}:${identityHash}`,
    namespaced: strAt(spec, 'scope') === 'Namespaced',
    group,
    kind: strAt(names, 'kind') ?? '',
    singular: strAt(names, 'singular') ?? plural,
    versions: () => served,
    storage,
    hasStatus: versions.some((v) => objAt(objAt(v, 'subresources'), 'status') !== undefined),
    pathAnnotation: false,
    categories: stringList('categories'),
    shortNames: stringList('shortNames'),
  };
}

/**
 * The APIResourceSchemas to create in `ws` for an export's resources: invalid ones and ones that clash
 * with an existing schema of the same name but another spec are refused; identical existing ones and
 * duplicates are skipped.
 * @throws InvalidArgumentError before anything is written.
 */
export function schemasToCreate(
  store: Store,
  ws: WorkspaceInfo,
  resources: ExportedResource[],
): JsonObject[] {
  const def = resourceDef('apiresourceschemas');
  const out = new Map<string, JsonObject>();
  for (const r of resources) {
    const obj = resourceSchemaFor(r);
    const causes = validateObject(def, def.storage, obj);
    if (causes.length > 0) {
      throw new InvalidArgumentError(
        `kcp simulator: invalid APIResourceSchema ${r.schema}: ${causes.map((c) => `${c.field}: ${c.message}`).join(', ')}`,
        'resources',
      );
    }
    const stored = store.get('apiresourceschemas', ws.cluster, r.schema)?.['spec'];
    const planned = out.get(r.schema)?.['spec'];
    if (stored !== undefined && !deepEqual(stored, obj['spec'])) {
      throw new InvalidArgumentError(
        `kcp simulator: APIResourceSchema ${r.schema} already exists in ${ws.path} with another spec (APIResourceSchemas are immutable)`,
        'resources',
      );
    }
    if (planned !== undefined && !deepEqual(planned, obj['spec'])) {
      throw new InvalidArgumentError(
        `kcp simulator: APIResourceSchema ${r.schema} is named by two exported resources with different specs`,
        'resources',
      );
    }
    if (stored === undefined) out.set(r.schema, obj);
  }
  return [...out.values()];
}
