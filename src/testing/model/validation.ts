import { isValidObjectName, isValidWorkspacePath } from '../../kcp/paths.js';
import { arrAt, isObject, objAt, type Json, type JsonObject } from './json.js';
import type { ResourceDef } from './resources.js';
import type { FieldCause } from './api-errors.js';
import { namespaceNameCauses } from './kube.js';

const required = (field: string): FieldCause => ({
  field,
  reason: 'FieldValueRequired',
  message: 'Required value',
});
const invalidValue = (field: string, value: Json | undefined, detail: string): FieldCause => ({
  field,
  reason: 'FieldValueInvalid',
  message: `Invalid value: ${JSON.stringify(value ?? null)}: ${detail}`,
});
const typeOf = (v: Json | undefined): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

function expectType(causes: FieldCause[], field: string, v: Json | undefined, type: string): boolean {
  if (v === undefined) return false;
  if (typeOf(v) === type) return true;
  causes.push(invalidValue(field, typeOf(v), `${field} in body must be of type ${type}: "${typeOf(v)}"`));
  return false;
}

function stringMap(causes: FieldCause[], field: string, v: Json | undefined): void {
  if (!expectType(causes, field, v, 'object') || !isObject(v)) return;
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') causes.push(invalidValue(`${field}.${k}`, typeOf(val), 'must be a string'));
  }
}

function exportRef(causes: FieldCause[], field: string, ref: Json | undefined): void {
  if (ref === undefined) {
    causes.push(required(field));
    return;
  }
  if (!expectType(causes, field, ref, 'object') || !isObject(ref)) return;
  const name = ref['name'];
  if (name === undefined || name === '') causes.push(required(`${field}.name`));
  else expectType(causes, `${field}.name`, name, 'string');
  const path = ref['path'];
  if (path !== undefined && path !== '' && expectType(causes, `${field}.path`, path, 'string')) {
    if (typeof path === 'string' && !isValidWorkspacePath(path)) {
      causes.push(
        invalidValue(
          `${field}.path`,
          path,
          `${field}.path in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(:[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'`,
        ),
      );
    }
  }
}

function requiredString(causes: FieldCause[], field: string, v: Json | undefined, allowEmpty = false): void {
  if (v === undefined || (v === '' && !allowEmpty)) causes.push(required(field));
  else expectType(causes, field, v, 'string');
}

/** APIResourceSchema spec: group, names, scope and at least one named version are required. */
function schemaSpec(causes: FieldCause[], spec: JsonObject | undefined): void {
  if (spec === undefined) {
    causes.push(required('spec'));
    return;
  }
  requiredString(causes, 'spec.group', spec['group'], true);
  const names = spec['names'];
  if (names === undefined) causes.push(required('spec.names'));
  else if (expectType(causes, 'spec.names', names, 'object') && isObject(names)) {
    requiredString(causes, 'spec.names.plural', names['plural']);
    requiredString(causes, 'spec.names.kind', names['kind']);
  }
  const scope = spec['scope'];
  if (scope === undefined) causes.push(required('spec.scope'));
  else if (scope !== 'Cluster' && scope !== 'Namespaced') {
    causes.push({
      field: 'spec.scope',
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${JSON.stringify(scope)}: supported values: "Cluster", "Namespaced"`,
    });
  }
  const versions = spec['versions'];
  if (versions === undefined) causes.push(required('spec.versions'));
  else if (expectType(causes, 'spec.versions', versions, 'array') && Array.isArray(versions)) {
    if (versions.length === 0) {
      causes.push(invalidValue('spec.versions', 0, 'spec.versions in body should have at least 1 items'));
    }
    versions.forEach((v, i) => {
      if (expectType(causes, `spec.versions[${i}]`, v, 'object') && isObject(v))
        requiredString(causes, `spec.versions[${i}].name`, v['name']);
    });
  }
}

function validateSpec(
  def: ResourceDef,
  version: string,
  spec: JsonObject | undefined,
  causes: FieldCause[],
): void {
  switch (def.key) {
    case 'apiexportendpointslices':
      if (spec === undefined) causes.push(required('spec'));
      else {
        exportRef(causes, 'spec.export', spec['export']);
        if (spec['partition'] !== undefined)
          expectType(causes, 'spec.partition', spec['partition'], 'string');
      }
      return;
    case 'apibindings': {
      const reference = spec?.['reference'];
      if (reference === undefined) causes.push(required('spec.reference'));
      else if (expectType(causes, 'spec.reference', reference, 'object') && isObject(reference)) {
        exportRef(causes, 'spec.reference.export', reference['export']);
      }
      return;
    }
    case 'apiexports':
      if (version === 'v1alpha1') {
        const latest = spec?.['latestResourceSchemas'];
        if (expectType(causes, 'spec.latestResourceSchemas', latest, 'array')) {
          (latest as Json[]).forEach((s, i) =>
            expectType(causes, `spec.latestResourceSchemas[${i}]`, s, 'string'),
          );
        }
        return;
      }
      if (expectType(causes, 'spec.resources', spec?.['resources'], 'array')) {
        (spec?.['resources'] as Json[]).forEach((r, i) => {
          const f = `spec.resources[${i}]`;
          if (!expectType(causes, f, r, 'object') || !isObject(r)) return;
          for (const k of ['name', 'schema']) {
            if (r[k] === undefined || r[k] === '') causes.push(required(`${f}.${k}`));
            else expectType(causes, `${f}.${k}`, r[k], 'string');
          }
          if (r['group'] === undefined) causes.push(required(`${f}.group`));
          else expectType(causes, `${f}.group`, r['group'], 'string');
          const storage = objAt(r, 'storage');
          if (
            storage !== undefined &&
            (storage['crd'] === undefined) === (storage['virtual'] === undefined)
          ) {
            causes.push(invalidValue(`${f}.storage`, 'object', 'exactly one of crd or virtual must be set'));
          }
        });
      }
      return;
    case 'apiresourceschemas':
      schemaSpec(causes, spec);
      return;
    case 'partitions': {
      const selector = spec?.['selector'];
      // kcp accepts any selector object here; one that does not parse turns the slices that use the
      // Partition PartitionValid=False (checked against kcp 0.28.0)
      if (selector !== undefined) expectType(causes, 'spec.selector', selector, 'object');
      return;
    }
    case 'leases': {
      const duration = spec?.['leaseDurationSeconds'];
      if (typeof duration === 'number' && duration <= 0) {
        causes.push(invalidValue('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
      }
      const transitions = spec?.['leaseTransitions'];
      if (typeof transitions === 'number' && transitions < 0) {
        causes.push(invalidValue('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
      }
      return;
    }
    case 'shards': {
      const vw = spec?.['virtualWorkspaceURL'];
      if (vw !== undefined && vw !== '' && expectType(causes, 'spec.virtualWorkspaceURL', vw, 'string')) {
        if (typeof vw === 'string' && !URL.canParse(vw)) {
          causes.push(invalidValue('spec.virtualWorkspaceURL', vw, 'must be a URL'));
        }
      }
      return;
    }
  }
}

/** Field errors of an object posted by a client, in the version it was posted in. */
export function validateObject(def: ResourceDef, version: string, obj: JsonObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const metadata = obj['metadata'];
  if (metadata !== undefined && !expectType(causes, 'metadata', metadata, 'object')) return causes;
  const m = isObject(metadata) ? metadata : {};
  const name = m['name'];
  if ((name === undefined || name === '') && (m['generateName'] === undefined || m['generateName'] === '')) {
    causes.push({
      field: 'metadata.name',
      reason: 'FieldValueRequired',
      message: 'Required value: name or generateName is required',
    });
  } else if (def.key === 'namespaces' && typeof name === 'string') {
    causes.push(...namespaceNameCauses(name));
  } else if (name !== undefined && name !== '' && (typeof name !== 'string' || !isValidObjectName(name))) {
    causes.push(
      invalidValue(
        'metadata.name',
        name,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ),
    );
  }
  if (m['labels'] !== undefined && m['labels'] !== null) stringMap(causes, 'metadata.labels', m['labels']);
  if (m['annotations'] !== undefined && m['annotations'] !== null)
    stringMap(causes, 'metadata.annotations', m['annotations']);
  if (
    m['finalizers'] !== undefined &&
    m['finalizers'] !== null &&
    expectType(causes, 'metadata.finalizers', m['finalizers'], 'array')
  ) {
    (m['finalizers'] as Json[]).forEach((f, i) =>
      expectType(causes, `metadata.finalizers[${i}]`, f, 'string'),
    );
  }
  const spec = obj['spec'];
  if (spec !== undefined && !expectType(causes, 'spec', spec, 'object')) return causes;
  validateSpec(def, version, isObject(spec) ? spec : undefined, causes);
  return causes;
}

/** Field errors of a status written through the status subresource. */
export function validateStatus(def: ResourceDef, status: Json | undefined): FieldCause[] {
  const causes: FieldCause[] = [];
  if (status === undefined || status === null) return causes;
  if (!expectType(causes, 'status', status, 'object') || !isObject(status)) return causes;
  if (def.key === 'apiexportendpointslices') {
    const eps = status['endpoints'];
    if (eps !== undefined && eps !== null && expectType(causes, 'status.endpoints', eps, 'array')) {
      (eps as Json[]).forEach((e, i) => {
        const url = isObject(e) ? e['url'] : undefined;
        if (url === undefined || url === '') causes.push(required(`status.endpoints[${i}].url`));
        else expectType(causes, `status.endpoints[${i}].url`, url, 'string');
      });
    }
  }
  const conds = arrAt(status, 'conditions');
  conds?.forEach((c, i) => {
    if (!isObject(c) || typeof c['type'] !== 'string') causes.push(required(`status.conditions[${i}].type`));
    else if (typeof c['status'] !== 'string') causes.push(required(`status.conditions[${i}].status`));
  });
  return causes;
}

/** An immutable field of a resource and the message kcp gives when an update changes it. */
export interface ImmutableField {
  path: string[];
  field: string;
  message: string;
}

const REFERENCE_MESSAGE = 'Invalid value: "object": APIExport reference must not be changed';

/** The immutable field of a resource (the export reference; an APIResourceSchema's whole spec), if any. */
export function immutableField(def: ResourceDef): ImmutableField | undefined {
  switch (def.key) {
    case 'apiexportendpointslices':
      return { path: ['spec', 'export'], field: 'spec.export', message: REFERENCE_MESSAGE };
    case 'apibindings':
      return { path: ['spec', 'reference'], field: 'spec.reference', message: REFERENCE_MESSAGE };
    case 'apiresourceschemas':
      return { path: ['spec'], field: 'spec', message: 'Invalid value: "object": field is immutable' };
    default:
      return undefined;
  }
}
