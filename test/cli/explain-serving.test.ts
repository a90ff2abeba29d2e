import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKcpSimulator, type KcpSimulator, type SimulatorClock } from '../../src/testing/index.js';
import { runInProcess, type CliResult } from './helpers.js';

const P = 'root:org:provider';
/** How long a published virtual-workspace URL of the simulator answers 404. */
const WINDOW_MS = 600_000;

/** A loopback port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The real clock moved forward by `skew` ms: the simulator's serve window can be left at once. */
function skewedClock(): SimulatorClock & { skew: number } {
  return {
    skew: 0,
    now() {
      return Date.now() + this.skew;
    },
    setTimeout: (callback, ms) => {
      const t = setTimeout(callback, ms);
      t.unref();
      return t;
    },
    clearTimeout: (handle) => {
      clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
  };
}

/**
 * A loopback server standing in for virtual workspaces the simulator does not serve: under `/counted` it
 * answers discovery (an empty APIGroupList) and counts the requests; under `/hostile` it answers 503 with a
 * message that carries a terminal escape and a bearer token.
 */
interface StandIn {
  server: Server;
  url: string;
  counted: string[];
}

async function startStandIn(): Promise<StandIn> {
  const counted: string[] = [];
  const server = createHttpServer((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/counted/')) {
      counted.push(path);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] }));
      return;
    }
    res.writeHead(503, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: 503,
        reason: 'ServiceUnavailable',
        message: 'overloaded\u001b[2J\nerror: forged line; Authorization: Bearer sekrit-abcdefghijkl',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, url: `http://127.0.0.1:${address.port}`, counted };
}

interface Fixture {
  sim: KcpSimulator;
  standIn: StandIn;
  kc: string[];
  dir: string;
  /** The published, unreachable virtual-workspace base URL of shard `gamma`. */
  closed: string;
  /** The endpoint URL of each export (the only one its slice lists). */
  url: Record<'ready' | 'fresh' | 'remote' | 'counted' | 'hostile', string>;
}

let fx: Fixture | undefined;
const f = (): Fixture => {
  if (fx === undefined) throw new Error('fixture not started');
  return fx;
};

/**
 * Exports, each bound by one consumer: `ready` (simulator shard, out of its serve window), `fresh` (simulator
 * shard, published last, inside its window), `remote` (shard gamma, published at a closed port), `counted`
 * and `hostile` (shards whose virtual workspace is the stand-in). Users: `reader` reads slices and exports but
 * has no apiexports/content; `lister` also has list and watch on apiexports/content, but not get.
 */
beforeAll(async () => {
  const clock = skewedClock();
  const sim = await startKcpSimulator({ clock, vwServeDelayMs: WINDOW_MS });
  const standIn = await startStandIn();
  const closed = `http://127.0.0.1:${await closedPort()}`;
  sim.addShard('gamma', { virtualWorkspaceURL: closed });
  sim.addShard('counted', { virtualWorkspaceURL: `${standIn.url}/counted` });
  sim.addShard('hostile', { virtualWorkspaceURL: `${standIn.url}/hostile` });
  sim.createWorkspace(P);
  const shardOf = { ready: 'root', fresh: 'root', remote: 'gamma', counted: 'counted', hostile: 'hostile' };
  for (const [name, shard] of Object.entries(shardOf)) {
    sim.createWorkspace(`root:org:c-${name}`, { shard });
    sim.createExport(P, name);
  }
  for (const name of ['ready', 'remote', 'counted', 'hostile'])
    sim.bind(`root:org:c-${name}`, `${P}:${name}`);
  await sim.waitForIdle();
  clock.skew = WINDOW_MS;
  sim.bind('root:org:c-fresh', `${P}:fresh`);
  await sim.waitForIdle();
  sim.addUser('reader', { token: 'reader-token' });
  sim.grant('reader', P, { resources: ['apiexportendpointslices', 'apiexports'], verbs: ['get', 'list'] });
  sim.addUser('lister', { token: 'lister-token' });
  sim.grant('lister', P, { resources: ['apiexportendpointslices', 'apiexports'], verbs: ['get', 'list'] });
  sim.grant('lister', P, { resources: ['apiexports/content'], verbs: ['list', 'watch'] });
  const dir = mkdtempSync(join(tmpdir(), 'kcp-endpoints-serving-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await sim.kubeconfig({ path: kubeconfig });
  const url = Object.fromEntries(
    Object.keys(shardOf).map((name) => [name, sim.endpoints(P, name)[0] ?? '']),
  ) as Fixture['url'];
  fx = { sim, standIn, kc: ['--kubeconfig', kubeconfig], dir, closed, url };
});

afterAll(async () => {
  await fx?.sim.close();
  const server = fx?.standIn.server;
  if (server !== undefined) {
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }
  if (fx !== undefined) rmSync(fx.dir, { recursive: true, force: true });
});

interface Serving {
  url: string;
  serving: boolean;
  error?: string;
  reason?: string;
}

interface Explained {
  text: CliResult;
  json: CliResult;
  report: { serving?: Serving[]; nextSteps: string[]; access: unknown };
}

/** `explain` in text and in JSON, with the same arguments. */
async function explain(argv: string[]): Promise<Explained> {
  const [text, json] = await Promise.all([
    runInProcess(['explain', ...argv, ...f().kc]),
    runInProcess(['explain', ...argv, '-o', 'json', ...f().kc]),
  ]);
  expect(json.code).toBe(text.code);
  return { text, json, report: JSON.parse(json.stdout) as Explained['report'] };
}

const HEADER = 'Serving (GET <url>/clusters/*/apis)\n';

describe('explain says whether each endpoint URL serves', () => {
  it('says serving for an endpoint whose virtual workspace answers discovery', async () => {
    const r = await explain([`${P}:ready`]);
    expect(r.text.code).toBe(0);
    expect(r.text.stdout).toContain(`${HEADER}  ✓ ${f().url.ready}: serving\nNext steps\n`);
    expect(r.report.serving).toEqual([{ url: f().url.ready, serving: true }]);
  });

  it("says not serving with kcp's 404 for an endpoint inside its serve window, and why", async () => {
    const r = await explain([`${P}:fresh`]);
    expect(r.text.code).toBe(0);
    expect(r.text.stdout).toContain(
      `${HEADER}  ~ ${f().url.fresh}: not serving: 404 NotFound: unexpected non-Status response: 404 page not found (kcp publishes a shard's URL before its virtual workspace serves; retry shortly, or use watchEndpoints with probe)\n`,
    );
    expect(r.report.serving).toEqual([
      {
        url: f().url.fresh,
        serving: false,
        error: `GET ${f().url.fresh}/clusters/*/apis: 404 NotFound: unexpected non-Status response: 404 page not found`,
        reason: 'notFound',
      },
    ]);
  });

  it('names the verb and resource a 403 lacks and merges it into the grant step', async () => {
    const [reader, lister] = await Promise.all([
      explain([`${P}:ready`, '--token', 'reader-token']),
      explain([`${P}:ready`, '--token', 'lister-token']),
    ]);
    for (const r of [reader, lister]) {
      expect(r.text.code).toBe(0);
      expect(r.text.stdout).toMatch(
        new RegExp(
          `${HEADER.replace(/[()*]/g, '\\$&')} {2}✗ ${f().url.ready}: not serving: 403 Forbidden: forbidden: User "\\w+" cannot get path "[^"]+/clusters/\\*/apis": access denied \\(these credentials lack get on apiexports/content of export ready in root:org:provider, which the virtual workspace requires\\)\n`,
        ),
      );
      expect(r.report.serving).toEqual([
        {
          url: f().url.ready,
          serving: false,
          error: expect.stringContaining('403 Forbidden'),
          reason: 'forbidden',
        },
      ]);
    }
    // the SelfSubjectAccessReview denies list and watch to the reader: one step grants all three verbs
    expect(reader.report.nextSteps.filter((s) => s.includes('apiexports/content'))).toEqual([
      expect.stringMatching(
        /^These credentials cannot use the export's virtual workspace \(an endpoint answered 403 to discovery, which needs get on apiexports\/content, and the SelfSubjectAccessReview on apiexports\/content denies list, watch\); if they are the provider's, grant get and list and watch on apiexports\/content of ready in root:org:provider: .* --verb=get,list,watch /,
      ),
    ]);
    // the lister may list and watch (the review allows both), so only get is missing
    expect(lister.text.stdout).toContain(
      'Access to the virtual workspace (apiexports/content)\n  ✓ list ✓, watch ✓\n',
    );
    expect(lister.report.nextSteps.filter((s) => s.includes('apiexports/content'))).toEqual([
      expect.stringMatching(
        /^These credentials cannot use the export's virtual workspace \(an endpoint answered 403 to discovery, which needs get on apiexports\/content\); if they are the provider's, grant get on apiexports\/content of ready in root:org:provider: .* --verb=get /,
      ),
    ]);
  });

  it('says an unreachable endpoint cannot be reached and suggests --rewrite-url with its origin', async () => {
    const r = await explain([`${P}:remote`]);
    expect(r.text.code).toBe(0);
    expect(r.text.stdout).toContain(
      `${HEADER}  ✗ ${f().url.remote}: not serving: connection refused (is the server running and the address right?) (ECONNREFUSED) (the host cannot be reached from here; if kcp publishes an address inside its own network, send the requests to one you can reach with --rewrite-url ${f().closed}=<reachable URL>)\n`,
    );
    expect(r.report.serving).toEqual([
      {
        url: f().url.remote,
        serving: false,
        error: `GET ${f().url.remote}/clusters/*/apis: connection refused (is the server running and the address right?) (ECONNREFUSED)`,
        reason: 'unreachable',
      },
    ]);
    expect(r.report.nextSteps[0]).toBe(
      `The endpoint host ${f().closed} cannot be reached from here (kcp publishes the address each shard was given, which may be inside its own network): send the requests to an address you can reach, e.g. kcp-endpoints explain ${P}:remote --rewrite-url ${f().closed}=<reachable URL>`,
    );
  });

  it('probes through the rewritten URL, and says when the target of --rewrite-url cannot be reached', async () => {
    const elsewhere = `http://127.0.0.1:${await closedPort()}`;
    const [through, nowhere] = await Promise.all([
      explain([`${P}:remote`, '--rewrite-url', `${f().closed}=${f().standIn.url}/counted`]),
      explain([`${P}:remote`, '--rewrite-url', `${f().closed}=${elsewhere}`]),
    ]);
    const rewritten = f().url.remote.replace(f().closed, `${f().standIn.url}/counted`);
    expect(through.text.stdout).toContain(`${HEADER}  ✓ ${f().url.remote} → ${rewritten}: serving\n`);
    expect(through.report.serving).toEqual([{ url: f().url.remote, serving: true }]);
    expect(f().standIn.counted).toContain(`${new URL(rewritten).pathname}/clusters/*/apis`);
    expect(nowhere.text.stdout).toContain(
      `(the target of --rewrite-url, ${elsewhere}, cannot be reached from here)\n`,
    );
    expect(nowhere.report.serving).toEqual([
      expect.objectContaining({ url: f().url.remote, serving: false, reason: 'unreachable' }),
    ]);
    expect(nowhere.report.nextSteps[0]).toBe(
      `The --rewrite-url target ${elsewhere} cannot be reached from here: check the TO of each --rewrite-url FROM=TO`,
    );
  });

  it('escapes and redacts what a failing endpoint answers', async () => {
    const r = await explain([`${P}:hostile`]);
    expect(r.text.stdout).toContain(
      `  ✗ ${f().url.hostile}: not serving: 503 ServiceUnavailable: overloaded\\u001b[2J\\nerror: forged line; Authorization: [REDACTED]`,
    );
    expect(r.text.stdout).not.toContain('sekrit');
    expect(r.text.stdout).not.toContain('\u001b');
    expect(r.text.stdout).not.toMatch(/^error: forged/m);
    expect(r.report.serving).toEqual([
      {
        url: f().url.hostile,
        serving: false,
        error: expect.stringContaining(
          '/clusters/*/apis: 503 ServiceUnavailable: overloaded\u001b[2J\nerror: forged line; Authorization: [REDACTED]',
        ),
        reason: 'error',
      },
    ]);
    expect(r.json.stdout).not.toContain('sekrit');
  });

  it('makes no probe request with --no-probe, and says so', async () => {
    const path = `${new URL(f().url.counted).pathname}/clusters/*/apis`;
    const before = f().standIn.counted.filter((p) => p === path).length;
    const skipped = await explain([`${P}:counted`, '--no-probe']);
    expect(f().standIn.counted.filter((p) => p === path).length).toBe(before);
    expect(skipped.text.code).toBe(0);
    expect(skipped.text.stdout).toContain(`${HEADER}  - not checked (--no-probe)\nNext steps\n`);
    expect('serving' in skipped.report).toBe(false);
    // without the flag, each run (text and JSON) probes the URL exactly once
    const probed = await explain([`${P}:counted`]);
    expect(f().standIn.counted.filter((p) => p === path).length).toBe(before + 2);
    expect(probed.report.serving).toEqual([{ url: f().url.counted, serving: true }]);
  });

  it('lists serving in JSON after the resolution, empty when there is no URL to probe', async () => {
    sim().createExport(P, 'unbound');
    await sim().waitForIdle();
    const r = await explain([`${P}:unbound`]);
    expect(r.text.code).toBe(3);
    expect(r.text.stdout).toContain(`${HEADER}  - not checked (no URL)\n`);
    expect(r.report.serving).toEqual([]);
    const keys = Object.keys(r.report);
    expect(keys.slice(keys.indexOf('resolution'))).toEqual(['resolution', 'serving', 'nextSteps']);
  });
});

describe('--no-probe', () => {
  it('is documented and completed for explain only', async () => {
    const [help, get, bash, fish] = await Promise.all([
      runInProcess(['help', 'explain']),
      runInProcess(['get', `${P}:ready`, '--no-probe', ...f().kc]),
      runInProcess(['completion', 'bash']),
      runInProcess(['completion', 'fish']),
    ]);
    expect(help.stdout).toMatch(/--no-probe +Do not check whether each endpoint URL serves/);
    expect(get.code).toBe(2);
    expect(get.stderr).toContain('error: flag --no-probe is not accepted by "get"');
    expect(bash.stdout).toMatch(/explain\) flags="[^"]*--no-probe/);
    expect(bash.stdout).not.toMatch(/get\) flags="[^"]*--no-probe/);
    expect(fish.stdout).toContain("'__fish_seen_subcommand_from explain' -l no-probe -d");
  });
});

function sim(): KcpSimulator {
  return f().sim;
}
