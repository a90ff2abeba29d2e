/**
 * Simple credential providers: bearer token file (re-read periodically, like client-go's cached file token
 * source), HTTP basic auth, and a wrapper that adds impersonation headers.
 */
import { readFileSync } from 'node:fs';
import { KubeconfigError } from '../errors.js';
import { currentSecretOwner, registerSecret, type SecretOwner } from '../redact.js';
import type { CredentialProvider, Credentials } from './connection.js';
import { ioReason } from './material.js';

/** How often a token file is re-read, as client-go does. */
export const DEFAULT_TOKEN_FILE_PERIOD_MS = 60_000;

/** Options of {@link tokenFileCredentials}. */
export interface TokenFileOptions {
  /** Re-read the file at most this often. @default 60000 */
  periodMs?: number | undefined;
  /** Clock for tests. @default Date.now */
  now?: (() => number) | undefined;
  /** Field named in errors, e.g. `users[0].user.tokenFile`. */
  field?: string | undefined;
  /** Kubeconfig that names the token file, for errors. */
  kubeconfig?: string | undefined;
}

function readToken(path: string, opts: TokenFileOptions, owner: SecretOwner): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new KubeconfigError(
      `Cannot read token file ${path}${opts.field === undefined ? '' : ` (${opts.field})`}: ${ioReason(e)}`,
      { file: opts.kubeconfig ?? path, field: opts.field },
      { cause: e },
    );
  }
  const token = text.trim();
  if (token === '') {
    throw new KubeconfigError(
      `Token file ${path}${opts.field === undefined ? '' : ` (${opts.field})`} is empty`,
      { file: opts.kubeconfig ?? path, field: opts.field },
    );
  }
  registerSecret(token, owner);
  return token;
}

/**
 * Bearer token read from a file (`tokenFile`). The file is read once now (errors are thrown at load, as
 * kubectl does), then at most every `periodMs`; a rotated token is picked up. When a later read fails the
 * previous token keeps being used. After a 401 the file is re-read at once.
 * @throws KubeconfigError when the file cannot be read or is empty at creation.
 */
export function tokenFileCredentials(path: string, options: TokenFileOptions = {}): CredentialProvider {
  const period = options.periodMs ?? DEFAULT_TOKEN_FILE_PERIOD_MS;
  const now = options.now ?? Date.now;
  // later reads happen outside the client's construction: register their tokens for the same owner
  const owner = currentSecretOwner();
  let token = readToken(path, options, owner);
  let readAt = now();
  const creds = (): Credentials => ({ headers: { Authorization: `Bearer ${token}` } });
  let current = creds();
  const reread = (): void => {
    readAt = now();
    try {
      const next = readToken(path, options, owner);
      if (next !== token) {
        token = next;
        current = creds();
      }
    } catch {
      // keep the previous token, as client-go does
    }
  };
  return {
    get: () => {
      if (now() - readAt >= period) reread();
      return Promise.resolve(current);
    },
    refresh: (used) => {
      if (current !== used) return Promise.resolve(true);
      reread();
      return Promise.resolve(current !== used);
    },
  };
}

/** HTTP basic auth (`username`/`password`), for completeness. */
export function basicAuthCredentials(username: string, password: string): CredentialProvider {
  registerSecret(password);
  const encoded = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  registerSecret(encoded);
  const creds: Credentials = { headers: { Authorization: `Basic ${encoded}` } };
  return { get: () => Promise.resolve(creds), refresh: () => Promise.resolve(false) };
}

/** Impersonation settings of a kubeconfig user (`as`, `as-uid`, `as-groups`, `as-user-extra`). */
export interface Impersonation {
  user?: string | undefined;
  uid?: string | undefined;
  groups?: string[] | undefined;
  extra?: Record<string, string[]> | undefined;
}

/**
 * Header values for {@link Impersonation}. Kubernetes wants one header per group or extra value, which a
 * `Record<string, string>` cannot carry, so callers must pass at most one value for each.
 */
export function impersonationHeaders(imp: Impersonation): Record<string, string> {
  const h: Record<string, string> = {};
  if (imp.user !== undefined && imp.user !== '') h['Impersonate-User'] = imp.user;
  if (imp.uid !== undefined && imp.uid !== '') h['Impersonate-Uid'] = imp.uid;
  if (imp.groups !== undefined && imp.groups.length > 0) h['Impersonate-Group'] = imp.groups[0] ?? '';
  for (const [k, v] of Object.entries(imp.extra ?? {})) {
    if (v[0] !== undefined) h[`Impersonate-Extra-${encodeURIComponent(k)}`] = v[0];
  }
  return h;
}

/** Wraps a provider so that every credential also carries `extra` headers. Preserves identity for `refresh`. */
export function withHeaders(inner: CredentialProvider, extra: Record<string, string>): CredentialProvider {
  if (Object.keys(extra).length === 0) return inner;
  const wrapped = new WeakMap<Credentials, Credentials>();
  const originals = new WeakMap<Credentials, Credentials>();
  const wrap = (c: Credentials): Credentials => {
    let w = wrapped.get(c);
    if (w === undefined) {
      w = { ...c, headers: { ...extra, ...c.headers } };
      wrapped.set(c, w);
      originals.set(w, c);
    }
    return w;
  };
  return {
    get: async (signal) => wrap(await inner.get(signal)),
    refresh: (used) => inner.refresh(originals.get(used) ?? used),
  };
}
