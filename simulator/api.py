"""The public API: what a notebook or a script needs, the same steps the command line takes.

    import simulator

    scenario = simulator.load_scenario("scenarios/aarhus.yaml")
    results = simulator.run(scenario, "results/aarhus", runs=1000, seed=0)
    results.summary["contracts"]["havnen_outcomes"]["p_full_repayment"]
    results.replications["havnen_outcomes@payer_net"]      # one value per replication
    design = simulator.price_contract(results, "havnen_outcomes", {"cap": 12e6})
    design.full_repayment.mean()                             # the design's P(full repayment)
    results = simulator.open_results("results/aarhus")     # a finished run, later

`run` and `open_results` return the results folder (`ResultsFolder`): `summary` (summary.json),
`replications` (replications.csv by column), `occupancy`, `money` and `contracts` (the csv rows),
`manifest`, and `scenario()`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

from simulator.language.errors import Issue, ScenarioError
from simulator.language.loading import load_scenario
from simulator.language.scenario import Scenario
from simulator.money.pricing import ContractResults
from simulator.outputs.folder import ResultsFolder

__all__ = ["load_scenario", "run", "calibrate", "open_results", "price_contract", "ResultsFolder", "Scenario",
           "ContractResults", "ScenarioError"]


def run(scenario: Scenario | str | Path, out: str | Path | None = None, *, runs: int = 1000,
        seed: int = 0, workers: int | None = None, scheduler: str | None = None,
        resume: bool = False, force: bool = False, report: bool = False, lang: str = "en",
        progress: bool = False, posterior: str | Path | None = None) -> ResultsFolder:
    """Run the replications of a scenario (a loaded one or a file) into `out` and write the result
    files (and, with `report`, report.html and summary.xlsx in `lang`, and report.da.html and
    summary.da.xlsx as well when the scenario has Danish labels), as `simulator run` does.

    `out` defaults to results/<the scenario file's stem>. The same `seed` gives the same numbers
    with any `workers` or `scheduler`; `resume` completes an interrupted run; `force` replaces
    another scenario's results. `posterior` (a posterior.csv of `simulator calibrate`) gives each
    replication one joint draw of the parameters it holds, by weight. Raises `ScenarioError` for
    a bad scenario, posterior file or folder.
    """
    from simulator.outputs.results import write_results
    from simulator.runner import RunOptions, run as run_replications

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    out = Path(out) if out is not None else Path("results") / Path(scenario.file).stem
    joint = None
    if posterior is not None:
        from simulator.engine.sampling import JointDraws
        from simulator.language.posterior import read_posterior

        joint = JointDraws(*read_posterior(posterior, scenario))
    run_replications(scenario, out, RunOptions(runs=runs, seed=seed, workers=workers, scheduler=scheduler,
                                               resume=resume, force=force, progress=progress, joint=joint))
    write_results(out, scenario)
    if report:
        from simulator.outputs.report import languages, write_in_languages  # matplotlib: only when it draws
        from simulator.progress import progress as bar

        written = languages(out, lang)
        with bar(len(written), "reports", "report", shown=progress) as advance:  # a few seconds each
            write_in_languages(out, written, advance)
    return ResultsFolder(out)


def calibrate(scenario: Scenario | str | Path, out: str | Path | None = None, *, seed: int = 0,
              workers: int | None = None, scheduler: str | None = None, progress: bool = False) -> dict:
    """Calibrate a scenario's `calibrate` parameters to its targets, as `simulator calibrate` does:
    writes posterior.csv, calibration.json and calibration.html (and calibration.da.html) into
    `out` (default results/<the scenario file's stem>-calibration) and returns calibration.json's
    data. The same `seed` gives the same posterior with any `workers` or `scheduler`."""
    from simulator.calibration import CalibrateOptions, calibrate as fit

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    out = Path(out) if out is not None else default_calibration_out(scenario.file)
    return fit(scenario, out, CalibrateOptions(seed=seed, workers=workers, scheduler=scheduler, progress=progress))


def default_calibration_out(scenario_file: str | Path) -> Path:
    return Path("results") / f"{Path(scenario_file).stem}-calibration"


def open_results(path: str | Path) -> ResultsFolder:
    """A finished run's results folder; raises `ScenarioError` when `path` holds no run."""
    folder = ResultsFolder(path)
    if not folder.manifest:
        raise ScenarioError([Issue(str(path), "", "a results folder with manifest.json (made by "
                                   "simulator run)", "none")])
    return folder


def price_contract(results: ResultsFolder | str | Path, contract: str,
                   terms: Mapping[str, float] | None = None) -> ContractResults:
    """One contract design priced on every stored replication, without simulating again.

    `terms` change the scenario's terms, keyed as `simulator sweep --vary` keys them (`cap`,
    `outcomes.NAME.price`, `window.until`, `investor.principal` …); a bad value raises the
    `ScenarioError` it would raise in a file. The result holds each replication's numbers
    (`payments_discounted`, `full_repayment`, `payer_net`, …), one array entry per replication.
    """
    from simulator.sweep import price_design

    folder = results if isinstance(results, ResultsFolder) else open_results(results)
    return price_design(folder, contract, terms or {})
