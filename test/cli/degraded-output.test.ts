import { describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli/args.js';
import { printResolution } from '../../src/cli/session.js';
import { formatChangeLine } from '../../src/cli/format.js';
import { styleFor, type CliIo } from '../../src/cli/io.js';
import type { EndpointResolution } from '../../src/endpoints/types.js';
import { AWAITING, MemoryStream } from './helpers.js';

const URL_A = 'https://a.kcp.test/services/apiexport/c/x';
const degraded: EndpointResolution = {
  ...AWAITING,
  source: 'endpointSlice',
  urls: [URL_A],
  endpoints: [{ url: URL_A }],
  phase: 'Degraded',
  reason: 'PartitionInvalidReference',
  message: 'still lists 1 URL and they still serve',
};

function io(): { io: CliIo; out: MemoryStream; err: MemoryStream } {
  const out = new MemoryStream(false, 200);
  const err = new MemoryStream(false, 200);
  return { io: { stdout: out, stderr: err, env: {}, signal: new AbortController().signal }, out, err };
}

describe('Degraded on the command line', () => {
  it.each(['text', 'json', 'yaml', 'urls'])('exits 0 with -o %s and warns on stderr', async (output) => {
    const t = io();
    const code = await printResolution(degraded, parseCli(['get', 'root:p:x', '-o', output]), t.io);
    expect(code).toBe(0);
    expect(t.out.text).toContain(URL_A);
    expect(t.err.text).toBe(
      'warning: Degraded (PartitionInvalidReference): still lists 1 URL and they still serve\n',
    );
  });

  it('prints no Degraded warning for Ready, and a Degraded watch line in yellow only on a terminal', async () => {
    const t = io();
    await printResolution(
      { ...degraded, phase: 'Ready', reason: 'SliceHasEndpoints' },
      parseCli(['get', 'root:p:x']),
      t.io,
    );
    expect(t.err.text).toBe('');
    const change = { ...degraded, added: [], removed: [], previous: null };
    const tty = formatChangeLine(change, new Date(0), styleFor(new MemoryStream(true), {}));
    expect(tty).toContain('\u001b[33mDegraded');
    expect(formatChangeLine(change, new Date(0), styleFor(new MemoryStream(false), {}))).toContain(
      '  Degraded  endpointSlice  (1 URL)  still lists',
    );
  });
});
