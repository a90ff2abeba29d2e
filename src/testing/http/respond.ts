import type { ServerResponse } from 'node:http';
import type { JsonObject } from '../model/json.js';
import { SimHttpError, statusBody } from '../model/api-errors.js';

/** Writes a JSON response (no-op when the response already started or the socket is gone). */
export function sendJson(
  res: ServerResponse,
  code: number,
  body: JsonObject,
  headers: Record<string, string | string[]> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(text);
}

/**
 * Writes a `Status` error response for any thrown value (unexpected errors become 500), or the plain text of a
 * {@link SimHttpError} that carries one.
 */
export function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof SimHttpError && error.text !== undefined) {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(error.code, {
      'Content-Type': 'text/plain; charset=utf-8',
      'X-Content-Type-Options': 'nosniff',
      'Content-Length': String(Buffer.byteLength(error.text)),
    });
    res.end(error.text);
    return;
  }
  if (error instanceof SimHttpError) {
    const headers: Record<string, string> = {};
    if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(error.retryAfterSeconds);
    sendJson(res, error.code, error.toStatus(), headers);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  sendJson(res, 500, statusBody(500, `Internal error occurred: ${message}`));
}
