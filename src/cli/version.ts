import { readFileSync } from 'node:fs';

/**
 * The package version, read at runtime from the package.json next to the code: one level up from `dist/`
 * (the built CLI and its chunks), two levels up from `src/cli/` (run from source with tsx).
 */
export function packageVersion(base: string | URL = import.meta.url): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, base), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'kcp-endpoints' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0-unknown';
}
