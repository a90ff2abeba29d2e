import type { z } from 'zod';
import { DecodeError } from '../errors.js';
import { statusSchema, watchEnvelopeSchema } from '../kcp/meta.js';
import { issuePaths, issueSummary } from './decode.js';
import type { WatchItem } from './types.js';

/**
 * Decodes a Kubernetes watch stream (one JSON event per line) into typed {@link WatchItem}s.
 *
 * Pure and synchronous: feed it chunks as they arrive, call {@link WatchDecoder.end} when the stream ends.
 * UTF-8 sequences split across chunks are decoded correctly; blank lines and `\r\n` are accepted. A line that
 * is not JSON, not an event envelope, or whose object fails the schema becomes a `DECODE_ERROR` item and
 * decoding goes on with the next line.
 */
export class WatchDecoder<T> {
  readonly #schema: z.ZodType<T>;
  readonly #kind: string;
  readonly #utf8 = new TextDecoder('utf-8');
  /** Pieces of the current, incomplete line (joined once, when its newline arrives). */
  #pieces: string[] = [];

  /**
   * @param schema validates the `object` of ADDED/MODIFIED/DELETED events
   * @param kind the kind name used in error messages
   */
  constructor(schema: z.ZodType<T>, kind = 'object') {
    this.#schema = schema;
    this.#kind = kind;
  }

  /** Feeds one chunk (bytes or text) and returns the items completed by it. */
  feed(chunk: Uint8Array | string): Array<WatchItem<T>> {
    const text = typeof chunk === 'string' ? chunk : this.#utf8.decode(chunk, { stream: true });
    return this.#push(text);
  }

  /** Flushes the decoder at end of stream and returns the items of a last, unterminated line. */
  end(): Array<WatchItem<T>> {
    const out = this.#push(this.#utf8.decode());
    const rest = this.#pieces.join('');
    this.#pieces = [];
    const item = this.#line(rest);
    if (item !== undefined) out.push(item);
    return out;
  }

  #push(text: string): Array<WatchItem<T>> {
    const out: Array<WatchItem<T>> = [];
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      let line = text.slice(start, nl);
      if (this.#pieces.length > 0) {
        this.#pieces.push(line);
        line = this.#pieces.join('');
        this.#pieces = [];
      }
      const item = this.#line(line);
      if (item !== undefined) out.push(item);
      start = nl + 1;
    }
    if (start < text.length) this.#pieces.push(start === 0 ? text : text.slice(start));
    return out;
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
    const env = envelopeOf(json);
    if (env === undefined) {
      const full = watchEnvelopeSchema.safeParse(json);
      const issues = full.success ? [] : issuePaths(full.error);
      const summary = full.success ? 'unexpected shape' : issueSummary(full.error);
      return fail(`watch event has no valid type/object: ${summary}`, line, issues);
    }
    const { type, object } = env;
    if (type === 'ERROR') {
      const status = statusSchema.safeParse(object);
      if (!status.success) {
        const issues = issuePaths(status.error, 'object');
        return fail(
          `watch ERROR event carries no valid Status: ${issueSummary(status.error, 'object')}`,
          line,
          issues,
        );
      }
      return { type, status: status.data };
    }
    if (type === 'BOOKMARK') {
      const rv = (object['metadata'] as { resourceVersion?: unknown } | undefined)?.resourceVersion;
      if (typeof rv !== 'string') {
        return fail('watch BOOKMARK event has no metadata.resourceVersion', line, [
          'object.metadata.resourceVersion',
        ]);
      }
      return { type, resourceVersion: rv };
    }
    const parsed = this.#schema.safeParse(object);
    if (!parsed.success) {
      return fail(
        `watch ${type} event: not a valid ${this.#kind}: ${issueSummary(parsed.error, 'object')}`,
        line,
        issuePaths(parsed.error, 'object'),
      );
    }
    return { type, object: parsed.data };
  }
}

const EVENT_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/**
 * The envelope of a watch event without copying it (zod would copy `object`); `undefined` when it is not
 * `{ type: <event type>, object: {…} }` — the caller then asks zod for a precise message.
 */
function envelopeOf(
  json: unknown,
):
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: Record<string, unknown> }
  | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { type, object } = json as { type?: unknown; object?: unknown };
  if (typeof type !== 'string' || !EVENT_TYPES.has(type)) return undefined;
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return undefined;
  return { type: type as 'ADDED', object: object as Record<string, unknown> };
}

function fail(message: string, snippet: string, issues?: string[]): WatchItem<never> {
  return { type: 'DECODE_ERROR', error: new DecodeError(message, { snippet, issues }) };
}
