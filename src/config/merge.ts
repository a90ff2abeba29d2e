/**
 * Finding and merging kubeconfig files with client-go's rules (`tools/clientcmd/loader.go`):
 * - an explicit path is the only file and must exist;
 * - otherwise `$KUBECONFIG` (split on the OS path delimiter, duplicates dropped) where missing files are
 *   ignored; when `$KUBECONFIG` is unset or empty, `~/.kube/config` (may be missing);
 * - for clusters, users and contexts the first file that defines a name wins (whole entry);
 * - `current-context` comes from the first file that sets it;
 * - relative file references are resolved against the directory of the file that defines them.
 */
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { KubeconfigError } from '../errors.js';
import { registerSecret } from '../redact.js';
import { ioReason } from './material.js';
import { readKubeconfigFile, validateKubeconfig } from './parse.js';
import type { KubeconfigCluster, KubeconfigContext, KubeconfigObject, KubeconfigUser } from './schema.js';

/** Environment used to find kubeconfig files. Defaults to `process.env`. */
export interface KubeconfigEnv {
  /** `$KUBECONFIG`: files separated by the OS path delimiter (`:` on POSIX). */
  KUBECONFIG?: string | undefined;
  /** Home directory for the `~/.kube/config` fallback. @default `os.homedir()` */
  HOME?: string | undefined;
}

/** A named kubeconfig entry and where it came from, for error messages. */
export interface KubeconfigEntry<T> {
  /** Entry name (`clusters[].name`…). */
  name: string;
  /** The entry's body, with relative paths already resolved. */
  value: T;
  /** The file that defined it; undefined for an in-memory kubeconfig. */
  file: string | undefined;
  /** Field prefix for messages, e.g. `users[1].user`. */
  field: string;
}

/** The merged view of one or more kubeconfig files. */
export interface MergedKubeconfig {
  /** Files that were read (in precedence order); empty for an in-memory kubeconfig or when none exist. */
  files: string[];
  /** Files that were looked for but do not exist. */
  missing: string[];
  /** Clusters by name. */
  clusters: Map<string, KubeconfigEntry<KubeconfigCluster>>;
  /** Users by name. */
  users: Map<string, KubeconfigEntry<KubeconfigUser>>;
  /** Contexts by name. */
  contexts: Map<string, KubeconfigEntry<KubeconfigContext>>;
  /** `current-context` of the first file that sets one. */
  currentContext: string | undefined;
  /** The file that set {@link MergedKubeconfig.currentContext}. */
  currentContextFile: string | undefined;
}

/** The files client-go would read, in precedence order, and whether they are mandatory. */
export function kubeconfigPaths(
  explicit: string | undefined,
  env: KubeconfigEnv = process.env,
): { paths: string[]; explicit: boolean } {
  if (explicit !== undefined && explicit !== '') return { paths: [resolve(explicit)], explicit: true };
  const list = env.KUBECONFIG ?? '';
  if (list !== '') {
    const seen = new Set<string>();
    for (const p of list.split(delimiter)) {
      if (p !== '') seen.add(resolve(p));
    }
    return { paths: [...seen], explicit: false };
  }
  const home = env.HOME ?? homedir();
  return { paths: [join(home, '.kube', 'config')], explicit: false };
}

function resolveRef(value: string | undefined, base: string | undefined): string | undefined {
  if (value === undefined || value === '' || base === undefined || isAbsolute(value)) return value;
  return join(base, value);
}

function resolvePaths(config: KubeconfigObject, file: string | undefined): KubeconfigObject {
  const base = file === undefined ? undefined : dirname(file);
  if (base === undefined) return config;
  return {
    ...config,
    clusters: config.clusters.map((c) =>
      c.cluster == null
        ? c
        : {
            ...c,
            cluster: {
              ...c.cluster,
              'certificate-authority': resolveRef(c.cluster['certificate-authority'], base),
            },
          },
    ),
    users: config.users.map((u) => {
      if (u.user == null) return u;
      const user = { ...u.user };
      user['client-certificate'] = resolveRef(user['client-certificate'], base);
      user['client-key'] = resolveRef(user['client-key'], base);
      user.tokenFile = resolveRef(user.tokenFile, base);
      if (user.exec != null && (user.exec.command.includes(sep) || user.exec.command.includes('/'))) {
        user.exec = { ...user.exec, command: resolveRef(user.exec.command, base) ?? '' };
      }
      return { ...u, user };
    }),
  };
}

function addEntries<T>(
  target: Map<string, KubeconfigEntry<T>>,
  items: ReadonlyArray<{ name: string; body: T }>,
  kind: { list: string; key: string },
  file: string | undefined,
): void {
  const local = new Set<string>();
  items.forEach((item, i) => {
    if (local.has(item.name)) {
      throw new KubeconfigError(
        `Invalid kubeconfig${file === undefined ? '' : ` ${file}`}: ${kind.list}[${i}] repeats the name "${item.name}" (names must be unique within a file)`,
        { file, field: `${kind.list}[${i}].name` },
      );
    }
    local.add(item.name);
    if (!target.has(item.name)) {
      target.set(item.name, {
        name: item.name,
        value: item.body,
        file,
        field: `${kind.list}[${i}].${kind.key}`,
      });
    }
  });
}

function emptyMerged(): MergedKubeconfig {
  return {
    files: [],
    missing: [],
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
    currentContext: undefined,
    currentContextFile: undefined,
  };
}

/** Merges one validated document into `into` with first-wins semantics. */
function mergeInto(into: MergedKubeconfig, doc: KubeconfigObject, file: string | undefined): void {
  for (const u of doc.users) {
    registerSecret(u.user?.token);
    registerSecret(u.user?.password);
    registerSecret(u.user?.['client-key-data']);
  }
  const config = resolvePaths(doc, file);
  addEntries(
    into.clusters,
    config.clusters.map((c) => ({ name: c.name, body: c.cluster ?? {} })),
    { list: 'clusters', key: 'cluster' },
    file,
  );
  addEntries(
    into.users,
    config.users.map((u) => ({ name: u.name, body: u.user ?? {} })),
    { list: 'users', key: 'user' },
    file,
  );
  addEntries(
    into.contexts,
    config.contexts.map((c) => ({ name: c.name, body: c.context ?? {} })),
    { list: 'contexts', key: 'context' },
    file,
  );
  const current = config['current-context'];
  if (into.currentContext === undefined && current !== undefined && current !== '') {
    into.currentContext = current;
    into.currentContextFile = file;
  }
}

function isMissing(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Loads and merges kubeconfig(s) like kubectl: an explicit path or parsed object, else `$KUBECONFIG`, else
 * `~/.kube/config`. Returns an empty merge (no files) when none of the default files exists.
 * @throws KubeconfigError for a missing explicit file, unreadable files, YAML and schema errors.
 */
export function loadKubeconfig(
  source?: string | Record<string, unknown>,
  env: KubeconfigEnv = process.env,
): MergedKubeconfig {
  const merged = emptyMerged();
  if (source !== undefined && typeof source !== 'string') {
    mergeInto(merged, validateKubeconfig(source), undefined);
    return merged;
  }
  const { paths, explicit } = kubeconfigPaths(source, env);
  for (const file of paths) {
    let doc: KubeconfigObject;
    try {
      doc = readKubeconfigFile(file);
    } catch (e) {
      if (e instanceof KubeconfigError) throw e;
      if (isMissing(e) && !explicit) {
        merged.missing.push(file);
        continue;
      }
      throw new KubeconfigError(`Cannot read kubeconfig ${file}: ${ioReason(e)}`, { file }, { cause: e });
    }
    merged.files.push(file);
    mergeInto(merged, doc, file);
  }
  return merged;
}
