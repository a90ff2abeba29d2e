import type { JsonObject } from '../model/json.js';
import { groups, type KcpProfile } from '../model/resources.js';
import { servedAt } from './discovery.js';

/** `/openapi/v3`: one entry per served group/version. */
export function openApiIndex(profile: KcpProfile): JsonObject {
  const paths: JsonObject = {};
  for (const g of groups()) {
    const versions = new Set(servedAt(g, 'v1alpha1', profile).length > 0 ? ['v1alpha1'] : []);
    if (servedAt(g, 'v1alpha2', profile).length > 0) versions.add('v1alpha2');
    for (const v of versions) {
      paths[`apis/${g}/${v}`] = {
        serverRelativeURL: `/openapi/v3/apis/${g}/${v}?hash=${profile.replace(/\W/g, '')}${v}`,
      };
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
  profile: KcpProfile,
): JsonObject | undefined {
  const defs = servedAt(group, version, profile);
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
    const base = `/apis/${group}/${version}/${d.resource}`;
    paths[base] = {
      get: op('list'),
      post: op('post', { requestBody: body }),
    };
    paths[`${base}/{name}`] = {
      get: op('get'),
      put: op('put', { requestBody: body }),
      patch: op('patch', {
        requestBody: { content: { 'application/merge-patch+json': { schema: { type: 'object' } } } },
      }),
      delete: op('delete'),
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
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
