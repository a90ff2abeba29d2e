import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer } from '../../src/controller/health.js';
import { isInvalidArgumentError } from '../../src/errors.js';

const servers: HealthServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(...args: Parameters<typeof startHealthServer>): Promise<HealthServer> {
  const s = await startHealthServer(...args);
  servers.push(s);
  return s;
}

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

function call(url: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('health server', () => {
  it('listens on loopback by default and answers ok when every check passes', async () => {
    const s = await start({ port: 0 }, { healthz: { loops: () => true }, readyz: { started: () => true } });
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const path of ['/healthz', '/readyz', '/readyz/', '/healthz/loops']) {
      const a = await call(`${s.url}${path}`);
      expect([a.status, a.body], path).toEqual([200, 'ok']);
      expect(a.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(a.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('answers 500 with one line per check when one fails, throws or rejects, never with the reason', async () => {
    let synced = false;
    const s = await start(
      { port: 0 },
      {
        readyz: {
          started: () => true,
          synced: () => synced,
          probe: () => Promise.reject(new Error('token abc123 refused')),
          crashes: () => {
            throw new Error('secret detail');
          },
        },
      },
    );
    const a = await call(`${s.url}/readyz`);
    expect(a.status).toBe(500);
    expect(a.body).toBe(
      [
        '[+]started ok',
        '[-]synced failed: reason withheld',
        '[-]probe failed: reason withheld',
        '[-]crashes failed: reason withheld',
        'readyz check failed',
        '',
      ].join('\n'),
    );
    expect((await call(`${s.url}/readyz/synced`)).status).toBe(500);
    synced = true;
    expect(await call(`${s.url}/readyz/synced`)).toMatchObject({ status: 200, body: 'ok' });
  });

  it('lists the checks on success with ?verbose, and answers for a group without checks', async () => {
    const s = await start({ port: 0 }, { healthz: { loops: () => Promise.resolve(true) } });
    expect((await call(`${s.url}/healthz?verbose`)).body).toBe('[+]loops ok\nhealthz check passed\n');
    expect(await call(`${s.url}/readyz`)).toMatchObject({ status: 200, body: 'ok' });
    expect((await call(`${s.url}/readyz?verbose=1`)).body).toBe('[+]ping ok\nreadyz check passed\n');
  });

  it('answers 404 for other paths and unknown checks, 405 for other methods, and HEAD without a body', async () => {
    const s = await start({ port: 0 }, { healthz: { loops: () => true } });
    for (const path of ['/', '/metrics', '/healthz/nope', '/healthz/loops/x', '/livez'])
      expect((await call(`${s.url}${path}`)).status, path).toBe(404);
    const post = await call(`${s.url}/healthz`, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
    expect(await call(`${s.url}/healthz`, 'HEAD')).toMatchObject({ status: 200, body: '' });
  });

  it('listens on the host it is given, IPv6 included', async () => {
    const s = await start({ port: 0, host: '::1' }, {});
    expect(s.url).toMatch(/^http:\/\/\[::1\]:\d+$/);
    expect((await call(`${s.url}/healthz`)).status).toBe(200);
  });

  it('closes with its connections, even one waiting on a check that never answers; a second close does nothing', async () => {
    let asked: () => void = () => undefined;
    const checking = new Promise<void>((r) => (asked = r));
    const hangs = (): Promise<boolean> => {
      asked();
      return new Promise<boolean>(() => undefined);
    };
    const s = await startHealthServer({ port: 0 }, { readyz: { hangs } });
    const pending = rejection(call(`${s.url}/readyz`));
    await checking;
    await s.close();
    await s.close();
    expect(await pending).toBeInstanceOf(Error);
    expect(await rejection(call(`${s.url}/healthz`))).toBeInstanceOf(Error);
  });

  it.each([
    [{ port: -1 }, 'health.port'],
    [{ port: 65536 }, 'health.port'],
    [{ port: 1.5 }, 'health.port'],
    [{ port: Number.NaN }, 'health.port'],
    [{ port: 0, host: '' }, 'health.host'],
  ])('rejects %o naming %s', async (options, name) => {
    const e = await rejection(startHealthServer(options, {}));
    expect(isInvalidArgumentError(e)).toBe(true);
    expect((e as { argument: string }).argument).toBe(name);
  });

  it('rejects a check with a bad name or that is not a function', async () => {
    for (const checks of [
      { healthz: { 'a b': () => true } },
      { readyz: { ok: true as unknown as () => boolean } },
    ]) {
      const e = await rejection(startHealthServer({ port: 0 }, checks));
      expect(isInvalidArgumentError(e)).toBe(true);
    }
  });

  it('rejects a port in use naming health.port, and a host it cannot listen on naming health.host', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const { port } = busy.address() as AddressInfo;
      const e = await rejection(startHealthServer({ port }, {}));
      expect(isInvalidArgumentError(e)).toBe(true);
      expect((e as { argument: string }).argument).toBe('health.port');
      expect((e as Error).message).toContain('EADDRINUSE');
    } finally {
      await new Promise((r) => busy.close(r));
    }
    const e = await rejection(startHealthServer({ port: 0, host: '192.0.2.1' }, {}));
    expect(isInvalidArgumentError(e)).toBe(true);
    expect((e as { argument: string }).argument).toBe('health.host');
  });
});
