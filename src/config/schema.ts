/**
 * Zod schemas of the kubeconfig format (`clientcmd/api/v1`), lenient where kubectl is: unknown fields
 * are kept, lists may be `null`, and numbers are accepted where a string is expected (YAML `password: 1234`).
 */
import * as z from 'zod';

/** A string field; numbers are turned into strings as client-go's YAML→JSON conversion does. */
const str = z.union([z.string(), z.number().transform((n) => String(n))]);

/** A list that may be written as `null` or left empty (`users:`). */
function list<T extends z.ZodType>(item: T) {
  return z
    .array(item)
    .nullish()
    .transform((v) => v ?? []);
}

/** `clusters[].cluster`. */
export const clusterSchema = z.looseObject({
  server: str.optional(),
  'tls-server-name': str.optional(),
  'insecure-skip-tls-verify': z.boolean().optional(),
  'certificate-authority': str.optional(),
  'certificate-authority-data': str.optional(),
  'proxy-url': str.optional(),
  'disable-compression': z.boolean().optional(),
});

/** `users[].user.exec.env[]`. */
const execEnvSchema = z.looseObject({ name: str, value: str });

/** `users[].user.exec`: an exec credential plugin. */
export const execConfigSchema = z.looseObject({
  command: str,
  args: list(str).optional(),
  env: list(execEnvSchema).optional(),
  apiVersion: str.optional(),
  installHint: str.optional(),
  provideClusterInfo: z.boolean().optional(),
  interactiveMode: z.enum(['Never', 'IfAvailable', 'Always']).optional(),
});

/** `users[].user`. */
export const authInfoSchema = z.looseObject({
  'client-certificate': str.optional(),
  'client-certificate-data': str.optional(),
  'client-key': str.optional(),
  'client-key-data': str.optional(),
  token: str.optional(),
  tokenFile: str.optional(),
  as: str.optional(),
  'as-uid': str.optional(),
  'as-groups': list(str).optional(),
  'as-user-extra': z.record(z.string(), list(str)).nullish(),
  username: str.optional(),
  password: str.optional(),
  'auth-provider': z.looseObject({ name: str }).nullish(),
  exec: execConfigSchema.nullish(),
});

/** `contexts[].context`. */
export const contextSchema = z.looseObject({
  cluster: str.optional(),
  user: str.optional(),
  namespace: str.optional(),
});

/** A whole kubeconfig document. */
export const kubeconfigSchema = z.looseObject({
  apiVersion: str.optional(),
  kind: str.optional(),
  clusters: list(z.looseObject({ name: str, cluster: clusterSchema.nullish() })),
  users: list(z.looseObject({ name: str, user: authInfoSchema.nullish() })),
  contexts: list(z.looseObject({ name: str, context: contextSchema.nullish() })),
  'current-context': str.optional(),
});

/** A kubeconfig cluster entry (`clusters[].cluster`). */
export type KubeconfigCluster = z.infer<typeof clusterSchema>;
/** A kubeconfig user entry (`users[].user`). */
export type KubeconfigUser = z.infer<typeof authInfoSchema>;
/** An exec credential plugin configuration (`users[].user.exec`). */
export type KubeconfigExec = z.infer<typeof execConfigSchema>;
/** A kubeconfig context entry (`contexts[].context`). */
export type KubeconfigContext = z.infer<typeof contextSchema>;
/** A validated kubeconfig document. */
export type KubeconfigObject = z.infer<typeof kubeconfigSchema>;
