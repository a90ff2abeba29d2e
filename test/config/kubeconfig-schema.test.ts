import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import { checkKubeconfig, type KubeconfigObject } from '../../src/config/schema.js';

// The zod schema src/config/schema.ts was written from (it was the validator until the CLI stopped loading zod
// to read a kubeconfig). It is the oracle here: for every document, the hand-written validator gives the same
// value, or the same first issue (path, code, expected type, allowed values).

/** A string field; numbers are turned into strings as client-go's YAML→JSON conversion does. */
const str = z.union([z.string(), z.number().transform((n) => String(n))]);

/** A list that may be written as `null` or left empty (`users:`). */
function list<T extends z.ZodType>(item: T) {
  return z
    .array(item)
    .nullish()
    .transform((v) => v ?? []);
}

const clusterSchema = z.looseObject({
  server: str.optional(),
  'tls-server-name': str.optional(),
  'insecure-skip-tls-verify': z.boolean().optional(),
  'certificate-authority': str.optional(),
  'certificate-authority-data': str.optional(),
  'proxy-url': str.optional(),
  'disable-compression': z.boolean().optional(),
});
const execEnvSchema = z.looseObject({ name: str, value: str });
const execConfigSchema = z.looseObject({
  command: str,
  args: list(str).optional(),
  env: list(execEnvSchema).optional(),
  apiVersion: str.optional(),
  installHint: str.optional(),
  provideClusterInfo: z.boolean().optional(),
  interactiveMode: z.enum(['Never', 'IfAvailable', 'Always']).optional(),
});
const authInfoSchema = z.looseObject({
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
const contextSchema = z.looseObject({
  cluster: str.optional(),
  user: str.optional(),
  namespace: str.optional(),
});
const kubeconfigSchema = z.looseObject({
  apiVersion: str.optional(),
  kind: str.optional(),
  clusters: list(z.looseObject({ name: str, cluster: clusterSchema.nullish() })),
  users: list(z.looseObject({ name: str, user: authInfoSchema.nullish() })),
  contexts: list(z.looseObject({ name: str, context: contextSchema.nullish() })),
  'current-context': str.optional(),
});

/** What zod says about `input`, in the validator's terms. */
function oracle(input: unknown): ReturnType<typeof checkKubeconfig> {
  const r = kubeconfigSchema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  if (issue === undefined) throw new Error('zod failed without an issue');
  return {
    ok: false,
    issue: {
      path: issue.path as Array<string | number>,
      code: issue.code as 'invalid_type',
      ...('expected' in issue ? { expected: issue.expected as 'object' } : {}),
      ...('values' in issue ? { values: issue.values as string[] } : {}),
    },
  };
}

/** Every kind of value a YAML or JSON document can hold where the schema expects something. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('Never', 'IfAvailable', 'Always', '', 'x'),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1e21),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), {
    maxKeys: 2,
  }),
);

/** A map with some of `fields` (each right, or any value) and maybe an unknown field. */
function mapOf(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const record = fc.record(
    {
      ...Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, fc.oneof(v, anyValue)])),
      extra: anyValue,
    },
    { requiredKeys: [] },
  );
  return fc.oneof({ weight: 6, arbitrary: record }, { weight: 1, arbitrary: anyValue });
}

const strLike = fc.oneof(fc.string({ maxLength: 5 }), fc.integer());
const listOf = (item: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(fc.array(item, { maxLength: 3 }), fc.constant(null));
const cluster = mapOf({
  server: strLike,
  'tls-server-name': strLike,
  'insecure-skip-tls-verify': fc.boolean(),
  'certificate-authority': strLike,
  'certificate-authority-data': strLike,
  'proxy-url': strLike,
  'disable-compression': fc.boolean(),
});
const exec = mapOf({
  command: strLike,
  args: listOf(strLike),
  env: listOf(mapOf({ name: strLike, value: strLike })),
  apiVersion: strLike,
  installHint: strLike,
  provideClusterInfo: fc.boolean(),
  interactiveMode: fc.constantFrom('Never', 'IfAvailable', 'Always'),
});
const user = mapOf({
  'client-certificate': strLike,
  'client-certificate-data': strLike,
  'client-key': strLike,
  'client-key-data': strLike,
  token: strLike,
  tokenFile: strLike,
  as: strLike,
  'as-uid': strLike,
  'as-groups': listOf(strLike),
  'as-user-extra': fc.dictionary(fc.string({ maxLength: 3 }), listOf(strLike), { maxKeys: 2 }),
  username: strLike,
  password: strLike,
  'auth-provider': mapOf({ name: strLike }),
  exec,
});
const context = mapOf({ cluster: strLike, user: strLike, namespace: strLike });
const document = mapOf({
  apiVersion: strLike,
  kind: strLike,
  clusters: listOf(mapOf({ name: strLike, cluster })),
  users: listOf(mapOf({ name: strLike, user })),
  contexts: listOf(mapOf({ name: strLike, context })),
  'current-context': strLike,
});

describe('checkKubeconfig', () => {
  it('agrees with the zod schema on every document: the same value or the same first issue', () => {
    fc.assert(
      fc.property(document, (doc) => {
        expect(checkKubeconfig(doc)).toStrictEqual(oracle(doc));
      }),
      { numRuns: 3_000 },
    );
  });

  it('agrees with the zod schema on documents that are right but for one field', () => {
    const good = {
      apiVersion: 'v1',
      clusters: [{ name: 'c', cluster: { server: 'https://h', 'insecure-skip-tls-verify': true } }],
      users: [
        {
          name: 'u',
          user: { token: 't', exec: { command: 'c', args: ['a'], env: [{ name: 'n', value: 1 }] } },
        },
      ],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    };
    const paths: Array<Array<string | number>> = [
      ['apiVersion'],
      ['clusters'],
      ['clusters', 0],
      ['clusters', 0, 'name'],
      ['clusters', 0, 'cluster'],
      ['clusters', 0, 'cluster', 'insecure-skip-tls-verify'],
      ['users', 0, 'user', 'exec'],
      ['users', 0, 'user', 'exec', 'command'],
      ['users', 0, 'user', 'exec', 'args', 0],
      ['users', 0, 'user', 'exec', 'env', 0, 'value'],
      ['contexts', 0, 'context', 'user'],
    ];
    fc.assert(
      fc.property(fc.constantFrom(...paths), anyValue, (path, replacement) => {
        const doc = structuredClone(good) as Record<string | number, unknown>;
        let at = doc;
        for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
        at[path.at(-1) ?? ''] = replacement;
        expect(checkKubeconfig(doc)).toStrictEqual(oracle(doc));
      }),
      { numRuns: 1_000 },
    );
  });

  it('reads numbers as strings, missing lists as [] and keeps unknown fields, like the schema', () => {
    const r = checkKubeconfig({ users: [{ name: 7, user: { password: 1234, extra: { a: 1 } } }], x: true });
    expect(r).toStrictEqual({
      ok: true,
      value: {
        users: [{ name: '7', user: { password: '1234', extra: { a: 1 } } }],
        clusters: [],
        contexts: [],
        x: true,
      },
    });
    expect(r).toStrictEqual(
      oracle({ users: [{ name: 7, user: { password: 1234, extra: { a: 1 } } }], x: true }),
    );
  });

  it('keeps a field named __proto__ as a plain field and never changes the prototype of what it returns', () => {
    const input = JSON.parse('{"clusters": [], "__proto__": {"polluted": true}}') as unknown;
    const r = checkKubeconfig(input);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Object.getPrototypeOf(r.value)).toBe(Object.prototype);
    expect((r.value as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(r.value, '__proto__')?.value).toEqual({ polluted: true });
  });

  it('has the zod schema’s type', () => {
    expectTypeOf<z.output<typeof kubeconfigSchema>>().toEqualTypeOf<KubeconfigObject>();
  });
});
