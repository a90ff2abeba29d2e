import { readVirtualWorkspaces, skipsDefaultEndpointSlice, type APIExport } from '../kcp/apiexport.js';
import { readSliceEndpoints, type APIExportEndpointSlice } from '../kcp/apiexportendpointslice.js';
import { pathOf } from '../kcp/decode.js';
import type { InvalidEndpoint } from '../kcp/endpoint.js';
import type { ExportFacts, SliceFacts } from './rules.js';

function describeInvalid(where: string, items: InvalidEndpoint[]): string[] {
  return items.map((i) => `Skipped ${where}[${i.index}]: ${i.problem}.`);
}

/** Reads what the resolution rules need from an endpoint slice (invalid endpoints become warnings). */
export function sliceFacts(slice: APIExportEndpointSlice): SliceFacts {
  const { endpoints, invalid } = readSliceEndpoints(slice);
  return {
    resourceVersion: slice.metadata.resourceVersion,
    conditions: slice.status?.conditions ?? [],
    endpoints,
    invalid: describeInvalid(`APIExportEndpointSlice ${slice.metadata.name} status.endpoints`, invalid),
    partition: slice.spec.partition === '' ? undefined : slice.spec.partition,
    exportPath: slice.spec.export.path ?? '',
  };
}

/** Reads what the resolution rules need from an APIExport (v1alpha1 or v1alpha2). */
export function exportFacts(exp: APIExport): ExportFacts {
  const { endpoints, invalid } = readVirtualWorkspaces(exp);
  return {
    resourceVersion: exp.metadata.resourceVersion,
    virtualWorkspaces: endpoints,
    invalid: describeInvalid(`APIExport ${exp.metadata.name} status.virtualWorkspaces`, invalid),
    skipsEndpointSlice: skipsDefaultEndpointSlice(exp),
    canonicalPath: pathOf(exp),
  };
}
