import type { Subscription } from 'rxjs';
import { createClient } from '../../client.js';
import type { EndpointChange } from '../../endpoints/types.js';
import { silentLogger } from '../../logger.js';
import { delay } from '../../timers.js';
import type { CliArgs } from '../args.js';
import { formatDuration } from '../duration.js';
import { ExitCode } from '../exit-codes.js';
import { colourPhase, formatResolutionText } from '../format.js';
import { styleFor, writeLine, type CliIo } from '../io.js';

const PROVIDER = 'root:org:provider';
const EXPORT = 'today-cowboys';
const REF = `${PROVIDER}:${EXPORT}`;
const CONSUMER_A = 'root:org:consumer-a';
const CONSUMER_B = 'root:org:consumer-b';
const STEP_TIMEOUT_MS = 8_000;

/** Collects emissions and resolves waiters when one matches. */
class Changes {
  readonly seen: EndpointChange[] = [];
  private waiter: { pred: (c: EndpointChange) => boolean; resolve: (c: EndpointChange) => void } | undefined;
  private printed = 0;
  constructor(private readonly onChange: (c: EndpointChange) => void) {}
  push(c: EndpointChange): void {
    this.seen.push(c);
    this.onChange(c);
    if (this.waiter?.pred(c) === true) {
      this.waiter.resolve(c);
      this.waiter = undefined;
    }
  }
  /** The first emission after the last `until` that matches. */
  until(pred: (c: EndpointChange) => boolean, what: string): Promise<EndpointChange> {
    const found = this.seen.slice(this.printed).find(pred);
    this.printed = this.seen.length;
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`the demo timed out waiting for ${what}`));
      }, STEP_TIMEOUT_MS);
      this.waiter = {
        pred,
        resolve: (c) => {
          clearTimeout(timer);
          this.printed = this.seen.length;
          resolve(c);
        },
      };
    });
  }
}

function indent(text: string, prefix = '    '): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => (l === '' ? '' : `${prefix}${l}`))
    .join('\n');
}

/**
 * `demo`: starts the bundled kcp simulator in-process (no kubeconfig, no network) and narrates the endpoint
 * lifecycle step by step, printing what `get` shows at each step.
 */
export async function runDemo(args: CliArgs, io: CliIo): Promise<number> {
  const style = styleFor(io.stdout, io.env);
  const started = Date.now();
  const pause = args.fast ? 0 : 900;
  const { startKcpSimulator } = await import('../../testing/index.js');
  const sim = await startKcpSimulator({ profile: '0.29+', delays: args.fast ? 'instant' : 'realistic' });
  const out = (text = ''): void => {
    writeLine(io.stdout, text);
  };
  let sub: Subscription | undefined;
  const client = createClient({
    server: `${sim.url}/clusters/root`,
    token: sim.token,
    kubeconfig: { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] },
    logger: silentLogger,
  });
  try {
    sim.addShard('beta', { virtualWorkspaceURL: 'https://beta.shards.kcp.test:6443' });
    sim.createWorkspace(PROVIDER);
    sim.createWorkspace(CONSUMER_A);
    sim.createWorkspace(CONSUMER_B, { shard: 'beta' });
    out(style.bold('kcp-endpoints demo'));
    out(`A kcp simulator (kcp 0.28+) runs in this process at ${sim.url} with two shards, root and beta.`);
    out(
      `Provider workspace ${PROVIDER}; consumers ${CONSUMER_A} (shard root) and ${CONSUMER_B} (shard beta).`,
    );
    const changes = new Changes((c) => {
      const diff = [...c.added.map((u) => `+${u}`), ...c.removed.map((u) => `-${u}`)].join(' ');
      writeLine(io.stdout, style.dim(`    watch: ${c.phase} (${c.reason})${diff === '' ? '' : ` ${diff}`}`));
    });
    const step = async (
      n: number,
      title: string,
      explain: string,
      act: () => void,
      until: (c: EndpointChange) => boolean,
      what: string,
    ): Promise<void> => {
      await delay(pause);
      out();
      out(
        `${style.cyan(`[${formatDuration(Date.now() - started).padStart(6)}]`)} ${style.bold(`Step ${n}/5  ${title}`)}`,
      );
      out(`    ${explain}`);
      act();
      const c = await changes.until(until, what);
      out(`    $ kcp-endpoints get ${REF}`);
      out(indent(formatResolutionText(c, style)));
    };
    await step(
      1,
      `Create APIExport ${REF}`,
      'kcp creates a default APIExportEndpointSlice with the same name; nobody has bound yet, so it lists no URL.',
      () => {
        sim.createExport(PROVIDER, EXPORT);
        sub = client
          .workspace(PROVIDER)
          .watchEndpoints(EXPORT)
          .subscribe({
            next: (c) => {
              changes.push(c);
            },
          });
      },
      (c) => c.phase === 'AwaitingBinding',
      'the empty slice (AwaitingBinding)',
    );
    await step(
      2,
      `Bind it from ${CONSUMER_A} (shard root)`,
      `kubectl kcp bind apiexport ${REF}: the first binding on shard root makes kcp add that shard's URL.`,
      () => sim.bind(CONSUMER_A, REF),
      (c) => c.urls.length === 1,
      'the first URL',
    );
    await step(
      3,
      `Bind it from ${CONSUMER_B} (shard beta)`,
      "A binding on a second shard adds a second URL: each URL is one shard's virtual workspace, added with the first binding on that shard.",
      () => sim.bind(CONSUMER_B, REF),
      (c) => c.urls.length === 2,
      'the second URL',
    );
    await step(
      4,
      `Delete the binding in ${CONSUMER_B}`,
      "When the last binding on shard beta is gone, kcp removes that shard's URL.",
      () => {
        sim.unbind(CONSUMER_B, EXPORT);
      },
      (c) => c.urls.length === 1 && c.removed.length === 1,
      'the URL removal',
    );
    await delay(pause);
    out();
    out(
      `${style.cyan(`[${formatDuration(Date.now() - started).padStart(6)}]`)} ${style.bold('Step 5/5  Done')}`,
    );
    const last = changes.seen.at(-1);
    out(
      `    Final state: ${last === undefined ? '?' : colourPhase(last.phase, style)} with ${last?.urls.length ?? 0} URL.`,
    );
    out('    Against your own kcp:');
    out(`      kcp-endpoints get ${REF} --kubeconfig admin.kubeconfig`);
    out(`      kcp-endpoints wait ${REF} --for ready --timeout 2m -o urls`);
    out(`      kcp-endpoints explain ${REF} --consumer ${CONSUMER_A}`);
    return ExitCode.Ok;
  } finally {
    sub?.unsubscribe();
    await client.close();
    await sim.close();
  }
}
