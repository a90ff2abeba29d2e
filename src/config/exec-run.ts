/**
 * Running one exec credential plugin (`client.authentication.k8s.io/v1` and `v1beta1`), as client-go's
 * `plugin/pkg/client/auth/exec` does: environment merged over the process's, `KUBERNETES_EXEC_INFO`,
 * stdin inherited only in interactive mode, stdout parsed as an `ExecCredential`.
 */
import { basename } from 'node:path';
import { ExecCredentialError } from '../errors.js';
import { registerSecret, type SecretOwner } from '../redact.js';

/** The exec credential API versions this client speaks. */
export const EXEC_API_VERSIONS = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
] as const;

/** One of {@link EXEC_API_VERSIONS}. */
export type ExecApiVersion = (typeof EXEC_API_VERSIONS)[number];

/** Cluster information passed to the plugin when `provideClusterInfo` is true. */
export interface ExecClusterInfo {
  server: string;
  'tls-server-name'?: string | undefined;
  'insecure-skip-tls-verify'?: boolean | undefined;
  /** Base64 of the PEM CA bundle. */
  'certificate-authority-data'?: string | undefined;
  'proxy-url'?: string | undefined;
  'disable-compression'?: boolean | undefined;
  /** The cluster's `extensions[client.authentication.k8s.io/exec]`. */
  config?: unknown;
}

/** A validated exec plugin configuration with paths already resolved. */
export interface ExecPluginConfig {
  /** Command (resolved against the kubeconfig's directory when it contains a path separator). */
  command: string;
  args: string[];
  /** Extra environment, applied over `process.env`. */
  env: Array<{ name: string; value: string }>;
  apiVersion: ExecApiVersion;
  interactiveMode: 'Never' | 'IfAvailable' | 'Always';
  installHint?: string | undefined;
  /** Present when `provideClusterInfo` is true. */
  cluster?: ExecClusterInfo | undefined;
}

/** Runtime knobs of one plugin run. */
export interface ExecRunOptions {
  /** Kill the plugin after this long. */
  timeoutMs: number;
  /** Whether our stdin is a terminal. @default `process.stdin.isTTY` */
  isTTY?: (() => boolean) | undefined;
  /** Base environment. @default process.env */
  baseEnv?: NodeJS.ProcessEnv | undefined;
  /** Owner of the secrets the plugin returns. @default the current secret owner */
  secretOwner?: SecretOwner | undefined;
}

/**
 * Process groups of the non-interactive plugins still running. A plugin runs in a group of its own so that
 * a timeout, or the end of this process (a CLI interrupted by SIGINT or SIGTERM exits through `exit`), stops
 * the plugin and every process it started, not only the plugin itself.
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const g of liveGroups) killGroup(g);
    liveGroups.clear();
  });
}

/** What a plugin returned. */
export interface ExecCredentialResult {
  token?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  /** Expiry in epoch ms; undefined means "valid until the server says 401". */
  expiresAt?: number | undefined;
}

/** The fields of an `ExecCredential` this client reads. */
export interface ExecCredentialFields {
  apiVersion: string;
  status?:
    | {
        token?: string | undefined;
        clientCertificateData?: string | undefined;
        clientKeyData?: string | undefined;
        expirationTimestamp?: string | undefined;
      }
    | null
    | undefined;
}

const STATUS_FIELDS = ['token', 'clientCertificateData', 'clientKeyData', 'expirationTimestamp'] as const;

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a plugin's parsed output as an `ExecCredential`: `apiVersion` (a string), `kind` (`ExecCredential` or
 * absent), `status` (a map or absent) with optional string fields `token`, `clientCertificateData`,
 * `clientKeyData` and `expirationTimestamp`; other fields are ignored. On a problem, the path of the first
 * field in that order that has the wrong type or is missing (`[]`: the output is not a map).
 */
export function readExecCredential(
  json: unknown,
): { ok: true; value: ExecCredentialFields } | { ok: false; path: string[] } {
  if (!isMap(json)) return { ok: false, path: [] };
  const { apiVersion, kind, status } = json;
  if (typeof apiVersion !== 'string') return { ok: false, path: ['apiVersion'] };
  if (kind !== undefined && kind !== 'ExecCredential') return { ok: false, path: ['kind'] };
  if (status === undefined || status === null) return { ok: true, value: { apiVersion, status } };
  if (!isMap(status)) return { ok: false, path: ['status'] };
  const out: Record<string, string | undefined> = {};
  for (const field of STATUS_FIELDS) {
    const v = status[field];
    if (v !== undefined && typeof v !== 'string') return { ok: false, path: ['status', field] };
    out[field] = v;
  }
  return { ok: true, value: { apiVersion, status: out } };
}

const MAX_STDOUT = 1 << 20;
const MAX_STDERR = 16 << 10;

/** The last `lines` lines of `text`, trimmed. */
function tail(text: string, lines = 10): string | undefined {
  const all = text.trimEnd().split(/\r?\n/);
  const out = all.slice(-lines).join('\n').trim();
  return out === '' ? undefined : out;
}

/** Decides whether the plugin gets our stdin. @throws ExecCredentialError for `Always` without a TTY. */
export function isInteractive(config: ExecPluginConfig, isTTY: () => boolean): boolean {
  if (config.interactiveMode === 'Never') return false;
  const tty = isTTY();
  if (config.interactiveMode === 'Always' && !tty) {
    throw new ExecCredentialError(
      `exec plugin "${basename(config.command)}" needs an interactive terminal (interactiveMode: Always), but standard input is not a terminal`,
      { command: basename(config.command) },
    );
  }
  return tty;
}

function parseOutput(
  stdout: string,
  config: ExecPluginConfig,
  name: string,
  owner: SecretOwner | undefined,
): ExecCredentialResult {
  const fail = (why: string): ExecCredentialError =>
    new ExecCredentialError(`exec plugin "${name}" returned an invalid ExecCredential: ${why}`, {
      command: name,
      exitCode: 0,
    });
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw fail('standard output is not JSON');
  }
  const parsed = readExecCredential(json);
  if (!parsed.ok) throw fail(`field ${parsed.path.join('.')} has the wrong type or is missing`);
  const cred = parsed.value;
  if (cred.apiVersion !== config.apiVersion) {
    throw fail(`apiVersion is "${cred.apiVersion}" but the kubeconfig asks for "${config.apiVersion}"`);
  }
  const status = cred.status;
  if (status == null) throw fail('it has no status');
  const { token, clientCertificateData: cert, clientKeyData: key } = status;
  registerSecret(token, owner);
  if (key !== undefined) registerSecret(key, owner);
  if ((cert === undefined || cert === '') !== (key === undefined || key === '')) {
    throw fail('status.clientCertificateData and status.clientKeyData must be set together');
  }
  if ((token === undefined || token === '') && (cert === undefined || cert === '')) {
    throw fail('status has neither a token nor a client certificate and key');
  }
  let expiresAt: number | undefined;
  if (status.expirationTimestamp !== undefined && status.expirationTimestamp !== '') {
    expiresAt = Date.parse(status.expirationTimestamp);
    if (Number.isNaN(expiresAt)) throw fail('status.expirationTimestamp is not an RFC 3339 time');
  }
  return {
    token: token === '' ? undefined : token,
    cert: cert === '' ? undefined : cert,
    key: key === '' ? undefined : key,
    expiresAt,
  };
}

/**
 * Runs the plugin once and returns its credential.
 * @throws ExecCredentialError with the command's base name, exit code and redacted stderr tail (never stdout).
 */
export function runExecPlugin(
  config: ExecPluginConfig,
  options: ExecRunOptions,
): Promise<ExecCredentialResult> {
  const name = basename(config.command);
  const isTTY = options.isTTY ?? (() => (process.stdin as { isTTY?: boolean }).isTTY === true);
  let interactive: boolean;
  try {
    interactive = isInteractive(config, isTTY);
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
  const env: NodeJS.ProcessEnv = { ...(options.baseEnv ?? process.env) };
  for (const { name: k, value } of config.env) env[k] = value;
  const spec: Record<string, unknown> = { interactive };
  if (config.cluster !== undefined) spec['cluster'] = config.cluster;
  env['KUBERNETES_EXEC_INFO'] = JSON.stringify({
    apiVersion: config.apiVersion,
    kind: 'ExecCredential',
    spec,
  });

  return new Promise<ExecCredentialResult>((resolvePromise, rejectPromise) => {
    let settled = false;
    let stdout = '';
    let stderr = '';
    // An interactive plugin stays in our process group: it needs the terminal (a background group cannot
    // read it). Every other plugin gets a group of its own, stopped as a whole.
    const ownGroup = !interactive && process.platform !== 'win32';
    // loaded on first use: most connections never run a plugin, and child_process costs a one-shot CLI start
    const { spawn } = process.getBuiltinModule('node:child_process');
    const child = spawn(config.command, config.args, {
      env,
      stdio: [interactive ? 'inherit' : 'ignore', 'pipe', 'pipe'],
      windowsHide: true,
      detached: ownGroup,
    });
    const pid = child.pid;
    if (ownGroup && pid !== undefined) trackGroup(pid);
    const stop = (): void => {
      if (ownGroup && pid !== undefined) killGroup(pid);
      else child.kill('SIGKILL');
    };
    const finish = (err: Error | undefined, value?: ExecCredentialResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // a plugin that failed or timed out takes whatever it started with it; a successful one is left alone
      if (pid !== undefined && liveGroups.delete(pid) && err !== undefined) killGroup(pid);
      if (err !== undefined) rejectPromise(err);
      else if (value !== undefined) resolvePromise(value);
    };
    const timer = setTimeout(() => {
      stop();
      finish(
        new ExecCredentialError(
          `exec plugin "${name}" did not finish within ${options.timeoutMs} ms and was stopped`,
          { command: name, stderrTail: tail(stderr) },
        ),
      );
    }, options.timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (stdout.length < MAX_STDOUT) stdout += chunk;
    });
    child.stderr.on('data', (chunk: string) => {
      if (interactive) process.stderr.write(chunk);
      stderr = (stderr + chunk).slice(-MAX_STDERR);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      const hint = config.installHint === undefined ? '' : `\n${config.installHint.trim()}`;
      const why =
        e.code === 'ENOENT'
          ? 'was not found (is it installed and on PATH?)'
          : e.code === 'EACCES'
            ? 'is not executable (permission denied)'
            : `could not be started (${e.code ?? e.message})`;
      finish(new ExecCredentialError(`exec plugin "${name}" ${why}${hint}`, { command: name }, { cause: e }));
    });
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      if (code !== 0) {
        const stderrTail = tail(stderr);
        const how = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with code ${code}`;
        finish(
          new ExecCredentialError(
            // The plugin's output stays out of the message (it may hold secrets no pattern knows):
            // `stderrTail` carries it, redacted, for callers that choose to show it.
            `exec plugin "${name}" ${how}${stderrTail === undefined ? '' : ' (its stderr is in stderrTail)'}`,
            { command: name, exitCode: code ?? undefined, stderrTail },
          ),
        );
        return;
      }
      try {
        finish(undefined, parseOutput(stdout, config, name, options.secretOwner));
      } catch (e) {
        finish(e as Error);
      }
    });
  });
}
