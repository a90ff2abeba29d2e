import { defineConfig } from 'vitest/config';

/** The conformance suite against real kcp (`npm run test:kcp`); see test/realkcp/README.md. */
export default defineConfig({
  test: {
    include: ['test/conformance/real-kcp.kcp.ts'],
    testTimeout: 300_000,
    hookTimeout: 400_000,
    fileParallelism: false,
    reporters: ['verbose'],
  },
});
