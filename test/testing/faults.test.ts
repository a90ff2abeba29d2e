import { describe, expect, it } from 'vitest';
import { api, coll, sleep, startSim, WatchReader } from './helpers.js';

const P = 'root:org:provider';
const SLICES = coll(P, 'apiexportendpointslices');

describe('scripted faults', () => {
  it('answers an injected HTTP status with a Status body and Retry-After for 429/503', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    sim.faults.inject({ kind: 'http', status: 429, retryAfterSeconds: 3, match: { verb: 'list' } });
    sim.faults.inject({
      kind: 'http',
      status: 503,
      match: { resource: 'apiexportendpointslices', verb: 'get' },
    });
    sim.faults.inject({ kind: 'http', status: 500 });
    const r429 = await api(sim, 'GET', SLICES);
    expect(r429.status).toBe(429);
    expect(r429.headers['retry-after']).toBe('3');
    expect(r429.body).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } });
    const r503 = await api(sim, 'GET', `${SLICES}/x`);
    expect(r503.status).toBe(503);
    expect(r503.headers['retry-after']).toBe('1');
    const r500 = await api(sim, 'GET', SLICES);
    expect(r500.status).toBe(500);
    expect(r500.body.reason).toBe('InternalError');
    expect((await api(sim, 'GET', SLICES)).status).toBe(200);
    expect(sim.faults.history.map((h) => [h.kind, h.status, h.verb])).toEqual([
      ['http', 429, 'list'],
      ['http', 503, 'get'],
      ['http', 500, 'list'],
    ]);
  });

  it('answers 410 on list and watch', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    sim.faults.inject({ kind: 'http', status: 410, times: 2, match: { cluster: P } });
    const list = await api(sim, 'GET', SLICES);
    expect(list.body).toMatchObject({ code: 410, reason: 'Expired' });
    expect((await api(sim, 'GET', `${SLICES}?watch=true`)).status).toBe(410);
    expect((await api(sim, 'GET', SLICES)).status).toBe(200);
  });

  it('honours times, removal and clear()', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    const h = sim.faults.inject({ kind: 'http', status: 500, times: 3 });
    await api(sim, 'GET', SLICES);
    expect(h.remaining).toBe(2);
    h.remove();
    expect((await api(sim, 'GET', SLICES)).status).toBe(200);
    sim.faults.inject({ kind: 'http', status: 500, times: Infinity });
    sim.faults.clear();
    expect((await api(sim, 'GET', SLICES)).status).toBe(200);
  });

  it('only hits discovery requests when a path matcher is given', async () => {
    const sim = await startSim();
    sim.faults.inject({ kind: 'http', status: 503 });
    expect((await api(sim, 'GET', '/clusters/root/apis')).status).toBe(200);
    sim.faults.clear();
    sim.faults.inject({ kind: 'http', status: 503, match: { path: /\/apis$/ } });
    expect((await api(sim, 'GET', '/clusters/root/apis')).status).toBe(503);
    sim.faults.inject({ kind: 'http', status: 502, match: { path: '/openapi' } });
    expect((await api(sim, 'GET', '/openapi/v3')).status).toBe(502);
  });

  it('drops a plain request without an answer', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    sim.faults.inject({ kind: 'drop', match: { verb: 'get' } });
    await expect(api(sim, 'GET', `${SLICES}/x`)).rejects.toThrow();
  });

  it('drops a watch connection mid-stream after afterEvents events', async () => {
    const sim = await startSim();
    sim.createExport(P, 'a');
    sim.createExport(P, 'b');
    sim.faults.inject({ kind: 'drop', match: { verb: 'watch' }, afterEvents: 1 });
    const w = await WatchReader.open(sim, `${SLICES}?watch=true`);
    await w.done();
    expect(w.events).toHaveLength(1);
    expect(w.error).toBeDefined();
  });

  it('sends an ERROR 410 event and ends the watch', async () => {
    const sim = await startSim();
    sim.createExport(P, 'a');
    sim.faults.inject({ kind: 'expired-event', afterEvents: 1 });
    const w = await WatchReader.open(sim, `${SLICES}?watch=true`);
    await w.done();
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'ERROR']);
    expect(w.events[1].object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    expect(w.error).toBeUndefined();
  });

  it('stalls: headers are sent, then no byte until stallMs', async () => {
    const sim = await startSim();
    sim.createExport(P, 'a');
    sim.faults.inject({ kind: 'stall', match: { verb: 'watch' }, stallMs: 60 });
    const w = await WatchReader.open(sim, `${SLICES}?watch=true`);
    expect(w.status).toBe(200);
    await sleep(30);
    expect(w.chunks).toEqual([]);
    await w.done();
    expect(w.chunks).toEqual([]);
  });

  it('stalls a list until the simulator closes', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    sim.faults.inject({ kind: 'stall', match: { verb: 'list' } });
    const w = await WatchReader.open(sim, SLICES);
    expect(w.status).toBe(200);
    await sleep(20);
    expect(w.chunks).toEqual([]);
    await sim.close();
    await w.done();
  });

  it('writes a malformed JSON line into the stream and continues', async () => {
    const sim = await startSim();
    sim.createExport(P, 'a');
    sim.faults.inject({ kind: 'malformed-line', afterEvents: 1 });
    const w = await WatchReader.open(sim, `${SLICES}?watch=true`);
    sim.createExport(P, 'b');
    await w.until((x) => x.events.length >= 2);
    expect(() => JSON.parse(w.lines[1]!)).toThrow();
    expect(w.lines.filter((l) => !l.startsWith('{"type":"MODIFIED","object":{"kind":'))).toHaveLength(
      w.events.length,
    );
    w.close();
  });

  it('splits a JSON line across two writes', async () => {
    const sim = await startSim();
    sim.createExport(P, 'a');
    sim.createExport(P, 'b');
    sim.faults.inject({ kind: 'split-line', afterEvents: 0 });
    const w = await WatchReader.open(sim, `${SLICES}?watch=true`);
    await w.until((x) => x.events.length === 2);
    const first = w.chunks[0]!;
    expect(first.includes('\n')).toBe(false);
    expect(w.events.map((e) => e.object.metadata.name)).toEqual(['a', 'b']);
    w.close();
  });

  it('ignores stream-only faults for non-watch requests', async () => {
    const sim = await startSim();
    sim.createWorkspace(P);
    sim.faults.inject({ kind: 'split-line' });
    expect((await api(sim, 'GET', SLICES)).status).toBe(200);
    expect(sim.faults.history).toEqual([]);
  });
});

describe('random faults', () => {
  async function run(seed: number): Promise<string[]> {
    const sim = await startSim();
    sim.createWorkspace(P);
    sim.faults.random({ seed, rate: 0.5, kinds: ['http'], match: { verb: 'list' } });
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) codes.push(String((await api(sim, 'GET', SLICES)).status));
    expect(sim.faults.history.every((h) => h.random)).toBe(true);
    return codes;
  }

  it('is reproducible for a seed and differs between seeds', async () => {
    const a = await run(42);
    const b = await run(42);
    const c = await run(7);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.some((s) => s !== '200')).toBe(true);
    expect(a.some((s) => s === '200')).toBe(true);
  });

  it('injects every stream kind at rate 1 without crashing the simulator', async () => {
    const sim = await startSim();
    sim.createExport(P, 'a');
    sim.faults.random({ seed: 'chaos', rate: 1 });
    for (let i = 0; i < 15; i++) {
      const w = await WatchReader.open(sim, `${SLICES}?watch=true`);
      sim.createExport(P, `x${i}`);
      await Promise.race([w.done(200).catch(() => undefined), sleep(30)]);
      w.close();
    }
    const kinds = new Set(sim.faults.history.map((h) => h.kind));
    expect(kinds.size).toBeGreaterThanOrEqual(3);
    sim.faults.clear();
    expect((await api(sim, 'GET', SLICES)).status).toBe(200);
    expect(sim.errors).toEqual([]);
  });
});
