/**
 * From kubeconfig + explicit options to a {@link Connection}, picking cluster, user and context the way
 * kubectl does. Synchronous: files are read now, exec plugins run lazily on the first request.
 */
import { KubeconfigError } from '../errors.js';
import { redactUrlUserinfo, registerSecret } from '../redact.js';
import {
  anonymousCredentials,
  staticTokenCredentials,
  type Connection,
  type CredentialProvider,
  type TlsConfig,
} from './connection.js';
import { buildUserCredentials } from './user-credentials.js';
import { loadKubeconfig, type KubeconfigEntry, type KubeconfigEnv, type MergedKubeconfig } from './merge.js';
import { fieldError, keyPairProblem, pemProblem, readPem } from './material.js';
import type { KubeconfigCluster, KubeconfigContext, KubeconfigUser } from './schema.js';
import { proxyFromEnvironment, type ProxyEnv } from './proxy-env.js';
import { isLoopbackHost, workspaceOfServer } from './server-url.js';

/** Connection-related options of `createClient`; explicit fields override the kubeconfig. */
export interface ConnectionOptions {
  /** Kubeconfig path or parsed object. @default `$KUBECONFIG` files merged, then `~/.kube/config` */
  kubeconfig?: string | Record<string, unknown> | undefined;
  /** Context name. @default the kubeconfig's `current-context` */
  context?: string | undefined;
  /** Server URL; may end in `/clusters/<workspace>`. */
  server?: string | undefined;
  /** Bearer token; replaces the kubeconfig user's token, basic auth and exec plugin. */
  token?: string | undefined;
  /** PEM CA bundle; replaces the cluster's CA and `insecure-skip-tls-verify`. */
  ca?: string | undefined;
  /** PEM client certificate (with `key`). */
  cert?: string | undefined;
  /** PEM client key (with `cert`). */
  key?: string | undefined;
  /** Skip TLS verification (drops any CA). @default false */
  insecureSkipTlsVerify?: boolean | undefined;
  /** TLS server name for SNI and verification. */
  tlsServerName?: string | undefined;
  /** How often a `tokenFile` is re-read, in ms. @default 60000 */
  tokenFilePeriodMs?: number | undefined;
  /** Exec plugin timeout in ms. @default 60000 (300000 when the plugin gets the terminal) */
  execTimeoutMs?: number | undefined;
  /** Refresh exec credentials this long before they expire, in ms. @default 10000 */
  execExpirySkewMs?: number | undefined;
}

/** The result of {@link loadConnection}. */
export interface LoadedConfig {
  /** Server, TLS, proxy and credentials. */
  connection: Connection;
  /** The context used, when a kubeconfig context was used. */
  contextName?: string | undefined;
  /** The kubeconfig cluster entry used. */
  clusterName?: string | undefined;
  /** The kubeconfig user entry used. */
  userName?: string | undefined;
  /** The context's namespace. */
  namespace?: string | undefined;
  /** Workspace from the server URL's `/clusters/<x>` segment. */
  workspace?: string | undefined;
  /** Kubeconfig files read, in precedence order. */
  sourceFiles: string[];
  /**
   * Problems that did not stop loading and that the user should see, e.g. credentials withheld because the
   * server uses plain `http://`. `createClient` logs each as a warning.
   */
  warnings: string[];
}

function available(map: Map<string, unknown>): string {
  const names = [...map.keys()].sort();
  return names.length === 0 ? 'none are defined' : `available: ${names.join(', ')}`;
}

function describeFiles(merged: MergedKubeconfig): string {
  if (merged.files.length > 0) return merged.files.join(', ');
  return merged.missing.length > 0
    ? `no file found (looked for ${merged.missing.join(', ')})`
    : 'the kubeconfig object';
}

function pickContext(
  merged: MergedKubeconfig,
  explicit: string | undefined,
): KubeconfigEntry<KubeconfigContext> | undefined {
  const name = explicit ?? merged.currentContext;
  if (name === undefined || name === '') return undefined;
  const ctx = merged.contexts.get(name);
  if (ctx !== undefined) return ctx;
  const origin =
    explicit === undefined
      ? `current-context of ${merged.currentContextFile ?? 'the kubeconfig object'}`
      : 'option "context"';
  throw new KubeconfigError(
    `Context "${name}" (${origin}) is not defined in ${describeFiles(merged)}; ${available(merged.contexts)}`,
    explicit === undefined
      ? { file: merged.currentContextFile, field: 'current-context' }
      : { file: merged.files[0], field: 'context' },
  );
}

function lookup<T>(
  map: Map<string, KubeconfigEntry<T>>,
  ctx: KubeconfigEntry<KubeconfigContext>,
  key: 'cluster' | 'user',
  merged: MergedKubeconfig,
): KubeconfigEntry<T> | undefined {
  const name = ctx.value[key];
  if (name === undefined || name === '') return undefined;
  const entry = map.get(name);
  if (entry !== undefined) return entry;
  throw fieldError(
    ctx,
    key,
    `Context "${ctx.name}" names ${key} "${name}", which is not defined in ${describeFiles(merged)}; ${available(map)}`,
  );
}

function normaliseServer(server: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `https://${server}`;
}

function clusterTls(
  cluster: KubeconfigEntry<KubeconfigCluster> | undefined,
  options: ConnectionOptions,
): TlsConfig {
  const override = options.insecureSkipTlsVerify === true || options.ca !== undefined;
  const insecure = override
    ? options.insecureSkipTlsVerify === true
    : cluster?.value['insecure-skip-tls-verify'] === true;
  const caProblem = options.ca === undefined ? undefined : pemProblem(options.ca, 'certificate');
  if (caProblem !== undefined) throw new KubeconfigError(`Option "ca" ${caProblem}`, { field: 'ca' });
  const ca = override
    ? options.ca
    : cluster === undefined
      ? undefined
      : readPem(cluster, 'certificate-authority', 'certificate');
  if (insecure && ca !== undefined) {
    if (override || cluster === undefined) {
      throw new KubeconfigError('Options "ca" and "insecureSkipTlsVerify" cannot both be set', {
        field: 'ca',
      });
    }
    throw fieldError(
      cluster,
      'insecure-skip-tls-verify',
      'insecure-skip-tls-verify cannot be combined with a certificate authority',
    );
  }
  const serverName = options.tlsServerName ?? cluster?.value['tls-server-name'];
  return {
    ca,
    insecureSkipTlsVerify: insecure,
    serverName: serverName === '' ? undefined : serverName,
  };
}

/**
 * Checks a proxy URL from `proxy-url` or the environment: an absolute `http://` URL (https and socks proxies
 * are not supported). Messages never repeat the proxy's user name or password.
 * @returns the reason it is unusable, or `undefined`.
 */
function proxyProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `proxy URL "${redactUrlUserinfo(value)}" is not an absolute URL`;
  }
  if (url.protocol !== 'http:') {
    return `proxy URL scheme "${url.protocol.slice(0, -1)}" is not supported: only http:// proxies are (CONNECT is used for https servers)`;
  }
  if (url.password !== '') registerSecret(decodeURIComponent(url.password));
  return undefined;
}

function proxyUrl(cluster: KubeconfigEntry<KubeconfigCluster> | undefined): string | undefined {
  const value = cluster?.value['proxy-url'];
  if (cluster === undefined || value === undefined || value === '') return undefined;
  const problem = proxyProblem(value);
  if (problem !== undefined) throw fieldError(cluster, 'proxy-url', `proxy-url: ${problem}`);
  return value;
}

/** The proxy from `HTTPS_PROXY`/`HTTP_PROXY`, checked like `proxy-url`. */
function environmentProxy(server: string, env: ProxyEnv): string | undefined {
  const value = proxyFromEnvironment(server, env);
  if (value === undefined) return undefined;
  const problem = proxyProblem(value);
  if (problem === undefined) return value;
  const name = server.startsWith('https:') ? 'HTTPS_PROXY' : 'HTTP_PROXY';
  throw new KubeconfigError(`Environment variable ${name}: ${problem}`, { field: name });
}

/**
 * Rejects a server URL that carries a user name or password: kubectl ignores them too, and silently
 * dropping them would hide a misconfiguration. The message shows the URL without them.
 */
function checkServerUserinfo(
  server: string,
  fromOptions: boolean,
  cluster: KubeconfigEntry<KubeconfigCluster> | undefined,
): void {
  const url = new URL(server);
  if (url.username === '' && url.password === '') return;
  url.username = '';
  url.password = '';
  const msg = `server URL "${url.href}" must not contain a user name or password (they were removed from this message); put credentials in the kubeconfig user or pass a token`;
  if (fromOptions || cluster === undefined) throw new KubeconfigError(`Option ${msg}`, { field: 'server' });
  throw fieldError(cluster, 'server', msg.charAt(0).toUpperCase() + msg.slice(1));
}

/**
 * Loads the kubeconfig (unless only `server` is given and none exists) and builds the connection for the
 * chosen context. Explicit options override the kubeconfig like kubectl's flags do.
 * @throws KubeconfigError naming the file and field for every configuration problem.
 */
export function loadConnection(
  options: ConnectionOptions = {},
  env: KubeconfigEnv & ProxyEnv = process.env,
): LoadedConfig {
  const merged = loadKubeconfig(options.kubeconfig, env);
  const ctx = pickContext(merged, options.context);
  const cluster = ctx === undefined ? undefined : lookup(merged.clusters, ctx, 'cluster', merged);
  const user = ctx === undefined ? undefined : lookup<KubeconfigUser>(merged.users, ctx, 'user', merged);

  const rawServer = options.server ?? cluster?.value.server;
  if (rawServer === undefined || rawServer === '') {
    const why =
      cluster !== undefined
        ? `cluster "${cluster.name}" has no server (${cluster.field}.server in ${cluster.file ?? 'the kubeconfig object'})`
        : ctx !== undefined
          ? `context "${ctx.name}" names no cluster`
          : merged.files.length === 0 && typeof options.kubeconfig !== 'object'
            ? `no kubeconfig found (${describeFiles(merged)}); set KUBECONFIG, pass "kubeconfig", or pass "server"`
            : `no context selected in ${describeFiles(merged)}; pass "context" (${available(merged.contexts)})`;
    throw new KubeconfigError(`No server to connect to: ${why}`, {
      file: cluster?.file ?? merged.files[0],
      field: cluster === undefined ? undefined : `${cluster.field}.server`,
    });
  }
  const server = normaliseServer(rawServer);
  let workspace: string | undefined;
  try {
    workspace = workspaceOfServer(server);
  } catch (e) {
    // No cause: a URL TypeError carries the raw input, password included.
    const msg = `server "${redactUrlUserinfo(rawServer)}" is not a valid URL: ${redactUrlUserinfo((e as Error).message)}`;
    if (options.server !== undefined || cluster === undefined) {
      throw new KubeconfigError(`Option ${msg}`, { field: 'server' });
    }
    throw fieldError(cluster, 'server', msg.charAt(0).toUpperCase() + msg.slice(1));
  }
  checkServerUserinfo(server, options.server !== undefined, cluster);

  const tls = clusterTls(cluster, options);
  let credentials: CredentialProvider = anonymousCredentials;
  if (user !== undefined) {
    const built = buildUserCredentials(user, {
      server,
      tls,
      cluster,
      skipAuth: options.token !== undefined,
      tokenFilePeriodMs: options.tokenFilePeriodMs,
      execTimeoutMs: options.execTimeoutMs,
      execExpirySkewMs: options.execExpirySkewMs,
    });
    credentials = built.credentials;
    tls.cert = built.cert;
    tls.key = built.key;
  }
  if (options.token !== undefined) {
    registerSecret(options.token);
    credentials = staticTokenCredentials(options.token);
  }
  if (options.cert !== undefined || options.key !== undefined) {
    if (options.cert === undefined || options.key === undefined) {
      throw new KubeconfigError('Options "cert" and "key" must be given together', {
        field: options.cert === undefined ? 'cert' : 'key',
      });
    }
    registerSecret(options.key);
    const problem =
      pemProblem(options.cert, 'certificate') ??
      pemProblem(options.key, 'private key') ??
      keyPairProblem(options.cert, options.key);
    if (problem !== undefined) {
      throw new KubeconfigError(`Options "cert" and "key": ${problem}`, {
        field: problem.includes('private key') ? 'key' : 'cert',
      });
    }
    tls.cert = options.cert;
    tls.key = options.key;
  }

  const warnings: string[] = [];
  const serverUrl = new URL(server);
  if (serverUrl.protocol === 'http:' && !isLoopbackHost(serverUrl.hostname)) {
    const kind = credentialKind(options, user);
    if (kind !== undefined) {
      // Like kubectl: no credentials over plain HTTP. Loopback is exempt (local test servers).
      credentials = anonymousCredentials;
      warnings.push(
        `credentials withheld: the ${kind} is not sent to ${serverUrl.host} because the server URL is plain http:// (only loopback addresses get credentials over http://); use https://`,
      );
    }
  }

  const label = ctx?.name ?? cluster?.name ?? serverUrl.host;
  const connection: Connection = { server, tls, credentials, label };
  // kubeconfig `proxy-url` first; else HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as client-go does.
  const proxy = proxyUrl(cluster) ?? environmentProxy(server, env);
  if (proxy !== undefined) connection.proxyUrl = proxy;
  const namespace = ctx?.value.namespace;
  return {
    connection,
    contextName: ctx?.name,
    clusterName: cluster?.name,
    userName: user?.name,
    namespace: namespace === '' ? undefined : namespace,
    workspace,
    sourceFiles: [...merged.files],
    warnings,
  };
}

/** What kind of credential a request would carry (the same precedence as the providers), if any. */
function credentialKind(
  options: ConnectionOptions,
  user: KubeconfigEntry<KubeconfigUser> | undefined,
): string | undefined {
  if (options.token !== undefined) return 'bearer token (option "token" / --token)';
  const u = user?.value;
  if (u === undefined || user === undefined) return undefined;
  const set = (v: string | undefined): boolean => v !== undefined && v !== '';
  if (set(u.token)) return `bearer token (${user.field}.token)`;
  if (set(u.tokenFile)) return `bearer token (${user.field}.tokenFile)`;
  if (set(u.username) || set(u.password)) return `password (${user.field}.password)`;
  if (u.exec != null && u['client-certificate'] === undefined && u['client-certificate-data'] === undefined) {
    return `exec plugin token (${user.field}.exec)`;
  }
  return undefined;
}
