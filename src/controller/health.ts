/**
 * The health-probe server of a controller, as controller-runtime's `HealthProbeBindAddress`: `GET /healthz`
 * (liveness: the controller's loops run) and `GET /readyz` (readiness: started and synced) answer `200 ok`
 * when every check of the group passes, and `500` with one line per check otherwise, in Kubernetes' format:
 *
 * ```
 * [+]started ok
 * [-]synced failed: reason withheld
 * readyz check failed
 * ```
 *
 * `?verbose` lists the checks on success too; `/healthz/<check>` and `/readyz/<check>` run one check. A
 * check is a function returning (or resolving) `true` when healthy; `false`, a throw or a rejection is a
 * failure, whose reason is never sent (the endpoint needs no credentials). A group without checks answers
 * `ok`. The server listens on loopback unless told otherwise, reads no request body, and closes with every
 * connection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { InvalidArgumentError } from '../errors.js';

/** A health or readiness check: `true` when healthy. */
export type HealthCheck = () => boolean | Promise<boolean>;

/** Where the health server listens. */
export interface HealthOptions {
  /** TCP port; 0 picks a free one (see {@link HealthServer.url}). */
  port: number;
  /** Address to listen on. `0.0.0.0` or `::` for a kubelet probing from outside the pod. @default '127.0.0.1' */
  host?: string | undefined;
}

/** The checks of each endpoint, by name (letters, digits, `.`, `_` and `-`). */
export interface HealthChecks {
  /** Liveness checks, served at `/healthz`. */
  healthz?: Readonly<Record<string, HealthCheck>> | undefined;
  /** Readiness checks, served at `/readyz`. */
  readyz?: Readonly<Record<string, HealthCheck>> | undefined;
}

/** A running health server. */
export interface HealthServer {
  /** Its base URL, e.g. `http://127.0.0.1:8081` (with the port chosen when `port` was 0). */
  readonly url: string;
  /** Stops listening and closes every connection. A second call does nothing. */
  close(): Promise<void>;
}

const GROUPS = ['healthz', 'readyz'] as const;
type Group = (typeof GROUPS)[number];
const CHECK_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Starts serving `/healthz` and `/readyz` with `checks`.
 * @throws InvalidArgumentError for a bad port, host or check name, or when the address cannot be listened
 * on (in use, not local), naming `health.port` or `health.host`.
 */
export async function startHealthServer(options: HealthOptions, checks: HealthChecks): Promise<HealthServer> {
  const { port, host = '127.0.0.1' } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(
      `Option "health.port" must be an integer from 0 to 65535 (got ${String(port)})`,
      'health.port',
    );
  }
  if (typeof host !== 'string' || host === '') {
    throw new InvalidArgumentError('Option "health.host" must be a host name or address', 'health.host');
  }
  const groups = {} as Record<Group, ReadonlyMap<string, HealthCheck>>;
  for (const group of GROUPS) {
    const named = new Map(Object.entries(checks[group] ?? {}));
    for (const [name, check] of named) {
      if (!CHECK_NAME.test(name) || typeof check !== 'function') {
        throw new InvalidArgumentError(
          `Health check "${name}" of ${group} must have a name of letters, digits, ".", "_" and "-", and be a function`,
          `health.${group}`,
        );
      }
    }
    groups[group] = named;
  }

  const server = createServer((req, res) => {
    void respond(groups, req, res);
  });
  await listen(server, port, host);
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostInUrl}:${bound}`,
    close: () =>
      (closing ??= new Promise((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      })),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const option = error.code === 'EADDRINUSE' || error.code === 'EACCES' ? 'health.port' : 'health.host';
      reject(
        new InvalidArgumentError(
          `Cannot serve health probes on ${host}:${port}: ${error.code ?? error.message}`,
          option,
          { cause: error },
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

async function respond(
  groups: Record<Group, ReadonlyMap<string, HealthCheck>>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  const url = new URL(req.url ?? '/', 'http://health');
  const [, group, part, ...rest] = url.pathname.split('/');
  const name = part === '' ? undefined : part; // `/readyz/` is `/readyz`
  if (!isGroup(group) || rest.length > 0 || (name !== undefined && !groups[group].has(name))) {
    end(res, 404, 'not found\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    end(res, 405, 'method not allowed\n');
    return;
  }
  const checks = name === undefined ? [...groups[group]] : [[name, groups[group].get(name)] as const];
  const results = await Promise.all(checks.map(async ([n, check]) => [n, await passes(check)] as const));
  const failed = results.some(([, ok]) => !ok);
  if (!failed && (name !== undefined || !url.searchParams.has('verbose'))) {
    end(res, 200, 'ok');
    return;
  }
  const lines = results.map(([n, ok]) => (ok ? `[+]${n} ok` : `[-]${n} failed: reason withheld`));
  if (results.length === 0) lines.push('[+]ping ok');
  lines.push(failed ? `${group} check failed` : `${group} check passed`);
  end(res, failed ? 500 : 200, `${lines.join('\n')}\n`);
}

function isGroup(group: string | undefined): group is Group {
  return group === 'healthz' || group === 'readyz';
}

async function passes(check: HealthCheck | undefined): Promise<boolean> {
  try {
    return (await check?.()) === true;
  } catch {
    return false;
  }
}

function end(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.end(body);
}
