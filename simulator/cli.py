"""The `simulator` command: thin adapters over the package's functions.

Bad input exits with status 2 and one line per problem, never a traceback.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from simulator.errors import Issue, ScenarioError

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

    run = commands.add_parser("run", help="simulate the replications and write the result files")
    run.add_argument("scenario", help="the scenario YAML file")
    run.add_argument("--runs", type=int, default=1000, help="replications (default 1000)")
    run.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    run.add_argument("--workers", type=int, default=None, help="local processes (default: all cores)")
    run.add_argument("--out", type=Path, default=None, help="output folder (default results/<scenario>)")
    run.add_argument("--scheduler", default=None, help="a Dask scheduler, tcp://HOST:PORT")
    run.add_argument("--resume", action="store_true", help="complete an interrupted run in --out")
    run.add_argument("--force", action="store_true", help="replace another scenario's results in --out")
    run.add_argument("--no-report", action="store_true", help="do not build report.html")
    run.set_defaults(command=_run)
    return parser


def _validate(args: argparse.Namespace) -> int:
    from simulator.describe import describe
    from simulator.loading import load_scenario

    print(describe(load_scenario(args.scenario)))
    return 0


def _run(args: argparse.Namespace) -> int:
    from simulator.loading import load_scenario
    from simulator.results import write_results
    from simulator.runner import RunOptions, run

    problems = []
    if args.runs < 1:
        problems.append(Issue("--runs", "", "a whole number >= 1", str(args.runs)))
    if args.seed < 0:
        problems.append(Issue("--seed", "", "a whole number >= 0", str(args.seed)))
    if args.workers is not None and args.workers < 1:
        problems.append(Issue("--workers", "", "a whole number >= 1", str(args.workers)))
    if problems:
        raise ScenarioError(problems)
    scenario = load_scenario(args.scenario)
    out = args.out or Path("results") / Path(args.scenario).stem
    options = RunOptions(runs=args.runs, seed=args.seed, workers=args.workers,
                         scheduler=args.scheduler, resume=args.resume, force=args.force, progress=True)
    try:
        manifest = run(scenario, out, options)
    except KeyboardInterrupt:
        from simulator.runner import completed_replications

        kept = len(completed_replications(out))
        print(f"interrupted: {kept} of {args.runs} replications are kept in {out}; "
              f"complete them with: simulator run {args.scenario} --out {out} --runs {args.runs} "
              f"--seed {args.seed} --resume", file=sys.stderr)
        return 130
    summary = write_results(out, scenario)
    if not args.no_report:
        _report(out, scenario)
    print(f"{manifest['runs_done']} replications of {scenario.name!r} in {manifest['seconds']:.1f} s "
          f"-> {out}{os.sep}")
    _print_headline(summary)
    return 0


def _report(out: Path, scenario) -> None:
    """report.html, once the report module exists."""
    try:
        from simulator.report import write_report
    except ImportError:
        return
    write_report(out, scenario)


def _print_headline(summary: dict) -> None:
    for name, contract in summary.get("contracts", {}).items():
        payments = contract["payments"]
        print(f"  {name}: P(full repayment) {contract['p_full_repayment']:.0%}, payments "
              f"{payments['mean']:,.0f} (90 % {payments['p05']:,.0f} to {payments['p95']:,.0f})")
