/**
 * Secret redaction shared by errors, logs and the CLI.
 *
 * Two mechanisms: patterns (bearer tokens, basic auth, PEM keys, `token=` query parameters, JWT-looking
 * strings) and an explicit registry of secret values that the config layer fills as it loads credentials
 * (tokens, passwords, exec-plugin tokens). Registered values are replaced wherever they appear.
 *
 * Each registered value has owners: the client family that loaded it (released by that client's `close()`)
 * or, outside any client, the process. The registry holds at most {@link MAX_REGISTERED_SECRETS} values.
 *
 * Every pattern runs in time linear in the text (no pattern can restart inside a run it already scanned),
 * so redacting hostile server text cannot block the event loop.
 */

const REDACTED = '[REDACTED]';

/** Who registered a secret: a client family (any object it owns), or the process. */
export type SecretOwner = object;

const PROCESS_OWNER: SecretOwner = Object.freeze({});
/** Registered values and their owners, oldest first (the oldest go first when the bound is reached). */
const registered = new Map<string, Set<SecretOwner>>();
let currentOwner: SecretOwner = PROCESS_OWNER;

/** The most secret values kept at once; past it the oldest registrations are forgotten. */
export const MAX_REGISTERED_SECRETS = 1000;

/**
 * Registers a secret value (token, password, key) so that it is replaced by `[REDACTED]` wherever it
 * appears in error messages, logs or serialised errors, until every owner that registered it releases it.
 * Values shorter than 6 characters are ignored to avoid mangling ordinary words.
 * @param owner who keeps it registered. @default the owner of the surrounding {@link withSecretOwner}, else the process
 */
export function registerSecret(value: string | undefined, owner: SecretOwner = currentOwner): void {
  if (value === undefined) return;
  const v = value.trim();
  if (v.length < 6) return;
  let owners = registered.get(v);
  if (owners === undefined) {
    owners = new Set();
    registered.set(v, owners);
    for (const oldest of registered.keys()) {
      if (registered.size <= MAX_REGISTERED_SECRETS) break;
      registered.delete(oldest);
    }
  }
  owners.add(owner);
}

/** Runs `fn` with `owner` as the default owner of the secrets it registers (synchronous code only). */
export function withSecretOwner<T>(owner: SecretOwner, fn: () => T): T {
  const previous = currentOwner;
  currentOwner = owner;
  try {
    return fn();
  } finally {
    currentOwner = previous;
  }
}

/** The default owner right now: capture it where secrets are registered later, asynchronously. */
export function currentSecretOwner(): SecretOwner {
  return currentOwner;
}

/** Forgets the secrets `owner` registered (those other owners registered too stay). */
export function releaseSecrets(owner: SecretOwner): void {
  for (const [value, owners] of registered) {
    owners.delete(owner);
    if (owners.size === 0) registered.delete(value);
  }
}

/** How many secret values are registered (for leak checks). */
export function registeredSecretCount(): number {
  return registered.size;
}

/** `scheme://userinfo@`: bounded repetitions keep the scan linear over any text. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]{0,31}:\/\/)[^\s/?#@]{1,1024}@/gi;

/** Replaces the user name and password of every `scheme://user:password@host` in `text` with `[REDACTED]`. */
export function redactUrlUserinfo(text: string): string {
  return text.replace(URL_USERINFO, `$1${REDACTED}@`);
}

const PATTERNS: Array<[RegExp, string]> = [
  [URL_USERINFO, `$1${REDACTED}@`],
  [
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    `${REDACTED} private key`,
  ],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  [
    /("?(?:authorization|token|password|client-key-data|client_secret|access_token|id-token|refresh-token)"?\s*[:=]\s*"?)[^"\s,&}]+/gi,
    `$1${REDACTED}`,
  ],
  // Starts only where a base64url run starts (not at every `eyJ` inside one), so the scan stays linear.
  [/(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, REDACTED],
];

const SECRET_KEY =
  /^(?:authorization|token|password|client-key-data|client_secret|access_token|id-token|refresh-token)$/i;

/** True for a field name whose value is a secret (`token`, `password`, `authorization`, …). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** Returns `text` with every known secret and secret-looking token replaced by `[REDACTED]`. */
export function redactText(text: string): string {
  let out = text;
  for (const secret of registered.keys()) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}
