// Bundles lib/internals-entry.mjs (the reflector and decoder from src) into .build/internals.mjs.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

export async function buildInternals() {
  await build({
    entryPoints: [here('./internals-entry.mjs')],
    outfile: here('../.build/internals.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildInternals();
