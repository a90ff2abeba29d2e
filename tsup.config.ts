import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', advanced: 'src/advanced.ts', testing: 'src/testing/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    target: 'node20',
    sourcemap: true,
    clean: true,
    splitting: false,
  },
  {
    // The CLI is started once per scripted lookup, so its cold start matters: bundle its dependencies
    // into a few files instead of letting Node resolve and read hundreds of small modules.
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    target: 'node20',
    sourcemap: true,
    splitting: true,
    noExternal: ['axios', 'zod', 'yaml', 'rxjs'],
    external: ['selfsigned'],
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __kcpCreateRequire } from 'node:module';\nconst require = __kcpCreateRequire(import.meta.url);",
    },
  },
]);
