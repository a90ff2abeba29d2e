import { InvalidArgumentError } from '../../errors.js';
import { deepEqual, type JsonObject } from './json.js';
import { resourceDef } from './resources.js';
import type { Store } from './store.js';
import type { WorkspaceInfo } from './topology.js';
import { validateObject } from './validation.js';

/** One exported resource of a simulated APIExport (v1alpha2 `spec.resources[]` without storage). */
export interface ExportedResource {
  name: string;
  group: string;
  schema: string;
}

function singularOf(plural: string): string {
  if (plural.endsWith('ies') && plural.length > 3) return `${plural.slice(0, -3)}y`;
  if (plural.endsWith('s') && plural.length > 1) return plural.slice(0, -1);
  return plural;
}

/**
 * The APIResourceSchema kcp would hold for an exported resource: named as the export's schema entry,
 * cluster-scoped, one served and stored version `v1` with a schema that keeps unknown fields. As in kcp,
 * `versions[].schema` is the OpenAPI v3 schema itself (not wrapped in `openAPIV3Schema` as in a CRD).
 */
export function resourceSchemaFor(r: ExportedResource): JsonObject {
  const singular = singularOf(r.name);
  const kind = singular.charAt(0).toUpperCase() + singular.slice(1);
  return {
    apiVersion: 'apis.kcp.io/v1alpha1',
    kind: 'APIResourceSchema',
    metadata: { name: r.schema },
    spec: {
      group: r.group,
      names: { plural: r.name, singular, kind, listKind: `${kind}List` },
      scope: 'Cluster',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      ],
    },
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
