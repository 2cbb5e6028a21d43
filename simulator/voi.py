"""Value of information from the stored runs: which uncertainty is worth resolving before signing.

The decision is "adopt ARM with its contracts" or keep the baseline; its net benefit in a run is
the perspective's position after contracts (discounted, in the scenario's currency), and the
baseline's is 0. Resolving parameters θ before deciding is worth, per decision (EVPPI),

    E_θ[max(E[NB | θ], 0)] − max(E[NB], 0),

estimated by the regression method of Strong, Oakley & Brennan (2014, Med Decis Making
34:311–326): E[NB | θ] is a smooth of every run's net benefit on its draws of θ
(`regression.fit`: a spline for one or two parameters, a Gaussian process for more), and the
standard error is the spread of the estimate over the smooth's posterior draws.

The stored runs carry the runs' own chance too (which youths come, when they move), which no
study before signing can resolve; E[max(NB, 0)] − max(E NB, 0) over the runs would count it as
information. So the EVPI reported (the row ALL) is the EVPPI of all parameters together.
This module writes only voi.csv and its figure; it draws no random numbers but the smooths'
posterior draws, from a fixed seed.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from simulator.language.errors import Issue, ScenarioError
from simulator.outputs import plots
from simulator.outputs.folder import MANIFEST_JSON, REPLICATIONS_CSV, VOI_CSV, ResultsFolder, format_cell, write_csv
from simulator.regression import Fit, fit, residual_check, residuals_ok, trend_warning
from simulator.sensitivity import Target, stored_parameters, stored_target

ALL = "ALL"  # voi.csv's row of the EVPI: every uncertain parameter together
GROUP_JOIN = "+"  # a group's row in voi.csv: its parameters joined, e.g. a+b
VOI_DRAWS = 200  # posterior draws of each smooth, for the standard errors
FIGURE = "information_rank"
MIN_RUNS = 20


@dataclass(frozen=True)
class Value:
    """The expected value of resolving one parameter or a group before deciding, per decision."""

    parameter: str  # a column of replications.csv, a group (a+b) or ALL
    evppi: float  # in the scenario's currency, discounted
    se: float  # from the smooth's posterior draws
    r2: float  # of the smooth of the net benefit on these parameters
    residual_z: float  # `regression.residual_z`: ≤ 4 when no trend is left in the residuals


@dataclass(frozen=True)
class Decision:
    """What was decided between, and the net benefit of adopting in every stored run."""

    arm: str
    baseline: str
    perspective: str
    currency: str
    net_benefit: np.ndarray  # (runs,): position after contracts; the baseline's is 0


def expected_gain(fitted: np.ndarray) -> np.ndarray:
    """mean max(g, 0) − max(mean g, 0) along the last axis: the value of knowing what g depends on."""
    return np.mean(np.maximum(fitted, 0.0), axis=-1) - np.maximum(np.mean(fitted, axis=-1), 0.0)


def evppi(x: np.ndarray, net_benefit: np.ndarray, rng: np.random.Generator,
          draws: int = VOI_DRAWS) -> tuple[float, float, Fit]:
    """The EVPPI of the parameters in the columns of `x` (runs, k), its standard error, and the smooth."""
    smooth = fit(x, net_benefit)
    return float(expected_gain(smooth.fitted)), float(np.std(expected_gain(smooth.draw(draws, rng)))), smooth


def decision(folder: ResultsFolder, arm: str | None = None, perspective: str = "total") -> Decision:
    """The decision's net benefit in every stored run. Raises ScenarioError naming a bad option."""
    scenario = folder.scenario()
    others = [name for name in scenario.arms if name != scenario.baseline]
    chosen = arm or (others[0] if others else None)
    if chosen not in others:
        raise ScenarioError([Issue("--arm", "", "one of " + (", ".join(others) or "(none: the scenario has "
                                   "only its baseline)"), repr(arm) if arm else "no arm to adopt")])
    departments = scenario.economics.departments
    keys = [*dict.fromkeys(d.split(".")[0] for d in departments), *departments, "total"]
    if perspective not in keys:
        raise ScenarioError([Issue("--perspective", "", "one of " + ", ".join(keys), repr(perspective))])
    replications = folder.replications
    if not replications:
        raise ScenarioError([Issue(str(folder.path), "", "a finished run's replications.csv (simulator run)",
                                   "none")])
    y = stored_target(Target("position", None, chosen, perspective), scenario, replications)
    return Decision(chosen, scenario.baseline, perspective, scenario.economics.currency,
                    np.asarray(y, dtype=float))


def value_of_information(folder: ResultsFolder, arm: str | None = None, perspective: str = "total",
                         groups: Sequence[str] = (), seed: int = 0) -> tuple[Decision, list[Value]]:
    """Every uncertain parameter's EVPPI (largest first), then each group's (`a,b`), then ALL."""
    chosen = decision(folder, arm, perspective)
    parameters = {column: x for column, (_, x) in stored_parameters(folder.scenario(), folder.replications).items()}
    if not parameters:
        raise ScenarioError([Issue(str(folder.file(MANIFEST_JSON)), "resolved.parameters",
                                   "at least one uncertain parameter (with dist)", "none")])
    members = [_group(text, parameters) for text in groups]
    y = chosen.net_benefit
    kept = np.isfinite(y) & np.all([np.isfinite(x) for x in parameters.values()], axis=0)
    if kept.sum() < MIN_RUNS:
        raise ScenarioError([Issue(str(folder.file(REPLICATIONS_CSV)), "", f"a net benefit in at least {MIN_RUNS} "
                                   "runs", f"{int(kept.sum())} runs")])
    rng = np.random.default_rng(seed)

    def value(name: str, columns: Sequence[str]) -> Value:
        x = np.column_stack([parameters[c][kept] for c in columns])
        estimate, se, smooth = evppi(x, y[kept], rng)
        return Value(name, estimate, se, smooth.r2, smooth.residual_z)

    singles = sorted((value(name, [name]) for name in parameters), key=lambda v: -v.evppi)
    return replace(chosen, net_benefit=y[kept]), [*singles, *(value(GROUP_JOIN.join(g), g) for g in members), value(ALL, list(parameters))]


def _group(text: str, parameters: dict[str, np.ndarray]) -> list[str]:
    names = [name.strip() for name in text.split(",")]
    unknown = [name for name in names if name not in parameters]
    if unknown or len(set(names)) != len(names):
        raise ScenarioError([Issue("--group", "", "uncertain parameters separated by commas, each once, from "
                                   + ", ".join(parameters), repr(text))])
    return names


def write_voi(folder: ResultsFolder, chosen: Decision, values: Sequence[Value]) -> str:
    """voi.csv and the information-rank figure; returns the table and the fit check as text."""
    table = write_csv(folder.file(VOI_CSV), ["parameter", "evppi", "se"],
                      [[v.parameter, format_cell(v.evppi), format_cell(v.se)] for v in values])
    evpi = values[-1].evppi
    rank = [v for v in values if v.parameter != ALL]
    ax = plots.plot_information_rank([v.parameter for v in rank], [_share(v.evppi, evpi) for v in rank],
                                     xlabel="EVPPI as a share of the EVPI (all parameters together)")
    figure = plots.save(ax.figure, folder.figure(FIGURE))
    y, currency = chosen.net_benefit, chosen.currency
    width = max(28, *(len(v.parameter) for v in values))
    lines = [f"adopt {chosen.arm} with its contracts, or keep {chosen.baseline}: net benefit = position after "
             f"contracts ({chosen.perspective}), discounted, over {len(y)} stored runs",
             f"expected net benefit {np.mean(y):,.0f} {currency} per decision; adopting is better in "
             f"{np.mean(y > 0):.0%} of runs",
             f"EVPI (all parameters together) {evpi:,.0f} ± {values[-1].se:,.0f} {currency} per decision",
             f"{'parameter':<{width}} {'EVPPI (' + currency + ')':>22} {'share of EVPI':>14} {'fit R²':>7} {'residuals':>10}"]
    for v in values:
        check = residual_check(v.residual_z)
        lines.append(f"{v.parameter:<{width}} {v.evppi:>12,.0f} ± {v.se:<7,.0f} {_share(v.evppi, evpi):>14.0%} "
                     f"{v.r2:>7.3f} {check:>10}")
    lines += trend_warning([v.parameter for v in values if not residuals_ok(v.residual_z)], "EVPPI")
    return "\n".join(lines + [f"-> {table}, {figure}"])


def _share(value: float, evpi: float) -> float:
    return value / evpi if evpi > 0 else 0.0
