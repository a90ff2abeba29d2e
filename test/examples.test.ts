import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../examples/', import.meta.url));
/** The provider controller runs until interrupted: the conformance scenarios run it (test/conformance). */
const examples = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'provider-controller.ts');

describe('examples', () => {
  it('has examples to run', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.concurrent.each(examples)('%s runs to completion against the simulator', (file) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${file}`], {
      encoding: 'utf8',
      timeout: 30_000,
      cwd: fileURLToPath(new URL('..', import.meta.url)),
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\/services\/apiexport\/[a-z0-9]+\/today-cowboys/);
  });
});
