#!/usr/bin/env node
// A tiny client-go exec credential plugin for the soak: prints a token for the current time bucket that
// expires at the end of the next bucket. The soak registers every bucket's token with the simulator and revokes
// it one bucket after it expired, so a client that keeps using an expired token gets 403 and fails the run.
import { appendFileSync } from 'node:fs';
import process from 'node:process';

const period = Number(process.env.SOAK_TOKEN_PERIOD_MS);
const prefix = process.env.SOAK_TOKEN_PREFIX;
if (!Number.isFinite(period) || period <= 0 || !prefix) {
  process.stderr.write('SOAK_TOKEN_PERIOD_MS and SOAK_TOKEN_PREFIX are required\n');
  process.exit(1);
}
const bucket = Math.floor(Date.now() / period);
if (process.env.SOAK_TOKEN_LOG) appendFileSync(process.env.SOAK_TOKEN_LOG, `${bucket}\n`);
process.stdout.write(
  JSON.stringify({
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    status: {
      token: `${prefix}-${bucket}`,
      expirationTimestamp: new Date((bucket + 2) * period).toISOString(),
    },
  }),
);
