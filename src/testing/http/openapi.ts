import type { JsonObject } from '../model/json.js';
import { sha256 } from '../model/names.js';
import { groups, type KcpProfile, type ResourceDef } from '../model/resources.js';
import { servedAt } from './discovery.js';

/**
 * `/openapi/v3`: one entry per served group/version. The hash (kubectl caches documents by it) changes with
 * the resources served there, so a new binding is seen.
 */
export function openApiIndex(defs: readonly ResourceDef[], profile: KcpProfile): JsonObject {
  const paths: JsonObject = {};
  for (const g of groups(defs)) {
    const versions = [...new Set(defs.filter((d) => d.group === g).flatMap((d) => d.versions(profile)))];
    for (const v of versions) {
      const keys = servedAt(g, v, defs, profile)
        .map((d) => d.key)
        .join(',');
      const hash = sha256(`${profile}\0${keys}`).slice(0, 16);
      const at = g === '' ? `api/${v}` : `apis/${g}/${v}`;
      paths[at] = { serverRelativeURL: `/openapi/v3/${at}?hash=${hash}` };
    }
  }
  return { paths };
}

const STRING = { type: 'string' };
const STRING_MAP = { type: 'object', additionalProperties: STRING };
const INT32 = { type: 'integer', format: 'int32' };
const TIME = { type: 'string', format: 'date-time' };

/**
 * The schema of a built-in kind's fields, with ObjectMeta's patch strategies: kubectl reads them to compute
 * a strategic merge patch (`kubectl apply`).
 */
function builtinProperties(def: ResourceDef): JsonObject {
  const metadata = {
    type: 'object',
    properties: {
      name: STRING,
      generateName: STRING,
      namespace: STRING,
      uid: STRING,
      resourceVersion: STRING,
      creationTimestamp: TIME,
      deletionTimestamp: TIME,
      labels: STRING_MAP,
      annotations: STRING_MAP,
      finalizers: {
        type: 'array',
        items: STRING,
        'x-kubernetes-list-type': 'set',
        'x-kubernetes-patch-strategy': 'merge',
      },
      ownerReferences: {
        type: 'array',
        items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        'x-kubernetes-patch-merge-key': 'uid',
        'x-kubernetes-patch-strategy': 'merge',
      },
      managedFields: {
        type: 'array',
        items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  };
  const spec =
    def.key === 'leases'
      ? {
          holderIdentity: STRING,
          leaseDurationSeconds: INT32,
          acquireTime: { type: 'string', format: 'date-time' },
          renewTime: { type: 'string', format: 'date-time' },
          leaseTransitions: INT32,
          preferredHolder: STRING,
          strategy: STRING,
        }
      : { finalizers: { type: 'array', items: STRING } };
  return {
    apiVersion: STRING,
    kind: STRING,
    metadata,
    spec: { type: 'object', properties: spec },
    ...(def.hasStatus ? { status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } : {}),
  };
}

function schemaName(def: ResourceDef, version: string): string {
  // kube's own kinds are named after their Go package (io.k8s.api.coordination.v1.Lease)
  if (def.builtin === true) {
    return `io.k8s.api.${def.group === '' ? 'core' : (def.group.split('.')[0] ?? '')}.${version}.${def.kind}`;
  }
  return `${def.group.split('.').reverse().join('.')}.${version}.${def.kind}`;
}

/**
 * `/openapi/v3/apis/<group>/<version>`: just enough for kubectl's validation and apply (kubectl-wire.md):
 * paths with `x-kubernetes-group-version-kind` and a `fieldValidation` parameter, and permissive schemas.
 */
export function openApiGroupVersion(
  group: string,
  version: string,
  served: readonly ResourceDef[],
  profile: KcpProfile,
): JsonObject | undefined {
  const defs = servedAt(group, version, served, profile);
  if (defs.length === 0) return undefined;
  const paths: JsonObject = {};
  const schemas: JsonObject = {};
  const params = [
    { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
    { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
    { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
  ];
  for (const d of defs) {
    const gvk = { group, version, kind: d.kind };
    const name = schemaName(d, version);
    const ref = { $ref: `#/components/schemas/${name}` };
    const body = { content: { 'application/json': { schema: ref } } };
    const ok = { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } };
    const op = (id: string, extra: JsonObject = {}): JsonObject => ({
      operationId: `${id}${d.kind}`,
      'x-kubernetes-action': id,
      'x-kubernetes-group-version-kind': gvk,
      parameters: params,
      responses: ok,
      ...extra,
    });
    const pathParam = (name: string): JsonObject => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    });
    const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    const base = d.namespaced ? `${prefix}/namespaces/{namespace}/${d.resource}` : `${prefix}/${d.resource}`;
    const scope = d.namespaced ? [pathParam('namespace')] : [];
    if (d.namespaced) paths[`${prefix}/${d.resource}`] = { get: op('list') };
    paths[base] = {
      get: op('list'),
      post: op('post', { requestBody: body }),
      ...(scope.length > 0 ? { parameters: scope } : {}),
    };
    paths[`${base}/{name}`] = {
      get: op('get'),
      put: op('put', { requestBody: body }),
      patch: op('patch', {
        requestBody: {
          content: {
            'application/merge-patch+json': { schema: { type: 'object' } },
            'application/json-patch+json': { schema: { type: 'array' } },
            ...(d.builtin === true
              ? { 'application/strategic-merge-patch+json': { schema: { type: 'object' } } }
              : {}),
          },
        },
      }),
      delete: op('delete'),
      parameters: [...scope, pathParam('name')],
    };
    schemas[name] =
      d.builtin === true
        ? { type: 'object', 'x-kubernetes-group-version-kind': [gvk], properties: builtinProperties(d) }
        : {
            type: 'object',
            'x-kubernetes-group-version-kind': [gvk],
            'x-kubernetes-preserve-unknown-fields': true,
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.33.3+kcp-sim' },
    paths,
    components: { schemas },
  };
}
