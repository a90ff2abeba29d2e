import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { runExecPlugin, type ExecPluginConfig } from '../../src/config/exec-run.js';
import { isExecCredentialError } from '../../src/errors.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(20);
  return !alive(pid);
}

/** A plugin that starts a child (its pid written to a file) and then hangs. */
function hangingPlugin(): { config: ExecPluginConfig; pidFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kcp-exec-group-'));
  dirs.push(dir);
  const pidFile = join(dir, 'child.pid');
  const script = join(dir, 'plugin.sh');
  writeFileSync(script, `#!/bin/sh\nsleep 30 &\necho $! > "${pidFile}"\nsleep 30\n`, { mode: 0o755 });
  return {
    pidFile,
    config: {
      command: '/bin/sh',
      args: [script],
      env: [],
      apiVersion: 'client.authentication.k8s.io/v1',
      interactiveMode: 'Never',
    },
  };
}

async function readPid(file: string): Promise<number> {
  for (let i = 0; i < 200; i++) {
    try {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (pid > 0) return pid;
    } catch {
      // not written yet
    }
    await sleep(10);
  }
  throw new Error('the plugin did not start its child');
}

describe.skipIf(process.platform === 'win32')('exec plugins run in a process group of their own', () => {
  it('stops the plugin and every process it started when it times out', async () => {
    const { config, pidFile } = hangingPlugin();
    const run = runExecPlugin(config, { timeoutMs: 1_000, isTTY: () => false });
    const child = await readPid(pidFile);
    const e: unknown = await run.catch((x: unknown) => x);
    expect(isExecCredentialError(e)).toBe(true);
    expect((e as Error).message).toContain('did not finish within 1000 ms');
    expect(await gone(child)).toBe(true);
  });

  it('stops a running plugin and its children when the process exits (a CLI interrupted by SIGINT or SIGTERM)', async () => {
    const { config, pidFile } = hangingPlugin();
    const src = join(import.meta.dirname, '../../src/config/exec-run.ts');
    const program = `
      import { runExecPlugin } from ${JSON.stringify(src)};
      runExecPlugin(${JSON.stringify(config)}, { timeoutMs: 60000, isTTY: () => false }).catch(() => {});
      process.on('SIGTERM', () => process.exit(143));
      setInterval(() => {}, 1000);
    `;
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
      stdio: 'ignore',
    });
    const child = await readPid(pidFile);
    expect(alive(child)).toBe(true);
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    expect(await gone(child)).toBe(true);
  });
});
