import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WatchDecoder } from '../../src/http/watch-decoder.js';
import type { WatchItem } from '../../src/http/types.js';
import { widgetSchema, type Widget } from './helpers.js';

const dec = (): WatchDecoder<Widget> => new WatchDecoder(widgetSchema, 'Widget');

function decodeAll(chunks: Array<Buffer | string>): Array<WatchItem<Widget>> {
  const d = dec();
  const out = chunks.flatMap((c) => d.feed(c));
  return [...out, ...d.end()];
}

/** A comparable view of decoded items (errors by message, snippet and issues). */
function view(items: Array<WatchItem<Widget>>): unknown[] {
  return items.map((i) =>
    i.type === 'DECODE_ERROR'
      ? { type: i.type, message: i.error.message, snippet: i.error.snippet, issues: i.error.issues }
      : i,
  );
}

function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

const ev = (type: string, object: unknown): string => JSON.stringify({ type, object });

describe('WatchDecoder', () => {
  it('decodes ADDED, MODIFIED and DELETED events with the typed object', () => {
    const text = [
      ev('ADDED', { metadata: { name: 'a', resourceVersion: '1' } }),
      ev('MODIFIED', { metadata: { name: 'a', resourceVersion: '2' }, spec: { size: 3 } }),
      ev('DELETED', { metadata: { name: 'a', resourceVersion: '3' } }),
    ].join('\n');
    expect(decodeAll([text]).map((i) => i.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    const [, modified] = decodeAll([text]);
    expect(modified).toEqual({
      type: 'MODIFIED',
      object: { metadata: { name: 'a', resourceVersion: '2' }, spec: { size: 3 } },
    });
  });

  it('emits an event as soon as its newline arrives, before the stream ends', () => {
    const d = dec();
    expect(d.feed(ev('ADDED', { metadata: { name: 'a' } }).slice(0, 10))).toEqual([]);
    expect(d.feed(ev('ADDED', { metadata: { name: 'a' } }).slice(10) + '\n')).toHaveLength(1);
    expect(d.end()).toEqual([]);
  });

  it('turns a BOOKMARK into its resourceVersion only', () => {
    expect(
      decodeAll([ev('BOOKMARK', { kind: 'Widget', metadata: { resourceVersion: '77' } }) + '\n']),
    ).toEqual([{ type: 'BOOKMARK', resourceVersion: '77' }]);
  });

  it('turns an ERROR event into its Status', () => {
    const status = { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' };
    expect(decodeAll([ev('ERROR', status)])).toEqual([{ type: 'ERROR', status }]);
  });

  it.each([
    ['bad JSON', '{"type":"ADDED",', /not valid JSON/, []],
    ['an unknown type', ev('CHANGED', {}), /watch event is malformed: type/, ['type']],
    [
      'a missing object',
      JSON.stringify({ type: 'ADDED' }),
      /watch event is malformed: object is required/,
      ['object'],
    ],
    [
      'an object failing the schema',
      ev('ADDED', { metadata: { name: 5 } }),
      /watch ADDED event: Widget is malformed: object\.metadata\.name must be a string, got number/,
      ['object.metadata.name'],
    ],
    [
      'a BOOKMARK without resourceVersion',
      ev('BOOKMARK', { metadata: {} }),
      /BOOKMARK/,
      ['object.metadata.resourceVersion'],
    ],
    [
      'an ERROR without a valid Status',
      ev('ERROR', { code: 'x' }),
      /watch ERROR event: Status is malformed: object\.code/,
      ['object.code'],
    ],
  ])('reports %s as DECODE_ERROR and goes on', (_what, line, message, issues) => {
    const items = decodeAll([`${line}\n${ev('ADDED', { metadata: { name: 'ok' } })}\n`]);
    expect(items).toHaveLength(2);
    const [first, second] = items;
    expect(first?.type).toBe('DECODE_ERROR');
    if (first?.type !== 'DECODE_ERROR') return;
    expect(first.error.message).toMatch(message);
    expect(first.error.code).toBe('E_DECODE');
    expect(first.error.issues).toEqual(issues);
    expect(first.error.snippet).toBe(line);
    expect(second?.type).toBe('ADDED');
  });

  it('truncates the snippet of a huge malformed line', () => {
    const line = `{"type":"ADDED","object":{"metadata":{"name":${'9'.repeat(100_000)}}}}`;
    const [item] = decodeAll([line]);
    expect(item?.type).toBe('DECODE_ERROR');
    if (item?.type === 'DECODE_ERROR') expect(item.error.snippet!.length).toBeLessThan(300);
  });

  it('skips blank lines and accepts CRLF', () => {
    const a = ev('ADDED', { metadata: { name: 'a' } });
    expect(decodeAll([`\r\n\n  \n${a}\r\n\r\n${a}`]).map((i) => i.type)).toEqual(['ADDED', 'ADDED']);
  });

  it('decodes a multi-byte character split across chunks', () => {
    const buf = Buffer.from(`${ev('ADDED', { metadata: { name: 'ä🦄' } })}\n`);
    const at = buf.indexOf(Buffer.from('🦄')) + 2;
    const items = decodeAll([buf.subarray(0, at), buf.subarray(at)]);
    expect(items).toEqual([{ type: 'ADDED', object: { metadata: { name: 'ä🦄' } } }]);
  });

  it('decodes identically for any chunking of the same bytes', () => {
    const name = fc.string({ unit: 'grapheme', maxLength: 12 });
    const line = fc.oneof(
      name.map((n) => ev('ADDED', { metadata: { name: n, resourceVersion: '1' } })),
      name.map((n) => ev('DELETED', { metadata: { name: n }, spec: { size: 2 } })),
      fc.nat().map((n) => ev('BOOKMARK', { metadata: { resourceVersion: String(n) } })),
      name.map((n) => ev('ERROR', { kind: 'Status', message: n, code: 500 })),
      name.map((n) => `{"type":"ADDED","object":${JSON.stringify(n)}`),
      name.map((n) => ev('MODIFIED', { metadata: { name: n.length } })),
      fc.constantFrom('', ' ', '\r'),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(line, fc.constantFrom('\n', '\r\n')), { maxLength: 15 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 20 }),
        (lines, trailing, cuts) => {
          let text = lines.map(([l, eol]) => l + eol).join('');
          if (!trailing) text = text.replace(/\r?\n$/, '');
          const whole = Buffer.from(text);
          const expected = view(decodeAll([whole]));
          expect(view(decodeAll(splitAt(whole, cuts)))).toEqual(expected);
          const nonBlank = lines.filter(([l]) => l.trim() !== '');
          expect(expected).toHaveLength(nonBlank.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decodes a 5 MB object fed in small random chunks quickly', () => {
    const big = { metadata: { name: 'big' }, spec: { size: 1 }, data: 'é'.repeat(2_500_000) };
    const whole = Buffer.from(`${ev('ADDED', big)}\n${ev('DELETED', { metadata: { name: 'x' } })}\n`);
    expect(whole.length).toBeGreaterThan(5_000_000);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: whole.length }), { minLength: 500, maxLength: 2000 }), (cuts) => {
        const started = performance.now();
        const items = decodeAll(splitAt(whole, cuts));
        expect(performance.now() - started).toBeLessThan(2000);
        expect(items.map((i) => i.type)).toEqual(['ADDED', 'DELETED']);
        const [first] = items;
        if (first?.type === 'ADDED')
          expect((first.object as unknown as { data: string }).data).toBe(big.data);
      }),
      { numRuns: 3 },
    );
  });

  it('decodes a line of exactly maxLineChars and throws a DecodeError for one character more, however chunked', () => {
    const line = JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } });
    const exact = new WatchDecoder(widgetSchema, 'Widget', { maxLineChars: line.length });
    expect(exact.feed(`${line}\n`).map((i) => i.type)).toEqual(['ADDED']);
    const over = `${line.slice(0, -1)} }`;
    const whole = new WatchDecoder(widgetSchema, 'Widget', { maxLineChars: line.length });
    expect(() => whole.feed(`${over}\n`)).toThrow(
      /longer than \d+ characters \(limits\.maxWatchEventChars\)/,
    );
    const split = new WatchDecoder(widgetSchema, 'Widget', { maxLineChars: line.length });
    expect(split.feed(over.slice(0, 10))).toEqual([]);
    expect(() => split.feed(over.slice(10))).toThrow(/maxWatchEventChars/);
  });

  it('rejects an event object of another kind or apiVersion, but not one that names neither', () => {
    const d = new WatchDecoder(widgetSchema, 'Widget', { apiVersion: 'example.kcp.io/v1alpha1' });
    const ev = (object: unknown): string => `${JSON.stringify({ type: 'MODIFIED', object })}\n`;
    const items = d.feed(
      ev({ kind: 'Secret', metadata: { name: 'a' } }) +
        ev({ kind: 'Widget', apiVersion: 'v1', metadata: { name: 'a' } }) +
        ev({ kind: 'Widget', apiVersion: 'example.kcp.io/v1alpha1', metadata: { name: 'a' } }) +
        ev({ metadata: { name: 'a' } }),
    );
    expect(items.map((i) => (i.type === 'DECODE_ERROR' ? i.error.issues : i.type))).toEqual([
      ['object.kind'],
      ['object.apiVersion'],
      'MODIFIED',
      'MODIFIED',
    ]);
  });

  it('accepts string chunks', () => {
    const d = dec();
    expect(d.feed(`${ev('ADDED', { metadata: { name: 'a' } })}\n`)).toHaveLength(1);
  });

  it('decodes any bytes, valid UTF-8 or not, under any chunking as a streaming TextDecoder would', () => {
    // pieces of valid and invalid UTF-8 (lone continuation bytes, truncated and overlong sequences, surrogates)
    const piece = fc.constantFrom(
      [0x61],
      [0xc3, 0xa9],
      [0xe2, 0x82, 0xac],
      [0xf0, 0x9f, 0xa6, 0x84],
      [0x80],
      [0xff],
      [0xc3],
      [0xe2, 0x82],
      [0xf0, 0x9f],
      [0xed, 0xa0, 0x80],
      [0xc0, 0xaf],
      [0xef, 0xbb, 0xbf],
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(piece, { maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        (names, bom, cuts) => {
          const lines = names.map((pieces) =>
            Buffer.concat([
              Buffer.from('{"type":"ADDED","object":{"metadata":{"name":"'),
              Buffer.from(pieces.flat()),
              Buffer.from('"}}}\n'),
            ]),
          );
          const bytes = Buffer.concat([Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []), ...lines]);
          const reference = dec();
          const text = new TextDecoder('utf-8').decode(bytes);
          const expected = view([...reference.feed(text), ...reference.end()]);
          expect(view(decodeAll(splitAt(bytes, cuts)))).toEqual(expected);
          expect(expected).toHaveLength(names.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
