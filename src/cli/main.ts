import { run } from './run.js';

const controller = new AbortController();
let interrupted = 0;
const onSignal = (): void => {
  interrupted++;
  if (interrupted > 1) process.exit(130);
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// A closed pipe (`… | head -n1`) ends the command quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw e;
  });
}

// No top-level await: the published CLI is a CommonJS bundle, run by `launcher.ts` with a V8 code cache.
void run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
}).then((code) => {
  process.exitCode = code;
  // Exit once both streams are flushed, even if a socket or timer lingers.
  process.stdout.write('', () => {
    process.stderr.write('', () => process.exit(code));
  });
});
