import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterEach } from 'vitest';
import { startKcpSimulator, type KcpSimulator, type SimulatorOptions } from '../../src/testing/index.js';
import type { SimulatorClock } from '../../src/testing/clock.js';

const running = new Set<KcpSimulator>();

/** Starts a simulator that is closed after the test. */
export async function startSim(options: SimulatorOptions = {}): Promise<KcpSimulator> {
  const sim = await startKcpSimulator(options);
  running.add(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all([...running].map((s) => s.close()));
  running.clear();
});

/** A JSON answer. */
export interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: any;
  text: string;
}

/** One HTTP request to the simulator with the admin token (or `token`, or none with `token: null`). */
export async function api(
  sim: KcpSimulator,
  method: string,
  path: string,
  body?: unknown,
  options: { token?: string | null; contentType?: string; raw?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token !== null) headers['authorization'] = `Bearer ${options.token ?? sim.token}`;
  let payload: string | undefined = options.raw;
  if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: Object.fromEntries(res.headers), body: parsed, text };
}

/** Path of a resource collection in a workspace. */
export function coll(ws: string, resource: string, version = 'v1alpha1', group = 'apis.kcp.io'): string {
  return `/clusters/${ws}/apis/${group}/${version}/${resource}`;
}

/** A streaming watch reader over raw node:http. */
export class WatchReader {
  readonly chunks: string[] = [];
  status = 0;
  ended = false;
  error: Error | undefined;
  private buffer = '';
  readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  private req: ReturnType<typeof httpRequest> | undefined;

  static async open(sim: KcpSimulator, path: string, token: string = sim.token): Promise<WatchReader> {
    const w = new WatchReader();
    await new Promise<void>((resolve) => {
      w.req = httpRequest(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        w.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          w.chunks.push(d);
          w.buffer += d;
          let i;
          while ((i = w.buffer.indexOf('\n')) !== -1) {
            w.lines.push(w.buffer.slice(0, i));
            w.buffer = w.buffer.slice(i + 1);
          }
          w.notify();
        });
        res.on('end', () => {
          w.ended = true;
          w.notify();
        });
        res.on('error', (e) => {
          w.error = e;
          w.ended = true;
          w.notify();
        });
        resolve();
      });
      w.req.on('error', (e) => {
        w.error = e;
        w.ended = true;
        w.notify();
        resolve();
      });
      w.req.end();
    });
    return w;
  }

  /** Parsed events (lines that are JSON). */
  get events(): any[] {
    return this.lines.flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
  }

  /** Waits until `pred` holds (or the stream ended), at most `ms`. */
  async until(pred: (w: WatchReader) => boolean, ms = 2_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this)) {
      if (this.ended) throw new Error(`stream ended; lines: ${JSON.stringify(this.lines)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout; lines: ${JSON.stringify(this.lines)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Waits for the end of the stream. */
  async done(ms = 2_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error('stream did not end');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close(): void {
    this.req?.destroy();
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** A manually advanced clock. */
export class FakeClock implements SimulatorClock {
  time = Date.parse('2026-08-07T10:00:00Z');
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private next = 1;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  /** Advances time, firing due timers in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const t = this.timers[0];
      if (t === undefined || t.at > end) break;
      this.timers.shift();
      this.time = t.at;
      t.fn();
    }
    this.time = end;
  }
  get pending(): number {
    return this.timers.length;
  }
  /** When the next timer is due (`undefined` with none pending). */
  get nextTimerAt(): number | undefined {
    return this.timers.reduce<number | undefined>(
      (min, t) => (min === undefined || t.at < min ? t.at : min),
      undefined,
    );
  }
}

/** Sleeps. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
