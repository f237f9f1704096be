"""``ecr-endpoint-guard completion bash|zsh``: a shell completion script, made from the parser.

The script completes the commands, each command's options, and the values of options with
choices (``--format``, the shells); zsh uses the same function through ``bashcompinit``.
Install it with ``eval "$(ecr-endpoint-guard completion bash)"`` in ``~/.bashrc`` (or
``completion zsh`` in ``~/.zshrc``).
"""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from remediation.cli import terminal
from remediation.cli.results import EXIT_OK
from remediation.cli.terminal import PROG

SHELLS = ("bash", "zsh")
FUNCTION = "_ecr_endpoint_guard"


def add_parser(commands: Any, root: argparse.ArgumentParser) -> None:
    """Declare ``completion`` on the subcommands of the main parser ``root`` (whose commands
    and options the script completes)."""
    completion = commands.add_parser(
        "completion",
        help="print a shell completion script (bash or zsh)",
        description='Print a completion script: eval "$(ecr-endpoint-guard completion bash)" '
        "in ~/.bashrc, or the zsh one in ~/.zshrc.",
    )
    completion.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    completion.set_defaults(handler=run, root=root)


def run(args: argparse.Namespace) -> int:
    terminal.out(script(args.root, args.shell))
    return EXIT_OK


def _words(words: list[str]) -> str:
    return shlex.quote(" ".join(words))


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script of ``parser`` for ``shell``."""
    top = [flag for a in parser._actions for flag in a.option_strings]
    commands: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            commands.update(action.choices)
    cases: list[str] = []
    values: list[str] = []
    for name, sub in commands.items():
        flags = [flag for a in sub._actions for flag in a.option_strings]
        cases.append(f"    {name}) words={_words(flags)} ;;")
        for action in sub._actions:
            if action.choices and not isinstance(action, argparse._SubParsersAction):
                choices = [str(c) for c in action.choices]
                # An option's values follow the option; a positional's, the command itself.
                for after in action.option_strings or [name]:
                    values.append(
                        f"    {shlex.quote(f'{name}:{after}')}) words={_words(choices)} ;;"
                    )
    lines = [
        f'# {PROG} completion ({shell}): eval "$({PROG} completion {shell})"',
        *(["autoload -U +X bashcompinit && bashcompinit"] if shell == "zsh" else []),
        f"{FUNCTION}() {{",
        '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '  local command="${COMP_WORDS[1]}" words=""',
        '  if [ "$COMP_CWORD" -eq 1 ]; then',
        f"    words={_words([*commands, *top])}",
        "  else",
        '    case "$command:$prev" in',
        *values,
        "    *)",
        '      case "$command" in',
        *(f"  {case}" for case in cases),
        "      esac ;;",
        "    esac",
        "  fi",
        '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
        "}",
        f"complete -F {FUNCTION} {PROG}",
    ]
    return "\n".join(lines)
