import { readFileSync } from 'node:fs';

/** Reads a golden fixture from test/fixtures/kcp as plain JSON. */
export function fixture(name: string): unknown {
  const url = new URL(`../fixtures/kcp/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as unknown;
}
