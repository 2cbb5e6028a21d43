"""The `simulator` command: thin adapters over the package's functions.

Bad input exits with status 2 and one line per problem, never a traceback.
"""
from __future__ import annotations

import argparse
import sys

from simulator.errors import ScenarioError

EXIT_BAD_INPUT = 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.command(args)
    except ScenarioError as error:
        for issue in error.issues:
            print(issue, file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="simulator", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    validate = commands.add_parser("validate", help="check a scenario and print the resolved model")
    validate.add_argument("scenario", help="the scenario YAML file")
    validate.set_defaults(command=_validate)
    return parser


def _validate(args: argparse.Namespace) -> int:
    from simulator.describe import describe
    from simulator.loading import load_scenario

    print(describe(load_scenario(args.scenario)))
    return 0
