import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand, eventually, spawnCli, startFixture, ROOT, type SimFixture } from './helpers.js';

let fx: SimFixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx.close();
});

const P = 'root:org:provider';
const pkg = JSON.parse(execFileSync('cat', ['package.json'], { cwd: ROOT, encoding: 'utf8' })) as {
  version: string;
};

function hasScript(): boolean {
  return spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

describe.concurrent('the CLI as a subprocess', () => {
  it('prints the version, help, and exits 2 on usage errors', async () => {
    const [version, help, bogus, missing] = await Promise.all([
      spawnCli(['--version']).done,
      spawnCli(['wait', '--help']).done,
      spawnCli(['get', 'x', '--bogus']).done,
      spawnCli(['get']).done,
    ]);
    expect(version).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: kcp-endpoints wait <ref>');
    expect(help.stdout).toContain('124  wait timed out');
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toBe(
      "error: unknown flag --bogus\nhint: run 'kcp-endpoints get --help' for usage\n",
    );
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
  });

  it('resolves with get in every output and exits 0, 3 or 4', async () => {
    const kc = ['--kubeconfig', fx.kubeconfig];
    const [urls, none, json, missing] = await Promise.all([
      spawnCli(['get', `${P}:ready`, '-o', 'urls', ...kc]).done,
      spawnCli(['get', `${P}:awaiting`, '-o', 'urls', ...kc]).done,
      spawnCli(['get', `${P}:awaiting`, '-o', 'json', ...kc]).done,
      spawnCli(['get', `${P}:nope`, ...kc]).done,
    ]);
    expect(urls.code).toBe(0);
    expect(urls.stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/services\/apiexport\/\w+\/ready\n$/);
    expect(none).toMatchObject({ code: 3, stdout: '' });
    expect(none.stderr).toContain('AwaitingBinding (NoBindingYet)');
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).phase).toBe('AwaitingBinding');
    expect(missing.code).toBe(4);
    expect(missing.stdout).toContain('ExportMissing');
  });

  it('reads $KUBECONFIG like kubectl', async () => {
    const r = await spawnCli(['get', `${P}:ready`, '-o', 'urls'], { KUBECONFIG: fx.kubeconfig }).done;
    expect(r.code).toBe(0);
  });

  it('streams ndjson with watch and exits 0 on SIGINT', { timeout: 40_000 }, async () => {
    fx.sim.createExport(P, 'sub-watched');
    await fx.sim.waitForIdle();
    const w = spawnCli(['watch', `${P}:sub-watched`, '-o', 'ndjson', '--kubeconfig', fx.kubeconfig]);
    let r;
    try {
      await eventually(() => w.stdout().split('\n').length === 2, 15_000, 'the first line');
      fx.sim.bind('root:org:consumer-a', `${P}:sub-watched`);
      await eventually(() => w.stdout().split('\n').length === 3, 5_000, 'the second line');
      w.kill('SIGINT');
      r = await w.done;
    } finally {
      // a failed wait must not leave the watch running after the test
      w.kill('SIGKILL');
    }
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.phase)).toEqual(['AwaitingBinding', 'Ready']);
    expect(lines[1].added).toEqual(lines[1].urls);
  });

  it('exits 124 when wait times out', async () => {
    const r = await spawnCli(['wait', `${P}:awaiting`, '--timeout', '2s', '--kubeconfig', fx.kubeconfig])
      .done;
    expect(r.code).toBe(124);
    expect(r.stderr).toContain('last phase: AwaitingBinding');
  });

  it('runs the demo without a kubeconfig and exits 0', async () => {
    const r = await spawnCli(['demo', '--fast'], { KUBECONFIG: '/nonexistent/kubeconfig' }).done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Step 5/5  Done');
  });

  it.runIf(hasScript())('draws colour and a spinner only on a terminal, never with NO_COLOR', async () => {
    const { cmd, args } = cliCommand();
    const base = [cmd, ...args].map(shellQuote).join(' ');
    // async spawn: the simulator runs in this process and must keep serving
    const inTty = (cli: string, env: Record<string, string> = {}): Promise<string> =>
      new Promise((resolve) => {
        const child = spawn('script', ['-qec', `${base} ${cli}`, '/dev/null'], {
          cwd: ROOT,
          env: { PATH: process.env['PATH'] ?? '', TERM: 'xterm', ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.on('close', () => {
          clearTimeout(timer);
          resolve(out);
        });
      });
    const kc = `--kubeconfig ${shellQuote(fx.kubeconfig)}`;
    const [get, noColor, wait] = await Promise.all([
      inTty(`get ${P}:ready ${kc}`),
      inTty(`get ${P}:ready ${kc}`, { NO_COLOR: '1' }),
      inTty(`wait ${P}:awaiting --timeout 400ms ${kc}`),
    ]);
    expect(get).toContain('\u001b[32mReady');
    expect(noColor).toContain('Ready');
    expect(noColor).not.toContain('\u001b[');
    expect(wait).toMatch(/⠋ connecting…|. AwaitingBinding \(NoBindingYet\), 0 URLs · \d/);
    expect(wait).toContain('\r\u001b[2K');
    expect(wait).toContain('last phase: AwaitingBinding');
  });
});
