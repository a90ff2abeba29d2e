// Internals the benchmarks drive directly (the reflector is not part of the public API). Bundled from src by
// lib/build.mjs with the same esbuild settings as the published dist, so the code measured is the shipped code.
export { Reflector } from '../../src/watch/reflector.ts';
export { WatchDecoder } from '../../src/http/watch-decoder.ts';
export { guardOf } from '../../src/kcp/guards.ts';
export { createTransport } from '../../src/http/transport.ts';
export { staticTokenCredentials } from '../../src/config/connection.ts';
export { APIEXPORTENDPOINTSLICES } from '../../src/kcp/apiexportendpointslice.ts';
export { APIBINDINGS_V1ALPHA2 } from '../../src/kcp/apibinding.ts';
export { WorkQueue } from '../../src/controller/queue.ts';
export { loadControllerMetrics } from '../../src/controller/metrics.ts';
