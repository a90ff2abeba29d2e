import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------------------
// Layers of src/, lowest first: kcp → config → http → watch → endpoints → consumers → client → controller →
// cli. A layer imports only from the layers to its left and from the leaf modules at the root of src/ (errors, logger, redact, text,
// timers), which import only each other. The client layer is the root files client.ts, client-family.ts,
// client-types.ts and resource-client.ts; the package entries (index.ts, and advanced.ts when it exists) import the layers and are
// imported by none; cli may also import the simulator (`demo`).
// src/testing is the simulator, an independent oracle of kcp (see its index.ts): from the SDK it imports only
// the wire constants and reference syntax of kcp/meta.ts and kcp/paths.ts, and InvalidArgumentError.
// Imports are relative, so each folder's rule is generated for every depth of the importing file below src/.
// (`no-restricted-imports` checks import and export declarations, not `import()` expressions.)
// ---------------------------------------------------------------------------------------------------------
const LAYERS = ['kcp', 'config', 'http', 'watch', 'endpoints', 'consumers', 'client', 'controller', 'cli'];
const LEAVES = ['errors', 'logger', 'redact', 'text', 'timers'];
const CLIENT_FILES = ['client', 'client-family', 'client-types', 'resource-client'];
const ENTRIES = ['index', 'advanced'];
const TESTING_ALLOWED = ['kcp/meta', 'kcp/paths', 'errors'];
const DEPTHS = [1, 2, 3];

/** `src/<folder>/…/*.ts` at `depth` (1: files directly in the folder). */
const filesAt = (folder, depth) => [`src/${folder}/${'*/'.repeat(depth - 1)}*.ts`];

/** A regex source for a specifier that climbs `depth` folders to src/ (0: a root file) and names one of `names`. */
function srcModule(depth, names) {
  const up = depth === 0 ? '\\./' : `(\\.\\./){${depth}}`;
  return `^${up}(${names.join('|')})(/|\\.js$)`;
}

/** A `no-restricted-imports` block: `files` must not import what `regex` matches. */
const restrict = (files, regex, message) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [{ regex, message }] }] },
});

/** What `layer` must not import: the layers to its right, the entries and (but for cli) the simulator. */
function forbiddenFor(layer) {
  const right = LAYERS.slice(LAYERS.indexOf(layer) + 1).flatMap((l) => (l === 'client' ? CLIENT_FILES : [l]));
  return [...right, ...ENTRIES, ...(layer === 'cli' ? [] : ['testing'])];
}

function layerBlocks() {
  const blocks = [];
  for (const layer of LAYERS) {
    const message = `The layers of src/ are ${LAYERS.join(' → ')}: ${layer} imports only from its left and the leaf modules (${LEAVES.join(', ')}).`;
    if (layer === 'client') {
      const files = CLIENT_FILES.map((f) => `src/${f}.ts`);
      blocks.push(restrict(files, srcModule(0, forbiddenFor(layer)), message));
    } else {
      for (const d of DEPTHS)
        blocks.push(restrict(filesAt(layer, d), srcModule(d, forbiddenFor(layer)), message));
    }
  }
  blocks.push(
    restrict(
      LEAVES.map((f) => `src/${f}.ts`),
      srcModule(0, [...LAYERS.filter((l) => l !== 'client'), ...CLIENT_FILES, ...ENTRIES, 'testing']),
      `The leaf modules (${LEAVES.join(', ')}) are used by every layer and import only each other.`,
    ),
    restrict(
      ENTRIES.map((f) => `src/${f}.ts`),
      srcModule(0, ['cli', 'testing']),
      'The SDK entries do not import the CLI or the simulator.',
    ),
  );
  const allowed = TESTING_ALLOWED.map((m) => `${m.replace('/', '\\/')}\\.js$`).join('|');
  for (const d of DEPTHS) {
    blocks.push(
      restrict(
        filesAt('testing', d),
        `^(\\.\\./){${d}}(?!${allowed})`,
        'The simulator is an independent oracle of kcp (see src/testing/index.ts): from the SDK it imports only kcp/meta.ts, kcp/paths.ts and errors.ts.',
      ),
    );
  }
  return blocks;
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'coverage/**',
      'node_modules/**',
      'bench/node_modules/**',
      'bench/peer/**',
      'bench/.build/**',
      '.tmp/**',
      '.tmp-*',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs', 'scripts/*.mjs', 'bench/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerBlocks(),
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'bench/**/*.mjs'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-empty-function': 'off',
    },
  },
  {
    // The soak engine (run by `npm run soak` and by test/soak) indexes its own fixed worlds like the tests do.
    files: ['scripts/soak/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // Node scripts: globals such as process and Buffer are checked by TypeScript where it matters.
    files: ['**/*.js', '**/*.mjs'],
    rules: { 'no-undef': 'off' },
  },
);
