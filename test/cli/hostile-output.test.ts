import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointUrlProblem } from '../../src/kcp/endpoint.js';
import {
  RAW_CONTROL,
  hostileExport,
  hostileSlice,
  hostileText,
  startHostileKcp,
  stripSgr,
  type HostileKcp,
} from '../hostile/kcp-server.js';
import { MemoryStream, eventually, runInProcess } from './helpers.js';

const GOOD = 'https://good.example:6443/services/apiexport/hostile/x';
const T = '2026-08-07T10:00:01Z';
let kcp: HostileKcp;
let kubeconfig: string;

beforeAll(async () => {
  kcp = await startHostileKcp({
    exportObject: hostileExport('x', [], { type: 'Ready', status: 'True', lastTransitionTime: T }),
    sliceObject: hostileSlice('x', [GOOD], { type: 'Ready', status: 'True', lastTransitionTime: T }),
    notFoundMessage: 'not found',
  });
  kubeconfig = join(mkdtempSync(join(tmpdir(), 'kcp-hostile-')), 'kubeconfig');
  writeFileSync(kubeconfig, kcp.kubeconfig());
});
afterAll(async () => {
  await kcp.close();
});

/** Sets hostile server data: condition reason/message, one bad endpoint URL, legacy URLs and 404 messages. */
function serve(
  text: { reason: string; message: string; url: string; notFound: string },
  status = 'False',
): void {
  const cond = {
    type: 'EndpointURLsReady',
    status,
    reason: text.reason,
    message: text.message,
    lastTransitionTime: T,
  };
  kcp.state = {
    exportObject: hostileExport('x', [`https://vw.example/${text.url}`], cond),
    sliceObject: hostileSlice('x', [GOOD, `https://a.example/x${text.url}`, text.url], cond),
    notFoundMessage: text.notFound,
  };
}

/** Asserts that no output line carries a raw control character (colour codes removed first on a TTY). */
function expectClean(what: string, text: string): void {
  const visible = stripSgr(text);
  const bad = RAW_CONTROL.exec(visible);
  expect(
    bad,
    `${what}: raw U+${bad?.[0].charCodeAt(0).toString(16) ?? ''} in ${JSON.stringify(text)}`,
  ).toBeNull();
}

const kc = (): string[] => ['--kubeconfig', kubeconfig];

/** `explain` probes each endpoint URL: send those probes to the hostile server (its 404 carries the hostile text). */
const probesToHostile = (): string[] =>
  ['https://good.example:6443', 'https://a.example', 'https://vw.example'].flatMap((from) => [
    '--rewrite-url',
    `${from}=${kcp.url}`,
  ]);

describe('CLI human output with hostile server data', () => {
  it('never contains a raw control character, and -o urls prints only valid URLs, one per line', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ reason: hostileText, message: hostileText, url: hostileText, notFound: hostileText }),
        async (text) => {
          serve(text);
          const urls = await runInProcess(['get', 'root:x', '-o', 'urls', ...kc()]);
          expectClean('get -o urls stdout', urls.stdout);
          expectClean('get -o urls stderr', urls.stderr);
          for (const line of urls.stdout.split('\n').filter((l) => l !== '')) {
            expect(endpointUrlProblem(line), line).toBeUndefined();
          }
          for (const tty of [false, true]) {
            const get = await runInProcess(['get', 'root:x', ...kc()], { tty });
            expectClean('get stdout', get.stdout);
            expectClean('get stderr', get.stderr);
          }
          const explain = await runInProcess([
            'explain',
            'root:x',
            '--consumer',
            'root:c',
            ...probesToHostile(),
            ...kc(),
          ]);
          expectClean('explain stdout', explain.stdout);
          // the probe of the good URL reached the hostile server, whose answer is on that line
          expect(explain.stdout).toContain(
            `  ~ ${GOOD} → ${kcp.url}/services/apiexport/hostile/x: not serving: 404 NotFound`,
          );
          expectClean('explain stderr', explain.stderr);
          const forbidden = await runInProcess(['get', 'root:forbidden', ...kc()]);
          expectClean('forbidden stdout', forbidden.stdout);
          expectClean('forbidden stderr', forbidden.stderr);
          const explainForbidden = await runInProcess([
            'explain',
            'root:forbidden',
            ...probesToHostile(),
            ...kc(),
          ]);
          expectClean('explain forbidden', explainForbidden.stdout + explainForbidden.stderr);
          const wait = await runInProcess([
            'wait',
            'root:x',
            '--for',
            'urls=3',
            '--timeout',
            '100ms',
            ...kc(),
          ]);
          expectClean('wait stderr', wait.stderr);
          expect(wait.code).toBe(124);
          const ac = new AbortController();
          const stdout = new MemoryStream();
          const watching = runInProcess(['watch', 'root:x', ...kc()], { stdout, signal: ac.signal });
          await eventually(() => stdout.text.includes('\n'));
          ac.abort();
          const watch = await watching;
          expectClean('watch stdout', watch.stdout);
          expectClean('watch stderr', watch.stderr);
        },
      ),
      { numRuns: 12 },
    );
  });

  it('prints the slice URL with an embedded newline as a skipped warning, not as a second URL', async () => {
    serve({ reason: 'R', message: 'm', url: '\nhttps://evil.example', notFound: 'n' }, 'True');
    const r = await runInProcess(['get', 'root:x', '-o', 'urls', ...kc()]);
    expect(r.stdout).toBe(`${GOOD}\n`);
    expect(r.stderr).toContain(
      'warning: Skipped APIExportEndpointSlice x status.endpoints[1]: url "https://a.example/x\\nhttps://evil.example" contains whitespace or a control character.',
    );
  });

  it('escapes a server error message and indents its continuation lines', async () => {
    kcp.state = { ...kcp.state, notFoundMessage: 'gone\nerror: forged line \u001b[2J' };
    const r = await runInProcess(['get', 'root:forbidden', ...kc()]);
    expect(r.code).toBe(5);
    expectClean('get', r.stdout + r.stderr);
    expect(r.stderr).not.toMatch(/^error: forged/m);
    expect(r.stderr).toContain('403 Forbidden: gone\n  error: forged line \\u001b[2J\n');
  });
});
