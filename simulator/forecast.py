"""Re-forecast during a contract from the youths observed so far (`simulator forecast`, spec §4.7).

The observed folder is read and checked by `language/observed.py`; the engine continues the
observed youths from the cut-off (`engine.model.simulate_continued`); this module updates the
uncertain parameters by what was observed (`engine/likelihood.py`: importance weights on prior
draws), runs the replications into a results folder as `run` does, and adds what is already
settled (`observed_until`, `settled_to_date`) to `summary.json`.

It also turns simulated trajectories into observed data (`observed_from`, `write_observed`):
the synthetic example and the tests make their "observed" youths that way.
"""
from __future__ import annotations

import calendar
import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from simulator.engine.likelihood import log_likelihood, statistics
from simulator.engine.sampling import JointDraws
from simulator.engine.seeding import rng_for
from simulator.engine.trajectories import Trajectories
from simulator.language.distributions import UNIFORM_EDGE
from simulator.language.errors import Issue, ScenarioError
from simulator.language.observed import (SPELL_COLUMNS, SPELLS_CSV, YOUTHS_CSV, Observed, ObservedSpell,
                                         ObservedYouth, read_observed)
from simulator.language.scenario import Scenario
from simulator.outputs.folder import SUMMARY_JSON, ResultsFolder, write_json
from simulator.outputs.statistics import statistics as spread


def observed_from(trajectories: Trajectories, until: float, arm: str | None = None) -> Observed:
    """What an observer sees of simulated `trajectories` up to `until`: the youths who arrived
    before it, their spells cut there, and the departures before it. Youth ids are y0, y1, …"""
    youths = []
    for y in range(trajectories.youths):
        arrival = float(trajectories.arrival[y])
        if arrival >= until:
            continue
        departure = float(trajectories.departure[y])
        left = departure if departure <= until and departure < trajectories.horizon else None
        end = left if left is not None else until
        spells = {}
        rows = np.flatnonzero(trajectories.spell_youth == y)
        for k, track in enumerate(trajectories.tracks):
            kept: list[ObservedSpell] = []
            for i in rows[(trajectories.spell_track[rows] == k) & (trajectories.spell_start[rows] < end)]:
                state = trajectories.states[k][trajectories.spell_state[i]]
                kept.append(ObservedSpell(state, float(trajectories.spell_start[i]),
                                          min(float(trajectories.spell_end[i]), end)))
            spells[track] = tuple(kept)
        attributes = {name: trajectories.attribute_values[a][trajectories.youth_attributes[y, a]]
                      for a, name in enumerate(trajectories.attributes)}
        youths.append(ObservedYouth(f"y{y}", arrival, left, attributes, spells))
    return Observed(arm or trajectories.arm, until, tuple(youths))


def write_observed(observed: Observed, folder: str | Path, attributes: Sequence[str],
                   start: tuple[int, int] | None = None) -> None:
    """`youths.csv` and `spells.csv` of `observed` in `folder` (the scenario's `attributes` as
    columns). Times in months as Python writes them (read back, the same floats), or, given the
    scenario's `start` (year, month), as dates YYYY-MM-DD, each time rounded down to its day."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)

    def time(t: float) -> str:
        return repr(t) if start is None else date_of(t, start)

    youths, spells = io.StringIO(), io.StringIO()
    writer = csv.writer(youths, lineterminator="\n")
    writer.writerow(["youth", "arrival", "departure", *attributes])
    for y in observed.youths:
        writer.writerow([y.youth, time(y.arrival), "" if y.departure is None else time(y.departure),
                         *(y.attributes[a] for a in attributes)])
    writer = csv.writer(spells, lineterminator="\n")
    writer.writerow(SPELL_COLUMNS)
    for y in observed.youths:
        for track, track_spells in y.spells.items():
            for i, spell in enumerate(track_spells):
                running = i == len(track_spells) - 1 and y.departure is None
                writer.writerow([y.youth, track, spell.state, time(spell.start), "" if running else time(spell.end)])
    (folder / YOUTHS_CSV).write_text(youths.getvalue(), encoding="utf-8")
    (folder / SPELLS_CSV).write_text(spells.getvalue(), encoding="utf-8")


def date_of(t: float, start: tuple[int, int]) -> str:
    """Months since `start` as the date YYYY-MM-DD of the day it falls in (day d of a month of D
    days covers [(d - 1) / D, d / D) of it), the inverse of how observed dates are read."""
    whole = math.floor(t)
    year, month = divmod(start[0] * 12 + start[1] - 1 + whole, 12)
    days = calendar.monthrange(year, month + 1)[1]
    return f"{year:04d}-{month + 1:02d}-{min(days, int((t - whole) * days) + 1):02d}"


def default_arm(scenario: Scenario) -> str:
    """The first arm that is not the baseline (spec §4.7), or the baseline when it is the only one."""
    return next((name for name in scenario.arms if name != scenario.baseline), scenario.baseline)



# --- Updating the parameters by what was observed -------------------------------------------------


SMALL_ESS = 100  # fewer effective draws than this: the updated parameters rest on a few draws


@dataclass(frozen=True)
class Update:
    """The parameters after the observed histories: importance weights on draws from the prior."""

    joint: JointDraws | None  # None: the scenario has no uncertain parameter to update
    prior_draws: int
    effective_sample_size: float  # (Σw)² / Σw²: how many equally weighted draws the weights are worth
    not_updated: tuple[str, ...]  # an arm's own parameters: drawn from the prior as in `run`

    def describe(self) -> dict:
        return {"method": "importance sampling", "prior_draws": self.prior_draws,
                "effective_sample_size": round(self.effective_sample_size, 1),
                "parameters": list(self.joint.names) if self.joint else [],
                "not_updated": list(self.not_updated)}


def prior_draws(scenario: Scenario, names: list[str], seed: int, draws: int) -> np.ndarray:
    """`draws` × len(names) draws from the parameters' priors, each parameter from its own stream
    (seed, "forecast prior", name), by Latin hypercube when the scenario samples so."""
    parameters = scenario.parameters()
    columns = []
    for name in names:
        rng = rng_for(seed, "forecast prior", name)
        u = rng.random(draws)
        if scenario.sampling == "lhs":
            u = (rng.permutation(draws) + u) / draws
        u = np.clip(u, UNIFORM_EDGE, 1.0 - UNIFORM_EDGE)
        columns.append(np.asarray(parameters[name].distribution.ppf(u), dtype=float))
    return np.stack(columns, axis=1) if columns else np.zeros((draws, 0))


def update_parameters(scenario: Scenario, observed: Observed, seed: int, draws: int) -> Update:
    """Weigh `draws` prior draws by the likelihood of the observed histories (`engine/likelihood.py`).

    The weights make a `JointDraws` of the parameters every arm shares; each forecast replication
    takes one draw by weight. Raises ScenarioError when no draw can produce what was observed.
    """
    model = scenario.arms[observed.arm].model
    names = [name for name, p in model.parameters.items() if p.uncertain]
    if not names or not observed.youths:  # nothing to update: each replication draws as `run` does
        return Update(None, 0, math.nan, ())
    fixed = {name: float(p.value) for name, p in model.parameters.items() if not p.uncertain}
    values = prior_draws(scenario, names, seed, draws)
    log_l = log_likelihood(statistics(scenario, observed), tuple(names), values, fixed)
    if not np.any(np.isfinite(log_l)):
        raise ScenarioError([Issue("--observed", "", "histories the scenario can produce with some prior draw",
                                   "histories impossible under every one of the "
                                   f"{draws} draws (a move whose hazard ratio or probability is 0?)")])
    weights = np.exp(log_l - np.max(log_l))
    ess = float(weights.sum() ** 2 / np.sum(weights ** 2))
    own = {name for arm in scenario.arms.values() for name in arm.own_parameters}
    shared = [j for j, name in enumerate(names) if name not in own]
    joint = JointDraws(tuple(names[j] for j in shared), values[:, shared], weights, observed.sha256) \
        if shared else None
    return Update(joint, draws, ess, tuple(name for name in names if name in own))


# --- The forecast: replications, result files, and where each contract stands ----------------------


def forecast(scenario: Scenario, observed_folder: str | Path, at: float, out: str | Path, *,
             arm: str | None = None, runs: int = 1000, seed: int = 0, workers: int | None = None,
             plan: str | Path | None = None, draws: int | None = None,
             progress: bool = False) -> tuple[ResultsFolder, Update]:
    """Forecast `scenario` from the youths observed up to `at` (months since start) into `out`:
    the result files of `run`, with `observed_until`, `parameter_update` and each contract's
    `settled_to_date` in summary.json (and, given `plan`, a results folder of the plan at
    signing, its P(full repayment) beside today's). `out` may hold an earlier forecast, which is
    replaced, but not the results of `run`."""
    from simulator.outputs.results import write_results
    from simulator.runner import RunOptions, run as run_replications

    arm = arm or default_arm(scenario)
    if arm not in scenario.arms:
        raise ScenarioError([Issue("--arm", "", f"an arm of the scenario ({', '.join(scenario.arms)})", repr(arm))])
    planned = _plan_summary(plan) if plan is not None else None
    existing = ResultsFolder(out).manifest
    if existing and "observed" not in existing:  # never replace the results of `run` (the plan)
        raise ScenarioError([Issue(str(out), "", "an empty folder or an earlier forecast for --out",
                                   "the results of simulator run")])
    observed = read_observed(observed_folder, scenario, arm, at)
    update = update_parameters(scenario, observed, seed, draws or max(2000, 4 * runs))
    out = Path(out)
    run_replications(scenario, out, RunOptions(runs=runs, seed=seed, workers=workers, joint=update.joint,
                                               observed=observed, force=True, progress=progress))
    summary = write_results(out, scenario)
    folder = ResultsFolder(out)
    summary.update(observed_until=at, forecast={
        "arm": arm, "observed_youths": len(observed.youths),
        "observed_sha256": observed.sha256, "parameter_update": update.describe()})
    for name in scenario.contracts:
        summary["contracts"][name].update(_where_it_stands(folder, name, at, planned))
    write_json(folder.file(SUMMARY_JSON), summary)
    return folder, update


def _plan_summary(plan: str | Path) -> dict:
    folder = ResultsFolder(plan)
    path = folder.file(SUMMARY_JSON)
    if not path.is_file():
        raise ScenarioError([Issue(str(plan), "", "a results folder of the plan at signing (with summary.json, "
                                   "made by simulator run)", "none")])
    return json.loads(path.read_text(encoding="utf-8"))


def _where_it_stands(folder: ResultsFolder, name: str, at: float, planned: dict | None) -> dict:
    """What contract `name` has settled by `at` (nominal, as paid) and what is still to come.

    The contract is priced again on the stored replications (as `sweep` prices a design), which
    gives each settlement's time and amount. What was settled by `at` is the same in every
    replication unless it depends on the simulated baseline arm (`versus_baseline`, or savings
    set against payments); then `settled_to_date_fixed` is false and the number is their mean.
    """
    from simulator.sweep import price_design

    results = price_design(folder, name, {})
    times = np.nan_to_num(results.settlement_times, nan=math.inf)
    remaining = np.sum(np.where(times > at, results.settlements, 0.0), axis=1)
    settled = np.where(remaining == 0.0, results.payments_nominal,  # all of it, to the last bit
                       np.sum(np.where(times <= at, results.settlements, 0.0), axis=1))
    fixed = bool(np.all(np.abs(settled - settled[0]) <= 1e-9 * max(1.0, abs(float(settled[0])))))  # sums' rounding
    result = {"settled_to_date": float(settled[0] if fixed else np.mean(settled)),
              "settled_to_date_fixed": fixed,
              "remaining_payments_nominal": _stat(remaining)}
    if planned is not None:
        result["p_full_repayment_at_signing"] = planned.get("contracts", {}).get(name, {}).get("p_full_repayment")
    return result


def _stat(values: np.ndarray) -> dict:
    numbers = spread(values)
    return {key: float(numbers[key]) for key in ("mean", "sd", "p05", "p50", "p95")}
