import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KcpSimulator } from '../../src/testing/index.js';

/** Path of the soak's exec credential plugin. */
export const EXEC_PLUGIN = fileURLToPath(new URL('./exec-plugin.mjs', import.meta.url));

/** Short-lived tokens issued by the exec plugin and honoured (then revoked) by the simulator. */
export interface TokenRotation {
  /** A kubeconfig whose user runs the exec plugin. */
  kubeconfig: Record<string, unknown>;
  /** Number of buckets revoked so far. */
  readonly revoked: number;
  /** Number of times the plugin ran. */
  runs(): number;
  /** Stops the revocation timer. */
  stop(): void;
  /** Removes the run log. */
  cleanup(): void;
}

/**
 * Registers one user per time bucket of `periodMs` (token `<prefix>-<bucket>`, expiring at the end of the
 * next bucket) for the next `horizonMs`, and revokes each one a full period after it expired.
 */
export function rotateTokens(sim: KcpSimulator, periodMs: number, horizonMs: number): TokenRotation {
  const prefix = `soak-${randomBytes(6).toString('hex')}`;
  const first = Math.floor(Date.now() / periodMs);
  const last = Math.floor((Date.now() + horizonMs) / periodMs) + 1;
  for (let b = first; b <= last; b++) {
    sim.addUser(`exec-${b}`, { token: `${prefix}-${b}` });
    sim.grant(`exec-${b}`, '*');
  }
  const dir = mkdtempSync(join(tmpdir(), 'kcp-soak-'));
  const log = join(dir, 'runs.log');
  let next = first;
  let revoked = 0;
  const timer = setInterval(() => {
    while (next <= last && (next + 3) * periodMs <= Date.now()) {
      sim.revoke(`exec-${next}`);
      next += 1;
      revoked += 1;
    }
  }, periodMs / 4);
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'sim', cluster: { server: `${sim.url}/clusters/root` } }],
    users: [
      {
        name: 'exec',
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: process.execPath,
            args: [EXEC_PLUGIN],
            env: [
              { name: 'SOAK_TOKEN_PREFIX', value: prefix },
              { name: 'SOAK_TOKEN_PERIOD_MS', value: String(periodMs) },
              { name: 'SOAK_TOKEN_LOG', value: log },
            ],
            interactiveMode: 'Never',
          },
        },
      },
    ],
    contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'exec' } }],
    'current-context': 'sim',
  };
  return {
    kubeconfig,
    get revoked() {
      return revoked;
    },
    runs: () => {
      try {
        return readFileSync(log, 'utf8').split('\n').length - 1;
      } catch {
        return 0;
      }
    },
    stop: () => {
      clearInterval(timer);
    },
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
