import { timestamp } from '../clock.js';
import { allTrue, setConditions } from '../model/conditions.js';
import {
  arrAt,
  child,
  drop,
  isObject,
  objAt,
  recordAt,
  strAt,
  type Json,
  type JsonObject,
} from '../model/json.js';
import { resourceDef } from '../model/resources.js';
import { formatSelector, matches, parseLabelSelector, type Selector } from '../model/selectors.js';
import { exportKey, refOf, resolveRef, type ControllerContext } from './context.js';

const SLICES = resourceDef('apiexportendpointslices');

/** The VW URL kcp publishes for an export on a shard (`<vw>/services/apiexport/<cluster>/<name>`). */
export function exportUrl(vwUrl: string, exportCluster: string, exportName: string): string {
  return `${vwUrl.replace(/\/+$/, '')}/services/apiexport/${exportCluster}/${exportName}`;
}

/** Shards (from the root workspace) with name, labels and virtualWorkspaceURL. */
export function shardList(
  ctx: ControllerContext,
): Array<{ name: string; labels: Record<string, string>; vw: string }> {
  return ctx.store.list('shards', 'root').map((s) => ({
    name: strAt(objAt(s, 'metadata'), 'name') ?? '',
    labels: recordAt(objAt(s, 'metadata'), 'labels'),
    vw: strAt(objAt(s, 'spec'), 'virtualWorkspaceURL') ?? '',
  }));
}

function setEndpoints(ctx: ControllerContext, status: JsonObject, urls: string[]): void {
  if (urls.length > 0) status['endpoints'] = urls.map((url) => ({ url }));
  else if (ctx.profile === '0.27') status['endpoints'] = null;
  else drop(status, 'endpoints');
}

function currentUrls(status: JsonObject): string[] {
  return (arrAt(status, 'endpoints') ?? [])
    .map((e) => (isObject(e) ? strAt(e, 'url') : undefined))
    .filter((u): u is string => u !== undefined);
}

/**
 * Reconciles one endpoint slice: the primary controller (APIExportValid, PartitionValid, shardSelector,
 * clearing endpoints on NotFound) followed by the URL rule of the active profile (kcp's apiexportendpointslice and apiexportendpointslice-urls controllers).
 */
export function reconcileSlice(ctx: ControllerContext, cluster: string, name: string): void {
  const ws = ctx.topology.resolve(cluster);
  if (ws === undefined || ctx.store.get('apiexportendpointslices', cluster, name) === undefined) return;
  ctx.objects.mutate(SLICES, ws, name, (slice) => {
    const status = child(slice, 'status');
    const now = timestamp(ctx.clock);
    const ref = resolveRef(ctx.topology, cluster, refOf(slice));
    const exp = ref.resolved ? ctx.store.get('apiexports', ref.cluster, ref.name) : undefined;
    if (exp === undefined) {
      setConditions(
        status,
        [
          {
            type: 'APIExportValid',
            status: 'False',
            severity: 'Error',
            reason: 'APIExportNotFound',
            message: `Error getting APIExport ${ref.path}|${ref.name}`,
          },
        ],
        now,
      );
      setEndpoints(ctx, status, []);
      return;
    }
    setConditions(status, [{ type: 'APIExportValid', status: 'True' }], now);
    const partitionName = strAt(objAt(slice, 'spec'), 'partition') ?? '';
    let selector: Selector = [];
    if (partitionName !== '') {
      const partition = ctx.store.get('partitions', cluster, partitionName);
      let failure: string | undefined;
      const missing = partition === undefined;
      if (missing) failure = `partition.topology.kcp.io "${partitionName}" not found`;
      else {
        try {
          selector = parseLabelSelector(objAt(objAt(partition, 'spec'), 'selector'));
        } catch (e) {
          failure = (e as Error).message;
        }
      }
      if (failure !== undefined) {
        setConditions(
          status,
          [
            {
              type: 'PartitionValid',
              status: 'False',
              severity: 'Error',
              reason: 'PartitionInvalidReference',
              message: failure,
            },
          ],
          now,
        );
        // kcp clears the endpoints only when the Partition is missing; a selector that does not parse
        // freezes them (the condition is False, so the URL controller adds and removes none)
        if (missing) setEndpoints(ctx, status, []);
        return;
      }
    }
    const conditions = [{ type: 'PartitionValid', status: 'True' as const }];
    if (ctx.profile === '0.26') conditions.push({ type: 'EndpointURLsReady', status: 'True' });
    setConditions(status, conditions, now);
    const expCluster = ref.cluster;
    if (ctx.profile === '0.26') {
      const urls = shardList(ctx)
        .filter((s) => s.vw !== '' && matches(selector, s.labels))
        .map((s) => exportUrl(s.vw, expCluster, ref.name))
        .sort();
      setEndpoints(ctx, status, [...new Set(urls)]);
      return;
    }
    const shardSelector = formatSelector(selector);
    if (shardSelector !== '') status['shardSelector'] = shardSelector;
    else drop(status, 'shardSelector');
    if (!allTrue(status)) return;
    const urls = currentUrls(status);
    const key = exportKey(expCluster, ref.name);
    for (const shard of shardList(ctx)) {
      if (shard.vw === '') continue;
      const url = exportUrl(shard.vw, expCluster, ref.name);
      const inPartition = matches(selector, shard.labels);
      const hasBinding = ctx.index.bindingCount(key, shard.name) > 0;
      const i = urls.indexOf(url);
      if (inPartition && hasBinding) {
        if (i === -1) urls.push(url);
      } else if (!hasBinding && i !== -1) urls.splice(i, 1);
      // out of the partition but still hosting bindings: leave the URL as it is, as kcp's URL controller does
    }
    setEndpoints(ctx, status, urls);
  });
}

/** The JSON value of a list of URLs, for tests and helpers. */
export function urlsOf(slice: JsonObject | undefined): string[] {
  const eps: Json[] = arrAt(objAt(slice, 'status'), 'endpoints') ?? [];
  return eps.map((e) => (isObject(e) ? (strAt(e, 'url') ?? '') : ''));
}
