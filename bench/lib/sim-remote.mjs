// Parent side of lib/sim-child.mjs.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Starts the simulator in a child process; `call(method, ...args)` resolves `{ result, t0 }` (t0: bigint). */
export async function startRemoteSimulator(options = {}) {
  const child = fork(fileURLToPath(new URL('./sim-child.mjs', import.meta.url)), [JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 1;
  const pending = new Map();
  const ready = new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
    child.on('message', (m) => {
      if (m.ready) resolve(m.ready);
      else pending.get(m.id)?.(m);
    });
  });
  const { url, token } = await ready;
  const call = (method, ...args) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, (m) => {
        pending.delete(id);
        if (m.error !== undefined) reject(new Error(`${method}: ${m.error}`));
        else resolve({ result: m.result, t0: BigInt(m.t0) });
      });
      child.send({ id, method, args });
    });
  return {
    url,
    token,
    call,
    async close() {
      await call('close').catch(() => undefined);
      child.disconnect?.();
    },
  };
}
