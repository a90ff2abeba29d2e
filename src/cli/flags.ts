/** The CLI's subcommands. */
export type CommandName =
  'get' | 'watch' | 'wait' | 'explain' | 'nudge' | 'consumers' | 'demo' | 'completion' | 'help' | 'version';

/** Commands that talk to a kcp server. */
export const SERVER_COMMANDS: readonly CommandName[] = [
  'get',
  'watch',
  'wait',
  'explain',
  'nudge',
  'consumers',
];

/** Commands that resolve endpoints (and take `--mode`). */
const RESOLVE_COMMANDS: readonly CommandName[] = ['get', 'watch', 'wait', 'explain', 'consumers'];

/** Every subcommand, in help order. */
export const COMMANDS: readonly CommandName[] = [
  'get',
  'watch',
  'wait',
  'explain',
  'nudge',
  'consumers',
  'demo',
  'completion',
  'help',
  'version',
];

/** One flag: its long name, optional short name, type, and where it applies. */
export interface FlagDef {
  /** Long name without dashes. */
  name: string;
  /** Single-letter short name. */
  short?: string;
  /** `string` flags take a value. */
  type: 'string' | 'boolean';
  /** May be given several times. */
  multiple?: boolean;
  /** Placeholder of the value in help. */
  value?: string;
  /** One line of help. */
  help: string;
  /** Commands that accept it; `undefined` = every command. */
  commands?: readonly CommandName[];
  /** Values for shell completion. */
  choices?: readonly string[];
}

/** Output formats per command; the first is the default. */
export const OUTPUTS: Partial<Record<CommandName, readonly string[]>> = {
  get: ['text', 'json', 'yaml', 'urls'],
  watch: ['text', 'ndjson'],
  wait: ['text', 'json', 'yaml', 'urls'],
  explain: ['text', 'json'],
  nudge: ['text', 'json'],
  consumers: ['text', 'json', 'ndjson'],
};

/** Every flag the CLI knows (`-v` is parsed separately, see the argument parser). */
export const FLAGS: readonly FlagDef[] = [
  {
    name: 'kubeconfig',
    type: 'string',
    value: 'file',
    help: 'Path to the kubeconfig file (default $KUBECONFIG, then ~/.kube/config)',
    commands: SERVER_COMMANDS,
  },
  {
    name: 'context',
    type: 'string',
    value: 'name',
    help: 'The kubeconfig context to use',
    commands: SERVER_COMMANDS,
  },
  {
    name: 'server',
    short: 's',
    type: 'string',
    value: 'url',
    help: 'The address of the kcp server (overrides the kubeconfig)',
    commands: SERVER_COMMANDS,
  },
  {
    name: 'token',
    type: 'string',
    value: 'token',
    help: 'Bearer token (overrides the kubeconfig user)',
    commands: SERVER_COMMANDS,
  },
  {
    name: 'certificate-authority',
    type: 'string',
    value: 'file',
    help: 'Path to a CA bundle (PEM) to verify the server with',
    commands: SERVER_COMMANDS,
  },
  {
    name: 'insecure-skip-tls-verify',
    type: 'boolean',
    help: 'Do not verify the server certificate (insecure)',
    commands: SERVER_COMMANDS,
  },
  {
    name: 'workspace',
    short: 'w',
    type: 'string',
    value: 'path',
    help: 'Workspace of a bare export name (default: the /clusters/<x> of the server URL, else root)',
    commands: SERVER_COMMANDS,
  },
  {
    name: 'request-timeout',
    type: 'string',
    value: 'duration',
    help: 'Timeout of each request, e.g. 30s, 2m; 0 = none (default 30s)',
    commands: SERVER_COMMANDS,
  },
  {
    name: 'mode',
    type: 'string',
    value: 'mode',
    help: 'Where URLs come from: auto (slice, then legacy fallback), endpointSlice, virtualWorkspaces (default auto)',
    commands: RESOLVE_COMMANDS,
    choices: ['auto', 'endpointSlice', 'virtualWorkspaces'],
  },
  {
    name: 'slice',
    type: 'string',
    value: 'name',
    help: 'Endpoint slice to read: <name> or <path>:<name> (default: the export name, in its workspace)',
    commands: SERVER_COMMANDS,
  },
  {
    name: 'rewrite-url',
    type: 'string',
    multiple: true,
    value: 'FROM=TO',
    help: 'Send requests for endpoint URLs that start with FROM to TO instead (absolute http(s) URLs; repeatable, longest FROM wins)',
    commands: RESOLVE_COMMANDS,
  },
  {
    name: 'output',
    short: 'o',
    type: 'string',
    value: 'format',
    help: 'Output format (see the command)',
    commands: ['get', 'watch', 'wait', 'explain', 'nudge', 'consumers'],
  },
  {
    name: 'for',
    type: 'string',
    value: 'condition',
    help: 'Condition: ready (phase Ready) or urls=N (at least N URLs) (default ready)',
    commands: ['wait'],
    choices: ['ready', 'urls=1', 'urls=2'],
  },
  {
    name: 'timeout',
    type: 'string',
    value: 'duration',
    help: 'How long to wait, e.g. 30s, 2m; 0 = forever (default 30s)',
    commands: ['wait'],
  },
  {
    name: 'consumer',
    type: 'string',
    multiple: true,
    value: 'path',
    help: 'Consumer workspace to look for APIBindings in (repeatable)',
    commands: ['explain'],
  },
  {
    name: 'no-probe',
    type: 'boolean',
    help: 'Do not check whether each endpoint URL serves (one GET of <url>/clusters/*/apis each)',
    commands: ['explain'],
  },
  {
    name: 'watch',
    type: 'boolean',
    help: 'Keep watching and print one line per engaged, updated or disengaged consumer until Ctrl-C',
    commands: ['consumers'],
  },
  {
    name: 'engage',
    type: 'string',
    value: 'which',
    help: 'Which bindings count: ready (Ready condition True) or any (default ready)',
    commands: ['consumers'],
    choices: ['ready', 'any'],
  },
  { name: 'fast', type: 'boolean', help: 'No simulated controller delays (for tests)', commands: ['demo'] },
  { name: 'help', short: 'h', type: 'boolean', help: 'Show help' },
  { name: 'version', type: 'boolean', help: 'Print the version' },
];

/** The flags a command accepts. */
export function flagsOf(command: CommandName): FlagDef[] {
  return FLAGS.filter((f) => f.commands === undefined || f.commands.includes(command));
}
