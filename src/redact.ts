/**
 * Secret redaction shared by errors, logs and the CLI.
 *
 * Two mechanisms: patterns (bearer tokens, basic auth, PEM keys, `token=` query parameters, JWT-looking
 * strings) and an explicit registry of secret values that the config layer fills as it loads credentials
 * (tokens, passwords, exec-plugin tokens). Registered values are replaced wherever they appear.
 *
 * Every pattern runs in time linear in the text (no pattern can restart inside a run it already scanned),
 * so redacting hostile server text cannot block the event loop.
 */

const REDACTED = '[REDACTED]';
const registered = new Set<string>();

/**
 * Registers a secret value (token, password, key) so that it is replaced by `[REDACTED]` wherever it
 * appears in error messages, logs or serialised errors. Values shorter than 6 characters are ignored to
 * avoid mangling ordinary words.
 */
export function registerSecret(value: string | undefined): void {
  if (value === undefined) return;
  const v = value.trim();
  if (v.length >= 6) registered.add(v);
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
  for (const secret of registered) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}
