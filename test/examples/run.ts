import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A running example (`examples/<file>` under tsx), in its own process group. */
export interface RunningExample {
  /** Everything printed so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves once stdout matches `pattern`; rejects after `timeoutMs` or when the process ends first. */
  until(pattern: RegExp, timeoutMs: number): Promise<void>;
  /** Sends SIGINT and resolves with the exit; kills the group if it has not ended within `timeoutMs`. */
  interrupt(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the process group if it still runs (idempotent). */
  kill(): void;
}

/** Starts `examples/<file>` with `args` and `KUBECONFIG=kubeconfig`. */
export function startExample(file: string, args: string[], kubeconfig: string): RunningExample {
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/${file}`, ...args], {
    cwd: root,
    env: { ...process.env, KUBECONFIG: kubeconfig },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    for (const w of [...waiters]) w();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      for (const w of [...waiters]) w();
      resolve(exit);
    });
  });
  const kill = (): void => {
    if (exit !== undefined || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    until: (pattern, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(stdout)) done(undefined);
          else if (exit !== undefined) done(new Error(`${file} exited (${JSON.stringify(exit)}): ${stderr}`));
        };
        const timer = setTimeout(() => {
          done(
            new Error(
              `${file}: no ${String(pattern)} within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`,
            ),
          );
        }, timeoutMs);
        const done = (error: Error | undefined): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (error === undefined) resolve();
          else reject(error);
        };
        waiters.add(check);
        check();
      }),
    interrupt: async (timeoutMs) => {
      if (exit === undefined) child.kill('SIGINT');
      const timer = setTimeout(kill, timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    kill,
  };
}
