"""Which uncertain parameters move a result most: variance shares from the stored runs, a re-run
tornado with switching values, or Sobol indices.

The default (`metamodel`) reads a results folder and runs nothing: each parameter's first-order
variance share Var(E[Y | X_i]) / Var(Y), with E[Y | X_i] a smooth regression (`regression.fit`) of
the result Y of every stored run on that run's draw of X_i, and a tornado of that smooth between
the draws' 5th and 95th percentiles. The shares leave out what no single parameter explains:
interactions, and the runs' own chance (which youths arrive, when they move).

The re-running methods evaluate settings. Sample → evaluate → analyse, as in SALib. A *setting*
fixes every uncertain parameter at a value (`RunOptions.overrides`). Evaluating a setting is an
ordinary run of `runs` replications with the same seed, in a scratch folder, so every setting sees
the same youths (common random numbers) and the differences between settings come from the
parameters alone; the target is read from the setting's summary. Each setting is run once,
however many analyses use it.

- tornado: each parameter at its 5th and at its 95th percentile, the others at their medians;
- switching values: each parameter scanned over its 5–95 % range (the others at their medians)
  for the value at which the payers' net gain after payments (`payer_net`) crosses zero;
- sobol: first-order and total Sobol indices over the parameters' distributions (SALib, the
  optional `sobol` extra).

A parameter that an arm's patch redefines is fixed at one value in every arm.
This module writes only sensitivity.csv, sobol.csv or metamodel.csv and its figure; it draws no
random numbers but the metamodel's posterior draws (for standard errors), from a fixed seed.
"""
from __future__ import annotations

import dataclasses
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from simulator.outputs import plots
from simulator.language.errors import Issue, ScenarioError
from simulator.language.scenario import Parameter, Scenario
from simulator.outputs import metrics
from simulator.outputs.folder import (MANIFEST_JSON, METAMODEL_CSV, SENSITIVITY_CSV, SOBOL_CSV, ResultsFolder,
                                      column_name, format_cell, write_csv)
from simulator.regression import Fit, fit, residual_check, residuals_ok, trend_warning
from simulator.outputs.results import write_results
from simulator.progress import Advance, progress
from simulator.runner import RunOptions, run

TARGETS = tuple(metric.name for metric in metrics.targets())  # an arm's (net_gain) takes :LEVEL
# From stored runs any per-run result can be the target: every recorded contract metric, and an
# arm's net gain or position after contracts for a level, a department or the total.
STORED_TARGETS = tuple(dict.fromkeys([*TARGETS, *(m.name for m in metrics.recorded()), "position"]))
METAMODEL_DRAWS = 200  # posterior draws of each smooth, for the shares' standard errors
SCAN_POINTS = 5  # values per parameter in the switching-value scan, both ends included
SOBOL_RANGE = (0.005, 0.995)  # quantiles: the central 99 %, so unbounded distributions stay finite
Setting = Mapping[str, float]


# --- What is measured --------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A number in a summary: a contract result, or an arm's net gain for a level or department."""

    metric: str  # one of TARGETS
    contract: str | None
    arm: str
    key: str | None = None  # an arm's metric: a level, a department or "total"

    @property
    def name(self) -> str:
        return self.metric + (f":{self.key}" if self.key else "")

    def value(self, summary: Mapping) -> float:
        if self.metric == "net_gain":
            arm = summary["arms"][self.arm]
            gains = {**arm["net_gain_vs_baseline"], **arm["net_gain_by_level"]}
            return float(gains[self.key]["mean"])
        result = summary["contracts"][self.contract][self.metric]
        return float(result["mean"] if isinstance(result, Mapping) else result)


def parse_target(text: str, scenario: Scenario, contract: str | None = None,
                 choices: Sequence[str] = TARGETS) -> Target:
    """A metric of `contract` (default: the first), e.g. `payer_net`, or an arm's `net_gain:KEY`
    (or, among the stored runs' `choices`, `position:KEY`), KEY a level, a department or total.

    Raises ScenarioError naming the option and what it allows.
    """
    metric, _, key = text.partition(":")
    contracts = list(scenario.contracts)
    if contract is not None and contract not in contracts:
        raise ScenarioError([Issue("--contract", "", "one of " + (", ".join(contracts) or "(none: the "
                                   "scenario has no contracts)"), repr(contract))])
    chosen = contract or (contracts[0] if contracts else None)
    if metric not in choices or (metrics.by_name(metric).scope == "arm") != bool(key):
        allowed = (metrics.target_choices() if choices == TARGETS else
                   ", ".join(m + (":KEY" if metrics.by_name(m).scope == "arm" else "") for m in choices))
        raise ScenarioError([Issue("--target", "", allowed + " (e.g. net_gain:municipality)", repr(text))])
    if metric in ("net_gain", "position"):
        departments = scenario.economics.departments
        keys = [*dict.fromkeys(d.split(".")[0] for d in departments), *departments, "total"]
        if key not in keys:
            raise ScenarioError([Issue("--target", "", f"{metric}: followed by one of " + ", ".join(keys),
                                       repr(text))])
        others = [arm for arm in scenario.arms if arm != scenario.baseline]
        arm = scenario.contracts[chosen].arm if chosen else (others[0] if others else scenario.baseline)
        return Target(metric, chosen, arm, key)
    if chosen is None:
        raise ScenarioError([Issue("--target", "", "net_gain:LEVEL (the scenario has no contracts)",
                                   repr(text))])
    return Target(metric, chosen, scenario.contracts[chosen].arm)


# --- Evaluating settings -----------------------------------------------------------------------------


class Evaluator:
    """The summary of each setting: a run of `runs` replications on `seed`, computed once.

    `advance` is told of each chunk of replications finished (the command's bar)."""

    def __init__(self, scenario: Scenario, runs: int, seed: int, workers: int | None, scratch: Path,
                 advance: Advance | None = None):
        self.scenario, self.scratch, self.advance = scenario, scratch, advance
        self.options = RunOptions(runs=runs, seed=seed, workers=workers)
        self._summaries: dict[tuple[tuple[str, float], ...], dict] = {}

    def __call__(self, setting: Setting) -> dict:
        key = setting_key(setting)
        if key not in self._summaries:
            folder = self.scratch / f"setting-{len(self._summaries)}"
            run(self.scenario, folder, dataclasses.replace(self.options, overrides=key), self.advance)
            self._summaries[key] = write_results(folder, self.scenario)
            shutil.rmtree(folder)
        return self._summaries[key]


def setting_key(setting: Setting) -> tuple[tuple[str, float], ...]:
    """What identifies a setting: two settings with the same key are one run."""
    return tuple(sorted((name, float(value)) for name, value in setting.items()))


def distinct(settings: Sequence[Setting]) -> int:
    """How many runs evaluating `settings` takes (the length of the command's bar, in settings)."""
    return len({setting_key(setting) for setting in settings})


def uncertain_parameters(scenario: Scenario) -> dict[str, Parameter]:
    return {name: p for name, p in scenario.parameters().items() if p.uncertain}


def medians(parameters: Mapping[str, Parameter]) -> dict[str, float]:
    return {name: float(p.distribution.median()) for name, p in parameters.items()}


# --- Tornado and switching values -----------------------------------------------------------------------


@dataclass(frozen=True)
class Swing:
    """The target with one parameter at its 5th and at its 95th percentile, the others at their medians."""

    parameter: str
    label: str
    low_value: float
    high_value: float
    target_at_low: float
    target_at_high: float
    switching_value: float | None  # where payer_net crosses zero in [low_value, high_value]

    @property
    def swing(self) -> float:
        return abs(self.target_at_high - self.target_at_low)


def tornado(parameters: Mapping[str, Parameter], target: Callable[[Setting], float],
            payer_net: Callable[[Setting], float] | None) -> tuple[float, list[Swing]]:
    """The target at the medians, and each parameter's swing, widest first.

    `target` and `payer_net` evaluate a setting of every parameter; without `payer_net` (no
    contract) there are no switching values.
    """
    centre = medians(parameters)
    swings = []
    for name, parameter in parameters.items():
        low, high = tornado_range(parameter)
        switching = None if payer_net is None else switching_value(
            name, np.linspace(low, high, SCAN_POINTS), centre, payer_net)
        swings.append(Swing(name, parameter.label.given("en"), low, high, target({**centre, name: low}),
                            target({**centre, name: high}), switching))
    return target(centre), sorted(swings, key=lambda s: -s.swing)


def tornado_range(parameter: Parameter) -> tuple[float, float]:
    """A parameter's 5th and 95th percentiles."""
    low, high = parameter.distribution.interval(0.90)
    return float(low), float(high)


def tornado_settings(parameters: Mapping[str, Parameter], switching: bool) -> list[Setting]:
    """Every setting `tornado` evaluates (with the scans for switching values, or without): the
    medians, and each parameter at its 5th and 95th percentiles and the scan between them."""
    centre = medians(parameters)
    settings: list[Setting] = [centre]
    for name, parameter in parameters.items():
        low, high = tornado_range(parameter)
        values = np.linspace(low, high, SCAN_POINTS) if switching else (low, high)
        settings += [{**centre, name: float(value)} for value in values]
    return settings


def switching_value(name: str, values: Sequence[float], centre: Setting,
                    evaluate: Callable[[Setting], float]) -> float | None:
    """The value of parameter `name` in `values` at which `evaluate` crosses zero, the others at `centre`."""
    return crossing(values, [evaluate({**centre, name: value}) for value in values])


def crossing(x: Sequence[float], y: Sequence[float]) -> float | None:
    """The first x at which y, linear between the points, is zero; None if y keeps its sign."""
    for (x0, y0), (x1, y1) in zip(zip(x, y), zip(x[1:], y[1:])):
        if y0 == 0:
            return float(x0)
        if (y0 < 0) != (y1 < 0) and y1 != 0:
            return float(x0 + (x1 - x0) * y0 / (y0 - y1))
    return float(x[-1]) if len(y) and y[-1] == 0 else None


# --- Sobol indices --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SobolIndex:
    parameter: str
    label: str
    S1: float
    S1_conf: float
    ST: float
    ST_conf: float


def sobol(parameters: Mapping[str, Parameter], target: Callable[[Setting], float], samples: int,
          seed: int) -> list[SobolIndex]:
    """First-order and total indices (with 95 % confidence half-widths) from samples × (P + 2) settings.

    References: Saltelli et al. (2010), Comput. Phys. Commun. 181, 259–270.
    """
    settings = sobol_settings(parameters, samples, seed)  # first: it says if SALib is missing
    from SALib.analyze import sobol as analyze

    names = list(parameters)
    y = np.array([target(setting) for setting in settings])
    indices = analyze.analyze(_sobol_problem(names), y, calc_second_order=False, seed=seed)
    return [SobolIndex(name, parameters[name].label.given("en"), *(float(indices[key][i]) for key in
                                                        ("S1", "S1_conf", "ST", "ST_conf")))
            for i, name in enumerate(names)]


def sobol_settings(parameters: Mapping[str, Parameter], samples: int, seed: int) -> list[Setting]:
    """The settings `sobol` evaluates, in order: each places every parameter at a quantile drawn by
    SALib's Sobol sequence in `SOBOL_RANGE`."""
    try:
        from SALib.sample import sobol as sample
    except ImportError:
        raise ScenarioError([Issue("--method sobol", "", "SALib installed (pip install 'simulator[sobol]')",
                                   "it is missing")]) from None
    names = list(parameters)
    quantiles = sample.sample(_sobol_problem(names), samples, calc_second_order=False, seed=seed)
    return [{name: float(parameters[name].distribution.ppf(u)) for name, u in zip(names, row)}
            for row in quantiles]


def _sobol_problem(names: list[str]) -> dict:
    return {"num_vars": len(names), "names": names, "bounds": [list(SOBOL_RANGE)] * len(names)}


# --- From stored runs: a regression metamodel ------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A parameter's first-order variance share of a result, and the smooth it comes from."""

    parameter: str  # its replications.csv column: NAME, or NAME@ARM for an arm's own
    label: str
    share: float  # Var(E[Y | X_i]) / Var(Y)
    se: float  # from the smooth's posterior draws
    low_value: float  # the draws' 5th percentile
    high_value: float  # and 95th
    target_at_low: float  # E[Y | X_i] there
    target_at_high: float
    r2: float  # of the smooth of Y on X_i alone (its fit, before the noise correction of `share`)
    edf: float
    residual_z: float  # `regression.residual_z`: ≤ 4 when no trend is left in the residuals

    @property
    def swing(self) -> float:
        return abs(self.target_at_high - self.target_at_low)


def first_order_share(x: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                      draws: int = METAMODEL_DRAWS) -> tuple[float, float, Fit]:
    """Var(E[Y | X]) / Var(Y) from a smooth of y on x, its standard error, and the smooth.

    The fitted values carry some of the runs' noise, about (edf − 1)σ²/n of variance (σ² the
    residual variance, n the runs): that is taken off, so a parameter that does nothing gets
    about 0 rather than edf/n. The standard error is the spread of the share over the smooth's
    posterior draws.
    """
    smooth = fit(x, y)
    total = float(np.var(y))
    if total == 0:
        return 0.0, 0.0, smooth
    noise = (smooth.edf - 1.0) * smooth.noise_variance / len(y)
    share = max(0.0, (float(np.var(smooth.fitted)) - noise) / total)
    spread = float(np.std(np.var(smooth.draw(draws, rng), axis=1) / total))
    return share, spread, smooth


def stored_parameters(scenario: Scenario, replications: Mapping[str, np.ndarray]) -> dict[str, tuple[str, np.ndarray]]:
    """Each uncertain parameter's column in replications.csv, with its label and its draws."""
    found = {}
    for arm in scenario.arms.values():
        for name, parameter in arm.model.parameters.items():
            column = column_name(name, arm.name) if name in arm.own_parameters else name
            if parameter.uncertain and column in replications and column not in found:
                found[column] = (parameter.label, np.asarray(replications[column], dtype=float))
    return found


def stored_target(target: Target, scenario: Scenario, replications: Mapping[str, np.ndarray]) -> np.ndarray:
    """The target in every stored run (replications.csv), discounted money in the currency."""
    if target.metric in ("net_gain", "position"):
        departments = [d for d in scenario.economics.departments
                       if target.key in ("total", d, d.split(".")[0])]
        if target.metric == "position":
            if target.arm == scenario.baseline:
                raise ScenarioError([Issue("--target", "", "position: of an arm that is not the baseline",
                                           f"{target.name} of {target.arm!r}, the baseline")])
            return sum(replications[column_name("position", target.arm, d)] for d in departments)
        return sum(replications[column_name("cost", scenario.baseline, d)]
                   - replications[column_name("cost", target.arm, d)] for d in departments)
    return replications[column_name(target.contract, metrics.by_name(target.metric).key)]


def metamodel(folder: ResultsFolder, target: str = "payer_net", contract: str | None = None,
              seed: int = 0, shown: bool = False) -> tuple[Target, np.ndarray, list[Share]]:
    """Every uncertain parameter's first-order share of `target` over the folder's stored runs,
    largest first, with the target's runs (`shown`: a bar over the parameters on a terminal)."""
    scenario = folder.scenario()
    measure = parse_target(target, scenario, contract, STORED_TARGETS)
    replications = folder.replications
    if not replications:
        raise ScenarioError([Issue(str(folder.path), "", "a finished run's replications.csv (simulator run)",
                                   "none")])
    parameters = stored_parameters(scenario, replications)
    if not parameters:
        raise ScenarioError([Issue(str(folder.file(MANIFEST_JSON)), "resolved.parameters",
                                   "at least one uncertain parameter (with dist)", "none")])
    y = np.asarray(stored_target(measure, scenario, replications), dtype=float)
    kept = np.isfinite(y)
    if kept.sum() < 20:
        raise ScenarioError([Issue("--target", "", "a result with a value in at least 20 runs",
                                   f"{measure.name}: {int(kept.sum())} runs")])
    rng = np.random.default_rng(seed)
    shares = []
    with progress(len(parameters), "parameters", "parameter", shown=shown) as advance:
        for column, (label, x) in parameters.items():
            x, values = x[kept], y[kept]
            share, se, smooth = first_order_share(x, values, rng)
            low, high = np.quantile(x, [0.05, 0.95])
            order = np.argsort(x, kind="stable")
            at = np.interp([low, high], x[order], smooth.fitted[order])
            shares.append(Share(column, label, share, se, float(low), float(high), float(at[0]),
                                float(at[1]), smooth.r2, smooth.edf, smooth.residual_z))
            advance(1)
    return measure, y[kept], sorted(shares, key=lambda s: -s.share)


def write_metamodel(folder: ResultsFolder, target: Target, y: np.ndarray, shares: Sequence[Share]) -> str:
    """metamodel.csv and figures/tornado_metamodel.png; returns the table and the fit check as text."""
    header = ["parameter", "label", "target", "contract", "runs", "target_mean", "share", "se", "low_value",
              "high_value", "target_at_low", "target_at_high", "swing", "r2", "edf", "residual_z"]
    base = float(np.mean(y))
    table = write_csv(folder.file(METAMODEL_CSV), header, [
        [s.parameter, s.label, target.name, target.contract or "", len(y), format_cell(base),
         *(format_cell(v) for v in (s.share, s.se, s.low_value, s.high_value, s.target_at_low,
                                   s.target_at_high, s.swing, s.r2, s.edf, s.residual_z))]
        for s in shares])
    ax = plots.plot_tornado([dataclasses.asdict(s) for s in shares], base, xlabel=target.name,
                            labels=[f"{s.parameter} ({s.share:.0%})" for s in shares])
    figure = plots.save(ax.figure, folder.figure("tornado_metamodel"))
    show = _format(target.metric)
    explained = sum(s.share for s in shares)
    lines = [f"{target.name}{f' ({target.contract})' if target.contract else ''} over {len(y)} stored runs: "
             f"mean {show(base)}",
             f"{'parameter':<28} {'share':>12} {'E[target] at 5 %':>17} {'at 95 %':>14} {'fit R²':>7} "
             f"{'residuals':>10}"]
    for s in shares:
        check = residual_check(s.residual_z)
        lines.append(f"{s.parameter:<28} {s.share:>6.1%} ± {s.se:<4.1%} {show(s.target_at_low):>17} "
                     f"{show(s.target_at_high):>14} {s.r2:>7.3f} {check:>10}")
    lines.append(f"the parameters one at a time explain {explained:.0%} of the variance; the other "
                 f"{max(0.0, 1 - explained):.0%} is interactions and the runs' own chance")
    lines += trend_warning([s.parameter for s in shares if not residuals_ok(s.residual_z)], "share")
    return "\n".join(lines + [f"-> {table}, {figure}"])


# --- The command ----------------------------------------------------------------------------------


def run_sensitivity(scenario: Scenario, out: Path, method: str = "tornado", target: str = "payer_net",
                    contract: str | None = None, runs: int = 200, samples: int = 64, seed: int = 0,
                    workers: int | None = None, shown: bool = False) -> str:
    """Run the analysis, write its CSV and figure into `out`, and return a table for the terminal
    (`shown`: a bar over every setting's replications on a terminal)."""
    measure = parse_target(target, scenario, contract)
    parameters = uncertain_parameters(scenario)
    if not parameters:
        raise ScenarioError([Issue(scenario.file, "parameters", "at least one uncertain parameter "
                                   "(with dist)", "none")])
    folder = ResultsFolder(out)
    net = Target("payer_net", measure.contract, measure.arm) if measure.contract else None
    settings = (sobol_settings(parameters, samples, seed) if method == "sobol" else
                tornado_settings(parameters, switching=net is not None))
    count = distinct(settings)
    with (tempfile.TemporaryDirectory(prefix="simulator-sensitivity-") as scratch,
          progress(count * runs, f"{count} settings × {runs} replications", "rep", shown=shown) as advance):
        summaries = Evaluator(scenario, runs, seed, workers, Path(scratch), advance)

        def value(setting: Setting) -> float:
            return measure.value(summaries(setting))

        def payer_net(setting: Setting) -> float:
            return net.value(summaries(setting))

        if method == "sobol":
            return write_sobol(folder, measure, sobol(parameters, value, samples, seed))
        base, swings = tornado(parameters, value, payer_net if net else None)
    return write_tornado(folder, measure, base, swings)


def write_tornado(folder: ResultsFolder, target: Target, base: float, swings: Sequence[Swing]) -> str:
    """sensitivity.csv and figures/tornado.png; returns the table as text."""
    header = ["parameter", "label", "low_value", "high_value", "target", "contract", "target_at_medians",
              "target_at_low", "target_at_high", "swing", "switching_value"]
    table = write_csv(folder.file(SENSITIVITY_CSV), header, [
        [s.parameter, s.label, s.low_value, s.high_value, target.name, target.contract or "", base,
         s.target_at_low, s.target_at_high, s.swing, "" if s.switching_value is None else s.switching_value]
        for s in swings])
    ax = plots.plot_tornado([dataclasses.asdict(s) for s in swings], base, xlabel=target.name)
    figure = plots.save(ax.figure, folder.figure("tornado"))
    show = _format(target.metric)
    lines = [f"{target.name}{f' ({target.contract})' if target.contract else ''} with every parameter at "
             f"its median: {show(base)}",
             f"{'parameter':<28} {'at 5 %':>14} {'at 95 %':>14} {'swing':>14}  "
             "switching value (payer_net = 0)"]
    for s in swings:
        switching = ("no contract" if target.contract is None else "no crossing in range"
                     if s.switching_value is None else f"{s.switching_value:,.6g}")
        lines.append(f"{s.parameter:<28} {show(s.target_at_low):>14} {show(s.target_at_high):>14} "
                     f"{show(s.swing):>14}  {switching}")
    return "\n".join(lines + [f"-> {table}, {figure}"])


def write_sobol(folder: ResultsFolder, target: Target, indices: Sequence[SobolIndex]) -> str:
    """sobol.csv and figures/sobol.png; returns the table as text."""
    header = ["parameter", "label", "target", "contract", "S1", "S1_conf", "ST", "ST_conf"]
    table = write_csv(folder.file(SOBOL_CSV), header, [
        [i.parameter, i.label, target.name, target.contract or "", i.S1, i.S1_conf, i.ST, i.ST_conf]
        for i in indices])
    ax = plots.plot_sobol([dataclasses.asdict(i) for i in indices], xlabel=target.name)
    figure = plots.save(ax.figure, folder.figure("sobol"))
    lines = [f"Sobol indices of {target.name}{f' ({target.contract})' if target.contract else ''}",
             f"{'parameter':<28} {'first order':>16} {'total':>16}"]
    lines += [f"{i.parameter:<28} {i.S1:>8.3f} ± {i.S1_conf:<5.3f} {i.ST:>8.3f} ± {i.ST_conf:<5.3f}"
              for i in indices]
    return "\n".join(lines + [f"-> {table}, {figure}"])


def _format(metric: str) -> Callable[[float], str]:
    """Money to the unit with thousands separators, a probability as a percentage."""
    if metrics.by_name(metric).unit.percent:
        return lambda value: f"{value:.1%}"
    return lambda value: f"{value:,.0f}"
