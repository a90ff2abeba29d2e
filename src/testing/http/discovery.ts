import type { JsonObject } from '../model/json.js';
import { apiVersionFor, groups, type KcpProfile, type ResourceDef } from '../model/resources.js';
import { compareKubeAwareVersions } from '../model/schemas.js';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

const KUBE_VERSION: Record<KcpProfile, { minor: string; git: string }> = {
  '0.26': { minor: '30', git: 'v1.30.5+kcp-v0.26.3' },
  '0.27': { minor: '31', git: 'v1.31.6+kcp-v0.27.1' },
  '0.28': { minor: '32', git: 'v1.32.3+kcp-v0.28.0' },
  '0.29+': { minor: '33', git: 'v1.33.3+kcp-v0.29.0' },
  '0.28+': { minor: '33', git: 'v1.33.3+kcp-v0.29.0' },
};

/** `/version` for a profile. */
export function versionDoc(profile: KcpProfile): JsonObject {
  const v = KUBE_VERSION[profile];
  return {
    major: '1',
    minor: v.minor,
    gitVersion: v.git,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.24.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** `/api`: the versions of the core group among `defs` (`v1`: Namespaces). */
export function coreVersionsDoc(defs: readonly ResourceDef[], profile: KcpProfile): JsonObject {
  const versions = [...new Set(defs.filter((r) => r.group === '').flatMap((r) => r.versions(profile)))];
  return {
    kind: 'APIVersions',
    versions,
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }],
  };
}

function groupDoc(group: string, defs: readonly ResourceDef[], profile: KcpProfile): JsonObject | undefined {
  const versions = [
    ...new Set(defs.filter((r) => r.group === group).flatMap((r) => r.versions(profile))),
  ].sort(compareKubeAwareVersions);
  const preferred = versions[0];
  if (preferred === undefined) return undefined;
  return {
    name: group,
    versions: versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${group}/${preferred}`, version: preferred },
  };
}

/** `/apis`: an APIGroupList of the served resources `defs`. */
export function groupListDoc(defs: readonly ResourceDef[], profile: KcpProfile): JsonObject {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups(defs)
      .filter((g) => g !== '') // the core group is listed at /api
      .map((g) => groupDoc(g, defs, profile))
      .filter((g): g is JsonObject => g !== undefined),
  };
}

/** `/apis/<group>`: an APIGroup, or `undefined` for a group none of `defs` is in. */
export function apiGroupDoc(
  group: string,
  defs: readonly ResourceDef[],
  profile: KcpProfile,
): JsonObject | undefined {
  const doc = groupDoc(group, defs, profile);
  return doc === undefined ? undefined : { kind: 'APIGroup', apiVersion: 'v1', ...doc };
}

/** The resources of `defs` served at a group/version for a profile. */
export function servedAt(
  group: string,
  version: string,
  defs: readonly ResourceDef[],
  profile: KcpProfile,
): ResourceDef[] {
  return defs.filter((r) => r.group === group && r.versions(profile).includes(version));
}

/** `/apis/<group>/<version>`: an APIResourceList, or `undefined` when none of `defs` is served there. */
export function resourceListDoc(
  group: string,
  version: string,
  defs: readonly ResourceDef[],
  profile: KcpProfile,
): JsonObject | undefined {
  const served = servedAt(group, version, defs, profile);
  if (served.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const d of served) {
    resources.push({
      name: d.resource,
      singularName: d.singular,
      namespaced: d.namespaced,
      kind: d.kind,
      verbs: [...(d.verbs ?? VERBS)],
      ...(d.categories.length > 0 ? { categories: d.categories } : {}),
      ...(d.shortNames.length > 0 ? { shortNames: d.shortNames } : {}),
    });
    if (d.hasStatus) {
      resources.push({
        name: `${d.resource}/status`,
        singularName: '',
        namespaced: d.namespaced,
        kind: d.kind,
        verbs: STATUS_VERBS,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionFor(group, version),
    resources,
  };
}
