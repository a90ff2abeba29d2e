import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, runInProcess, useSimFixture } from './helpers.js';

const sim = useSimFixture();

const P = 'root:org:provider';
const ESC = '\u001b[';

describe('get', () => {
  it('prints a table with URL, SOURCE, PHASE, REASON and the message, and exits 0 when Ready', async () => {
    const r = await runInProcess(['get', `${P}:ready`, ...sim.kc]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^URL\s+SOURCE\s+PHASE\s+REASON$/);
    expect(lines[1]).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/services\/apiexport\/\w+\/ready\s+endpointSlice\s+Ready\s+SliceHasEndpoints$/,
    );
    expect(lines[3]).toContain('lists 1 URL');
    expect(r.stdout).not.toContain(ESC);
    expect(r.stderr).toBe('');
  });

  it('prints one <none> row and exits 3 when no one has bound yet', async () => {
    const r = await runInProcess(['get', 'awaiting', '-w', P, ...sim.kc]);
    expect(r.code).toBe(3);
    expect(r.stdout.split('\n')[1]).toMatch(/^<none>\s+none\s+AwaitingBinding\s+NoBindingYet$/);
    expect(r.stdout).toContain('kubectl kcp bind apiexport root:org:provider:awaiting');
  });

  it('writes JSON with a stable key order', async () => {
    const r = await runInProcess(['get', `${P}:ready`, '-o', 'json', ...sim.kc]);
    expect(r.code).toBe(0);
    const v = JSON.parse(r.stdout);
    expect(Object.keys(v)).toEqual([
      'export',
      'slice',
      'source',
      'phase',
      'reason',
      'message',
      'urls',
      'endpoints',
      'sliceConditions',
      'resourceVersions',
      'warnings',
      'warningDetails',
    ]);
    expect(v).toMatchObject({ export: { path: P, name: 'ready' }, phase: 'Ready', source: 'endpointSlice' });
    expect(v.urls).toHaveLength(1);
  });

  it('writes YAML that parses to the same document as JSON', async () => {
    const [y, j] = await Promise.all([
      runInProcess(['get', `${P}:awaiting`, '-o', 'yaml', ...sim.kc]),
      runInProcess(['get', `${P}:awaiting`, '-o', 'json', ...sim.kc]),
    ]);
    expect(y.code).toBe(3);
    expect(parse(y.stdout)).toEqual(JSON.parse(j.stdout));
  });

  it('prints one URL per line with -o urls, and nothing (message on stderr, exit 3) without URLs', async () => {
    const [ok, none] = await Promise.all([
      runInProcess(['get', `${P}:ready`, '-o', 'urls', ...sim.kc]),
      runInProcess(['get', `${P}:awaiting`, '-o', 'urls', ...sim.kc]),
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^http:\S+\/ready\n$/);
    expect(none.code).toBe(3);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/^AwaitingBinding \(NoBindingYet\): .*kubectl kcp bind/);
  });

  it.each([
    ['a missing export', [`${P}:nope`], 4, 'ExportMissing'],
    ['a missing custom slice', [`${P}:ready`, '--slice', 'nothere'], 4, 'SliceMissing'],
    ['an export that skips its slice', [`${P}:skipped`], 4, 'SliceMissing'],
    ['a slice with an invalid partition', [`${P}:ready`, '--slice', 'parted'], 3, 'SliceNotReady'],
    ['a slice of a missing export', [`${P}:gone`, '--slice', 'orphan'], 3, 'SliceNotReady'],
    ['the legacy field only', [`${P}:ready`, '--mode', 'virtualWorkspaces'], 3, 'Ready'],
  ])('exits for %s (%j) with %i, phase %s', async (_what, argv, code, phase) => {
    const r = await runInProcess(['get', ...argv, '-o', 'json', ...sim.kc]);
    expect(r.code).toBe(code);
    expect(JSON.parse(r.stdout).phase).toBe(phase);
  });

  it('exits 5 with an error and a hint when every read is forbidden or unauthorised', async () => {
    const [forbidden, unauthorised] = await Promise.all([
      runInProcess(['get', `${P}:ready`, '--token', 'nobody-token', ...sim.kc]),
      runInProcess(['get', `${P}:ready`, '--token', 'wrong', ...sim.kc]),
    ]);
    expect(forbidden.code).toBe(5);
    expect(forbidden.stdout).toBe('');
    expect(forbidden.stderr).toMatch(/^error: .*403 Forbidden.*\nhint: .+\n$/);
    expect(unauthorised.code).toBe(5);
    expect(unauthorised.stderr).toContain('401');
    expect(unauthorised.stderr).not.toContain('wrong');
  });

  it('colours the phase on a TTY, and never with NO_COLOR', async () => {
    const [tty, noColor] = await Promise.all([
      runInProcess(['get', `${P}:ready`, ...sim.kc], { tty: true, env: {} }),
      runInProcess(['get', `${P}:ready`, ...sim.kc], { tty: true, env: { NO_COLOR: '1' } }),
    ]);
    expect(tty.stdout).toContain(`${ESC}32mReady`);
    expect(noColor.stdout).not.toContain(ESC);
  });

  it('lets --server and --token override the kubeconfig, and logs requests at -v 6 without the token', async () => {
    const r = await runInProcess([
      'get',
      `${P}:ready`,
      '--kubeconfig',
      sim.fx.kubeconfig,
      '-s',
      `${sim.fx.sim.url}/clusters/root`,
      '--token',
      sim.fx.sim.token,
      '-v',
      '6',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^debug: http response \{"method":"GET".*apiexportendpointslices\/ready/m);
    expect(r.stderr).not.toContain(sim.fx.sim.token);
  });

  it('exits 1 for a missing kubeconfig, an unreadable CA file and a server that answers garbage', async () => {
    const garbage: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"Nonsense","items":7}');
    });
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
    const port = (garbage.address() as AddressInfo).port;
    try {
      const [missing, ca, bad] = await Promise.all([
        runInProcess(['get', `${P}:ready`, '--kubeconfig', join(sim.fx.dir, 'absent')]),
        runInProcess([
          'get',
          `${P}:ready`,
          ...sim.kc,
          '--certificate-authority',
          join(sim.fx.dir, 'no-ca.crt'),
        ]),
        runInProcess(['get', `${P}:ready`, ...sim.kc, '-s', `http://127.0.0.1:${port}`, '--token', 't']),
      ]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/^error: .*absent.*\nhint: .*kcp-endpoints demo/);
      expect(ca.code).toBe(1);
      expect(ca.stderr).toContain('cannot read --certificate-authority');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^error: .*APIExportEndpointSlice.* is malformed/);
    } finally {
      garbage.close();
    }
  });

  it('exits 2 for an invalid reference', async () => {
    const r = await runInProcess(['get', 'Root:Bad:REF', ...sim.kc]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: Invalid export reference path "Root:Bad".*\nhint: /);
  });

  it('reads a CA bundle given with --certificate-authority', async () => {
    const file = join(sim.fx.dir, 'ca.crt');
    writeFileSync(file, readFileSync(join(ROOT, 'test/fixtures/kubeconfig/pem/ca.crt'), 'utf8'));
    // http server: the CA is loaded but not used; the command still works
    const r = await runInProcess([
      'get',
      `${P}:ready`,
      ...sim.kc,
      '--certificate-authority',
      file,
      '-o',
      'urls',
    ]);
    expect(r.code).toBe(0);
  });
});
