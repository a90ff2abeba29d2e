import { describe, expect, it } from 'vitest';
import { isDecodeError } from '../../src/errors.js';
import { Reflector } from '../../src/watch/reflector.js';
import type { WatchStatus } from '../../src/watch/status.js';
import { recordingSink } from '../watch/helpers/recording-sink.js';
import { RepeatLimiter, repeatKey } from '../../src/watch/repeat-limiter.js';
import type { WatchTuning } from '../../src/watch/tuning.js';
import { widget, widgets, type Widget } from '../http/helpers.js';
import {
  ERROR_EVENT_WITHOUT_STATUS,
  LOGIN_PAGE,
  transportTo,
  watchServer,
  reflectorsTornDownAfterEach,
} from './servers.js';

const reflectors = reflectorsTornDownAfterEach<Reflector<Widget>>();

const tiny: WatchTuning = {
  backoffInitialMs: 10,
  backoffMaxMs: 10,
  backoffJitter: 0,
  minWatchTimeoutSeconds: 60,
  inactivitySlackMs: 1000,
  connectTimeoutMs: 1000,
  veryShortWatchMs: 0,
  repeatedWarningIntervalMs: 60_000,
  random: () => 0.5,
};

/** Runs a reflector against `body` until the server saw `watches` watch requests. */
async function storm(body: string, watches: number) {
  const srv = await watchServer(() => body);
  const warnings: string[] = [];
  const statuses: WatchStatus[] = [];
  let resolveEnough: () => void = () => undefined;
  const enough = new Promise<void>((resolve) => {
    resolveEnough = resolve;
  });
  const { sink } = recordingSink<Widget>((e) => {
    if (e.type === 'status') statuses.push(e.status);
    if (srv.watches() >= watches) resolveEnough();
  });
  const r = new Reflector(transportTo(srv), widgets, 'root', sink, {
    tuning: tiny,
    logger: {
      debug: () => undefined,
      info: () => undefined,
      warn: (m) => warnings.push(m),
      error: () => undefined,
    },
  });
  reflectors.push(r);
  r.start();
  await enough;
  r.stop();
  await r.join();
  return { srv, warnings, statuses, store: r.store };
}

describe('a watch that answers 200 with nothing decodable', () => {
  it.each([
    ['an HTML login page', LOGIN_PAGE],
    ['an ERROR event whose object is not a Status', ERROR_EVENT_WITHOUT_STATUS],
  ])('backs off before every re-watch after %s', async (_what, body) => {
    const { srv, statuses, store } = await storm(body, 6);
    const watches = srv.watches();
    const retrying = statuses.flatMap((s) => (s.type === 'retrying' ? [s] : []));
    // Every re-watch followed a backoff sleep: the request rate is bounded by the tuning, not by the server.
    expect(retrying.length).toBeGreaterThanOrEqual(watches - 1);
    for (const s of retrying) {
      expect(s.delayMs).toBeGreaterThanOrEqual(10);
      expect(isDecodeError(s.error)).toBe(true);
    }
    expect(srv.requests.filter((q) => !q.url.includes('watch=true'))).toHaveLength(1);
    expect([...store.values()]).toEqual([widget('a')]);
  });

  it('logs each kind of repeated warning once per interval', async () => {
    const { srv, warnings } = await storm(LOGIN_PAGE, 6);
    expect(srv.watches()).toBeGreaterThanOrEqual(6);
    expect(warnings.filter((w) => w.startsWith('skipped an undecodable watch event'))).toHaveLength(1);
    expect(warnings.filter((w) => w.startsWith('retrying in'))).toHaveLength(1);
    expect(warnings).toHaveLength(2);
  });

  it('still re-watches at once after a stream that delivered a decodable event among bad lines', async () => {
    const good = `${JSON.stringify({ type: 'MODIFIED', object: widget('a', '2') })}\n`;
    const { statuses, store } = await storm(`${LOGIN_PAGE}${good}`, 4);
    expect(statuses.filter((s) => s.type === 'retrying')).toEqual([]);
    expect([...store.values()]).toEqual([widget('a', '2')]);
  });
});

describe('RepeatLimiter', () => {
  it('admits a key once per interval and reports how many repeats it suppressed', () => {
    const l = new RepeatLimiter(100, 2);
    expect(l.admit('a', 0)).toBe(0);
    expect(l.admit('a', 50)).toBeUndefined();
    expect(l.admit('a', 99)).toBeUndefined();
    expect(l.admit('b', 99)).toBe(0);
    expect(l.admit('a', 100)).toBe(2);
    expect(l.admit('c', 101)).toBe(0);
    // 'b' was the least recently admitted key and is forgotten beyond maxKeys.
    expect(l.admit('b', 102)).toBe(0);
    expect(repeatKey('retrying in 812 ms (attempt 3): x')).toBe('retrying in # ms (attempt #): x');
  });
});
