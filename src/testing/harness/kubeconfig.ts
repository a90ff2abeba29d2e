import { chmod, writeFile } from 'node:fs/promises';

/** Options of {@link KcpSimulator.kubeconfig}. */
export interface KubeconfigOptions {
  /** Write the kubeconfig to this file (mode 0600). */
  path?: string;
  /** Workspace the `current-context` points at (`<url>/clusters/<workspace>`). @default 'root' */
  workspace?: string;
  /** Bearer token of the user. @default the simulator's admin token */
  token?: string;
  /** Name of the context, cluster and user entries. @default 'root' when targeting root, else the path */
  contextName?: string;
}

/** A generated kubeconfig. */
export interface SimulatorKubeconfig {
  /** Where it was written, when a path was given. */
  path: string | undefined;
  /** The document as text (JSON, which every kubeconfig reader accepts as YAML). */
  text: string;
  /** The document as an object. */
  config: KubeconfigDocument;
}

/** The shape of a kubeconfig document as written by the simulator. */
export interface KubeconfigDocument {
  apiVersion: 'v1';
  kind: 'Config';
  'current-context': string;
  clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority-data'?: string } }>;
  users: Array<{ name: string; user: { token: string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
  preferences: Record<string, never>;
}

/** Builds (and optionally writes) a kubeconfig like kcp's admin.kubeconfig: `root` and `base` clusters. */
export async function buildKubeconfig(
  url: string,
  ca: string | undefined,
  defaultToken: string,
  options: KubeconfigOptions = {},
): Promise<SimulatorKubeconfig> {
  const workspace = options.workspace ?? 'root';
  const name = options.contextName ?? workspace;
  const caData =
    ca === undefined ? {} : { 'certificate-authority-data': Buffer.from(ca, 'utf8').toString('base64') };
  const clusters: KubeconfigDocument['clusters'] = [
    { name, cluster: { server: `${url}/clusters/${workspace}`, ...caData } },
  ];
  if (name !== 'base') clusters.push({ name: 'base', cluster: { server: url, ...caData } });
  const config: KubeconfigDocument = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': name,
    clusters,
    users: [{ name: 'kcp-admin', user: { token: options.token ?? defaultToken } }],
    contexts: [
      { name, context: { cluster: name, user: 'kcp-admin' } },
      ...(name !== 'base' ? [{ name: 'base', context: { cluster: 'base', user: 'kcp-admin' } }] : []),
    ],
    preferences: {},
  };
  const text = `${JSON.stringify(config, null, 2)}\n`;
  if (options.path !== undefined) {
    await writeFile(options.path, text, { mode: 0o600 });
    await chmod(options.path, 0o600);
  }
  return { path: options.path, text, config };
}
