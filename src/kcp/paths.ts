import { InvalidArgumentError } from '../errors.js';

/** One workspace path segment: `[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?` (kcp logicalcluster `path.go`). */
const SEGMENT = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const PATH_RE = new RegExp(`^${SEGMENT}(?::${SEGMENT})*$`);
/** Kubernetes object names (DNS-1123 subdomain). */
const NAME_RE = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

/** The wildcard cluster (`/clusters/*`), valid only for list/watch against virtual workspaces. */
export const WILDCARD_CLUSTER = '*';

/** True when `path` is a valid kcp workspace path such as `root`, `root:org:ws` (or a logical cluster name). */
export function isValidWorkspacePath(path: string): boolean {
  return PATH_RE.test(path);
}

/** True when `name` is a single-segment logical cluster name (e.g. `2hwz9858ph0d4yx5`), not a `a:b` path. */
export function isLogicalClusterName(name: string): boolean {
  return PATH_RE.test(name) && !name.includes(':');
}

/** True when `name` is a valid Kubernetes object name (DNS-1123 subdomain, at most 253 characters). */
export function isValidObjectName(name: string): boolean {
  return name.length <= 253 && NAME_RE.test(name);
}

/**
 * Validates a workspace path and returns it. `*` is accepted only with `allowWildcard`.
 * @throws InvalidArgumentError saying what is wrong and what a valid value looks like.
 */
export function parseWorkspacePath(
  path: unknown,
  options: { allowWildcard?: boolean; what?: string } = {},
): string {
  const what = options.what ?? 'workspace path';
  if (typeof path !== 'string') {
    throw new InvalidArgumentError(
      `Invalid ${what}: expected a string like "root:org:ws", got ${typeof path}`,
      what,
    );
  }
  if (path === WILDCARD_CLUSTER && options.allowWildcard === true) return path;
  if (path === WILDCARD_CLUSTER) {
    throw new InvalidArgumentError(
      `Invalid ${what} "*": the wildcard is only allowed for list/watch against a virtual workspace URL`,
      what,
    );
  }
  if (!isValidWorkspacePath(path)) {
    const bad = path.split(':').find((s) => !new RegExp(`^${SEGMENT}$`).test(s));
    const detail =
      path === ''
        ? 'it is empty'
        : bad === ''
          ? 'it has an empty segment (check for a leading, trailing or doubled ":")'
          : `segment "${bad ?? path}" must be 1-63 lowercase letters, digits or "-", starting and ending with a letter or digit`;
    throw new InvalidArgumentError(
      `Invalid ${what} "${path}": ${detail}. A valid path looks like "root:org:ws".`,
      what,
    );
  }
  return path;
}

/**
 * Validates a Kubernetes object name and returns it.
 * @throws InvalidArgumentError when the name is not a DNS-1123 subdomain.
 */
export function parseObjectName(name: unknown, what = 'name'): string {
  if (typeof name !== 'string' || !isValidObjectName(name)) {
    throw new InvalidArgumentError(
      `Invalid ${what} ${JSON.stringify(name)}: expected lowercase letters, digits, "-" and ".", starting and ending with a letter or digit (e.g. "today-cowboys")`,
      what,
    );
  }
  return name;
}

/**
 * A reference to an APIExport (or an endpoint slice): `"root:org:ws:export"` (path + name, the syntax of
 * `kubectl kcp bind apiexport`), a bare `"export"` (the client's workspace), or `{ name, path? }`.
 */
export type ExportRef = string | { name: string; path?: string | undefined };

/** A fully resolved object reference: workspace path (or logical cluster name) and object name. */
export interface ObjectRef {
  /** Workspace path or logical cluster name. */
  path: string;
  /** Object name. */
  name: string;
}

/**
 * Parses an {@link ExportRef} against a default workspace.
 * @throws InvalidArgumentError for a malformed reference.
 */
export function parseExportRef(ref: unknown, defaultPath: string, what = 'export reference'): ObjectRef {
  if (typeof ref === 'string') {
    const trimmed = ref.trim();
    const i = trimmed.lastIndexOf(':');
    if (i === -1) return { path: defaultPath, name: parseObjectName(trimmed, `${what} name`) };
    return {
      path: parseWorkspacePath(trimmed.slice(0, i), { what: `${what} path` }),
      name: parseObjectName(trimmed.slice(i + 1), `${what} name`),
    };
  }
  if (typeof ref === 'object' && ref !== null && 'name' in ref) {
    const r = ref as { name: unknown; path?: unknown };
    const path =
      r.path === undefined || r.path === ''
        ? defaultPath
        : parseWorkspacePath(r.path, { what: `${what} path` });
    return { path, name: parseObjectName(r.name, `${what} name`) };
  }
  throw new InvalidArgumentError(
    `Invalid ${what} ${JSON.stringify(ref)}: expected "root:org:ws:name", "name" or { name, path? }`,
    what,
  );
}

/** Formats a reference the way `kubectl kcp bind apiexport` takes it: `root:org:ws:name`. */
export function formatRef(ref: ObjectRef): string {
  return `${ref.path}:${ref.name}`;
}
