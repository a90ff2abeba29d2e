import {
  COMMANDS,
  FLAGS,
  OUTPUTS,
  SERVER_COMMANDS,
  flagsOf,
  type CommandName,
  type FlagDef,
} from './flags.js';

interface CommandHelp {
  usage: string;
  summary: string;
  details?: string;
  examples: string[];
}

const HELP: Record<CommandName, CommandHelp> = {
  get: {
    usage: 'kcp-endpoints get <ref> [flags]',
    summary: 'Resolve the virtual-workspace URLs of an APIExport once',
    details:
      '<ref> is root:org:ws:export (like kubectl kcp bind apiexport) or a bare export name in --workspace.\n' +
      'URLs come from the APIExportEndpointSlice, else the deprecated APIExport.status.virtualWorkspaces\n' +
      '(--mode auto). -o urls prints one URL per line and nothing when there is none (exit 3).',
    examples: [
      'kcp-endpoints get root:org:provider:today-cowboys',
      'kcp-endpoints get today-cowboys -w root:org:provider -o json',
      'kcp-endpoints get root:org:provider:today-cowboys -o urls | xargs -n1 echo',
    ],
  },
  watch: {
    usage: 'kcp-endpoints watch <ref> [flags]',
    summary: 'Stream endpoint changes until Ctrl-C',
    details:
      'Prints one line per change of URLs, source, phase or reason; the first line is the current state.\n' +
      '-o ndjson prints one JSON EndpointChange per line (without "previous"). Ctrl-C exits 0.',
    examples: [
      'kcp-endpoints watch root:org:provider:today-cowboys',
      "kcp-endpoints watch root:org:provider:today-cowboys -o ndjson | jq -r '.added[]'",
    ],
  },
  wait: {
    usage: 'kcp-endpoints wait <ref> [--for ready|urls=N] [--timeout 2m] [flags]',
    summary: 'Block until the export has endpoints',
    details:
      'Waits until the slice is Ready (--for ready) or lists at least N URLs (--for urls=N), then prints the\n' +
      'result like get. On timeout exits 124 with the last phase and message on stderr.',
    examples: [
      'kcp-endpoints wait root:org:provider:today-cowboys --timeout 2m',
      'URL=$(kcp-endpoints wait root:org:provider:today-cowboys --for urls=1 -o urls | head -n1)',
    ],
  },
  consumers: {
    usage: 'kcp-endpoints consumers <ref> [--watch] [--engage ready|any] [flags]',
    summary: 'List the consumers (bound logical clusters) behind every endpoint of an APIExport',
    details:
      'Resolves the endpoints, then lists the APIBindings each virtual workspace serves: one row per consumer\n' +
      'cluster (CLUSTER, PATH, ENDPOINT, PHASE, READY), ready bindings only unless --engage any. --watch keeps\n' +
      'following and prints one line per engaged, updated or disengaged consumer until Ctrl-C (-o ndjson: one\n' +
      'JSON event per line). Without URLs it exits like get (3, 4 or 5); an endpoint that cannot be listed is\n' +
      'named on stderr and the exit code is that of its error. When a published shard URL is not reachable\n' +
      'from here, --rewrite-url FROM=TO sends the requests for the URLs that start with FROM to TO instead;\n' +
      'ENDPOINT stays the published URL, the url field of -o json/ndjson is the one requests go to.',
    examples: [
      'kcp-endpoints consumers root:org:provider:today-cowboys',
      'kcp-endpoints consumers root:org:provider:today-cowboys --watch -o ndjson | jq -r .cluster',
      'kcp-endpoints consumers root:org:provider:today-cowboys --rewrite-url https://10.0.0.5:6443=https://127.0.0.1:7443',
    ],
  },
  explain: {
    usage: 'kcp-endpoints explain <ref> [--consumer <path>]... [flags]',
    summary: 'Say in plain words why the endpoints are what they are, and what to do',
    details:
      'Follows APIResourceSchema → APIExport → APIBinding(s) (in --consumer workspaces) → APIExportEndpointSlice\n' +
      '→ Partition → Shards, checks apiexports/content (list, watch) with a SelfSubjectAccessReview, and prints\n' +
      'what it found and the exact command that fixes the cause: a missing Partition or one whose selector does\n' +
      'not parse, a binding whose shard is outside the partition or has no virtualWorkspaceURL, a slice that\n' +
      'names the export by another text than its canonical path, a lingering EndpointURLsReady condition.\n' +
      'Reads the slice and the export once and resolves from them. With --rewrite-url, each URL a rewrite\n' +
      'changes is shown with the URL requests go to (json: rewrittenUrls). Then it probes each URL once, in\n' +
      'parallel (GET <url>/clusters/*/apis, through the rewritten URL), and says whether it serves and, when\n' +
      'not, why: kcp publishes a URL before its virtual workspace serves (404), the credentials lack get on\n' +
      'apiexports/content (403), or the host cannot be reached from here (try --rewrite-url). json: serving.\n' +
      '--no-probe skips the probes. Exits like get.',
    examples: [
      'kcp-endpoints explain root:org:provider:today-cowboys',
      'kcp-endpoints explain root:org:provider:today-cowboys --consumer root:org:consumer -o json',
      'kcp-endpoints explain root:org:provider:today-cowboys --rewrite-url https://10.0.0.5:6443=https://127.0.0.1:7443',
    ],
  },
  nudge: {
    usage: 'kcp-endpoints nudge <ref> [--slice <slice>] [flags]',
    summary: 'Make kcp reconcile an endpoint slice again (workaround for stale or missing URLs)',
    details:
      'Sets the annotation kcp-endpoints.dev/nudged-at (the current time) on the slice with a merge patch;\n' +
      'kcp then re-checks the slice and adds or removes URLs it missed. kcp matches bindings to a slice by\n' +
      'the text of its spec.export.path, so a slice that names the export by another text than its canonical\n' +
      'path (kcp.io/path) only catches up when the slice changes. The lasting fix is to re-create the slice\n' +
      'with the canonical path (get and explain say which). Needs patch on apiexportendpointslices.',
    examples: [
      'kcp-endpoints nudge root:org:provider:today-cowboys',
      'kcp-endpoints nudge root:org:provider:today-cowboys --slice root:org:slices:cowboys -o json',
    ],
  },
  demo: {
    usage: 'kcp-endpoints demo [--fast]',
    summary: 'Run a kcp simulator in-process and narrate the endpoint lifecycle (no kcp needed)',
    details: 'Needs no kubeconfig and no network; takes about 10 seconds.',
    examples: ['kcp-endpoints demo', 'npx kcp-endpoints demo'],
  },
  completion: {
    usage: 'kcp-endpoints completion bash|zsh|fish',
    summary: 'Print a shell completion script',
    examples: [
      'source <(kcp-endpoints completion bash)',
      'kcp-endpoints completion zsh > "${fpath[1]}/_kcp-endpoints"',
      'kcp-endpoints completion fish > ~/.config/fish/completions/kcp-endpoints.fish',
    ],
  },
  help: {
    usage: 'kcp-endpoints help [command]',
    summary: 'Show help for a command',
    examples: ['kcp-endpoints help wait'],
  },
  version: {
    usage: 'kcp-endpoints version',
    summary: 'Print the version',
    examples: ['kcp-endpoints --version'],
  },
};

/** The exit-code table printed by `--help` (and documented in the README). */
export const EXIT_CODES_HELP = `Exit codes:
  0    ok (get, wait, explain: at least one URL, also when Degraded, with a warning on stderr;
       nudge: the slice was annotated)
  1    failure (network, server, kubeconfig)
  2    usage error (unknown flag, missing argument)
  3    resolved, but no URLs
  4    APIExport or endpoint slice not found (and no URL; nudge: no such slice)
  5    unauthorised or forbidden (nudge: the missing verb is named)
  124  wait timed out
  130  interrupted (Ctrl-C while waiting)`;

function flagLine(f: FlagDef, command: CommandName): string {
  const short = f.short === undefined ? '    ' : `-${f.short}, `;
  const value = f.type === 'string' ? ` <${f.value ?? 'value'}>` : '';
  const outputs =
    f.name === 'output'
      ? ` ${(OUTPUTS[command] ?? []).join('|')} (default ${OUTPUTS[command]?.[0] ?? 'text'})`
      : '';
  return `  ${`${short}--${f.name}${value}`.padEnd(38)}${f.help}${outputs}`;
}

/** Help for one command. */
export function commandHelp(command: CommandName): string {
  const h = HELP[command];
  const flags = flagsOf(command).map((f) => flagLine(f, command));
  if (command !== 'demo' && command !== 'completion') {
    flags.push(
      `  ${'-v <level>'.padEnd(38)}Log verbosity on stderr (1 warnings and retries, 2 info, 4 debug, 6 details)`,
    );
  }
  return [
    `${h.summary}.`,
    '',
    `Usage: ${h.usage}`,
    ...(h.details === undefined ? [] : ['', h.details]),
    '',
    'Flags:',
    ...flags,
    '',
    'Examples:',
    ...h.examples.map((e) => `  ${e}`),
    '',
    EXIT_CODES_HELP,
    '',
  ].join('\n');
}

/** The top-level help. */
export function mainHelp(): string {
  return [
    'kcp-endpoints: resolve, watch and explain kcp APIExport virtual-workspace URLs.',
    '',
    'Usage: kcp-endpoints <command> [flags]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.padEnd(12)}${HELP[c].summary}`),
    '',
    'Global flags (kubectl style):',
    ...FLAGS.filter((f) => f.commands === SERVER_COMMANDS || f.commands === undefined).map((f) =>
      flagLine(f, 'get'),
    ),
    `  ${'-o, --output <format>'.padEnd(38)}Output format (see each command's --help)`,
    `  ${'-v <level>'.padEnd(38)}Log verbosity on stderr`,
    '',
    "Run 'kcp-endpoints <command> --help' for a command's flags. Try 'kcp-endpoints demo' first.",
    '',
    EXIT_CODES_HELP,
    '',
  ].join('\n');
}
