"""The ``agentenvs`` command line: list ids, and hand experiment commands to ``baselines``."""
from __future__ import annotations

import argparse
import sys

from .registration import GYM_ENVS, MULTI_AGENT_ENVS


def _list(_: argparse.Namespace) -> int:
    width = max(len(e.id) for e in GYM_ENVS + MULTI_AGENT_ENVS)
    for entry in GYM_ENVS:
        print(f"{entry.id:<{width}}  {entry.description}")
    for entry in MULTI_AGENT_ENVS:
        print(f"{entry.id:<{width}}  {entry.description}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``agentenvs`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in {"train", "grid", "report", "demo", "shapers"}:
        from baselines.cli import main as baselines_main

        return baselines_main(argv)
    parser = argparse.ArgumentParser(prog="agentenvs", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="print every registered env id with a one-line description").set_defaults(func=_list)
    sub.add_parser("train", help="train one agent (see agentenvs-baselines train --help)")
    sub.add_parser("grid", help="run an experiment grid (see agentenvs-baselines grid --help)")
    sub.add_parser("report", help="aggregate runs into plots and tables (see agentenvs-baselines report --help)")
    sub.add_parser("demo", help="the README demo (see agentenvs-baselines demo --help)")
    sub.add_parser("shapers", help="list the registered reward shapers")
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
