/**
 * Generates `src/kcp/guards.generated.ts`: one plain-JavaScript guard per zod schema of `src/kcp/`, compiled
 * from the schema's definition. A guard answers in one pass, without copying, whether zod would accept a JSON
 * value *and* output a value deep-equal to it; the decoders then keep the parsed object and call zod only to
 * word an error (or for the rare value zod would change, such as an object with an own `__proto__` key).
 *
 * Only what the kcp schemas use is supported: loose objects (`z.looseObject`), strings, finite numbers,
 * booleans, literals, enums, unions, arrays, string-keyed records, `unknown`, `optional`, `nullable` and
 * `nullish`. Anything else (a check such as `.min()`, a transform, a default, a strict or stripping object…)
 * stops the generator with the schema and path, since a guard that keeps the object cannot reproduce what zod
 * would output there.
 *
 * `npm run gen:guards` rewrites the file; `test/kcp/guards.test.ts` fails when it is out of date.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import type { z } from 'zod';

/** The modules whose exported zod schemas get a guard, relative to `src/kcp/`. */
export const GUARDED_MODULES = [
  'meta',
  'labels',
  'endpoint',
  'apiexportendpointslice',
  'apiexport',
  'apibinding',
  'partition',
  'apiresourceschema',
  'access-review',
  'shard',
  'lease',
  'exported',
] as const;

/** The modules themselves (static imports, so that bundlers and vitest can follow them). */
const MODULES: Record<(typeof GUARDED_MODULES)[number], () => Promise<Record<string, unknown>>> = {
  meta: () => import('../src/kcp/meta.js'),
  labels: () => import('../src/kcp/labels.js'),
  endpoint: () => import('../src/kcp/endpoint.js'),
  apiexportendpointslice: () => import('../src/kcp/apiexportendpointslice.js'),
  apiexport: () => import('../src/kcp/apiexport.js'),
  apibinding: () => import('../src/kcp/apibinding.js'),
  partition: () => import('../src/kcp/partition.js'),
  apiresourceschema: () => import('../src/kcp/apiresourceschema.js'),
  'access-review': () => import('../src/kcp/access-review.js'),
  shard: () => import('../src/kcp/shard.js'),
  lease: () => import('../src/kcp/lease.js'),
  exported: () => import('../src/kcp/exported.js'),
};

/** Where the generated file lives. */
export const GENERATED_PATH = fileURLToPath(new URL('../src/kcp/guards.generated.ts', import.meta.url));

/** The part of a zod definition the generator reads. */
interface Def {
  type: string;
  checks?: readonly unknown[];
  coerce?: boolean;
  shape?: Readonly<Record<string, Schema>>;
  catchall?: Schema;
  innerType?: Schema;
  element?: Schema;
  keyType?: Schema;
  valueType?: Schema;
  options?: readonly Schema[];
  entries?: Readonly<Record<string, unknown>>;
  values?: readonly unknown[];
}

type Schema = z.core.$ZodType;

function defOf(schema: Schema): Def {
  return schema._zod.def;
}

/** A schema that is exported by a kcp module: its guard's name and where it comes from. */
interface Named {
  exportName: string;
  module: string;
  guard: string;
}

/** `apiExportEndpointSliceSchema` → `isApiExportEndpointSlice`. */
export function guardName(exportName: string): string {
  const base = exportName.replace(/Schema$/, '');
  return `is${base.charAt(0).toUpperCase()}${base.slice(1)}`;
}

function isSchema(value: unknown): value is Schema {
  if (typeof value !== 'object' || value === null || !('_zod' in value)) return false;
  const internals = value._zod;
  return typeof internals === 'object' && internals !== null && 'def' in internals;
}

class Unsupported extends Error {}

/** A failure test: a boolean expression over `expr` that is true when the value fails the schema. */
type Fails = (expr: string) => string;

/** `never` fails: the schema accepts anything (`unknown`). */
const NEVER = 'never';

/** Emits the statements of one guard body; every failing check is `return false`. */
class Emitter {
  private lines: string[] = [];
  private counter = 0;

  constructor(
    private readonly names: ReadonlyMap<Schema, Named>,
    private readonly root: Schema,
  ) {}

  body(): string[] {
    this.lines = [];
    this.counter = 0;
    this.structured(this.root, 'value', []);
    this.lines.push('return true;');
    return this.lines;
  }

  private fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix}${this.counter}`;
  }

  private unsupported(what: string, path: readonly string[]): never {
    throw new Unsupported(`${what} at ${path.length === 0 ? '(root)' : path.join('.')}`);
  }

  /** The guard to call for a named schema other than the one being generated. */
  private named(schema: Schema): Named | undefined {
    return schema === this.root ? undefined : this.names.get(schema);
  }

  /** The definition of `schema`, refusing checks and coercion (the guard does not run them). */
  private def(schema: Schema, path: readonly string[]): Def {
    const def = defOf(schema);
    if (def.checks !== undefined && def.checks.length > 0) this.unsupported(`checks on a ${def.type}`, path);
    if (def.coerce === true) this.unsupported(`coercion of a ${def.type}`, path);
    return def;
  }

  /**
   * Peels `optional`/`nullable` wrappers (not named ones): the values they let through without checking the
   * inner schema, and the inner schema.
   */
  private unwrap(schema: Schema, path: readonly string[]): { skip: string[]; inner: Schema } {
    const skip = new Set<string>();
    let inner = schema;
    for (;;) {
      if (this.named(inner) !== undefined) break;
      const def = this.def(inner, path);
      if (def.type !== 'optional' && def.type !== 'nullable') break;
      if (def.innerType === undefined) this.unsupported(`${def.type} without an inner type`, path);
      skip.add(def.type === 'optional' ? 'undefined' : 'null');
      inner = def.innerType;
    }
    return { skip: [...skip].sort().reverse(), inner };
  }

  /**
   * The failure test of a schema that needs no statements (a primitive, a literal, an enum, a union of those,
   * a named guard, each maybe optional or nullable), {@link NEVER} for one that accepts anything, or
   * `undefined` for a structured one.
   */
  private fails(schema: Schema, path: readonly string[]): Fails | typeof NEVER | undefined {
    const { skip, inner } = this.unwrap(schema, path);
    const test = this.bare(inner, path);
    if (test === undefined || test === NEVER || skip.length === 0) return test;
    return (e) => `${skip.map((s) => `${e} !== ${s}`).join(' && ')} && ${wrap(test(e))}`;
  }

  private bare(schema: Schema, path: readonly string[]): Fails | typeof NEVER | undefined {
    const named = this.named(schema);
    if (named !== undefined) return (e) => `!${named.guard}(${e})`;
    const def = this.def(schema, path);
    switch (def.type) {
      case 'unknown':
      case 'any':
        return NEVER;
      case 'string':
        return (e) => `typeof ${e} !== 'string'`;
      case 'boolean':
        return (e) => `typeof ${e} !== 'boolean'`;
      case 'number':
        // zod 4 rejects NaN and ±Infinity
        return (e) => `typeof ${e} !== 'number' || !Number.isFinite(${e})`;
      case 'literal':
      case 'enum': {
        const values = def.type === 'literal' ? (def.values ?? []) : Object.values(def.entries ?? {});
        if (!values.every((v) => typeof v === 'string' || typeof v === 'boolean' || v === null)) {
          this.unsupported(`a ${def.type} of other than strings, booleans and null`, path);
        }
        return (e) => values.map((v) => `${e} !== ${JSON.stringify(v)}`).join(' && ');
      }
      case 'union': {
        const options = def.options ?? [];
        // A bare string among string literals and enums: the union is a string (zod outputs the same string).
        const strings = options.map((o) => stringsOnly(o));
        if (strings.includes('any') && strings.every((s) => s !== 'no')) {
          return (e) => `typeof ${e} !== 'string'`;
        }
        const tests = options.map((o) => this.fails(o, path));
        if (tests.includes(NEVER)) return NEVER;
        if (tests.some((t) => t === undefined)) {
          this.unsupported('a union of structured schemas', path);
        }
        const fns = tests as Fails[];
        return (e) => fns.map((t) => wrap(t(e))).join(' && ');
      }
      default:
        return undefined;
    }
  }

  /** Statements that `return false` unless `expr` (an identifier of type unknown) passes `schema`. */
  private check(schema: Schema, expr: string, path: readonly string[]): void {
    const test = this.fails(schema, path);
    if (test === NEVER) return;
    if (test !== undefined) {
      this.lines.push(`if (${test(expr)}) return false;`);
      return;
    }
    const { skip, inner } = this.unwrap(schema, path);
    if (skip.length === 0) {
      this.structured(inner, expr, path);
      return;
    }
    const outer = this.lines;
    this.lines = [];
    this.structured(inner, expr, path);
    const body = this.lines;
    this.lines = outer;
    this.lines.push(`if (${skip.map((s) => `${expr} !== ${s}`).join(' && ')}) {`, ...body, '}');
  }

  /** Statements for an object, array or record (not optional, not named). */
  private structured(schema: Schema, expr: string, path: readonly string[]): void {
    const def = this.def(schema, path);
    switch (def.type) {
      case 'object': {
        const catchall = def.catchall === undefined ? undefined : defOf(def.catchall);
        if (catchall?.type !== 'unknown' && catchall?.type !== 'any') {
          this.unsupported('an object that is not loose (z.looseObject)', path);
        }
        this.lines.push(`if (!isObject(${expr})) return false;`);
        for (const [key, field] of Object.entries(def.shape ?? {})) {
          if (key === '__proto__' || key in Object.prototype) this.unsupported(`the key ${key}`, path);
          const fieldPath = [...path, key];
          const access = `${expr}[${JSON.stringify(key)}]`;
          const test = this.fails(field, fieldPath);
          if (test === NEVER) continue;
          if (test !== undefined && !test('x').includes('&&') && !test('x').includes('||')) {
            // one read of the field: no variable needed
            this.lines.push(`if (${test(access)}) return false;`);
            continue;
          }
          const v = this.fresh('v');
          this.lines.push(`const ${v} = ${access};`);
          this.check(field, v, fieldPath);
        }
        return;
      }
      case 'array': {
        if (def.element === undefined) this.unsupported('an array without an element type', path);
        this.lines.push(`if (!Array.isArray(${expr})) return false;`);
        const e = this.fresh('e');
        const outer = this.lines;
        this.lines = [];
        this.check(def.element, e, [...path, '[]']);
        const body = this.lines;
        this.lines = outer;
        if (body.length > 0)
          this.lines.push(`for (const ${e} of ${expr} as readonly unknown[]) {`, ...body, '}');
        return;
      }
      case 'record': {
        const key = def.keyType === undefined ? undefined : defOf(def.keyType);
        if (key?.type !== 'string' || (key.checks?.length ?? 0) > 0) {
          this.unsupported('a record whose keys are not z.string()', path);
        }
        if (def.valueType === undefined) this.unsupported('a record without a value type', path);
        this.lines.push(`if (!isObject(${expr})) return false;`);
        const k = this.fresh('k');
        const v = this.fresh('v');
        const outer = this.lines;
        this.lines = [];
        this.check(def.valueType, v, [...path, '{}']);
        const body = this.lines;
        this.lines = outer;
        if (body.length > 0) {
          this.lines.push(`for (const ${k} in ${expr}) {`, `const ${v} = ${expr}[${k}];`, ...body, '}');
        }
        return;
      }
      default:
        this.unsupported(`a ${def.type} schema`, path);
    }
  }
}

/** Parenthesises a compound test. */
function wrap(test: string): string {
  return test.includes('&&') || test.includes('||') ? `(${test})` : test;
}

/** Whether a union option is a bare string (`any`), only string values (`some`) or something else (`no`). */
function stringsOnly(schema: Schema): 'any' | 'some' | 'no' {
  const d = defOf(schema);
  if ((d.checks?.length ?? 0) > 0 || d.coerce === true) return 'no';
  if (d.type === 'string') return 'any';
  const values =
    d.type === 'literal' ? d.values : d.type === 'enum' ? Object.values(d.entries ?? {}) : undefined;
  return values?.every((v) => typeof v === 'string') === true ? 'some' : 'no';
}

/**
 * The statements of the guard of one schema (tests use it on schemas of their own); schemas in `names` are
 * checked by calling their guard.
 * @throws Error naming the construct and its path when no guard can keep the object (a check, a transform…).
 */
export function guardBody(schema: Schema, names: ReadonlyMap<Schema, Named> = new Map()): string[] {
  return new Emitter(names, schema).body();
}

/** The schemas of {@link GUARDED_MODULES}, in module order, each once (aliases point at the first name). */
async function collectSchemas(): Promise<{
  order: Array<{ schema: Schema; named: Named }>;
  aliases: Array<{ alias: Named; of: Named }>;
}> {
  const order: Array<{ schema: Schema; named: Named }> = [];
  const aliases: Array<{ alias: Named; of: Named }> = [];
  const seen = new Map<Schema, Named>();
  for (const module of GUARDED_MODULES) {
    const exports = await MODULES[module]();
    for (const [exportName, value] of Object.entries(exports).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!isSchema(value) || !exportName.endsWith('Schema')) continue;
      const named: Named = { exportName, module, guard: guardName(exportName) };
      const first = seen.get(value);
      if (first !== undefined) aliases.push({ alias: named, of: first });
      else {
        seen.set(value, named);
        order.push({ schema: value, named });
      }
    }
  }
  return { order, aliases };
}

const HEADER = `// Generated by scripts/gen-guards.ts from the zod schemas of src/kcp/ (npm run gen:guards). Do not edit:
// test/kcp/guards.test.ts fails when this file differs from what the generator writes.
//
// Each guard is true when zod would accept the value *and* output a value deep-equal to it (zod rebuilds
// every object it validates; the guard only reads). Exact on JSON values: an object with an own "__proto__"
// key, which zod would drop, makes the guard say false, and the decoder then asks zod. The imports are types
// only: this file loads no zod.
`;

const ISOBJECT = `/** A non-null, non-array object without an own \`__proto__\` key (zod's output would drop that key). */
function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Object.hasOwn(value, '__proto__');
}
`;

/** The source of `src/kcp/guards.generated.ts`, formatted with the repository's Prettier settings. */
export async function generateGuards(): Promise<string> {
  const { order, aliases } = await collectSchemas();
  const names = new Map(order.map(({ schema, named }) => [schema, named]));
  const imports = GUARDED_MODULES.map((module) => {
    const used = order.filter((o) => o.named.module === module).map((o) => o.named.exportName);
    return used.length === 0 ? '' : `import type { ${used.join(', ')} } from './${module}.js';`;
  }).filter((line) => line !== '');
  const parts = [HEADER, `import type { z } from 'zod';`, ...imports, '', ISOBJECT];
  for (const { schema, named } of order) {
    let body: string[];
    try {
      body = guardBody(schema, names);
    } catch (e) {
      if (e instanceof Unsupported) {
        throw new Error(
          `${named.exportName} (src/kcp/${named.module}.ts): no guard can keep the object for ${e.message}; ` +
            'extend scripts/gen-guards.ts or decode this schema with zod only',
          { cause: e },
        );
      }
      throw e;
    }
    parts.push(
      `/** True when \`${named.exportName}\` (src/kcp/${named.module}.ts) accepts \`value\` and outputs it unchanged. */`,
      `export function ${named.guard}(value: unknown): value is z.output<typeof ${named.exportName}> {`,
      ...body,
      '}',
      '',
    );
  }
  for (const { alias, of } of aliases) {
    parts.push(
      `/** \`${alias.exportName}\` (src/kcp/${alias.module}.ts) is \`${of.exportName}\`: see {@link ${of.guard}}. */`,
      `export const ${alias.guard} = ${of.guard};`,
      '',
    );
  }
  const options = (await resolveConfig(GENERATED_PATH)) ?? {};
  return format(parts.join('\n'), { ...options, filepath: GENERATED_PATH });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const next = await generateGuards();
  const current = await readFile(GENERATED_PATH, 'utf8').catch(() => '');
  if (current === next) process.stdout.write(`${GENERATED_PATH}: up to date\n`);
  else {
    await writeFile(GENERATED_PATH, next);
    process.stdout.write(`${GENERATED_PATH}: written\n`);
  }
}
