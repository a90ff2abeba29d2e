import * as z from 'zod';
import { exportBindingReferenceSchema } from './apiexportendpointslice.js';
import { clusterOf } from './decode.js';
import { conditionSchema, objectMetaSchema } from './meta.js';
import type { ResourceDescriptor } from './resource.js';

/**
 * `status.phase` of an APIBinding: `''` just created, `Binding` being bound, `Bound` APIs available. Other
 * strings are tolerated (future kcp versions).
 */
export type APIBindingPhase = '' | 'Binding' | 'Bound' | (string & {});

/** The phases kcp writes, as constants. */
export const APIBindingPhases = {
  /** Just created; not reconciled yet. */
  Created: '',
  /** Being bound (CRDs not yet established). */
  Binding: 'Binding',
  /** Bound: the APIs are available in the workspace. */
  Bound: 'Bound',
} as const;

/** One `status.boundResources[]` entry. Note the capital `UID` key kcp uses in `schema`. */
export const boundAPIResourceSchema = z.looseObject({
  group: z.string().optional(),
  resource: z.string(),
  schema: z.looseObject({
    name: z.string(),
    UID: z.string(),
    identityHash: z.string(),
  }),
  storageVersions: z.array(z.string()).nullish(),
});
/** A resource bound by an APIBinding. */
export type BoundAPIResource = z.infer<typeof boundAPIResourceSchema>;

const phaseSchema = z.string() as z.ZodType<APIBindingPhase>;

/** APIBinding status, identical in v1alpha1 and v1alpha2 as far as this package reads it. */
export const apiBindingStatusSchema = z.looseObject({
  phase: phaseSchema.optional(),
  conditions: z.array(conditionSchema).nullish(),
  apiExportClusterName: z.string().optional(),
  boundResources: z.array(boundAPIResourceSchema).nullish(),
});
/** APIBinding status (`phase`, `conditions`, `apiExportClusterName`, `boundResources`). */
export type APIBindingStatus = z.infer<typeof apiBindingStatusSchema>;

const apiBindingSpecSchema = z.looseObject({
  reference: z.looseObject({ export: exportBindingReferenceSchema }),
});

/** `apis.kcp.io/v1alpha1` APIBinding. */
export const apiBindingV1alpha1Schema = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: objectMetaSchema,
  spec: apiBindingSpecSchema,
  status: apiBindingStatusSchema.optional(),
});
/** An `apis.kcp.io/v1alpha1` APIBinding. */
export type APIBindingV1alpha1 = z.infer<typeof apiBindingV1alpha1Schema>;

/** `apis.kcp.io/v1alpha2` APIBinding (storage version since kcp 0.28; differs only in permission claims). */
export const apiBindingV1alpha2Schema = apiBindingV1alpha1Schema;
/** An `apis.kcp.io/v1alpha2` APIBinding. */
export type APIBindingV1alpha2 = z.infer<typeof apiBindingV1alpha2Schema>;

/** An APIBinding of either served version (both read the same here). */
export type APIBinding = APIBindingV1alpha1;

/** Where v1alpha1 APIBindings live: `apis.kcp.io/v1alpha1`, `apibindings`. */
export const APIBINDINGS_V1ALPHA1: ResourceDescriptor<APIBindingV1alpha1> = Object.freeze({
  group: 'apis.kcp.io',
  version: 'v1alpha1',
  plural: 'apibindings',
  kind: 'APIBinding',
  schema: apiBindingV1alpha1Schema,
});

/** Where v1alpha2 APIBindings live: `apis.kcp.io/v1alpha2`, `apibindings` (kcp ≥ 0.28). */
export const APIBINDINGS_V1ALPHA2: ResourceDescriptor<APIBindingV1alpha2> = Object.freeze({
  group: 'apis.kcp.io',
  version: 'v1alpha2',
  plural: 'apibindings',
  kind: 'APIBinding',
  schema: apiBindingV1alpha2Schema,
});

function joinKey(path: string | undefined, name: string): string {
  return path === undefined || path === '' ? name : `${path}:${name}`;
}

/**
 * The key kcp indexes a binding under (`IndexAPIBindingByAPIExport`):
 * `<spec.reference.export.path, or the binding's own kcp.io/cluster>:<export name>`.
 */
export function apiBindingExportKey(binding: Pick<APIBinding, 'metadata' | 'spec'>): string {
  const ref = binding.spec.reference.export;
  const path = ref.path === undefined || ref.path === '' ? clusterOf(binding) : ref.path;
  return joinKey(path, ref.name);
}

/**
 * True when `binding` references the APIExport named `exportName` the way kcp's URL controller decides it:
 * the binding's key ({@link apiBindingExportKey}) equals `<exportPath>:<exportName>` (the export's `kcp.io/path`)
 * or `<exportClusterName>:<exportName>` (the export's logical cluster). Textual match only: a binding that names
 * the export by a non-canonical path does not match. Phase and conditions are not checked (kcp counts every
 * binding, even one being deleted).
 */
export function bindingReferencesExport(
  binding: Pick<APIBinding, 'metadata' | 'spec'>,
  exportPath: string | undefined,
  exportClusterName: string | undefined,
  exportName: string,
): boolean {
  const key = apiBindingExportKey(binding);
  return key === joinKey(exportPath, exportName) || key === joinKey(exportClusterName, exportName);
}
