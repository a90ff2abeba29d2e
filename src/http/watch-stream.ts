import type { Readable } from 'node:stream';
import { AbortError, DecodeError, TimeoutError } from '../errors.js';
import { displayUrl, mapRequestError, type RequestInfo } from './errors.js';
import { formatBytes } from './limits.js';
import type { WatchItem } from './types.js';
import type { WatchDecoder } from './watch-decoder.js';

/** Upper bound of an error body read from a stream. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Something that can be destroyed (the response stream, the client request). */
interface Destroyable {
  destroy(error?: Error): unknown;
}

/** Destroys `stream` when `signal` aborts; returns the function that removes the listener. */
function destroyOnAbort(stream: Readable, signal: AbortSignal | undefined): () => void {
  if (signal === undefined) return () => undefined;
  const onAbort = (): void => {
    stream.destroy(new AbortError('response body aborted'));
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    signal.removeEventListener('abort', onAbort);
  };
}

/**
 * Reads at most `max` bytes of a stream as UTF-8 text, then destroys it. Never rejects: a broken or aborted
 * body (`signal`) still yields what arrived.
 */
export async function readCapped(
  stream: Readable,
  max: number = MAX_ERROR_BODY_BYTES,
  signal?: AbortSignal,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const release = destroyOnAbort(stream, signal);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(buf);
      size += buf.length;
      if (size >= max) break;
    }
  } catch {
    // A broken error body still yields what arrived.
  } finally {
    release();
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

/**
 * Reads a whole (already decompressed) response body as UTF-8 text, refusing to hold more than `max` bytes.
 * Aborting `signal` destroys the stream and rejects with the stream's error.
 * @param what the request, for the error message
 * @throws DecodeError naming `maxResponseBytes` once the body grows past `max` (the stream is destroyed).
 */
export async function readBody(
  stream: Readable,
  max: number,
  what: string,
  signal?: AbortSignal,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const release = destroyOnAbort(stream, signal);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size > max) {
        throw new DecodeError(
          `${what}: response body is larger than ${formatBytes(max)} (limits.maxResponseBytes); stopped reading it`,
        );
      }
      chunks.push(buf);
    }
  } finally {
    release();
    stream.destroy();
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** Options of {@link iterateWatchBatches}. */
export interface IterateOptions {
  /** The request, for error messages. */
  info: RequestInfo;
  /** The caller's signal; aborting destroys the stream and the iteration throws `AbortError`. */
  signal?: AbortSignal | undefined;
  /** Fail with `TimeoutError` when no chunk arrives for this many ms while waiting for one. */
  inactivityTimeoutMs?: number | undefined;
  /** The underlying request, destroyed together with the stream. */
  request?: Destroyable | undefined;
}

/**
 * Iterates a watch response stream through a {@link WatchDecoder}, one batch per network chunk: the items the
 * chunk completed, in order (a chunk that completes no line yields nothing). One async step per chunk instead
 * of one per event. Ending the iteration early, aborting the signal, or the inactivity timer destroys the
 * stream (and so the socket).
 */
export async function* iterateWatchBatches<T>(
  stream: Readable,
  decoder: WatchDecoder<T>,
  options: IterateOptions,
): AsyncGenerator<ReadonlyArray<WatchItem<T>>, void, undefined> {
  const { signal, info, inactivityTimeoutMs: idle } = options;
  const where = `${info.method} ${displayUrl(info.url)}`;
  const onAbort = (): void => {
    stream.destroy(new AbortError(`${where}: watch aborted`));
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  const it = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  try {
    if (signal?.aborted === true) throw new AbortError(`${where}: watch aborted`);
    // One timer for the whole stream, re-armed (refresh) while waiting for each chunk.
    let waiting = false;
    const timer =
      idle !== undefined && idle > 0
        ? setTimeout(function expire(this: NodeJS.Timeout) {
            if (waiting) {
              stream.destroy(new TimeoutError(`${where}: no data for ${idle} ms, closing the watch`, idle));
            }
          }, idle)
        : undefined;
    try {
      for (;;) {
        waiting = true;
        timer?.refresh();
        let next: IteratorResult<Buffer | string>;
        try {
          next = await it.next();
        } finally {
          waiting = false;
        }
        if (next.done === true) break;
        const batch = decoder.feed(next.value);
        if (batch.length > 0) yield batch;
      }
    } finally {
      clearTimeout(timer);
    }
    const last = decoder.end();
    if (last.length > 0) yield last;
  } catch (e) {
    throw mapRequestError(e, info, { signal });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stream.destroy();
    options.request?.destroy();
  }
}

/** The items of a batched watch ({@link iterateWatchBatches}) one by one; ending early ends the batches too. */
export async function* flattenBatches<T>(
  batches: AsyncIterable<ReadonlyArray<WatchItem<T>>>,
): AsyncGenerator<WatchItem<T>, void, undefined> {
  for await (const batch of batches) yield* batch;
}
