import { afterEach, describe, expect, it } from 'vitest';
import { anonymousCredentials } from '../../src/config/connection.js';
import { isApiStatusError } from '../../src/errors.js';
import { createTransport, type HttpTransport } from '../../src/http/transport.js';
import { closeServers, startServer, widgets } from './helpers.js';

const transports: HttpTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  await closeServers();
});

async function answer(status: number, location: string | undefined): Promise<unknown> {
  const srv = await startServer((_req, res) => {
    res.writeHead(status, location === undefined ? {} : { Location: location });
    res.end('<html>moved</html>');
  });
  const t = createTransport({
    connection: {
      server: `${srv.url}/clusters/root`,
      tls: { insecureSkipTlsVerify: false },
      credentials: anonymousCredentials,
    },
  });
  transports.push(t);
  try {
    await t.get(widgets, 'root', 'a');
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('redirects', () => {
  it.each([301, 302, 303, 307, 308])(
    'says where a %i pointed and that it was not followed',
    async (status) => {
      const e = await answer(status, 'https://login.example/sso?next=%2F');
      expect(isApiStatusError(e)).toBe(true);
      expect((e as Error).message).toMatch(
        new RegExp(`: ${status} \\w+: redirect to https://login\\.example/sso\\?next=%2F not followed$`),
      );
      expect((e as { status: number }).status).toBe(status);
    },
  );

  it('resolves a relative Location, drops user info, and names a missing Location', async () => {
    const relative = await answer(302, '/login');
    expect((relative as Error).message).toMatch(/redirect to http:\/\/127\.0\.0\.1:\d+\/login not followed$/);
    const userinfo = await answer(302, 'https://admin:S3cret-pw@evil.example/x');
    expect((userinfo as Error).message).toContain('redirect to https://evil.example/x not followed');
    expect(JSON.stringify(userinfo)).not.toContain('S3cret-pw');
    const none = await answer(302, undefined);
    expect((none as Error).message).toContain('redirect to no Location header not followed');
  });
});
