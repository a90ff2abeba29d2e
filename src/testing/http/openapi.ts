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
      paths[`apis/${g}/${v}`] = { serverRelativeURL: `/openapi/v3/apis/${g}/${v}?hash=${hash}` };
    }
  }
  return { paths };
}

function schemaName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
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
    const name = schemaName(group, version, d.kind);
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
    const base = d.namespaced
      ? `/apis/${group}/${version}/namespaces/{namespace}/${d.resource}`
      : `/apis/${group}/${version}/${d.resource}`;
    const scope = d.namespaced ? [pathParam('namespace')] : [];
    if (d.namespaced) paths[`/apis/${group}/${version}/${d.resource}`] = { get: op('list') };
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
          },
        },
      }),
      delete: op('delete'),
      parameters: [...scope, pathParam('name')],
    };
    schemas[name] = {
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
