import type { IncomingMessage } from 'node:http';
import { isObject, type Json, type JsonObject } from '../model/json.js';
import { SimHttpError } from '../model/api-errors.js';

const LIMIT = 3 * 1024 * 1024;

/**
 * Reads and parses a JSON body of any shape (empty body → `{}`).
 * @throws SimHttpError 400 for malformed JSON, 413 when larger than 3 MiB, 415 for a body that is not JSON.
 */
export async function readJson(req: IncomingMessage): Promise<Json> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== '' && type !== 'application/json' && !type.endsWith('+json')) {
    // protobuf (kubectl's typed requests, e.g. `kubectl create namespace`) and YAML: kube-apiserver decodes
    // them; the simulator answers 415 like a server without that codec
    req.resume();
    throw new SimHttpError(
      415,
      `the body of the request was in an unknown format - accepted media types include: application/json`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > LIMIT) throw new SimHttpError(413, 'Request entity too large: limit is 3145728');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new SimHttpError(
      400,
      `the body of the request could not be decoded as JSON: ${(e as Error).message}`,
    );
  }
}

/**
 * Reads and parses a JSON object body (empty body → `{}`).
 * @throws SimHttpError 400 for malformed JSON or a non-object, 413 when larger than 3 MiB.
 */
export async function readJsonBody(req: IncomingMessage): Promise<JsonObject> {
  const value = await readJson(req);
  if (!isObject(value)) throw new SimHttpError(400, 'the body of the request must be a JSON object');
  return value;
}
