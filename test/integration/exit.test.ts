import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

describe('teardown', () => {
  it('lets the process exit on its own once every subscription is gone, without close()', () => {
    const child = fileURLToPath(new URL('./exit-child.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', child], { encoding: 'utf8', timeout: 15_000 });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('unsubscribed seen=50');
    // no TCP connection left at the server: watches closed, idle keep-alive sockets released
    expect(r.stdout).toContain('serverConnections=0');
    expect(r.status).toBe(0);
  });
});
