/**
 * The generated guards (src/kcp/guards.generated.ts) against zod, the oracle they are compiled from: for every
 * schema of src/kcp, on generated valid objects and on mutations of them, a guard accepts exactly what zod
 * accepts (apart from objects with an own `__proto__` key, which zod rewrites and the guard hands to zod), and
 * what it accepts is deep-equal to zod's output. `FUZZ_RUNS` (npm run fuzz) raises the number of cases.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  GENERATED_PATH,
  GUARDED_MODULES,
  generateGuards,
  guardBody,
  guardName,
} from '../../scripts/gen-guards.js';
import { isDecodeError } from '../../src/errors.js';
import { decodeListPage, decodeResponse, identityProblem } from '../../src/http/decode.js';
import { APIBINDINGS_V1ALPHA1, APIBINDINGS_V1ALPHA2 } from '../../src/kcp/apibinding.js';
import { APIEXPORTS_V1ALPHA1, APIEXPORTS_V1ALPHA2 } from '../../src/kcp/apiexport.js';
import { APIEXPORTENDPOINTSLICES } from '../../src/kcp/apiexportendpointslice.js';
import { SELFSUBJECTACCESSREVIEWS } from '../../src/kcp/access-review.js';
import { APIRESOURCESCHEMAS } from '../../src/kcp/apiresourceschema.js';
import { decodeObject } from '../../src/kcp/decode.js';
import { guardOf } from '../../src/kcp/guards.js';
import * as generated from '../../src/kcp/guards.generated.js';
import { LEASES } from '../../src/kcp/lease.js';
import { PARTITIONS } from '../../src/kcp/partition.js';
import { apiVersionOf, type ResourceDescriptor } from '../../src/kcp/resource.js';
import { SHARDS } from '../../src/kcp/shard.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 150);
const TIMEOUT = RUNS > 150 ? 600_000 : 30_000;

type Schema = z.core.$ZodType;
interface Def {
  type: string;
  shape?: Record<string, Schema>;
  innerType?: Schema;
  element?: Schema;
  valueType?: Schema;
  options?: Schema[];
  entries?: Record<string, unknown>;
  values?: unknown[];
}
const defOf = (s: Schema): Def => s._zod.def;

/** Every exported schema of the guarded modules with its generated guard. */
const schemas: Array<{ name: string; schema: Schema; guard: (v: unknown) => boolean }> = [];
for (const module of GUARDED_MODULES) {
  const exports = (await import(`../../src/kcp/${module}.ts`)) as Record<string, unknown>;
  for (const [name, value] of Object.entries(exports)) {
    if (!name.endsWith('Schema') || typeof value !== 'object' || value === null || !('_zod' in value))
      continue;
    const guard = (generated as Record<string, unknown>)[guardName(name)];
    if (typeof guard !== 'function') throw new Error(`no generated guard for ${name}`);
    schemas.push({ name, schema: value as Schema, guard: guard as (v: unknown) => boolean });
  }
}

const DESCRIPTORS: Array<ResourceDescriptor<unknown>> = [
  APIEXPORTENDPOINTSLICES,
  APIEXPORTS_V1ALPHA1,
  APIEXPORTS_V1ALPHA2,
  APIBINDINGS_V1ALPHA1,
  APIBINDINGS_V1ALPHA2,
  PARTITIONS,
  APIRESOURCESCHEMAS,
  SELFSUBJECTACCESSREVIEWS,
  SHARDS,
  LEASES,
] as Array<ResourceDescriptor<unknown>>;

const HUGE = 'x'.repeat(200_000);
const text = fc.oneof(
  { weight: 8, arbitrary: fc.string({ maxLength: 12 }) },
  fc.constant(HUGE),
  fc.constant(''),
);

/** Values zod accepts for `schema`, read from its definition (loose objects get extra unknown keys). */
function valid(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      return text;
    case 'number':
      return fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    case 'boolean':
      return fc.boolean();
    case 'unknown':
      return depth > 4 ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 });
    case 'literal':
      return fc.constantFrom(...(def.values ?? []));
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries ?? {}));
    case 'optional':
      return fc.oneof({ weight: 4, arbitrary: valid(def.innerType!, depth) }, fc.constant(undefined));
    case 'nullable':
      return fc.oneof({ weight: 4, arbitrary: valid(def.innerType!, depth) }, fc.constant(null));
    case 'union':
      return fc.oneof(...(def.options ?? []).map((o) => valid(o, depth)));
    case 'array':
      return fc.array(valid(def.element!, depth + 1), { maxLength: depth > 3 ? 0 : 3 });
    case 'record':
      return fc.dictionary(fc.string({ maxLength: 8 }), valid(def.valueType!, depth + 1), {
        maxKeys: 3,
        noNullPrototype: true,
      });
    case 'object': {
      const shape = def.shape ?? {};
      const keys = Object.keys(shape);
      const required = keys.filter((k) => shape[k]!._zod.optin === undefined);
      const fields = fc.record(Object.fromEntries(keys.map((k) => [k, valid(shape[k]!, depth + 1)])), {
        requiredKeys: required,
      });
      const extra = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), {
        maxKeys: 2,
        noNullPrototype: true,
      });
      return fc.tuple(extra, fields).map(([more, own]) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(more)) if (!(k in shape) && k !== '__proto__') out[k] = v;
        return Object.assign(out, own);
      });
    }
    default:
      throw new Error(`no arbitrary for a ${def.type} schema`);
  }
}

/** A deep copy that keeps own `__proto__` keys as data properties. */
function clone(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clone);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    Object.defineProperty(out, k, {
      value: clone((v as Record<string, unknown>)[k]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Every container (object or array) inside `v`, `v` first. */
function containers(v: unknown, out: Array<Record<string, unknown> | unknown[]> = []): typeof out {
  if (typeof v !== 'object' || v === null) return out;
  out.push(v as Record<string, unknown>);
  for (const child of Object.values(v)) containers(child, out);
  return out;
}

const REPLACEMENTS = fc.oneof(
  fc.constantFrom<unknown>(null, undefined, 0, 1.5, NaN, Infinity, -Infinity, true, '', HUGE, [], {}, ['a'], {
    a: 1,
  }),
  fc.jsonValue({ maxDepth: 2 }),
);

type Mutation = {
  kind: 'delete' | 'replace' | 'wrap' | 'proto' | 'add';
  at: number;
  key: number;
  value: unknown;
};

/** Applies a mutation to a copy of `v`: at the `at`-th container, on its `key`-th key. */
function mutate(v: unknown, m: Mutation): unknown {
  const root = clone(v);
  const all = containers(root);
  if (all.length === 0) return m.value;
  const target = all[m.at % all.length]!;
  const keys = Object.keys(target);
  const key = keys.length === 0 ? undefined : keys[m.key % keys.length];
  const set = (k: string, value: unknown): void => {
    Object.defineProperty(target, k, { value, enumerable: true, writable: true, configurable: true });
  };
  switch (m.kind) {
    case 'delete':
      if (key !== undefined) {
        if (Array.isArray(target)) target.splice(Number(key), 1);
        else Reflect.deleteProperty(target, key);
      }
      break;
    case 'replace':
      if (key !== undefined) set(key, m.value);
      break;
    case 'wrap':
      if (key !== undefined) set(key, [(target as Record<string, unknown>)[key]]);
      break;
    case 'proto':
      if (!Array.isArray(target)) set('__proto__', m.value);
      break;
    case 'add':
      if (!Array.isArray(target)) set(`extra${m.key}`, m.value);
      break;
  }
  return root;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('delete', 'replace', 'replace', 'wrap', 'proto', 'add'),
  at: fc.nat(),
  key: fc.nat(),
  value: REPLACEMENTS,
});

/** True when some container of `v` has an own `__proto__` key. */
function hasOwnProto(v: unknown): boolean {
  return containers(v).some((c) => !Array.isArray(c) && Object.hasOwn(c, '__proto__'));
}

/** Structural equality that also compares key sets (an own key set to `undefined` is not an absent key). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The guard's answer checked against zod's for one value. */
function agrees(schema: Schema, guard: (v: unknown) => boolean, value: unknown): void {
  const parsed = (schema as z.ZodType).safeParse(value);
  const accepted = guard(value);
  if (accepted) {
    expect(parsed.success).toBe(true);
    expect(same(value, parsed.data)).toBe(true);
  } else if (!hasOwnProto(value)) {
    expect(parsed.success).toBe(false);
  }
}

describe('generated guards', () => {
  it('are what scripts/gen-guards.ts writes today (run `npm run gen:guards` after changing a schema)', async () => {
    expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(await generateGuards());
  });

  it('exist for every schema of the kcp modules and for every descriptor of the package', () => {
    expect(schemas.length).toBeGreaterThan(20);
    for (const d of DESCRIPTORS) expect(guardOf(d), d.kind).toBeTypeOf('function');
    expect(guardOf({ ...APIEXPORTENDPOINTSLICES })).toBeUndefined();
  });

  it('accept every generated valid object unchanged, as zod does', { timeout: TIMEOUT }, () => {
    for (const { name, schema, guard } of schemas) {
      fc.assert(
        fc.property(valid(schema), (value) => {
          expect(guard(value), name).toBe(true);
          agrees(schema, guard, value);
        }),
        { numRuns: RUNS },
      );
    }
  });

  it(
    'accept a mutated object exactly when zod does, and then zod outputs that object',
    { timeout: TIMEOUT },
    () => {
      for (const { schema, guard } of schemas) {
        fc.assert(
          fc.property(valid(schema), fc.array(mutation, { minLength: 1, maxLength: 3 }), (value, ms) => {
            let v = value;
            for (const m of ms) v = mutate(v, m);
            agrees(schema, guard, v);
          }),
          { numRuns: RUNS },
        );
      }
    },
  );

  it('refuse an object with an own __proto__ key, which zod drops', () => {
    const value = JSON.parse(
      '{"metadata":{"name":"x","__proto__":{"polluted":true}},"spec":{"export":{"name":"e"}}}',
    );
    expect(generated.isApiExportEndpointSlice(value)).toBe(false);
    const decoded = decodeResponse(APIEXPORTENDPOINTSLICES, value, 'GET x');
    expect(Object.hasOwn(decoded.metadata, '__proto__')).toBe(false);
    expect(decoded).toEqual(APIEXPORTENDPOINTSLICES.schema.parse(value));
  });

  it('refuse NaN and infinite numbers like zod', () => {
    for (const generation of [NaN, Infinity, -Infinity]) {
      expect(generated.isObjectMeta({ name: 'x', generation })).toBe(false);
    }
    expect(generated.isObjectMeta({ name: 'x', generation: 1.5 })).toBe(true);
  });
});

describe('decoding with a guard', () => {
  const fixture = JSON.parse(
    readFileSync(
      new URL('../fixtures/kcp-v0.28.0/apiexportendpointslices-list.json', import.meta.url),
      'utf8',
    ),
  ) as { items: Array<{ metadata: { name: string } }> };

  it('keeps the parsed object of a valid response instead of a copy', () => {
    const item = fixture.items[0]!;
    expect(decodeResponse(APIEXPORTENDPOINTSLICES, item, 'GET x')).toBe(item);
    const page = decodeListPage(APIEXPORTENDPOINTSLICES, fixture, 'GET x');
    expect(page.items).toHaveLength(fixture.items.length);
    page.items.forEach((decoded, i) => {
      expect(decoded).toBe(fixture.items[i]);
    });
  });

  it('fails with the message zod words, for every descriptor and mutation', { timeout: TIMEOUT }, () => {
    for (const desc of DESCRIPTORS) {
      fc.assert(
        fc.property(valid(desc.schema as Schema), mutation, (value, m) => {
          const v = mutate(value, m);
          let ours: unknown;
          let oursError: unknown;
          try {
            ours = decodeResponse(desc, v, 'GET x');
          } catch (e) {
            oursError = e;
          }
          let zods: unknown;
          let zodError: unknown;
          // a wrong kind or apiVersion fails before the schema: not a guard matter
          if (identityProblem(v, desc.kind, apiVersionOf(desc)) !== undefined) return;
          try {
            zods = decodeObject(desc.schema, v, desc.kind, { context: 'GET x', snippet: JSON.stringify(v) });
          } catch (e) {
            zodError = e;
          }
          if (zodError === undefined) {
            expect(oursError).toBeUndefined();
            expect(same(ours, zods)).toBe(true);
          } else {
            expect(isDecodeError(oursError)).toBe(true);
            expect((oursError as Error).message).toBe((zodError as Error).message);
          }
        }),
        { numRuns: RUNS },
      );
    }
  });
});

describe('the guard generator', () => {
  it('refuses what a guard that keeps the object cannot reproduce', () => {
    expect(() => guardBody(z.looseObject({ a: z.string().min(1) }))).toThrow(/checks on a string at a/);
    expect(() => guardBody(z.looseObject({ a: z.string().transform((s) => s.length) }))).toThrow(/a pipe/);
    expect(() => guardBody(z.looseObject({ a: z.string().default('x') }))).toThrow(/a default/);
    expect(() => guardBody(z.object({ a: z.string() }))).toThrow(/not loose/);
    expect(() => guardBody(z.looseObject({ a: z.number().int() }))).toThrow(/checks on a number/);
    expect(() => guardBody(z.looseObject({ a: z.coerce.string() }))).toThrow(/coercion/);
  });

  it('compiles nullish, unions of strings and records into plain checks', () => {
    const body = guardBody(
      z.looseObject({
        a: z.string().nullish(),
        b: z.enum(['x']).or(z.string()),
        c: z.record(z.string(), z.string()),
      }),
    ).join('\n');
    expect(body).toContain("v1 !== undefined && v1 !== null && typeof v1 !== 'string'");
    expect(body).toContain(`typeof value["b"] !== 'string'`);
    expect(body).toContain('for (const');
  });
});
