"""The ``agentenvs`` command line: ``list`` the ids, and run the commands other packages plug in.

Experiment commands (``train``, ``grid``, ``report``, ``demo``, ``shapers``) come from the
``agentenvs.commands`` entry-point group, which ``baselines`` declares in pyproject.toml: an
entry point ``NAME = "module:function [extra]"`` names a ``function(argv) -> int`` that receives
the whole command line from ``NAME`` on. agentenvs never imports the package behind a command
until that command runs; when its extra is not installed, the command says which one to install.
"""
from __future__ import annotations

import argparse
import sys
from importlib.metadata import EntryPoint, entry_points

from .registration import all_entries

COMMAND_GROUP = "agentenvs.commands"
_OWN_PACKAGES = {"agentenvs", "reward_plugins", "baselines"}


def plugin_commands() -> dict[str, EntryPoint]:
    """The ``agentenvs.commands`` entry points by name (the first one installed wins a name)."""
    commands: dict[str, EntryPoint] = {}
    for ep in entry_points(group=COMMAND_GROUP):
        commands.setdefault(ep.name, ep)
    return commands


def _install_hint(ep: EntryPoint) -> str:
    return f"pip install 'agentenvs[{','.join(ep.extras)}]'" if ep.extras else "install the missing module"


def run_command(ep: EntryPoint, argv: list[str]) -> int:
    """Load and run one plugged-in command; a missing third-party module becomes a one-line hint."""
    try:
        return int(ep.load()(argv))
    except ImportError as exc:  # a missing module, or one of our packages refusing to load without it
        missing = exc.name or getattr(exc.__cause__, "name", None)
        if missing is None or missing.partition(".")[0] in _OWN_PACKAGES:
            raise
        extras = " and ".join(repr(e) for e in ep.extras) or "an optional"
        print(f"error: `agentenvs {ep.name}` needs the {extras} extra (module {missing!r} is not installed): "
              f"{_install_hint(ep)}", file=sys.stderr)
        return 2


def _list(_: argparse.Namespace) -> int:
    entries = all_entries()
    width = max(len(e.id) for e in entries)
    for entry in entries:
        print(f"{entry.id:<{width}}  {entry.description}")
    return 0


def build_parser(commands: dict[str, EntryPoint]) -> argparse.ArgumentParser:
    """The top-level parser: ``list`` plus one sub-command per plugged-in command (for ``--help``)."""
    parser = argparse.ArgumentParser(prog="agentenvs", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="print every registered env id with a one-line description").set_defaults(func=_list)
    for name, ep in sorted(commands.items()):
        sub.add_parser(name, add_help=False,
                       help=f"from {ep.module.partition('.')[0]} ({_install_hint(ep)}); agentenvs {name} --help")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``agentenvs`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = plugin_commands()
    if argv and argv[0] in commands:
        return run_command(commands[argv[0]], argv)
    args = build_parser(commands).parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
