import type { CliArgs } from '../args.js';
import { ExitCode } from '../exit-codes.js';
import { COMMANDS, FLAGS, OUTPUTS, flagsOf, type CommandName } from '../flags.js';
import type { CliIo } from '../io.js';

const flagWords = (c: CommandName): string =>
  flagsOf(c)
    .flatMap((f) => [`--${f.name}`, ...(f.short === undefined ? [] : [`-${f.short}`])])
    .join(' ');

const valuesOf = (name: string): readonly string[] => FLAGS.find((f) => f.name === name)?.choices ?? [];

/** A bash completion script (also used by zsh through bashcompinit when preferred). */
export function bashCompletion(): string {
  const cases = COMMANDS.map((c) => `    ${c}) flags="${flagWords(c)}" ;;`).join('\n');
  const outputs = Object.entries(OUTPUTS)
    .map(([c, o]) => `        ${c}) COMPREPLY=($(compgen -W "${o.join(' ')}" -- "$cur")) ;;`)
    .join('\n');
  return `# bash completion for kcp-endpoints
_kcp_endpoints() {
  local cur prev cmd flags i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) cmd="\${COMP_WORDS[i]}"; break ;; esac
  done
  case "$prev" in
    -o|--output)
      case "$cmd" in
${outputs}
      esac
      return ;;
    --mode) COMPREPLY=($(compgen -W "${valuesOf('mode').join(' ')}" -- "$cur")); return ;;
    --for) COMPREPLY=($(compgen -W "${valuesOf('for').join(' ')}" -- "$cur")); return ;;
    --kubeconfig|--certificate-authority) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W "${COMMANDS.join(' ')} --help --version" -- "$cur"))
    return
  fi
  case "$cmd" in
${cases}
  esac
  if [[ "$cmd" == completion && "$cur" != -* ]]; then
    COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -W "$flags" -- "$cur"))
}
complete -F _kcp_endpoints kcp-endpoints
`;
}

function zshFlag(c: CommandName, f: (typeof FLAGS)[number]): string {
  const help = f.help.replace(/'/g, "'\\''").replace(/[[\]:]/g, ' ');
  const action =
    f.name === 'output'
      ? `:format:(${(OUTPUTS[c] ?? []).join(' ')})`
      : f.choices !== undefined
        ? `:${f.name}:(${f.choices.join(' ')})`
        : f.type === 'string'
          ? `:${f.value ?? 'value'}:${f.name === 'kubeconfig' || f.name === 'certificate-authority' ? '_files' : ' '}`
          : '';
  const names = f.short === undefined ? `--${f.name}` : `{-${f.short},--${f.name}}`;
  return `'${f.multiple === true ? '*' : ''}${names}[${help}]${action}'`;
}

/** A zsh completion script (`#compdef`). */
export function zshCompletion(): string {
  const cases = COMMANDS.map(
    (c) =>
      `    ${c}) _arguments ${flagsOf(c)
        .map((f) => zshFlag(c, f))
        .join(' ')}${c === 'completion' ? " '1:shell:(bash zsh fish)'" : ''} ;;`,
  ).join('\n');
  return `#compdef kcp-endpoints
_kcp_endpoints() {
  local -a commands
  commands=(${COMMANDS.map((c) => `'${c}'`).join(' ')})
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  local cmd=\${words[2]}
  shift words
  (( CURRENT-- ))
  case $cmd in
${cases}
  esac
}
compdef _kcp_endpoints kcp-endpoints
`;
}

/** A fish completion script. */
export function fishCompletion(): string {
  const lines = ['# fish completion for kcp-endpoints', 'complete -c kcp-endpoints -f'];
  for (const c of COMMANDS) {
    lines.push(`complete -c kcp-endpoints -n __fish_use_subcommand -a ${c}`);
    for (const f of flagsOf(c)) {
      const short = f.short === undefined ? '' : ` -s ${f.short}`;
      const values =
        f.name === 'output'
          ? ` -x -a '${(OUTPUTS[c] ?? []).join(' ')}'`
          : f.choices !== undefined
            ? ` -x -a '${f.choices.join(' ')}'`
            : f.type === 'string'
              ? ' -r'
              : '';
      const desc = f.help.replace(/'/g, "\\'");
      lines.push(
        `complete -c kcp-endpoints -n '__fish_seen_subcommand_from ${c}' -l ${f.name}${short}${values} -d '${desc}'`,
      );
    }
  }
  lines.push("complete -c kcp-endpoints -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'");
  return `${lines.join('\n')}\n`;
}

/** `completion bash|zsh|fish`. */
export function runCompletion(args: CliArgs, io: CliIo): Promise<number> {
  const shell = args.args[0];
  io.stdout.write(shell === 'zsh' ? zshCompletion() : shell === 'fish' ? fishCompletion() : bashCompletion());
  return Promise.resolve(ExitCode.Ok);
}
