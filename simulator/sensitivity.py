"""Which uncertain parameters move a contract result most: a tornado with switching values, or Sobol indices.

Sample → evaluate → analyse, as in SALib. A *setting* fixes every uncertain parameter at a value
(`RunOptions.overrides`). Evaluating a setting is an ordinary run of `runs` replications with the
same seed, in a scratch folder, so every setting sees the same youths (common random numbers)
and the differences between settings come from the parameters alone; the target is read from the
setting's summary. Each setting is run once, however many analyses use it.

- tornado: each parameter at its 5th and at its 95th percentile, the others at their medians;
- switching values: each parameter scanned over its 5–95 % range (the others at their medians)
  for the value at which the payers' net gain after payments (`payer_net`) crosses zero;
- sobol: first-order and total Sobol indices over the parameters' distributions (SALib, the
  optional `sobol` extra).

A parameter that an arm's patch redefines is fixed at one value in every arm.
This module writes only sensitivity.csv or sobol.csv and its figure; it draws no random numbers.
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
from simulator.outputs.folder import SENSITIVITY_CSV, SOBOL_CSV, ResultsFolder, write_csv
from simulator.outputs.results import write_results
from simulator.runner import RunOptions, run

TARGETS = tuple(metric.name for metric in metrics.targets())  # an arm's (net_gain) takes :LEVEL
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


def parse_target(text: str, scenario: Scenario, contract: str | None = None) -> Target:
    """`payments`, `p_full_repayment`, `payer_net` or `net_gain:KEY` of `contract` (default: the first).

    Raises ScenarioError naming the option and what it allows.
    """
    metric, _, key = text.partition(":")
    contracts = list(scenario.contracts)
    if contract is not None and contract not in contracts:
        raise ScenarioError([Issue("--contract", "", "one of " + (", ".join(contracts) or "(none: the "
                                   "scenario has no contracts)"), repr(contract))])
    chosen = contract or (contracts[0] if contracts else None)
    if metric not in TARGETS or (metrics.by_name(metric).scope == "arm") != bool(key):
        raise ScenarioError([Issue("--target", "", metrics.target_choices() + " (e.g. net_gain:municipality)",
                                   repr(text))])
    if metric == "net_gain":
        departments = scenario.economics.departments
        keys = [*dict.fromkeys(d.split(".")[0] for d in departments), *departments, "total"]
        if key not in keys:
            raise ScenarioError([Issue("--target", "", "net_gain: followed by one of " + ", ".join(keys),
                                       repr(text))])
        others = [arm for arm in scenario.arms if arm != scenario.baseline]
        arm = scenario.contracts[chosen].arm if chosen else (others[0] if others else scenario.baseline)
        return Target("net_gain", chosen, arm, key)
    if chosen is None:
        raise ScenarioError([Issue("--target", "", "net_gain:LEVEL (the scenario has no contracts)",
                                   repr(text))])
    return Target(metric, chosen, scenario.contracts[chosen].arm)


# --- Evaluating settings -----------------------------------------------------------------------------


class Evaluator:
    """The summary of each setting: a run of `runs` replications on `seed`, computed once."""

    def __init__(self, scenario: Scenario, runs: int, seed: int, workers: int | None, scratch: Path):
        self.scenario, self.scratch = scenario, scratch
        self.options = RunOptions(runs=runs, seed=seed, workers=workers)
        self._summaries: dict[tuple[tuple[str, float], ...], dict] = {}

    def __call__(self, setting: Setting) -> dict:
        key = tuple(sorted((name, float(value)) for name, value in setting.items()))
        if key not in self._summaries:
            folder = self.scratch / f"setting-{len(self._summaries)}"
            run(self.scenario, folder, dataclasses.replace(self.options, overrides=key))
            self._summaries[key] = write_results(folder, self.scenario)
            shutil.rmtree(folder)
        return self._summaries[key]


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
        low, high = (float(v) for v in parameter.distribution.interval(0.90))
        switching = None if payer_net is None else switching_value(
            name, np.linspace(low, high, SCAN_POINTS), centre, payer_net)
        swings.append(Swing(name, parameter.label.given("en"), low, high, target({**centre, name: low}),
                            target({**centre, name: high}), switching))
    return target(centre), sorted(swings, key=lambda s: -s.swing)


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

    Each setting places every parameter at a quantile drawn by SALib's Sobol sequence in
    `SOBOL_RANGE`. References: Saltelli et al. (2010), Comput. Phys. Commun. 181, 259–270.
    """
    try:
        from SALib.analyze import sobol as analyze
        from SALib.sample import sobol as sample
    except ImportError:
        raise ScenarioError([Issue("--method sobol", "", "SALib installed (pip install 'simulator[sobol]')",
                                   "it is missing")]) from None
    names = list(parameters)
    problem = {"num_vars": len(names), "names": names, "bounds": [list(SOBOL_RANGE)] * len(names)}
    quantiles = sample.sample(problem, samples, calc_second_order=False, seed=seed)
    y = np.array([target({name: float(parameters[name].distribution.ppf(u)) for name, u in zip(names, row)})
                  for row in quantiles])
    indices = analyze.analyze(problem, y, calc_second_order=False, seed=seed)
    return [SobolIndex(name, parameters[name].label.given("en"), *(float(indices[key][i]) for key in
                                                        ("S1", "S1_conf", "ST", "ST_conf")))
            for i, name in enumerate(names)]


# --- The command ----------------------------------------------------------------------------------


def run_sensitivity(scenario: Scenario, out: Path, method: str = "tornado", target: str = "payer_net",
                    contract: str | None = None, runs: int = 200, samples: int = 64, seed: int = 0,
                    workers: int | None = None) -> str:
    """Run the analysis, write its CSV and figure into `out`, and return a table for the terminal."""
    measure = parse_target(target, scenario, contract)
    parameters = uncertain_parameters(scenario)
    if not parameters:
        raise ScenarioError([Issue(scenario.file, "parameters", "at least one uncertain parameter "
                                   "(with dist)", "none")])
    folder = ResultsFolder(out)
    net = Target("payer_net", measure.contract, measure.arm) if measure.contract else None
    with tempfile.TemporaryDirectory(prefix="simulator-sensitivity-") as scratch:
        summaries = Evaluator(scenario, runs, seed, workers, Path(scratch))

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
