import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

const require = createRequire(import.meta.url);
const packageDir = (name: string): string => dirname(require.resolve(`${name}/package.json`));

/**
 * rxjs from its ES module build: the default for Node is the CommonJS build, which esbuild can neither
 * tree-shake nor load lazily.
 */
const rxjsEsm: Plugin = {
  name: 'rxjs-esm',
  setup(build) {
    const entry = join(packageDir('rxjs'), 'dist/esm/index.js');
    build.onResolve({ filter: /^rxjs$/ }, () => ({ path: entry }));
  },
};

/**
 * What axios loads at start that the CLI never uses, replaced in the CLI bundle: the fetch adapter (it reads
 * `fetch`, `Request` and `Response` at import, which loads Node's undici), the `form-data` package (with
 * mime-db) and the import-time read of the global `FormData` (undici again); `follow-redirects` and
 * `https-proxy-agent` (with `debug`), unused because the transport sends every request with its own agents,
 * `maxRedirects: 0` and `proxy: false` for HTTPS (it tunnels through a proxy itself); Node's `http2`, loaded
 * on first use instead; and the `performance` clock (a global whose first read loads perf_hooks), for
 * `Date.now`, axios' own fallback. The transport always uses the http adapter and sends JSON text.
 * Each edit must match, so that an axios upgrade that moves the code fails the build instead of silently
 * keeping it; each stub of a dependency throws if it is ever reached.
 */
const axiosTrim: Plugin = {
  name: 'axios-trim',
  setup(build) {
    const lib = join(packageDir('axios'), 'lib');
    const unused = (what: string): string =>
      `() => { throw new Error('kcp-endpoints CLI: ${what} is not in the CLI bundle'); }`;
    const dependencyStubs: Record<string, string> = {
      'https-proxy-agent': `export default class HttpsProxyAgent { constructor() { (${unused('https-proxy-agent')})(); } }\n`,
      'follow-redirects': `const transport = { request: ${unused('follow-redirects')} };\nexport default { http: transport, https: transport };\n`,
      'form-data': 'export default null;\n',
      http2: [
        "const http2 = () => process.getBuiltinModule('node:http2');",
        'export default { get constants() { return http2().constants; }, connect: (...args) => http2().connect(...args) };',
        '',
      ].join('\n'),
    };
    const fileStubs = new Map([
      [
        join(lib, 'adapters/fetch.js'),
        'export const getFetch = () => undefined;\nexport default undefined;\n',
      ],
      [join(lib, 'platform/node/classes/FormData.js'), 'export default null;\n'],
    ]);
    const edits = new Map<string, Array<[string, string]>>([
      [
        join(lib, 'utils.js'),
        // isFormData still recognises a FormData by its tag ('[object FormData]')
        [
          [
            "const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;",
            'const FormDataCtor = undefined;',
          ],
        ],
      ],
      [
        join(lib, 'core/dispatchRequest.js'),
        [["return typeof performance !== 'undefined' && utils.isFunction(performance.now)", 'return false']],
      ],
    ]);
    const inAxios = (importer: string): boolean => importer.startsWith(lib);
    build.onResolve({ filter: /^(https-proxy-agent|follow-redirects|form-data|http2)$/ }, (args) =>
      inAxios(args.importer) ? { path: args.path, namespace: 'axios-trim' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'axios-trim' }, (args) => ({
      contents: dependencyStubs[args.path] ?? '',
      loader: 'js',
    }));
    build.onLoad({ filter: /[\\/]axios[\\/]lib[\\/].*\.js$/ }, (args) => {
      const stub = fileStubs.get(args.path);
      if (stub !== undefined) return { contents: stub, loader: 'js' };
      const fileEdits = edits.get(args.path);
      if (fileEdits === undefined) return undefined;
      let source = readFileSync(args.path, 'utf8');
      for (const [from, to] of fileEdits) {
        if (!source.includes(from)) throw new Error(`axios-trim: ${args.path} no longer contains ${from}`);
        source = source.replace(from, to);
      }
      return { contents: source, loader: 'js' };
    });
  },
};

/**
 * The simulator of `demo` is the library's own `dist/testing.cjs` (next to the CLI bundle), not a second copy
 * inside the bundle: the demo is not a cold start that matters.
 */
const simulatorFromLibrary: Plugin = {
  name: 'simulator-from-library',
  setup(build) {
    build.onResolve({ filter: /\/testing\/index\.js$/ }, (args) =>
      args.importer.endsWith(join('src', 'cli', 'commands', 'demo.ts'))
        ? { path: './testing.cjs', external: true }
        : undefined,
    );
  },
};

export default defineConfig([
  {
    entry: { index: 'src/index.ts', advanced: 'src/advanced.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node20',
    // One copy of each module across the entries (ESM and CommonJS each): `kcp-endpoints/advanced` and the
    // root share the error classes, the secret registry and the exec credential cache. No source maps: they
    // would double the package, and the unminified JS keeps every name.
    sourcemap: false,
    clean: true,
    splitting: true,
  },
  {
    // The simulator (`kcp-endpoints/testing`) ships once, as CommonJS: ES modules import it as well (Node
    // reads the names it exports), and the CLI's `demo` requires it. It shares no module state with the SDK
    // (it is an independent model of kcp) and only leaf modules with it. Minified with its names kept (stack
    // traces still name functions and classes), to keep the package within its size budget.
    entry: { testing: 'src/testing/index.ts' },
    format: ['cjs'],
    dts: true,
    target: 'node20',
    sourcemap: false,
    splitting: false,
    minify: true,
    keepNames: true,
  },
  {
    // The CLI is started once per scripted lookup, so its cold start matters. One minified CommonJS file with
    // its dependencies (a V8 code cache needs a classic script, see src/cli/code-cache.ts); each command's
    // module is evaluated only when that command runs.
    entry: { 'cli-bundle': 'src/cli/main.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    target: 'node20',
    platform: 'node',
    minify: true,
    sourcemap: false,
    splitting: false,
    shims: true,
    noExternal: ['axios', 'zod', 'yaml', 'rxjs'],
    external: ['selfsigned'],
    esbuildPlugins: [rxjsEsm, axiosTrim, simulatorFromLibrary],
    // import() of external modules as require(): a script compiled from a V8 code cache has no dynamic-import
    // callback on Node 20 (see code-cache.ts)
    esbuildOptions(options) {
      options.supported = { ...options.supported, 'dynamic-import': false };
    },
  },
  {
    // `dist/cli.js`: the binary, a launcher that runs cli-bundle.cjs with a V8 code cache.
    entry: { cli: 'src/cli/launcher.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    sourcemap: false,
    splitting: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
