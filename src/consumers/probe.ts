import { DecodeError, InvalidArgumentError, isKcpError, NetworkError, type KcpError } from '../errors.js';
import { displayUrl } from '../http/errors.js';
import type { Transport } from '../http/types.js';
import { safeDecode } from '../kcp/decode.js';
import { apiGroupListSchema, apiResourceListSchema } from '../kcp/discovery.js';

/**
 * What a readiness probe asks a virtual workspace to serve: the resource `resource` (plural) of
 * `group`/`version` (`group` `''` is the core group).
 */
export interface ProbeTarget {
  /** API group, e.g. `wildwest.dev` (`''` for the core group). */
  group: string;
  /** API version, e.g. `v1alpha1`. */
  version: string;
  /** Plural resource name, e.g. `cowboys`. */
  resource: string;
}

/** The outcome of one probe of an endpoint. */
export interface ProbeResult {
  /** True when the endpoint answered discovery as asked. */
  serving: boolean;
  /** Why it does not serve (absent when it does): the HTTP error, or what the answer lacked. */
  error?: KcpError;
}

/** What every APIExport virtual workspace serves: APIBindings `apis.kcp.io/v1alpha1` (kcp ≥ 0.26). */
export const APIBINDINGS_PROBE: Readonly<ProbeTarget> = Object.freeze({
  group: 'apis.kcp.io',
  version: 'v1alpha1',
  resource: 'apibindings',
});

/**
 * The discovery path a probe GETs under the endpoint: `/clusters/*\/apis/<group>/<version>` for a target
 * (`/clusters/*\/api/<version>` for the core group), `/clusters/*\/apis` without one.
 */
export function probePath(target: ProbeTarget | undefined): string {
  if (target === undefined) return '/clusters/*/apis';
  const e = encodeURIComponent;
  return target.group === ''
    ? `/clusters/*/api/${e(target.version)}`
    : `/clusters/*/apis/${e(target.group)}/${e(target.version)}`;
}

/** How a probe names what it probed (in `status$` events): `plural.group`, or `apis` for the group list. */
export function probeResource(target: ProbeTarget | undefined): string {
  if (target === undefined) return 'apis';
  return target.group === '' ? target.resource : `${target.resource}.${target.group}`;
}

/** How many resource names a "lists no …" message quotes. */
const LISTED_NAMES = 8;

/**
 * Probes one virtual-workspace endpoint through its transport (whose base URL is the endpoint URL, so its
 * credentials, TLS settings, request timeout and response size cap apply). With a `target`,
 * `GET <endpoint>/clusters/*\/apis/<group>/<version>` must answer 200 with an `APIResourceList` of that
 * group/version whose `resources[].name` contains `target.resource`; without one, `GET <endpoint>/clusters/*\/apis`
 * must answer 200 with an `APIGroupList`. kcp answers both under `/clusters/*` once its virtual workspace has
 * the export's API set, and 404 before.
 *
 * Resolves to `{ serving: true }`, or `{ serving: false, error }` where `error` says why: the
 * `ApiStatusError` of the answer (403, 404, 503 …), a `NetworkError`/`TimeoutError`, or a `DecodeError` for
 * an answer that is not JSON, not the document asked for, larger than the transport's `maxResponseBytes`,
 * or that lists no `target.resource`.
 * @throws AbortError (rejects) when `signal` aborts.
 */
export async function probeEndpoint(
  transport: Pick<Transport, 'raw' | 'baseUrl'>,
  target: ProbeTarget | undefined,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const path = probePath(target);
  const what = `GET ${displayUrl(`${transport.baseUrl}${path}`)}`;
  let body: unknown;
  try {
    body = await transport.raw(path, { signal });
  } catch (e) {
    if (signal?.aborted === true) throw e;
    return { serving: false, error: asKcpError(e, what) };
  }
  if (target === undefined) {
    const groups = safeDecode(apiGroupListSchema, body, 'APIGroupList', { context: what });
    return groups.ok ? { serving: true } : { serving: false, error: groups.error };
  }
  const list = safeDecode(apiResourceListSchema, body, 'APIResourceList', { context: what });
  if (!list.ok) return { serving: false, error: list.error };
  const groupVersion = target.group === '' ? target.version : `${target.group}/${target.version}`;
  if (list.value.groupVersion !== groupVersion) {
    return {
      serving: false,
      error: new DecodeError(
        `${what}: APIResourceList is malformed: groupVersion is ${JSON.stringify(list.value.groupVersion)}, expected ${groupVersion}`,
        { issues: ['groupVersion'], snippet: list.value.groupVersion },
      ),
    };
  }
  const names = list.value.resources.map((r) => r.name);
  if (!names.includes(target.resource)) {
    const shown = names.slice(0, LISTED_NAMES).join(', ');
    const more = names.length > LISTED_NAMES ? ` and ${names.length - LISTED_NAMES} more` : '';
    return {
      serving: false,
      error: new DecodeError(
        `${what}: the virtual workspace lists no ${JSON.stringify(target.resource)} in ${groupVersion} (it lists ${names.length === 0 ? 'no resource' : `${shown}${more}`})`,
        { issues: ['resources'] },
      ),
    };
  }
  return { serving: true };
}

function asKcpError(e: unknown, what: string): KcpError {
  return isKcpError(e) ? e : new NetworkError(`${what}: ${String(e)}`, { cause: e });
}

/**
 * Reads a `probe` option: `undefined`/`false` → no probing (`undefined`); `true` → `{ target: whenTrue }`;
 * a {@link ProbeTarget} → that target (a copy).
 * @throws InvalidArgumentError for anything else (the group may be `''`; version and resource must be
 *   non-empty; none may contain `/`).
 */
export function probeOption(
  probe: unknown,
  whenTrue: ProbeTarget | undefined,
): { target: ProbeTarget | undefined } | undefined {
  if (probe === undefined || probe === false) return undefined;
  if (probe === true) return { target: whenTrue };
  if (typeof probe === 'object' && probe !== null && !Array.isArray(probe)) {
    const { group, version, resource } = probe as Record<string, unknown>;
    const segment = (v: unknown, empty: boolean): v is string =>
      typeof v === 'string' && (empty || v !== '') && !v.includes('/');
    if (segment(group, true) && segment(version, false) && segment(resource, false)) {
      return { target: { group, version, resource } };
    }
  }
  throw new InvalidArgumentError(
    `probe must be true, false or { group, version, resource } (version and resource non-empty, no "/"), got ${shown(probe)}`,
    'probe',
  );
}

/** A value for a message: its JSON (at most 200 characters), else its `String()` form. */
function shown(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  text ??= typeof value === 'symbol' ? value.toString() : typeof value;
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
