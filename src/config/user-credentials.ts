/**
 * Turns a kubeconfig user entry into a credential provider plus static client certificate, with
 * client-go's precedence: token (over tokenFile) or basic auth; an exec plugin only when no token, basic
 * auth or client certificate is configured.
 */
import { registerSecret } from '../redact.js';
import {
  anonymousCredentials,
  staticTokenCredentials,
  type CredentialProvider,
  type TlsConfig,
} from './connection.js';
import {
  basicAuthCredentials,
  impersonationHeaders,
  tokenFileCredentials,
  withHeaders,
} from './credentials.js';
import { sharedExecCredentials } from './exec-provider.js';
import {
  EXEC_API_VERSIONS,
  type ExecApiVersion,
  type ExecClusterInfo,
  type ExecPluginConfig,
} from './exec-run.js';
import { fieldError, keyPairProblem, readPem } from './material.js';
import type { KubeconfigEntry } from './merge.js';
import type { KubeconfigCluster, KubeconfigExec, KubeconfigUser } from './schema.js';

/** Context needed to build a user's credentials. */
export interface UserCredentialContext {
  /** Server URL (after overrides), for `KUBERNETES_EXEC_INFO`. */
  server: string;
  /** TLS settings of the cluster, for `KUBERNETES_EXEC_INFO`. */
  tls: TlsConfig;
  /** The cluster entry, for its exec extension. */
  cluster: KubeconfigEntry<KubeconfigCluster> | undefined;
  /** True when an explicit token replaces the user's authentication (certificates still apply). */
  skipAuth: boolean;
  tokenFilePeriodMs?: number | undefined;
  execTimeoutMs?: number | undefined;
  execExpirySkewMs?: number | undefined;
}

/** Credentials and static client certificate of a user. */
export interface UserCredentials {
  credentials: CredentialProvider;
  cert?: string | undefined;
  key?: string | undefined;
}

const set = (v: string | undefined): v is string => v !== undefined && v !== '';

function execClusterInfo(ctx: UserCredentialContext): ExecClusterInfo {
  const info: ExecClusterInfo = { server: ctx.server };
  const c = ctx.cluster?.value;
  if (ctx.tls.serverName !== undefined) info['tls-server-name'] = ctx.tls.serverName;
  if (ctx.tls.insecureSkipTlsVerify) info['insecure-skip-tls-verify'] = true;
  if (ctx.tls.ca !== undefined)
    info['certificate-authority-data'] = Buffer.from(ctx.tls.ca, 'utf8').toString('base64');
  if (set(c?.['proxy-url'])) info['proxy-url'] = c['proxy-url'];
  if (c?.['disable-compression'] === true) info['disable-compression'] = true;
  const extensions = (c as { extensions?: unknown } | undefined)?.extensions;
  if (Array.isArray(extensions)) {
    const ext = (extensions as Array<{ name?: unknown; extension?: unknown }>).find(
      (e) => e.name === 'client.authentication.k8s.io/exec',
    );
    if (ext !== undefined) info.config = ext.extension;
  }
  return info;
}

/** Validates an exec section and resolves it into a plugin configuration. */
export function toExecConfig(
  user: KubeconfigEntry<KubeconfigUser>,
  exec: KubeconfigExec,
  ctx: UserCredentialContext,
): ExecPluginConfig {
  const apiVersion = exec.apiVersion;
  if (!set(apiVersion)) throw fieldError(user, 'exec.apiVersion', 'exec.apiVersion is required');
  if (!(EXEC_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    throw fieldError(
      user,
      'exec.apiVersion',
      `exec plugin apiVersion "${apiVersion}" is not supported (use ${EXEC_API_VERSIONS.join(' or ')})`,
    );
  }
  if (exec.command === '') throw fieldError(user, 'exec.command', 'exec.command is empty');
  let mode = exec.interactiveMode;
  if (mode === undefined) {
    if (apiVersion === 'client.authentication.k8s.io/v1') {
      throw fieldError(
        user,
        'exec.interactiveMode',
        'exec.interactiveMode is required for client.authentication.k8s.io/v1 (Never, IfAvailable or Always)',
      );
    }
    mode = 'IfAvailable';
  }
  const config: ExecPluginConfig = {
    command: exec.command,
    args: exec.args ?? [],
    env: (exec.env ?? []).map((e) => ({ name: e.name, value: e.value })),
    apiVersion: apiVersion as ExecApiVersion,
    interactiveMode: mode,
    installHint: exec.installHint,
  };
  if (exec.provideClusterInfo === true) config.cluster = execClusterInfo(ctx);
  return config;
}

function impersonation(user: KubeconfigEntry<KubeconfigUser>): Record<string, string> {
  const u = user.value;
  const groups = u['as-groups'] ?? [];
  if (groups.length > 1)
    throw fieldError(user, 'as-groups', 'impersonating more than one group is not supported');
  const extra = u['as-user-extra'] ?? {};
  for (const [k, v] of Object.entries(extra)) {
    if (v.length > 1)
      throw fieldError(
        user,
        `as-user-extra.${k}`,
        'more than one impersonation extra value is not supported',
      );
  }
  return impersonationHeaders({ user: u.as, uid: u['as-uid'], groups, extra });
}

/**
 * Builds the credentials of a kubeconfig user.
 * @throws KubeconfigError for conflicting or incomplete settings and unreadable files.
 */
export function buildUserCredentials(
  user: KubeconfigEntry<KubeconfigUser>,
  ctx: UserCredentialContext,
): UserCredentials {
  const u = user.value;
  const cert = readPem(user, 'client-certificate', 'certificate');
  const key = readPem(user, 'client-key', 'private key', true);
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? 'client-certificate' : 'client-key';
    throw fieldError(
      user,
      missing,
      `${missing} (or ${missing}-data) is missing: a client certificate needs both a certificate and a key`,
    );
  }
  if (cert !== undefined && key !== undefined) {
    const problem = keyPairProblem(cert, key);
    if (problem !== undefined) throw fieldError(user, 'client-key', problem);
  }
  let credentials: CredentialProvider = anonymousCredentials;
  if (!ctx.skipAuth) {
    const hasToken = set(u.token) || set(u.tokenFile);
    const hasBasic = set(u.username) || set(u.password);
    if (hasToken && hasBasic) {
      throw fieldError(
        user,
        'username',
        'more than one authentication method: a user may have a token or username/password, not both',
      );
    }
    if (set(u.token)) {
      registerSecret(u.token);
      credentials = staticTokenCredentials(u.token);
    } else if (set(u.tokenFile)) {
      credentials = tokenFileCredentials(u.tokenFile, {
        periodMs: ctx.tokenFilePeriodMs,
        field: `${user.field}.tokenFile`,
        kubeconfig: user.file,
      });
    } else if (hasBasic) {
      credentials = basicAuthCredentials(u.username ?? '', u.password ?? '');
    } else if (u['auth-provider'] != null) {
      throw fieldError(
        user,
        'auth-provider',
        `auth-provider "${u['auth-provider'].name}" is not supported; use an exec credential plugin (for OIDC: kubelogin)`,
      );
    } else if (u.exec != null && cert === undefined) {
      credentials = sharedExecCredentials(toExecConfig(user, u.exec, ctx), {
        timeoutMs: ctx.execTimeoutMs,
        expirySkewMs: ctx.execExpirySkewMs,
      });
    }
  }
  return { credentials: withHeaders(credentials, impersonation(user)), cert, key };
}
