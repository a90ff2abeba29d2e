import { randomBytes } from 'node:crypto';
import { qualified, SimHttpError } from '../model/api-errors.js';

/** What a grant allows in one workspace. Omitted lists mean "all". */
export interface GrantOptions {
  /** Plural resource names (`apiexportendpointslices`, `apiexports/status`, …). @default all */
  resources?: string[];
  /** Verbs (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `bind`). @default all */
  verbs?: string[];
}

interface Grant {
  workspace: string;
  resources: string[] | undefined;
  verbs: string[] | undefined;
}

/** Bearer-token authentication and per-workspace RBAC of a simulator. */
export class Auth {
  private readonly users = new Map<string, string>();
  private readonly admins = new Set<string>();
  private readonly grants = new Map<string, Grant[]>();

  /** Adds a user with a token (random when omitted) and returns the token. */
  addUser(name: string, options: { token?: string; admin?: boolean } = {}): string {
    const token = options.token ?? `kcp-sim-${randomBytes(16).toString('hex')}`;
    this.users.set(token, name);
    if (options.admin === true) this.admins.add(name);
    return token;
  }

  /** The user of an `Authorization` header, or `undefined` (→ 401). */
  authenticate(header: string | undefined): string | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    return m?.[1] === undefined ? undefined : this.users.get(m[1]);
  }

  /** Allows `user` the given resources/verbs in `workspace` (a path, or `*` for every workspace). */
  grant(user: string, workspace: string, options: GrantOptions = {}): void {
    const list = this.grants.get(user) ?? [];
    list.push({ workspace, resources: options.resources, verbs: options.verbs });
    this.grants.set(user, list);
  }

  /** Removes the user's grants in `workspace` (all grants when omitted). */
  revoke(user: string, workspace?: string): void {
    if (workspace === undefined) this.grants.delete(user);
    else
      this.grants.set(
        user,
        (this.grants.get(user) ?? []).filter((g) => g.workspace !== workspace),
      );
  }

  /** True when `user` may perform `verb` on `resource` in the workspace with canonical `path`. */
  allowed(user: string, path: string, resource: string, verb: string): boolean {
    if (this.admins.has(user)) return true;
    return (this.grants.get(user) ?? []).some(
      (g) =>
        (g.workspace === '*' || g.workspace === path) &&
        (g.resources === undefined || g.resources.includes(resource) || g.resources.includes('*')) &&
        (g.verbs === undefined || g.verbs.includes(verb) || g.verbs.includes('*')),
    );
  }
}

/**
 * kube-apiserver's 403 for an authorization denial (`responsewriters.Forbidden`): the request's attributes,
 * the scope (`in the namespace "<ns>"` or `at the cluster scope`) and the authorizer's reason.
 */
export function forbidden(
  user: string,
  verb: string,
  resource: string,
  group: string,
  name?: string,
  options: { namespace?: string | undefined; reason?: string } = {},
): SimHttpError {
  const base = resource.split('/')[0] ?? resource;
  const q = qualified(base, group);
  const subject = name === undefined ? q : `${q} "${name}"`;
  const details: Record<string, string> = group === '' ? { kind: base } : { group, kind: base };
  if (name !== undefined) details['name'] = name;
  const scope =
    options.namespace === undefined ? 'at the cluster scope' : `in the namespace "${options.namespace}"`;
  return new SimHttpError(
    403,
    `${subject} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}: ${options.reason ?? 'access denied'}`,
    { details },
  );
}

/**
 * kube-apiserver's 403 for a denied non-resource request (`forbidden: User "<u>" cannot <verb> path
 * "<path>": <reason>`).
 */
export function forbiddenPath(user: string, verb: string, path: string, reason: string): SimHttpError {
  return new SimHttpError(403, `forbidden: User "${user}" cannot ${verb} path "${path}": ${reason}`);
}

/** kube-apiserver's 401. */
export function unauthorized(): SimHttpError {
  return new SimHttpError(401, 'Unauthorized');
}
