import { join } from 'node:path';
import { buildSync, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const PACKAGES = ['axios', 'rxjs', 'yaml', 'zod'];

/**
 * What `entry` loads when it starts: the source files it imports statically (transitively; `import()` is
 * followed only when it runs), and which of them import which packages.
 */
function staticGraph(entry: string): { files: string[]; packages: Map<string, string[]> } {
  const { metafile } = buildSync({
    entryPoints: [join(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    external: PACKAGES,
    logLevel: 'silent',
  }) as { metafile: Metafile };
  const seen = new Set<string>();
  const packages = new Map<string, string[]>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop() ?? '';
    if (seen.has(file)) continue;
    seen.add(file);
    for (const i of metafile.inputs[file]?.imports ?? []) {
      if (i.kind !== 'import-statement') continue;
      if (i.external) {
        if (PACKAGES.includes(i.path)) packages.set(i.path, [...(packages.get(i.path) ?? []), file]);
      } else stack.push(i.path);
    }
  }
  return { files: [...seen].sort(), packages };
}

describe('what a one-shot command loads at start', () => {
  it.each(['src/cli/commands/get.ts', 'src/cli/commands/nudge.ts'])(
    '%s loads neither rxjs nor the watch layer nor the client module',
    (entry) => {
      const { files, packages } = staticGraph(entry);
      expect(files).toContain('src/client-family.ts');
      expect(files.filter((f) => f.startsWith('src/watch/') || f === 'src/client.ts')).toEqual([]);
      expect(packages.has('rxjs')).toBe(false);
    },
  );

  it('loads zod only from the kcp object model, never from the config layer', () => {
    const { packages } = staticGraph('src/cli/commands/get.ts');
    expect(packages.get('yaml')?.some((f) => f.startsWith('src/config/'))).toBe(true);
    expect((packages.get('zod') ?? []).filter((f) => !f.startsWith('src/kcp/'))).toEqual([]);
  });

  it('wait and watch load the watch machinery only when they run (through withClient)', () => {
    const wait = staticGraph('src/cli/commands/wait.ts');
    expect(wait.packages.has('rxjs')).toBe(false);
    expect(wait.files).not.toContain('src/client.ts');
    expect(staticGraph('src/client.ts').packages.has('rxjs')).toBe(true);
  });
});
