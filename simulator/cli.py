"""The `simulator` command: thin adapters over the package's functions.

Bad input exits with status 2 and one line per problem, never a traceback.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from simulator.language.errors import Issue, ScenarioError
from simulator.outputs.metrics import target_choices
from simulator.outputs.words import LANGUAGES

EXIT_BAD_INPUT = 2
ROUGH_BELOW_RUNS = 100  # fewer replications give rough 90 % intervals


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.command(args)
    except ScenarioError as error:
        for issue in error.issues:
            print(issue, file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:  # a file system problem no command turned into an issue: one line still
        reason = error.strerror or str(error)
        print(Issue(str(error.filename or "simulator"), "", "a file it can read or write",
                    reason[:1].lower() + reason[1:]), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="simulator", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    validate = commands.add_parser("validate", help="check a scenario and print the resolved model")
    validate.add_argument("scenario", help="the scenario YAML file")
    validate.add_argument("--lang", choices=LANGUAGES, default="en",
                          help="language of the labels shown (default en; the text is English)")
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
    run.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the report (default en)")
    run.add_argument("--posterior", type=Path, default=None,
                     help="a posterior.csv of simulator calibrate: each replication takes one joint draw of "
                          "its parameters, by weight")
    run.set_defaults(command=_run)

    calibrate = commands.add_parser("calibrate", help="update the uncertain parameters from the scenario's "
                                    "targets: posterior.csv, calibration.json and calibration.html")
    calibrate.add_argument("scenario", help="the scenario YAML file, with `targets`")
    calibrate.add_argument("--out", type=Path, default=None,
                           help="output folder (default results/<scenario>-calibration)")
    calibrate.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    calibrate.add_argument("--workers", type=int, default=None, help="local processes (default: all cores)")
    calibrate.add_argument("--scheduler", default=None, help="a Dask scheduler, tcp://HOST:PORT")
    calibrate.set_defaults(command=_calibrate)

    forecast = commands.add_parser("forecast", help="re-forecast from the youths observed so far (their "
                                   "histories to a cut-off), as run does")
    forecast.add_argument("scenario", help="the scenario YAML file")
    forecast.add_argument("--observed", type=Path, required=True,
                          help="folder with youths.csv and spells.csv (the observed youths up to --at)")
    forecast.add_argument("--at", required=True, metavar="WHEN",
                          help="the cut-off: months since start, YYYY-MM or YYYY-MM-DD")
    forecast.add_argument("--arm", default=None,
                          help="the arm the observed youths are in (default: the first that is not the baseline)")
    forecast.add_argument("--runs", type=int, default=1000, help="replications (default 1000)")
    forecast.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    forecast.add_argument("--workers", type=int, default=None, help="local processes (default: all cores)")
    forecast.add_argument("--out", type=Path, default=None,
                          help="output folder (default results/<scenario>-forecast)")
    forecast.add_argument("--plan", type=Path, default=None,
                          help="results folder of the plan at signing (simulator run), to compare with")
    forecast.add_argument("--no-report", action="store_true", help="do not build report.html")
    forecast.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the report (default en)")
    forecast.set_defaults(command=_forecast)

    sweep = commands.add_parser("sweep", help="price contract designs on stored replications")
    sweep.add_argument("results", type=Path, help="a results folder written by `simulator run`")
    sweep.add_argument("--contract", required=True, help="the contract to vary")
    sweep.add_argument("--vary", action="append", required=True, metavar="KEY=START:STOP:STEPS",
                       help="a contract field path and its range, e.g. cap=1e7:3e7:5 (repeatable)")
    sweep.add_argument("--require", action="append", default=[], metavar="METRIC>=X",
                       help="a requirement every feasible design meets, e.g. p_full_repayment>=0.6 or "
                            "p_payer_loss<=0.3 (>=, <=, >, <; repeatable)")
    sweep.add_argument("--workers", type=int, default=None, help="local processes (default: all cores)")
    sweep.set_defaults(command=_sweep)

    report = commands.add_parser("report", help="(re)build report.html and summary.xlsx from saved results")
    report.add_argument("results", type=Path, help="a results folder written by simulator run")
    report.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the report (default en)")
    report.set_defaults(command=_report)

    compare = commands.add_parser("compare", help="the headline numbers of finished runs side by side")
    compare.add_argument("results", type=Path, nargs="+", metavar="RESULTS_DIR",
                         help="results folders of finished runs (written by simulator run)")
    compare.add_argument("--out", type=Path, default=None,
                         help="folder for compare.html and compare.csv (default results/compare)")
    compare.add_argument("--lang", choices=LANGUAGES, default="en", help="language of compare.html (default en)")
    compare.set_defaults(command=_compare)

    sensitivity = commands.add_parser("sensitivity", help="which uncertain parameters move a result most: "
                                      "variance shares from stored runs, or a re-run tornado or Sobol indices")
    sensitivity.add_argument("source", help="a results folder (shares from its stored runs), or a scenario "
                                            "YAML file to re-run with --method rerun or sobol")
    sensitivity.add_argument("--method", choices=("metamodel", "rerun", "tornado", "sobol"), default=None,
                             help="metamodel: first-order variance shares from the stored runs (the default "
                                  "for a results folder); rerun (or tornado, its former name): one parameter "
                                  "at a time with switching values (the default for a scenario file); sobol: "
                                  "Sobol indices (needs SALib)")
    sensitivity.add_argument("--target", default="payer_net",
                             help=f"{target_choices()} (default payer_net); from stored runs also any "
                                  "contract metric of contracts.csv and position:KEY")
    sensitivity.add_argument("--contract", default=None, help="the contract (default: the first)")
    sensitivity.add_argument("--runs", type=int, default=200,
                             help="replications per parameter setting (default 200)")
    sensitivity.add_argument("--samples", type=int, default=64,
                             help="Sobol base sample, a power of 2 (default 64; settings = samples × "
                                  "(parameters + 2))")
    sensitivity.add_argument("--seed", type=int, default=0,
                             help="root seed, the same for every setting (default 0)")
    sensitivity.add_argument("--workers", type=int, default=None, help="local processes (default: all cores)")
    sensitivity.add_argument("--out", type=Path, default=None,
                             help="output folder of a re-run (default results/<scenario>, or the results "
                                  "folder given)")
    sensitivity.set_defaults(command=_sensitivity)

    voi = commands.add_parser("voi", help="value of information: which uncertainty is worth resolving before "
                              "deciding, from the stored runs")
    voi.add_argument("results", type=Path, help="a results folder written by simulator run")
    voi.add_argument("--arm", default=None, help="the arm adopted with its contracts, against the baseline "
                                                 "(default: the first arm that is not the baseline)")
    voi.add_argument("--perspective", default="total",
                     help="whose position after contracts is the net benefit: a department, a level "
                          "(e.g. municipality) or total (default total)")
    voi.add_argument("--group", action="append", default=[], metavar="A,B",
                     help="also the EVPPI of these parameters together (repeatable)")
    voi.add_argument("--seed", type=int, default=0,
                     help="seed of the smooths' posterior draws, for the standard errors (default 0)")
    voi.set_defaults(command=_voi)
    return parser


def _validate(args: argparse.Namespace) -> int:
    from simulator.language.describe import describe
    from simulator.language.loading import load_scenario

    print(describe(load_scenario(args.scenario), args.lang))
    return 0


def _run(args: argparse.Namespace) -> int:
    from simulator.api import load_scenario, run

    _check_minimums(runs=(args.runs, 1), seed=(args.seed, 0), workers=(args.workers, 1))
    scenario = load_scenario(args.scenario)
    out = args.out or Path("results") / Path(args.scenario).stem
    try:
        results = run(scenario, out, runs=args.runs, seed=args.seed, workers=args.workers,
                      scheduler=args.scheduler, resume=args.resume, force=args.force,
                      report=not args.no_report, lang=args.lang, progress=True, posterior=args.posterior)
    except KeyboardInterrupt:
        from simulator.outputs.folder import ResultsFolder

        kept = len(ResultsFolder(out).completed_replications())
        print(f"interrupted: {kept} of {args.runs} replications are kept in {out}; "
              f"complete them with: simulator run {args.scenario} --out {out} --runs {args.runs} "
              f"--seed {args.seed} --resume", file=sys.stderr)
        return 130
    manifest = results.manifest
    if args.runs < ROUGH_BELOW_RUNS:  # said last, beside the intervals, not before a refusal
        print(f"warning: --runs {args.runs} is below {ROUGH_BELOW_RUNS}: the 90 % intervals are rough",
              file=sys.stderr)
    print(f"{manifest['runs_done']} replications of {scenario.name!r} in {manifest['seconds']:.1f} s "
          f"-> {out}{os.sep}")
    _print_headline(results)
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from simulator.api import calibrate, default_calibration_out, load_scenario

    _check_minimums(seed=(args.seed, 0), workers=(args.workers, 1))
    scenario = load_scenario(args.scenario)
    out = args.out or default_calibration_out(args.scenario)
    result = calibrate(scenario, out, seed=args.seed, workers=args.workers, scheduler=args.scheduler, progress=True)
    if not result["complete"]:
        print(f"interrupted: the {result['parameter_sets']} parameter sets measured so far are weighted and "
              f"written to {out}", file=sys.stderr)
    print(f"{result['simulations']} simulations ({result['parameter_sets']} parameter sets) in "
          f"{result['seconds']:.1f} s, effective sample size {result['effective_sample_size']:.0f} -> {out}{os.sep}")
    for name, stat in result["parameters"].items():
        posterior = stat["posterior"]
        print(f"  {scenario.parameters()[name].label.get('en')}: median {posterior['p50']:.4g} "
              f"(90 % {posterior['p05']:.4g} to {posterior['p95']:.4g}; prior median {stat['prior_p50']:.4g})")
    for name, check in result["targets"].items():
        kind = "hold-out" if check["hold_out"] else "fitted"
        print(f"  {scenario.targets[name].label.get('en')} ({kind}): observed {check['observed_share']:.3g}, "
              f"model 90 % {check['predictive_p05']:.3g} to {check['predictive_p95']:.3g}")
    return 0 if result["complete"] else 130


def _forecast(args: argparse.Namespace) -> int:
    from simulator.api import load_scenario
    from simulator.forecast import SMALL_ESS, forecast
    from simulator.language.observed import parse_when

    _check_minimums(runs=(args.runs, 1), seed=(args.seed, 0), workers=(args.workers, 1))
    scenario = load_scenario(args.scenario)
    at = parse_when(args.at, scenario)
    out = args.out or Path("results") / (Path(args.scenario).stem + "-forecast")
    results, update = forecast(scenario, args.observed, at, out, arm=args.arm, runs=args.runs, seed=args.seed,
                               workers=args.workers, plan=args.plan, progress=True)
    if not args.no_report:
        from simulator.outputs.report import languages, write_in_languages

        write_in_languages(out, languages(out, args.lang))
    if update.joint is not None and update.effective_sample_size < SMALL_ESS:
        print(f"warning: the observed histories leave {update.effective_sample_size:.0f} effective prior draws "
              f"of {update.prior_draws}: the updated parameters rest on a few draws, so the intervals are rough",
              file=sys.stderr)
    summary = results.summary
    print(f"{results.manifest['runs_done']} replications of {scenario.name!r} forecast from "
          f"{summary['forecast']['observed_youths']} youths observed to month {at:g} -> {out}{os.sep}")
    if update.joint is not None:
        print(f"  parameters updated by importance sampling: {update.effective_sample_size:.0f} effective draws "
              f"of {update.prior_draws}")
    currency = summary.get("currency", "")
    for name, contract in summary.get("contracts", {}).items():
        fixed = "" if contract["settled_to_date_fixed"] else " (mean: it depends on the simulated baseline)"
        print(f"  {results.label('contract', name, 'en')}: settled to date {contract['settled_to_date']:,.0f} "
              f"{currency}{fixed}; still to come {_spread(contract['remaining_payments_nominal'], currency)} "
              f"(nominal); P(full repayment) {contract['p_full_repayment']:.0%}")
    return 0


def _check_minimums(**options: tuple[int | None, int]) -> None:
    """Whole-number options below their minimum (None: not given) exit 2, naming each option."""
    problems = [Issue(f"--{name}", "", f"a whole number >= {minimum}", str(value))
                for name, (value, minimum) in options.items() if value is not None and value < minimum]
    if problems:
        raise ScenarioError(problems)


def _report(args: argparse.Namespace) -> int:
    from simulator.outputs.report import write_readable

    report, workbook = write_readable(args.results, lang=args.lang)
    print(f"{report} and {workbook}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from simulator.compare import DEFAULT_OUT, compare

    print("{} and {}".format(*compare(args.results, args.out or DEFAULT_OUT, lang=args.lang)))
    return 0


def _sensitivity(args: argparse.Namespace) -> int:
    """A results folder: shares from its stored runs (or re-running its scenario with --method
    rerun|sobol); a scenario file: re-running (rerun by default, or sobol)."""
    from simulator.language.loading import load_scenario
    from simulator.outputs.folder import ResultsFolder
    from simulator.sensitivity import metamodel, run_sensitivity, write_metamodel

    _check_minimums(runs=(args.runs, 1), samples=(args.samples, 1), seed=(args.seed, 0),
                    workers=(args.workers, 1))
    source = Path(args.source)
    stored = source.is_dir()
    method = args.method or ("metamodel" if stored else "rerun")
    if method == "metamodel":
        if not stored:
            raise ScenarioError([Issue(args.source, "", "a results folder written by simulator run (the "
                                       "metamodel reads its stored runs); to re-run a scenario file use "
                                       "--method rerun or sobol", "a file" if source.exists() else "nothing there")])
        folder = ResultsFolder(source)
        target, runs, shares = metamodel(folder, args.target, args.contract, args.seed, shown=True)
        print(write_metamodel(folder, target, runs, shares))
        return 0
    scenario = ResultsFolder(source).scenario() if stored else load_scenario(args.source)
    out = args.out or (source if stored else Path("results") / source.stem)
    print(run_sensitivity(scenario, out, method="sobol" if method == "sobol" else "tornado", target=args.target,
                          contract=args.contract, runs=args.runs, samples=args.samples, seed=args.seed,
                          workers=args.workers, shown=True))
    return 0


def _voi(args: argparse.Namespace) -> int:
    from simulator.outputs.folder import ResultsFolder
    from simulator.voi import value_of_information, write_voi

    _check_minimums(seed=(args.seed, 0))
    folder = ResultsFolder(args.results)
    decision, values = value_of_information(folder, args.arm, args.perspective, args.group, args.seed)
    print(write_voi(folder, decision, values))
    return 0


def _print_headline(results) -> None:
    """Each contract's headline, then where each body stands when everything is paid, by labels
    (in English; ids where the scenario gives none)."""
    summary = results.summary
    currency = summary.get("currency", "")
    for name, contract in summary.get("contracts", {}).items():
        payments = contract["payments_discounted"]
        text = f"payments {_spread(payments, currency)}"
        if contract.get("p_at_cap", 0.0) >= 0.5:
            text = f"payments at the cap in {contract['p_at_cap']:.0%} of runs (discounted mean {payments['mean']:,.0f} {currency})"
        print(f"  {results.label('contract', name, 'en')}: P(full repayment) {contract['p_full_repayment']:.0%}, {text}")
        null, deadweight = contract.get("null_effect_payments"), contract.get("deadweight_share") or {}
        if null and null.get("mean") is not None:
            share = "" if deadweight.get("mean") is None else \
                f"; {deadweight['mean']:.0%} of what is paid would have been earned without the programme"
            print(f"    a programme with no effect would be paid {_spread(null, currency)}{share}")
    for arm, numbers in summary.get("arms", {}).items():
        positions = numbers.get("position_after_contracts")
        if positions:
            print(f"  where each body stands under {results.label('arm', arm, 'en')} when everything is paid "
                  f"(discounted):")
            bodies = {d: "all public bodies together" if d == "total" else results.label("department", d, "en")
                      for d in positions}
            width = max(map(len, bodies.values()))
            for department, stat in positions.items():
                print(f"    {bodies[department]:<{width}}  {_spread(stat, currency)}, below zero in "
                      f"{stat['p_negative']:.0%} of runs")


def _spread(stat: dict, currency: str) -> str:
    """A mean and its 90 % interval in words; a point mass is said to be one, and a mean outside its
    own interval (pulled by rare runs) is given after the median."""
    if stat["p05"] == stat["p95"]:
        return f"{stat['p50']:,.0f} {currency} in at least 90 % of runs"
    interval = f"(90 % {stat['p05']:,.0f} to {stat['p95']:,.0f})"
    if not stat["p05"] <= stat["mean"] <= stat["p95"]:
        return f"median {stat['p50']:,.0f} {currency} {interval}, mean {stat['mean']:,.0f}"
    return f"{stat['mean']:,.0f} {currency} {interval}"


def _sweep(args: argparse.Namespace) -> int:
    from simulator.outputs.folder import ResultsFolder
    from simulator.sweep import FIGURE, ZONE_FIGURE, Requirement, Vary, metric_columns, sweep

    _check_minimums(workers=(args.workers, 1))
    varies = [Vary.parse(text) for text in args.vary]
    columns = [*metric_columns(), *(v.key for v in varies)]
    requirements = [Requirement.parse(text, columns) for text in args.require]
    path = sweep(args.results, args.contract, varies, args.workers, requirements, shown=True)
    folder = ResultsFolder(args.results)
    figures = [folder.figure(FIGURE)] + ([folder.figure(ZONE_FIGURE)] if requirements else [])
    print(f"{path} and {' and '.join(map(str, figures))}")
    return 0
