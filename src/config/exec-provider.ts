/**
 * Credential provider backed by an exec plugin: caches the credential until `expirationTimestamp`, runs
 * at most one plugin process at a time per user (concurrent callers share it), and refreshes after a 401
 * unless another caller already did.
 */
import { AbortError } from '../errors.js';
import { currentSecretOwner, type SecretOwner } from '../redact.js';
import type { CredentialProvider, Credentials } from './connection.js';
import { runExecPlugin, type ExecCredentialResult, type ExecPluginConfig } from './exec-run.js';

/** Default plugin timeout when stdin is not handed to the plugin. */
export const DEFAULT_EXEC_TIMEOUT_MS = 60_000;
/** Default plugin timeout for interactive runs (a browser login takes a while). */
export const DEFAULT_INTERACTIVE_EXEC_TIMEOUT_MS = 300_000;
/** A cached credential counts as expired this long before its `expirationTimestamp`. */
export const DEFAULT_EXEC_EXPIRY_SKEW_MS = 10_000;

/** Tuning of {@link execCredentials}. */
export interface ExecProviderOptions {
  /** Kill a plugin after this long. @default 60000 (300000 when the plugin gets the terminal) */
  timeoutMs?: number | undefined;
  /** Refresh this long before expiry (at most half the credential's lifetime). @default 10000 */
  expirySkewMs?: number | undefined;
  /** Clock for tests. @default Date.now */
  now?: (() => number) | undefined;
  /** Whether stdin is a terminal. @default `process.stdin.isTTY` */
  isTTY?: (() => boolean) | undefined;
  /** Base environment of the plugin. @default process.env */
  baseEnv?: NodeJS.ProcessEnv | undefined;
  /** Runs the plugin (tests). @default runExecPlugin */
  run?: typeof runExecPlugin | undefined;
}

interface Cached {
  creds: Credentials;
  /** Epoch ms after which the credential is not used any more. */
  staleAt: number;
}

function toCredentials(r: ExecCredentialResult): Credentials {
  const creds: Credentials = { headers: {} };
  if (r.token !== undefined) creds.headers['Authorization'] = `Bearer ${r.token}`;
  if (r.cert !== undefined) creds.cert = r.cert;
  if (r.key !== undefined) creds.key = r.key;
  return creds;
}

function sameCredentials(a: Credentials, b: Credentials): boolean {
  return a.headers['Authorization'] === b.headers['Authorization'] && a.cert === b.cert && a.key === b.key;
}

function withAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new AbortError());
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => {
      reject(new AbortError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, aborted]).finally(() => {
    signal.removeEventListener('abort', onAbort);
  });
}

/**
 * A {@link CredentialProvider} that runs an exec plugin lazily (on the first `get`), caches its credential
 * and shares one run between concurrent callers. Aborting a `get` does not stop a run other callers share.
 * `refresh` may reject with `ExecCredentialError` when the plugin fails.
 */
export function execCredentials(
  config: ExecPluginConfig,
  options: ExecProviderOptions = {},
): CredentialProvider {
  const now = options.now ?? Date.now;
  const skew = options.expirySkewMs ?? DEFAULT_EXEC_EXPIRY_SKEW_MS;
  const run = options.run ?? runExecPlugin;
  // plugin runs happen later, on requests: their tokens belong to the client that created this provider
  const secretOwner = currentSecretOwner();
  let cached: Cached | undefined;
  let inflight: Promise<Credentials> | undefined;

  const start = (): Promise<Credentials> => {
    if (inflight !== undefined) return inflight;
    const isTTY = options.isTTY ?? (() => (process.stdin as { isTTY?: boolean }).isTTY === true);
    const interactive = config.interactiveMode !== 'Never' && isTTY();
    const timeoutMs =
      options.timeoutMs ?? (interactive ? DEFAULT_INTERACTIVE_EXEC_TIMEOUT_MS : DEFAULT_EXEC_TIMEOUT_MS);
    const p = run(config, { timeoutMs, isTTY, baseEnv: options.baseEnv, secretOwner }).then((result) => {
      const obtained = now();
      const creds = toCredentials(result);
      const staleAt =
        result.expiresAt === undefined
          ? Number.POSITIVE_INFINITY
          : result.expiresAt - Math.min(skew, Math.max(0, (result.expiresAt - obtained) / 2));
      cached = { creds, staleAt };
      return creds;
    });
    inflight = p;
    const clear = (): void => {
      if (inflight === p) inflight = undefined;
    };
    p.then(clear, clear);
    return p;
  };

  return {
    get(signal) {
      if (cached !== undefined && now() < cached.staleAt) return Promise.resolve(cached.creds);
      return withAbort(start(), signal);
    },
    async refresh(used) {
      if (inflight === undefined && cached !== undefined && !sameCredentials(cached.creds, used)) {
        return true;
      }
      const fresh = await start();
      return !sameCredentials(fresh, used);
    },
  };
}

/** Exec providers per secret owner (a client family), then per plugin configuration. */
const shared = new WeakMap<SecretOwner, Map<string, CredentialProvider>>();

/**
 * Like {@link execCredentials}, but one provider (cache and single-flight) per distinct plugin
 * configuration and client family (the current secret owner), so the clients of one family share plugin
 * runs; {@link releaseExecCredentials} drops them when the family closes.
 */
export function sharedExecCredentials(
  config: ExecPluginConfig,
  options: Omit<ExecProviderOptions, 'now' | 'isTTY' | 'run' | 'baseEnv'> = {},
): CredentialProvider {
  const owner = currentSecretOwner();
  let byConfig = shared.get(owner);
  if (byConfig === undefined) {
    byConfig = new Map();
    shared.set(owner, byConfig);
  }
  const key = JSON.stringify([config, options.timeoutMs ?? null, options.expirySkewMs ?? null]);
  let provider = byConfig.get(key);
  if (provider === undefined) {
    provider = execCredentials(config, options);
    byConfig.set(key, provider);
  }
  return provider;
}

/** Drops the exec providers (and their cached credentials) of a client family. */
export function releaseExecCredentials(owner: SecretOwner): void {
  shared.delete(owner);
}
