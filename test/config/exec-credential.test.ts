import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { readExecCredential } from '../../src/config/exec-run.js';

// The zod schema readExecCredential was written from: the oracle of its answers.
const credentialSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.literal('ExecCredential').optional(),
  status: z
    .looseObject({
      token: z.string().optional(),
      clientCertificateData: z.string().optional(),
      clientKeyData: z.string().optional(),
      expirationTimestamp: z.string().optional(),
    })
    .nullish(),
});

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 5 }),
  fc.constantFrom('ExecCredential', 'client.authentication.k8s.io/v1'),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string({ maxLength: 2 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }),
);
const some = (right: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof(right, anyValue);
const status = fc.record(
  {
    token: some(fc.string({ maxLength: 4 })),
    clientCertificateData: some(fc.string({ maxLength: 4 })),
    clientKeyData: some(fc.string({ maxLength: 4 })),
    expirationTimestamp: some(fc.string({ maxLength: 4 })),
    other: anyValue,
  },
  { requiredKeys: [] },
);
const credential = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        apiVersion: some(fc.constant('client.authentication.k8s.io/v1')),
        kind: some(fc.constant('ExecCredential')),
        status: some(status),
        spec: anyValue,
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: anyValue },
);

describe('readExecCredential', () => {
  it('accepts what the zod schema accepts, with the same fields, and names the same first field otherwise', () => {
    fc.assert(
      fc.property(credential, (json) => {
        const ours = readExecCredential(json);
        const zod = credentialSchema.safeParse(json);
        if (zod.success) {
          expect(ours.ok).toBe(true);
          if (!ours.ok) return;
          expect(ours.value.apiVersion).toBe(zod.data.apiVersion);
          if (zod.data.status == null) expect(ours.value.status).toBe(zod.data.status);
          else
            for (const f of [
              'token',
              'clientCertificateData',
              'clientKeyData',
              'expirationTimestamp',
            ] as const)
              expect(ours.value.status?.[f]).toBe(zod.data.status[f]);
        } else {
          expect(ours).toEqual({ ok: false, path: zod.error.issues[0]?.path });
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('names the first wrong field in the order apiVersion, kind, status, then the status fields', () => {
    expect(readExecCredential([])).toEqual({ ok: false, path: [] });
    expect(readExecCredential({ kind: 'Other' })).toEqual({ ok: false, path: ['apiVersion'] });
    expect(readExecCredential({ apiVersion: 'v', kind: 'Other', status: 1 })).toEqual({
      ok: false,
      path: ['kind'],
    });
    expect(readExecCredential({ apiVersion: 'v', status: { clientKeyData: 1, token: 2 } })).toEqual({
      ok: false,
      path: ['status', 'token'],
    });
  });
});
