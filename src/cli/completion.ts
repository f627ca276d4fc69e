import type { Command } from 'commander';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** What may follow a command path: its subcommands and options (the program's own too, valid anywhere). */
interface Node {
  path: string;
  words: string[];
  /** An option's values: its choices, or '?' where it takes a value nothing can list (a URL, a name). */
  values: [flag: string, values: string][];
}

function nodes(program: Command): Node[] {
  const globals = program.options.map((o) => o.long!).filter(Boolean);
  const out: Node[] = [];
  const walk = (cmd: Command, path: string) => {
    const options = cmd === program ? [] : cmd.options;
    const args = cmd.registeredArguments.flatMap((a) => a.argChoices ?? []);
    const subs = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
    out.push({
      path,
      words: [...subs.map((c) => c.name()), ...args, ...options.map((o) => o.long!).filter(Boolean), ...globals, '--help'],
      values: [...options, ...program.options].filter((o) => o.required || o.optional).map((o) => [o.long!, o.argChoices?.join(' ') ?? '?']),
    });
    for (const sub of subs) walk(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  walk(program, '');
  return out;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The two lookups every shell's script shares, as POSIX `case` (bash and zsh run the same text). */
function shTables(all: Node[]): string {
  const words = all.map((n) => `    ${quote(n.path)}) echo ${quote(n.words.join(' '))} ;;`).join('\n');
  const values = all.flatMap((n) => n.values.map(([flag, v]) => `    ${quote(`${n.path} ${flag}`)}) echo ${quote(v)} ;;`)).join('\n');
  return `_mms_words() {\n  case "$1" in\n${words}\n  esac\n}\n_mms_values() {\n  case "$1 $2" in\n${values}\n  esac\n}\n`;
}

function bash(all: Node[]): string {
  return `# bash completion for mms: source <(mms completion bash)
${shTables(all)}_mms() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} cmd='' w i values
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    [[ $w != -* && " $(_mms_words "$cmd") " == *" $w "* ]] && cmd=\${cmd:+$cmd }$w
  done
  values=$(_mms_values "$cmd" "$prev")
  if [[ $values == '?' ]]; then COMPREPLY=(); return; fi
  COMPREPLY=($(compgen -W "\${values:-$(_mms_words "$cmd")}" -- "$cur"))
}
complete -o default -F _mms mms
`;
}

function zsh(all: Node[]): string {
  // \`path\` is zsh's own array (tied to PATH): the command path is \`cmd\`.
  return `#compdef mms
# zsh completion for mms: source <(mms completion zsh), after compinit
${shTables(all)}_mms() {
  local cmd='' w i values
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    [[ $w != -* && " $(_mms_words "$cmd") " == *" $w "* ]] && cmd=\${cmd:+$cmd }$w
  done
  values=$(_mms_values "$cmd" "\${words[CURRENT-1]}")
  if [[ $values == '?' ]]; then _default; return; fi
  compadd -- \${=\${values:-$(_mms_words "$cmd")}}
}
if (( $+functions[compdef] )); then compdef _mms mms; fi
`;
}

function fish(all: Node[]): string {
  const cases = (rows: [string, string][]) => rows.map(([k, v]) => `    case ${quote(k)}\n      echo ${quote(v)}`).join('\n');
  return `# fish completion for mms: mms completion fish | source
function __mms_words
  switch "$argv[1]"
${cases(all.map((n) => [n.path, n.words.join(' ')]))}
  end
end
function __mms_values
  switch "$argv[1] $argv[2]"
${cases(all.flatMap((n) => n.values.map(([flag, v]): [string, string] => [`${n.path} ${flag}`, v])))}
  end
end
function __mms_complete
  set -l typed (commandline -opc)
  set -l cmd ''
  for w in $typed[2..-1]
    if not string match -q -- '-*' $w; and contains -- $w (string split -- ' ' (__mms_words "$cmd"))
      set cmd (string trim -- "$cmd $w")
    end
  end
  set -l values (__mms_values "$cmd" $typed[-1])
  if test "$values" = '?'
    __fish_complete_path (commandline -ct)
  else if test -n "$values"
    string split -- ' ' $values
  else
    string split -- ' ' (__mms_words "$cmd")
  end
end
complete -c mms -f -a '(__mms_complete)'
`;
}

/** A completion script for `shell`, generated from the commands as they are defined (nothing to keep in step by hand). */
export function completionScript(program: Command, shell: Shell): string {
  const all = nodes(program);
  return { bash, zsh, fish }[shell](all);
}
