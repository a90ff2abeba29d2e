import { StringDecoder } from 'node:string_decoder';
import type { z } from 'zod';
import { DecodeError } from '../errors.js';
import { statusSchema, watchEnvelopeSchema } from '../kcp/meta.js';
import { type DecodeWhere, kindOf, malformed, schemaError } from '../kcp/decode.js';
import type { Guard } from '../kcp/guards.js';
import { isStatus } from '../kcp/guards.generated.js';
import { identityProblem } from './decode.js';
import { DEFAULT_MAX_WATCH_EVENT_CHARS } from './limits.js';
import type { WatchItem } from './types.js';

/**
 * Decodes a Kubernetes watch stream (one JSON event per line) into typed {@link WatchItem}s.
 *
 * Pure and synchronous: feed it chunks as they arrive, call {@link WatchDecoder.end} when the stream ends.
 * UTF-8 sequences split across chunks are decoded correctly; blank lines and `\r\n` are accepted. A line that
 * is not JSON, not an event envelope, or whose object fails the schema becomes a `DECODE_ERROR` item and
 * decoding goes on with the next line. A line longer than `maxLineChars` is fatal: {@link WatchDecoder.feed}
 * throws a `DecodeError` naming the limit, since the stream can no longer be trusted to be in sync.
 */
export class WatchDecoder<T> {
  readonly #schema: z.ZodType<T>;
  readonly #guard: Guard<T> | undefined;
  readonly #kind: string;
  /** What messages call an object: the kind, or `options.label` when any kind is accepted. */
  readonly #label: string;
  /** Node's UTF-8 decoder: the same text as a streaming `TextDecoder`, several times faster on Node 20. */
  readonly #utf8 = new StringDecoder('utf8');
  /** A leading byte-order mark was looked for (and dropped), as `TextDecoder` does. */
  #bomChecked = false;
  readonly #apiVersion: string | undefined;
  readonly #maxLine: number;
  /** Pieces of the current, incomplete line (joined once, when its newline arrives). */
  #pieces: string[] = [];
  /** Total length of {@link #pieces}. */
  #pending = 0;

  /**
   * @param schema validates the `object` of ADDED/MODIFIED/DELETED events
   * @param kind the kind name used in error messages; an object that names another `kind` is a decode error
   *   (`''` accepts any kind and names objects by `options.label`)
   * @param options `apiVersion` an object must have when it names one; `maxLineChars`, the longest event line
   *   (default {@link DEFAULT_MAX_WATCH_EVENT_CHARS}); `guard`, the schema's generated guard (`kcp/guards.ts`):
   *   an object it accepts is kept as parsed and zod is not called
   */
  constructor(
    schema: z.ZodType<T>,
    kind = 'object',
    options: {
      apiVersion?: string | undefined;
      maxLineChars?: number | undefined;
      guard?: Guard<T> | undefined;
      label?: string | undefined;
    } = {},
  ) {
    this.#schema = schema;
    this.#guard = options.guard;
    this.#kind = kind;
    this.#label = kind === '' ? (options.label ?? 'object') : kind;
    this.#apiVersion = options.apiVersion;
    this.#maxLine = options.maxLineChars ?? DEFAULT_MAX_WATCH_EVENT_CHARS;
  }

  /**
   * Feeds one chunk (bytes or text) and returns the items completed by it.
   * @throws DecodeError when a line grows past the line limit.
   */
  feed(chunk: Uint8Array | string): Array<WatchItem<T>> {
    const text = typeof chunk === 'string' ? chunk : this.#text(this.#utf8.write(chunk));
    return this.#push(text);
  }

  /** Flushes the decoder at end of stream and returns the items of a last, unterminated line. */
  end(): Array<WatchItem<T>> {
    const out = this.#push(this.#text(this.#utf8.end()));
    const rest = this.#pieces.join('');
    this.#pieces = [];
    this.#pending = 0;
    const item = this.#line(rest);
    if (item !== undefined) out.push(item);
    return out;
  }

  /** Decoded text, without the byte-order mark a stream may start with. */
  #text(decoded: string): string {
    if (this.#bomChecked || decoded === '') return decoded;
    this.#bomChecked = true;
    return decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
  }

  #push(text: string): Array<WatchItem<T>> {
    const out: Array<WatchItem<T>> = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      if (this.#pending + nl - start > this.#maxLine) this.#tooLong(text, start);
      let line = text.slice(start, nl);
      if (this.#pieces.length > 0) {
        this.#pieces.push(line);
        line = this.#pieces.join('');
        this.#pieces = [];
        this.#pending = 0;
      }
      const item = this.#line(line);
      if (item !== undefined) out.push(item);
      start = nl + 1;
    }
    if (start < text.length) {
      if (this.#pending + text.length - start > this.#maxLine) this.#tooLong(text, start);
      this.#pieces.push(start === 0 ? text : text.slice(start));
      this.#pending += text.length - start;
    }
    return out;
  }

  /**
   * Drops the current line and throws: it is longer than the limit. Events completed earlier in the same chunk
   * are dropped too; they were not applied, so a re-watch from the last applied resourceVersion delivers them.
   */
  #tooLong(text: string, start: number): never {
    const head = (this.#pieces[0] ?? text.slice(start, start + 200)).slice(0, 200);
    this.#pieces = [];
    this.#pending = 0;
    throw new DecodeError(
      `watch event line is longer than ${this.#maxLine} characters (limits.maxWatchEventChars); closing the watch`,
      { snippet: head },
    );
  }

  #line(raw: string): WatchItem<T> | undefined {
    // Fast path: a line normally starts with '{'; only then is trimming (blank lines, CRLF) needed.
    const line = raw.charCodeAt(0) === 123 && raw.charCodeAt(raw.length - 1) !== 13 ? raw : raw.trim();
    if (line === '') return undefined;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      return fail(`watch event is not valid JSON (${(e as Error).message})`, line);
    }
    if (!isEnvelope(json)) {
      const full = watchEnvelopeSchema.safeParse(json);
      return undecodable(
        full.success
          ? malformed('watch event', json, [{ path: [], says: ': unexpected shape' }], { snippet: line })
          : schemaError(full.error, json, 'watch event', { snippet: line }),
      );
    }
    const { type, object } = json;
    if (type === 'ERROR') {
      if (isStatus(object)) return { type, status: object };
      const status = statusSchema.safeParse(object);
      if (!status.success) {
        return undecodable(
          schemaError(status.error, object, 'Status', {
            context: 'watch ERROR event',
            at: 'object',
            snippet: line,
          }),
        );
      }
      return { type, status: status.data };
    }
    if (type === 'BOOKMARK') {
      const rv = (object['metadata'] as { resourceVersion?: unknown } | undefined)?.resourceVersion;
      if (typeof rv !== 'string') {
        const says = rv === undefined ? ' is required' : ` must be a string, got ${kindOf(rv)}`;
        return undecodable(
          malformed(this.#label, object, [{ path: ['metadata', 'resourceVersion'], says }], {
            context: 'watch BOOKMARK event',
            at: 'object',
            snippet: line,
          }),
        );
      }
      return { type, resourceVersion: rv };
    }
    const wrong = identityProblem(object, this.#kind, this.#apiVersion);
    if (wrong !== undefined)
      return undecodable(malformed(this.#label, object, [wrong], eventWhere(type, line)));
    // The fast path: the parsed object is kept; zod runs only for an object the guard refuses.
    if (this.#guard?.(object) === true) return { type, object };
    const parsed = this.#schema.safeParse(object);
    if (!parsed.success) {
      return undecodable(schemaError(parsed.error, object, this.#label, eventWhere(type, line)));
    }
    return { type, object: parsed.data };
  }
}

const EVENT_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/** A watch event envelope, as the fast path reads it. */
interface Envelope {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

/**
 * True when `json` is `{ type: <event type>, object: {…} }`, checked without copying (zod would copy
 * `object`) or allocating; when false, the caller asks zod for a precise message.
 */
function isEnvelope(json: unknown): json is Envelope {
  if (typeof json !== 'object' || json === null) return false;
  const { type, object } = json as { type?: unknown; object?: unknown };
  if (typeof type !== 'string' || !EVENT_TYPES.has(type)) return false;
  return typeof object === 'object' && object !== null && !Array.isArray(object);
}

function fail(message: string, snippet: string): WatchItem<never> {
  return undecodable(new DecodeError(message, { snippet }));
}

/** Where the object of a watch event of `type` was read, for {@link malformed}. */
function eventWhere(type: string, line: string): DecodeWhere {
  return { context: `watch ${type} event`, at: 'object', snippet: line };
}

function undecodable(error: DecodeError): WatchItem<never> {
  return { type: 'DECODE_ERROR', error };
}
