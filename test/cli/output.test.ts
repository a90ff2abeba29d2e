import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeStatus } from '../../src/cli/session.js';
import { conditionMet, describeCondition } from '../../src/cli/commands/wait.js';
import { formatChangeLine, formatResolutionText, table } from '../../src/cli/format.js';
import { styleFor } from '../../src/cli/io.js';
import { reportError } from '../../src/cli/report-error.js';
import { Spinner } from '../../src/cli/spinner.js';
import { packageVersion } from '../../src/cli/version.js';
import { AbortError, NetworkError } from '../../src/errors.js';
import type { EndpointResolution } from '../../src/endpoints/types.js';
import { MemoryStream, runInProcess } from './helpers.js';

const resolution: EndpointResolution = {
  export: { path: 'root:p', name: 'x' },
  slice: { path: 'root:p', name: 'x' },
  source: 'virtualWorkspaces',
  urls: ['https://a/services/apiexport/c/x'],
  endpoints: [{ url: 'https://a/services/apiexport/c/x' }],
  phase: 'SliceMissing',
  reason: 'LegacyFallback',
  message: 'Falling back.',
  sliceConditions: [],
  resourceVersions: { export: '3' },
  warnings: ['endpoint 1 is not a URL'],
  warningDetails: [{ code: 'InvalidEndpoint', message: 'endpoint 1 is not a URL' }],
};

afterEach(() => {
  vi.useRealTimers();
});

describe('help, version and completion', () => {
  it('prints the main help with every command and the exit codes', async () => {
    const [none, help] = await Promise.all([runInProcess([]), runInProcess(['help'])]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe(help.stdout);
    for (const c of ['get', 'watch', 'wait', 'explain', 'nudge', 'demo', 'completion']) {
      expect(none.stdout).toMatch(new RegExp(`^  ${c} +\\S`, 'm'));
    }
    expect(none.stdout).toContain('--kubeconfig <file>');
    expect(none.stdout).toContain('-w, --workspace <path>');
    expect(none.stdout).toContain('-o, --output <format>');
    expect(none.stdout).toContain('5    unauthorised or forbidden');
  });

  it('prints per-command help with its own flags and outputs', async () => {
    const [get, watch, demo, helpWait] = await Promise.all([
      runInProcess(['get', '--help']),
      runInProcess(['watch', '-h']),
      runInProcess(['demo', '--help']),
      runInProcess(['help', 'wait']),
    ]);
    expect(get.stdout).toContain('-o, --output <format>');
    expect(get.stdout).toContain('text|json|yaml|urls (default text)');
    expect(get.stdout).not.toContain('--for');
    expect(watch.stdout).toContain('text|ndjson (default text)');
    expect(demo.stdout).toContain('--fast');
    expect(demo.stdout).not.toContain('--kubeconfig');
    expect(helpWait.stdout).toContain('--for <condition>');
  });

  it('prints the version from package.json, from src and from dist', async () => {
    const r = await runInProcess(['version']);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
    expect(packageVersion(new URL('../../dist/cli.js', import.meta.url))).toBe(r.stdout.trim());
    expect(packageVersion('file:///nonexistent/a/b/c.js')).toBe('0.0.0-unknown');
  });

  it.each([
    [
      'bash',
      [
        'complete -F _kcp_endpoints kcp-endpoints',
        '--for',
        'text json yaml urls',
        'ndjson',
        'nudge) flags="--kubeconfig',
      ],
    ],
    ['zsh', ['#compdef kcp-endpoints', "'*--consumer[", ':format:(text ndjson)', '_files']],
    [
      'fish',
      [
        'complete -c kcp-endpoints -n __fish_use_subcommand -a demo',
        "complete -c kcp-endpoints -n '__fish_seen_subcommand_from nudge' -l slice -r",
        '-l output -s o',
        "-a 'auto endpointSlice virtualWorkspaces'",
      ],
    ],
  ])('prints a %s completion script', async (shell, fragments) => {
    const r = await runInProcess(['completion', shell]);
    expect(r.code).toBe(0);
    for (const f of fragments) expect(r.stdout).toContain(f);
  });
});

describe('formatting', () => {
  it('aligns table columns and leaves the last one unpadded', () => {
    expect(
      table([
        ['a', 'bb', 'c'],
        ['ccc', 'd', 'eeee'],
      ]),
    ).toEqual(['a     bb   c', 'ccc   d    eeee']);
  });

  it('prints warnings after the message and colours only when enabled', () => {
    const plain = formatResolutionText(resolution, styleFor(new MemoryStream(false), {}));
    expect(plain).toContain('virtualWorkspaces   SliceMissing   LegacyFallback');
    expect(plain.endsWith('Falling back.\nwarning: endpoint 1 is not a URL\n')).toBe(true);
    const tty = styleFor(new MemoryStream(true), {});
    expect(formatResolutionText(resolution, tty)).toContain('\u001b[31mSliceMissing');
    expect(styleFor(new MemoryStream(true), { TERM: 'dumb' }).enabled).toBe(false);
    expect(styleFor(new MemoryStream(true), { NO_COLOR: '' }).enabled).toBe(true);
  });

  it('formats a watch line with added and removed URLs, or the URL count', () => {
    const style = styleFor(new MemoryStream(false), {});
    const at = new Date('2025-01-02T03:04:05.000Z');
    const change = { ...resolution, added: ['https://b'], removed: ['https://c'], previous: null };
    expect(formatChangeLine(change, at, style)).toBe(
      '2025-01-02T03:04:05.000Z  SliceMissing  virtualWorkspaces  +https://b -https://c  Falling back.',
    );
    expect(formatChangeLine({ ...change, added: [], removed: [] }, at, style)).toContain('  (1 URL)  ');
  });

  it('checks wait conditions', () => {
    expect(conditionMet({ ...resolution, phase: 'Ready' }, { kind: 'ready' })).toBe(true);
    expect(conditionMet(resolution, { kind: 'ready' })).toBe(false);
    expect(conditionMet(resolution, { kind: 'urls', count: 1 })).toBe(true);
    expect(conditionMet(resolution, { kind: 'urls', count: 2 })).toBe(false);
    expect(describeCondition({ kind: 'urls', count: 2 })).toBe('urls=2');
  });

  it('describes connection statuses by verbosity', () => {
    const error = new NetworkError('down');
    const where = { resource: 'apiexports', workspace: 'root' };
    expect(
      describeStatus({ type: 'retrying', ...where, attempt: 2, delayMs: 800, error }, 0),
    ).toBeUndefined();
    expect(describeStatus({ type: 'retrying', ...where, attempt: 2, delayMs: 800, error }, 1)).toBe(
      'retrying apiexports in root in 800 ms (attempt 2): down',
    );
    expect(describeStatus({ type: 'error', ...where, error }, 1)).toBe(
      'watch error on apiexports in root: down',
    );
    expect(describeStatus({ type: 'relisting', ...where, reason: 'expired' }, 1)).toBeUndefined();
    expect(describeStatus({ type: 'relisting', ...where, reason: 'expired' }, 2)).toBe(
      'relisting apiexports in root (expired)',
    );
    expect(describeStatus({ type: 'connected', ...where, resourceVersion: '7' }, 2)).toBe(
      'watching apiexports in root from resourceVersion 7',
    );
  });

  it('describes probe outcomes: a failing endpoint with its error at -v 1, a serving one at -v 2', () => {
    const endpoint = 'https://user:secret@shard.kcp.test/services/apiexport/x/cowboys';
    const probed = { type: 'probed', resource: 'cowboys.wildwest.dev', workspace: '*', endpoint } as const;
    const error = new NetworkError('GET …: connect ECONNREFUSED\u001b[31m');
    expect(describeStatus({ ...probed, serving: false, error }, 0)).toBeUndefined();
    expect(describeStatus({ ...probed, serving: false, error }, 1)).toBe(
      'cowboys.wildwest.dev at https://shard.kcp.test/services/apiexport/x/cowboys does not serve: GET …: connect ECONNREFUSED\\u001b[31m',
    );
    expect(describeStatus({ ...probed, serving: false }, 1)).toBe(
      'cowboys.wildwest.dev at https://shard.kcp.test/services/apiexport/x/cowboys does not serve',
    );
    expect(describeStatus({ ...probed, serving: true }, 1)).toBeUndefined();
    expect(describeStatus({ ...probed, endpoint: undefined, serving: true }, 2)).toBe(
      'cowboys.wildwest.dev serves',
    );
  });
});

describe('errors and the spinner', () => {
  it('prints error and hint, and the stack only at -v 6', () => {
    const quiet = new MemoryStream();
    const loud = new MemoryStream();
    const io = (s: MemoryStream) => ({
      stdout: new MemoryStream(),
      stderr: s,
      env: {},
      signal: new AbortController().signal,
    });
    expect(reportError(new NetworkError('connection refused'), io(quiet), 0)).toBe(1);
    expect(quiet.text).toBe(
      'error: connection refused\nhint: check that the server is reachable (--server, --context) and try a longer --request-timeout\n',
    );
    expect(reportError(new Error('boom'), io(loud), 6)).toBe(1);
    expect(loud.text).toMatch(/^error: boom\nhint: run again with -v 6 for details\nError: boom\n\s+at /);
    const plain = new MemoryStream();
    reportError('text', io(plain), 0);
    const aborted = new MemoryStream();
    expect(reportError(new AbortError(), io(aborted), 0)).toBe(130);
    expect(aborted.text).toBe('interrupted\n');
    expect(plain.text.startsWith('error: text\n')).toBe(true);
  });

  it('redraws phase and elapsed time, truncates to the terminal width, and clears the line once', () => {
    vi.useFakeTimers();
    let now = 0;
    const stream = new MemoryStream(true, 30);
    const s = new Spinner(stream, 100, () => now);
    s.start('connecting');
    now = 1_500;
    vi.advanceTimersByTime(100);
    s.update('AwaitingBinding (NoBindingYet), 0 URLs');
    s.stop();
    s.stop();
    const frames = stream.text.split('\r\u001b[2K').filter((f) => f !== '');
    expect(frames[0]).toBe('⠋ connecting · 0ms');
    expect(frames[1]).toBe('⠙ connecting · 1.5s');
    expect(frames[2]).toBe('⠹ AwaitingBinding (NoBinding…');
    expect(stream.text.endsWith('\r\u001b[2K')).toBe(true);
    expect(stream.text.split('\r\u001b[2K')).toHaveLength(5); // 3 frames + 1 clear
  });
});
