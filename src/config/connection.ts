/**
 * The contract between the config layer (kubeconfig, auth) and the HTTP transport.
 * The config layer produces a {@link Connection}; the transport turns it into an axios instance.
 */

/** Credentials valid for a request: headers and/or a client certificate. */
export interface Credentials {
  /** Extra request headers, typically `{ Authorization: 'Bearer …' }`. */
  headers: Record<string, string>;
  /** PEM client certificate (from an exec plugin), overriding the TLS config's. */
  cert?: string | undefined;
  /** PEM client key (from an exec plugin), overriding the TLS config's. */
  key?: string | undefined;
}

/** Supplies credentials per request and refreshes them after a 401. */
export interface CredentialProvider {
  /** Credentials for the next request. May run an exec plugin or re-read a token file. */
  get(signal?: AbortSignal): Promise<Credentials>;
  /**
   * Called after the server answered 401 to a request made with `used`. Returns true when fresh
   * credentials were obtained and the request should be retried once.
   */
  refresh(used: Credentials): Promise<boolean>;
}

/** TLS settings of a connection. */
export interface TlsConfig {
  /** PEM CA bundle to trust instead of the system roots. */
  ca?: string | undefined;
  /** PEM client certificate. */
  cert?: string | undefined;
  /** PEM client key. */
  key?: string | undefined;
  /** Skip server certificate verification. Off by default; never on unless asked for. */
  insecureSkipTlsVerify: boolean;
  /** SNI / verification name override (`tls-server-name`). */
  serverName?: string | undefined;
}

/** Everything needed to talk to one kcp server as one user. */
export interface Connection {
  /** Server URL as configured; may end in `/clusters/<path-or-name>`. */
  server: string;
  /** TLS settings. */
  tls: TlsConfig;
  /** HTTP(S) proxy URL (`proxy-url`), CONNECT-tunnelled for https servers. */
  proxyUrl?: string | undefined;
  /** Credential source (static token, token file, basic auth, exec plugin, or none). */
  credentials: CredentialProvider;
  /** A human label for logs and status events (context or cluster name); never secret. */
  label?: string | undefined;
}

/** A provider that sends no credentials. */
export const anonymousCredentials: CredentialProvider = {
  get: () => Promise.resolve({ headers: {} }),
  refresh: () => Promise.resolve(false),
};

/** A provider for a fixed bearer token. */
export function staticTokenCredentials(token: string): CredentialProvider {
  const creds: Credentials = { headers: { Authorization: `Bearer ${token}` } };
  return { get: () => Promise.resolve(creds), refresh: () => Promise.resolve(false) };
}
