import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractVerbosity, parseCli, UsageError } from '../../src/cli/args.js';
import { formatDuration, parseDuration } from '../../src/cli/duration.js';
import { ExitCode, exitCodeForError, exitCodeForResolution } from '../../src/cli/exit-codes.js';
import { ApiStatusError, InvalidArgumentError, KubeconfigError, NetworkError } from '../../src/errors.js';
import { AWAITING } from './helpers.js';

function usage(argv: string[]): UsageError {
  try {
    parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

describe('parseCli', () => {
  it('parses kubectl-style global flags in any position', () => {
    const a = parseCli([
      '--kubeconfig',
      'k.yaml',
      'get',
      'root:org:ws:x',
      '--context=root',
      '-s',
      'https://h:6443',
      '--token',
      't',
      '--certificate-authority',
      'ca.crt',
      '--insecure-skip-tls-verify',
      '-w',
      'root:org',
      '-o',
      'json',
      '--request-timeout',
      '2m',
      '--mode',
      'endpointSlice',
      '--slice',
      'root:org:other',
    ]);
    expect(a).toMatchObject({
      command: 'get',
      args: ['root:org:ws:x'],
      kubeconfig: 'k.yaml',
      context: 'root',
      server: 'https://h:6443',
      token: 't',
      certificateAuthority: 'ca.crt',
      insecureSkipTlsVerify: true,
      workspace: 'root:org',
      output: 'json',
      requestTimeoutMs: 120_000,
      mode: 'endpointSlice',
      slice: 'root:org:other',
    });
  });

  it('defaults the output per command and wait to --for ready with a 30 s timeout', () => {
    expect(parseCli(['get', 'x']).output).toBe('text');
    expect(parseCli(['watch', 'x']).output).toBe('text');
    const w = parseCli(['wait', 'x']);
    expect(w.waitFor).toEqual({ kind: 'ready' });
    expect(w.timeoutMs).toBe(30_000);
    expect(parseCli(['wait', 'x', '--for', 'urls=2', '--timeout', '0']).waitFor).toEqual({
      kind: 'urls',
      count: 2,
    });
    expect(parseCli(['explain', 'x', '--consumer', 'root:a', '--consumer', 'root:b']).consumers).toEqual([
      'root:a',
      'root:b',
    ]);
  });

  it('treats no command as help and --version alone as version', () => {
    expect(parseCli([]).command).toBe('help');
    expect(parseCli(['--version']).command).toBe('version');
    expect(parseCli(['get', '--help'])).toMatchObject({ command: 'get', help: true });
    expect(parseCli(['get', '--version'])).toMatchObject({ command: 'get', version: true });
  });

  it.each([
    [['get', 'x', '--bogus'], 'unknown flag --bogus'],
    [['get', 'x', '-x'], 'unknown flag -x'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['get'], 'get needs an export reference'],
    [['get', 'a', 'b'], 'unexpected argument "b" for get'],
    [['get', 'x', '-o'], 'flag --output needs a value'],
    [['demo', '--fast=yes'], 'flag --fast does not take a value'],
    [['get', 'x', '-o', 'ndjson'], 'invalid --output "ndjson" for get: use text|json|yaml|urls'],
    [['watch', 'x', '-o', 'yaml'], 'invalid --output "yaml" for watch'],
    [['get', 'x', '--mode', 'legacy'], 'invalid --mode "legacy"'],
    [['get', 'x', '--request-timeout', 'soon'], 'invalid --request-timeout "soon"'],
    [['wait', 'x', '--timeout', '5 minutes'], 'invalid --timeout'],
    [['wait', 'x', '--for', 'urls=0'], 'invalid --for "urls=0"'],
    [['wait', 'x', '--for', 'bound'], 'invalid --for "bound"'],
    [['get', 'x', '--for', 'ready'], 'flag --for is not accepted by "get"'],
    [['demo', '--kubeconfig', 'k'], 'flag --kubeconfig is not accepted by "demo"'],
    [['completion'], 'completion needs a shell'],
    [['completion', 'tcsh'], 'unsupported shell "tcsh"'],
    [['help', 'nope'], 'unknown command "nope"'],
    [['demo', 'extra'], 'unexpected argument "extra" for demo'],
    [['get', 'x', '--request-timeout', '-5s'], 'invalid --request-timeout "-5s": the value is negative'],
    [['wait', 'x', '--timeout', '-1'], 'invalid --timeout "-1": the value is negative'],
    [['wait', 'x', '--timeout=-2m'], 'invalid --timeout "-2m": the value is negative'],
    [
      ['get', 'x', '--context', '-x'],
      'flag --context needs a value; to give one that starts with "-", write --context=-x',
    ],
    [['wait', 'x', '--timeout', '597h'], 'invalid --timeout "597h": longer than the maximum of 596h31m23s'],
    [['get', 'x', '--request-timeout', '2147484s'], 'longer than the maximum of 596h31m23s'],
    [['wait', 'x', '--timeout='], 'flag --timeout is empty'],
    [['get', 'x', '--server='], 'flag --server is empty: give a value or leave the flag out'],
    [['get', 'x', '-s', ''], 'flag --server is empty'],
    [['get', 'x', '--kubeconfig='], 'flag --kubeconfig is empty'],
    [['get', 'x', '--token', ' '], 'flag --token is empty'],
    [['get', 'x', '--context='], 'flag --context is empty'],
  ])('rejects %j with a one-line reason', (argv, message) => {
    const e = usage(argv);
    expect(e.message).toContain(message);
    expect(e.message).not.toContain('\n');
    expect(e.hint).toMatch(/kcp-endpoints/);
  });

  it('accepts the longest duration a timer can wait, and every duration it accepts is a safe timer delay', () => {
    expect(parseCli(['wait', 'x', '--timeout', '596h31m23s']).timeoutMs).toBe(2_147_483_000);
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), fc.constantFrom('ms', 's', 'm', 'h'), (n, unit) => {
        let ms: number | undefined;
        try {
          ms = parseCli(['wait', 'x', '--timeout', `${n}${unit}`]).timeoutMs;
        } catch (e) {
          expect(e).toBeInstanceOf(UsageError);
          expect((e as Error).message).toContain('longer than the maximum');
          return;
        }
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThanOrEqual(2 ** 31 - 1);
      }),
    );
  });

  it('hints at the command help when the command is known', () => {
    expect(usage(['wait', 'x', '--nope']).hint).toBe("run 'kcp-endpoints wait --help' for usage");
    expect(usage(['--nope']).hint).toBe("run 'kcp-endpoints --help' for usage");
  });
});

describe('extractVerbosity', () => {
  it.each([
    [['-v', '6', 'get'], 6],
    [['-v=4'], 4],
    [['-v3'], 3],
    [['--v=2'], 2],
    [['--v', '5'], 5],
    [['-v'], 1],
    [['-vvv'], 3],
    [[], 0],
  ])('reads %j as level %i', (argv, level) => {
    expect(extractVerbosity(argv).verbosity).toBe(level);
  });

  it('leaves other arguments and everything after -- alone', () => {
    expect(extractVerbosity(['get', '-v', 'x', '--', '-v', '2'])).toEqual({
      rest: ['get', 'x', '--', '-v', '2'],
      verbosity: 1,
    });
  });
});

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5s', 1_500],
    ['0', 0],
    ['45', 45_000],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '5 m', '1d', '1m x', '-1s'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats for humans', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(4_200)).toBe('4.2s');
    expect(formatDuration(125_000)).toBe('2m05s');
  });
});

describe('exit codes', () => {
  const base = AWAITING;

  it('maps resolutions: URLs 0, forbidden 5, missing 4, otherwise 3', () => {
    expect(exitCodeForResolution({ ...base, urls: ['https://a'], phase: 'Forbidden' })).toBe(ExitCode.Ok);
    expect(exitCodeForResolution({ ...base, phase: 'Forbidden', reason: 'Forbidden' })).toBe(5);
    expect(exitCodeForResolution({ ...base, phase: 'Ready', reason: 'Forbidden' })).toBe(5);
    expect(exitCodeForResolution({ ...base, phase: 'ExportMissing', reason: 'ExportNotFound' })).toBe(4);
    expect(exitCodeForResolution({ ...base, phase: 'SliceMissing', reason: 'SliceNotFound' })).toBe(4);
    expect(exitCodeForResolution({ ...base, phase: 'Ready', reason: 'ExportNotFound' })).toBe(4);
    expect(exitCodeForResolution(base)).toBe(3);
    expect(exitCodeForResolution({ ...base, phase: 'SliceNotReady', reason: 'SliceConditionFalse' })).toBe(3);
  });

  it('maps errors: invalid argument 2, 401/403 5, 404 4, anything else 1', () => {
    expect(exitCodeForError(new InvalidArgumentError('bad', 'ref'))).toBe(2);
    expect(exitCodeForError(new ApiStatusError('no', { status: 401, reason: 'Unauthorized' }))).toBe(5);
    expect(exitCodeForError(new ApiStatusError('no', { status: 403, reason: 'Forbidden' }))).toBe(5);
    expect(exitCodeForError(new ApiStatusError('no', { status: 404, reason: 'NotFound' }))).toBe(4);
    expect(exitCodeForError(new ApiStatusError('no', { status: 500, reason: 'InternalError' }))).toBe(1);
    expect(exitCodeForError(new NetworkError('down'))).toBe(1);
    expect(exitCodeForError(new KubeconfigError('none'))).toBe(1);
    expect(exitCodeForError(new Error('x'))).toBe(1);
  });
});
