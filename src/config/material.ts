/**
 * Reading PEM material named by a kubeconfig entry: `<field>-data` (base64, wins) or `<field>` (a file).
 * Errors name the kubeconfig file and the field, never the content.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KubeconfigError } from '../errors.js';
import { registerSecret } from '../redact.js';
import type { KubeconfigEntry } from './merge.js';

/** Describes where a field lives for messages: `users[0].user.client-key in /home/me/.kube/config`. */
export function where(entry: { file: string | undefined; field: string }, key: string): string {
  return `${entry.field}.${key} in ${entry.file ?? 'the kubeconfig object'}`;
}

/** Raises a {@link KubeconfigError} for a field of an entry. */
export function fieldError(
  entry: { file: string | undefined; field: string },
  key: string,
  message: string,
  cause?: unknown,
): KubeconfigError {
  return new KubeconfigError(
    `${message} (${where(entry, key)})`,
    { file: entry.file, field: `${entry.field}.${key}` },
    cause === undefined ? undefined : { cause },
  );
}

/** A short reason for a failed file read: "the file does not exist", "permission denied"… */
export function ioReason(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'the file does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return typeof code === 'string' ? code : String((e as Error | null)?.message ?? e);
}

const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** What kind of PEM block a field must contain. */
export type PemKind = 'certificate' | 'private key';

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[^-]*-----END CERTIFICATE-----/g;

/**
 * Why `pem` is not usable as `kind`, or `undefined`: a certificate bundle must hold at least one certificate
 * and every `CERTIFICATE` block must parse; a private key must parse. Messages never include the content.
 */
export function pemProblem(pem: string, kind: PemKind): string | undefined {
  if (kind === 'private key') {
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) return 'does not contain a PEM private key';
    try {
      createPrivateKey(pem);
    } catch {
      return 'contains a PEM private key that cannot be parsed';
    }
    return undefined;
  }
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) return 'does not contain a PEM certificate';
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `contains a PEM certificate (number ${i + 1}) that cannot be parsed`;
    }
  }
  return undefined;
}

/**
 * Why a client certificate and key do not belong together (or cannot be read), or `undefined`. Found at load,
 * so the user gets a kubeconfig error instead of a TLS failure that is retried as a network error.
 */
export function keyPairProblem(cert: string, key: string): string | undefined {
  try {
    const blocks = cert.match(CERT_BLOCK) ?? [];
    const leaf = new X509Certificate(blocks[0] ?? cert);
    return leaf.checkPrivateKey(createPrivateKey(key))
      ? undefined
      : 'the client key does not match the client certificate';
  } catch {
    return 'the client certificate or key cannot be parsed';
  }
}

function checkPem(
  entry: KubeconfigEntry<unknown>,
  key: string,
  pem: string,
  kind: PemKind,
  secret: boolean,
): string {
  if (secret) registerSecret(pem);
  const problem = pemProblem(pem, kind);
  if (problem !== undefined) throw fieldError(entry, key, `${key} ${problem}`);
  return pem;
}

/**
 * Returns the PEM text of `<fileKey>-data` (decoded) or of the file named by `<fileKey>`, or undefined
 * when neither is set. `secret` registers the content for redaction (client keys).
 * @throws KubeconfigError for invalid base64, an unreadable file or content without the expected PEM block.
 */
export function readPem(
  entry: KubeconfigEntry<Record<string, unknown>>,
  fileKey: string,
  kind: PemKind,
  secret = false,
): string | undefined {
  const dataKey = `${fileKey}-data`;
  const data = entry.value[dataKey];
  if (typeof data === 'string' && data !== '') {
    if (!BASE64.test(data)) throw fieldError(entry, dataKey, `${dataKey} is not valid base64`);
    const pem = Buffer.from(data, 'base64').toString('utf8');
    return checkPem(entry, dataKey, pem, kind, secret);
  }
  const path = entry.value[fileKey];
  if (typeof path !== 'string' || path === '') return undefined;
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (e) {
    throw fieldError(entry, fileKey, `Cannot read ${fileKey} ${path}: ${ioReason(e)}`, e);
  }
  return checkPem(entry, fileKey, pem, kind, secret);
}
