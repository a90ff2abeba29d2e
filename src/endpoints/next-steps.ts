import type { Condition } from '../kcp/meta.js';
import { formatRef, type ObjectRef } from '../kcp/paths.js';

/**
 * The one catalogue of "what to do next" sentences, shared by the messages of `resolveEndpoints` /
 * `watchEndpoints` and by `kcp-endpoints explain`. Each entry is a sentence fragment that starts in lower case
 * and carries the exact command; callers capitalise it when it starts a line.
 */

/** The first letter in upper case (for a step that starts a line). */
export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `kubectl kcp bind apiexport …` from a consumer workspace. */
export function bindStep(exp: ObjectRef, consumer = '<consumer-workspace>'): string {
  return `bind it from a consumer workspace: kubectl ws ${consumer} && kubectl kcp bind apiexport ${formatRef(exp)}`;
}

/** The slice names an APIExport that does not exist (`spec.export` is immutable). */
export function createExportStep(exp: ObjectRef, slice: ObjectRef): string {
  return `create APIExport ${formatRef(exp)}, or re-create the slice with the right spec.export (the field is immutable): kubectl ws ${slice.path} && kubectl delete apiexportendpointslice ${slice.name}, then apply it again`;
}

/** The slice's Partition does not exist. */
export function createPartitionStep(partition: string, slice: ObjectRef): string {
  return `create Partition "${partition}" in workspace ${slice.path} (partitions must live next to the slice): kubectl ws ${slice.path} && kubectl apply -f partition.yaml (kind Partition, apiVersion topology.kcp.io/v1alpha1, name ${partition}, spec.selector over shard labels), or remove spec.partition from the slice`;
}

/** The slice's Partition exists but kcp cannot parse its selector. */
export function fixPartitionSelectorStep(partition: string, slice: ObjectRef, parserMessage: string): string {
  const quoted = parserMessage === '' ? '' : ` (kcp says: "${parserMessage}")`;
  return `fix the selector of Partition "${partition}"${quoted}: kubectl ws ${slice.path} && kubectl edit partition ${partition}`;
}

/** `PartitionValid` is False but the slice names no partition. */
export function fixPartitionFieldStep(slice: ObjectRef): string {
  return `fix spec.partition of the slice: kubectl ws ${slice.path} && kubectl get apiexportendpointslice ${slice.name} -o yaml`;
}

/** kcp reported an internal error. */
export function internalErrorStep(): string {
  return 'kcp hit an internal error and retries by itself; check the kcp logs if it persists';
}

/** Look at the slice itself. */
export function inspectSliceStep(slice: ObjectRef): string {
  return `inspect the slice: kubectl ws ${slice.path} && kubectl get apiexportendpointslice ${slice.name} -o yaml`;
}

/** The status patch that removes the condition at `index` of the slice's `status.conditions`. */
export function removeConditionPatch(slice: ObjectRef, type: string, index: number): string {
  const patch = JSON.stringify([
    { op: 'test', path: `/status/conditions/${index}/type`, value: type },
    { op: 'remove', path: `/status/conditions/${index}` },
  ]);
  return `kubectl ws ${slice.path} && kubectl patch apiexportendpointslice ${slice.name} --subresource=status --type=json -p '${patch}'`;
}

/** A lingering `EndpointURLsReady` written by kcp ≤ 0.26. */
export function lingeringEndpointURLsReadyStep(slice: ObjectRef, index: number): string {
  return `EndpointURLsReady is a deprecated condition that kcp ≤ 0.26 wrote and later versions never remove; while it is not True kcp adds and removes no URL: remove it with ${removeConditionPatch(slice, 'EndpointURLsReady', index)}`;
}

/** The `kcp-endpoints nudge` command for a slice. */
export function nudgeCommand(exp: ObjectRef, slice: ObjectRef): string {
  return `kcp-endpoints nudge ${formatRef(exp)} --slice ${formatRef(slice)}`;
}

/** The warning for a slice whose `spec.export.path` is not the export's canonical path. */
export function nonCanonicalSliceWarning(
  exp: ObjectRef,
  slice: ObjectRef,
  slicePath: string,
  canonicalPath: string,
): string {
  const shown = slicePath === '' ? 'an empty path' : `"${slicePath}"`;
  return `APIExportEndpointSlice ${formatRef(slice)} names its APIExport by ${shown}, not by the export's canonical path "${canonicalPath}"; kcp matches bindings to this slice by the text of its path, so its URLs can be missing or stale until the slice changes: ${canonicalPathStep(slice, canonicalPath)}, or re-trigger kcp with ${nudgeCommand(exp, slice)}`;
}

/** Re-create a slice with the canonical path (the fix of the textual-path trap). */
export function canonicalPathStep(slice: ObjectRef, canonicalPath: string): string {
  return `use the canonical path: re-create the slice with spec.export.path: ${canonicalPath} (the field is immutable; kubectl ws ${slice.path} && kubectl get apiexportendpointslice ${slice.name} -o yaml > slice.yaml, edit spec.export.path, kubectl replace --force -f slice.yaml)`;
}

/** Wait for kcp to add the URL. */
export function waitStep(refText: string): string {
  return `kcp adds it within seconds; wait for it: kcp-endpoints wait ${refText} --timeout 2m`;
}

/** Give a shard a virtual-workspace URL. */
export function shardUrlStep(shard: string): string {
  return `give shard ${shard} a virtual-workspace URL (kcp publishes none without it): kubectl ws root && kubectl patch shard ${shard} --type=merge -p '{"spec":{"virtualWorkspaceURL":"https://<vw-host>:<port>"}}', or start the shard with --shard-virtual-workspace-url`;
}

/** A Partition selector leaves out the shards that host bindings. */
export function widenPartitionStep(
  partition: string | undefined,
  slice: ObjectRef,
  shards: string[],
): string {
  const which = shards.join(', ');
  return partition === undefined
    ? `the slice's shard selector leaves out shard(s) ${which}: inspect it with kubectl ws ${slice.path} && kubectl get apiexportendpointslice ${slice.name} -o yaml`
    : `widen Partition "${partition}" so its selector matches shard(s) ${which} (kubectl ws ${slice.path} && kubectl edit partition ${partition}), or remove spec.partition from the slice`;
}

/** Grant the verbs a provider needs on `apiexports/content` to use the VW URL. */
export function grantContentStep(exp: ObjectRef, verbs: string[], user = '<provider-user>'): string {
  return `grant ${verbs.join(' and ')} on apiexports/content of ${exp.name} in ${exp.path}: kubectl ws ${exp.path} && kubectl create clusterrole ${exp.name}-content --verb=${verbs.join(',')} --resource=apiexports.apis.kcp.io/content --resource-name=${exp.name} && kubectl create clusterrolebinding ${exp.name}-content --clusterrole=${exp.name}-content --user=${user}`;
}

/**
 * What to do about one condition that is not True on a slice. `parserMessage` is kcp's message (quoted for an
 * invalid Partition selector); `index` is the condition's position in `status.conditions`.
 */
export function conditionStep(
  c: Condition,
  index: number,
  ctx: { export: ObjectRef; slice: ObjectRef; partition?: string | undefined },
): string {
  if (c.type === 'EndpointURLsReady') return lingeringEndpointURLsReadyStep(ctx.slice, index);
  switch (c.reason) {
    case 'APIExportNotFound':
      return createExportStep(ctx.export, ctx.slice);
    case 'PartitionInvalidReference':
      if (ctx.partition === undefined) return fixPartitionFieldStep(ctx.slice);
      return partitionMissing(c)
        ? createPartitionStep(ctx.partition, ctx.slice)
        : fixPartitionSelectorStep(ctx.partition, ctx.slice, c.message ?? '');
    case 'InternalError':
      return internalErrorStep();
    default:
      return inspectSliceStep(ctx.slice);
  }
}

/** True when a `PartitionInvalidReference` condition says the Partition does not exist (vs. a bad selector). */
export function partitionMissing(c: Condition): boolean {
  return /not found/i.test(c.message ?? '') || c.message === undefined || c.message === '';
}

/** Grant `patch` on endpoint slices (what `nudge` needs). */
export function grantPatchStep(slice: ObjectRef, user = '<you>'): string {
  return `grant it: kubectl ws ${slice.path} && kubectl create clusterrole kcp-endpoints-nudge --verb=patch --resource=apiexportendpointslices.apis.kcp.io && kubectl create clusterrolebinding kcp-endpoints-nudge --clusterrole=kcp-endpoints-nudge --user=${user}`;
}

/** The slice is missing because the export carries the skip-endpointslice annotation. */
export function removeSkipAnnotationStep(exp: ObjectRef): string {
  return `the export has the apiexports.apis.kcp.io/skip-endpointslice annotation, so kcp creates no slice: remove it (kubectl ws ${exp.path} && kubectl annotate apiexport ${exp.name} apiexports.apis.kcp.io/skip-endpointslice-) or create a slice`;
}

/** A custom slice name that does not exist. */
export function checkSliceNameStep(slice: ObjectRef): string {
  return `no slice ${formatRef(slice)}: check the slice name (kubectl ws ${slice.path} && kubectl get apiexportendpointslices), or create it`;
}

/** The default slice is not there (yet). */
export function awaitDefaultSliceStep(refText: string): string {
  return `kcp ≥ 0.28 creates the slice a moment after the export (wait: kcp-endpoints wait ${refText}); on older kcp create it yourself`;
}

/** Neither the export nor its slice exists. */
export function checkExportStep(exp: ObjectRef): string {
  return `no APIExport ${exp.name} in ${exp.path}: check the path and name (kubectl ws ${exp.path} && kubectl get apiexports), or create the export`;
}

/** The kubectl commands that grant kcp-endpoints' read verbs in a workspace. */
export function grantReadCommand(path: string): string {
  return (
    `kubectl ws ${path} && kubectl create clusterrole kcp-endpoints-reader --verb=get,list,watch ` +
    `--resource=apiexportendpointslices.apis.kcp.io,apiexports.apis.kcp.io && ` +
    `kubectl create clusterrolebinding kcp-endpoints-reader --clusterrole=kcp-endpoints-reader --user=<you>`
  );
}

/** Grant the read verbs kcp-endpoints needs (`missing` = the verbs a probe found missing, when known). */
export function grantReadStep(resources: string[], path: string, missing: string[] = []): string {
  const which =
    missing.length === 0 ? 'get, list and watch' : `${missing.join(' and ')} (and watch, for watch/wait)`;
  return `you may not read ${resources.join(' or ')} in ${path}: missing verb(s) ${which}. Ask an admin of ${path} to grant them:\n${grantReadCommand(path)}`;
}
