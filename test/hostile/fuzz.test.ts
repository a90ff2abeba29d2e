/**
 * Fuzzing of everything that reads server data: the watch decoder, the list decoder and the Status/error
 * mapper, directly and through the transport against a loopback server. `npm test` runs a bounded number of
 * cases; `npm run fuzz` sets `FUZZ_RUNS` for a longer run. The properties: nothing throws but the typed
 * errors, nothing hangs (the test timeout), and what is kept is bounded.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecodeError, isDecodeError, isKcpError, KcpError } from '../../src/errors.js';
import { decodeListPage, parseJson } from '../../src/http/decode.js';
import { mapRequestError, MAX_MESSAGE_SOURCE_CHARS, statusError } from '../../src/http/errors.js';
import { WatchDecoder } from '../../src/http/watch-decoder.js';
import { widget, widgets, widgetSchema, type Widget } from '../http/helpers.js';
import { closeServers, closeTransports, scriptedServer, transportTo } from './servers.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 100);
const TIMEOUT = RUNS > 100 ? 600_000 : 30_000;
const req = { method: 'GET', url: 'https://kcp.example/clusters/root/apis/x/v1/widgets' };

/** JSON values near the shapes the decoders expect, mutated at random. */
const nearWidget = fc.oneof(
  fc.constant<unknown>(widget('a')),
  fc.record({ metadata: fc.record({ name: fc.oneof(fc.string(), fc.integer()) }) }),
  fc.record({ kind: fc.string(), apiVersion: fc.string(), metadata: fc.object() }),
  fc.jsonValue(),
);
const nearEvent = fc.record({
  type: fc.oneof(fc.constantFrom('ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'), fc.string()),
  object: fc.oneof(
    nearWidget,
    fc.record({ metadata: fc.record({ resourceVersion: fc.oneof(fc.string(), fc.integer()) }) }),
    fc.record({ kind: fc.constant('Status'), code: fc.integer(), message: fc.string() }),
  ),
});
/** A line: a near-valid event, JSON of anything, or text (HTML, garbage, control characters). */
const line = fc.oneof(
  nearEvent.map((e) => JSON.stringify(e)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constantFrom('<html>', '<!DOCTYPE html>', '\r', '', '{', '{"type":"ADDED","object":'),
);
const nearList = fc.oneof(
  fc.record({
    kind: fc.oneof(fc.constantFrom('WidgetList', 'List'), fc.string()),
    metadata: fc.oneof(
      fc.record({ resourceVersion: fc.string(), continue: fc.string() }, { requiredKeys: [] }),
      fc.jsonValue(),
    ),
    items: fc.oneof(fc.array(nearWidget, { maxLength: 5 }), fc.constant(null), fc.jsonValue()),
  }),
  fc.jsonValue(),
);

describe('fuzz: watch decoder', () => {
  it(
    'turns any chunking of any lines into typed items, failing only with a DecodeError on an over-long line',
    { timeout: TIMEOUT },
    () => {
      const maxLineChars = 512;
      fc.assert(
        fc.property(
          fc.array(line, { maxLength: 20 }),
          fc.array(fc.nat(), { maxLength: 8 }),
          fc.boolean(),
          (lines, cuts, crlf) => {
            const bytes = Buffer.from(lines.join(crlf ? '\r\n' : '\n'));
            const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
            const d = new WatchDecoder<Widget>(widgetSchema, 'Widget', {
              apiVersion: 'example.kcp.io/v1alpha1',
              maxLineChars,
            });
            const items = [];
            try {
              let prev = 0;
              for (const p of [...points, bytes.length]) {
                items.push(...d.feed(bytes.subarray(prev, p)));
                prev = p;
              }
              items.push(...d.end());
            } catch (e) {
              expect(e).toBeInstanceOf(DecodeError);
              expect((e as Error).message).toContain('limits.maxWatchEventChars');
              expect(lines.some((l) => l.length > maxLineChars / 2)).toBe(true);
              return;
            }
            for (const item of items) {
              expect(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR', 'DECODE_ERROR']).toContain(
                item.type,
              );
              if (item.type === 'DECODE_ERROR') {
                expect(item.error).toBeInstanceOf(DecodeError);
                expect((item.error.snippet ?? '').length).toBeLessThan(260);
              }
            }
          },
        ),
        { numRuns: RUNS },
      );
    },
  );
});

describe('fuzz: list decoder', () => {
  it('decodes any JSON as a list page or throws a DecodeError', { timeout: TIMEOUT }, () => {
    fc.assert(
      fc.property(nearList, (value) => {
        try {
          const page = decodeListPage(widgets, value, 'GET x');
          expect(Array.isArray(page.items)).toBe(true);
          expect(typeof page.resourceVersion).toBe('string');
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
          expect((e as DecodeError).snippet?.length ?? 0).toBeLessThan(260);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('parses any text as JSON or throws a DecodeError', { timeout: TIMEOUT }, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          try {
            parseJson(text, 'GET x');
          } catch (e) {
            expect(e).toBeInstanceOf(DecodeError);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

const statusBodyArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 2000 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        kind: fc.constantFrom('Status', 'Other'),
        reason: fc.string(),
        message: fc.string({ maxLength: 5000 }),
        code: fc.integer(),
        details: fc.record(
          {
            name: fc.string(),
            retryAfterSeconds: fc.oneof(fc.integer(), fc.double()),
            causes: fc.array(
              fc.record(
                { field: fc.string(), message: fc.string(), reason: fc.string() },
                { requiredKeys: [] },
              ),
            ),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    )
    .map((s) => JSON.stringify(s)),
);

describe('fuzz: Status and error mapper', () => {
  it(
    'maps any error answer to an ApiStatusError with a bounded, serialisable message',
    { timeout: TIMEOUT },
    () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 100, max: 999 }),
          statusBodyArb,
          fc.option(fc.string(), { nil: undefined }),
          (status, body, retryAfter) => {
            const e = statusError(req, status, body, { retryAfter });
            expect(e.status).toBe(status);
            expect(e.message.length).toBeLessThan(2500);
            const json = JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
            expect(json['message']).toBe(e.message);
          },
        ),
        { numRuns: RUNS },
      );
      expect(statusError(req, 500, 'x'.repeat(MAX_MESSAGE_SOURCE_CHARS * 4)).message.length).toBeLessThan(
        300,
      );
    },
  );

  it('maps anything a request can throw to a KcpError', { timeout: TIMEOUT }, () => {
    const thrown = fc.oneof(
      fc.anything(),
      fc.record(
        { code: fc.string(), message: fc.anything(), name: fc.string(), cause: fc.anything() },
        { requiredKeys: [] },
      ),
      fc.string().map((m) => new Error(m)),
    );
    fc.assert(
      fc.property(thrown, fc.option(fc.nat(), { nil: undefined }), (e, timeoutMs) => {
        const mapped = mapRequestError(e, req, { timeoutMs });
        expect(isKcpError(mapped)).toBe(true);
        expect(() => JSON.stringify(mapped)).not.toThrow();
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzz: the transport against a loopback server', () => {
  let srv: Awaited<ReturnType<typeof scriptedServer>>;
  beforeAll(async () => {
    srv = await scriptedServer();
  });
  afterAll(async () => {
    await closeTransports();
    await closeServers();
  });

  it(
    'answers a get and a list with a value or a typed error, whatever the server sends',
    { timeout: TIMEOUT },
    async () => {
      const t = transportTo(srv, { limits: { maxResponseBytes: 64 * 1024, maxListPages: 3 } });
      const answer = fc.record({
        status: fc.oneof(
          fc.constantFrom(200, 201, 204, 401, 404, 410, 429, 500, 502),
          fc.integer({ min: 200, max: 599 }),
        ),
        body: fc.oneof(
          statusBodyArb,
          nearWidget.map((v) => JSON.stringify(v)),
          nearList.map((v) => JSON.stringify(v)),
          fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
        ),
      });
      await fc.assert(
        fc.asyncProperty(answer, fc.boolean(), async (a, asList) => {
          srv.answer(a);
          try {
            const value = asList ? await t.list(widgets, 'root') : await t.get(widgets, 'root', 'a');
            expect(value).toBeDefined();
          } catch (e) {
            expect(e).toBeInstanceOf(KcpError);
            if (a.status >= 200 && a.status < 300) expect(isDecodeError(e)).toBe(true);
          }
        }),
        { numRuns: Math.max(20, Math.floor(RUNS / 5)) },
      );
    },
  );
});
