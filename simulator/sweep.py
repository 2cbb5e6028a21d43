"""`simulator sweep`: price many contract designs on the stored replications, without re-simulating.

Each replication's record holds the contract's outcome units (for its arm and the baseline arm)
and every arm's money per department and month; `price` is a pure function of those and the
terms, so a design is priced by changing the terms (`with_terms`) and pricing again.
"""
from __future__ import annotations

import itertools
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.analysis import Layout, statistics, units_from_table
from simulator.contracts import price, with_terms
from simulator.errors import Issue, ScenarioError
from simulator.flows import DepartmentCosts
from simulator.loading import load_resolved
from simulator.results import write_csv
from simulator.runner import load_records, read_manifest
from simulator.scenario import Scenario, bind

SWEEP_METRICS = ("payments", "p_full_repayment", "irr_p50", "payer_net", "p_fund_exhausted",
                 "fund_draw", "expected_loss")


@dataclass(frozen=True)
class Vary:
    """One term to vary: its contract field path and the values it takes."""

    key: str
    values: tuple[float, ...]

    @classmethod
    def parse(cls, text: str) -> "Vary":
        """`KEY=START:STOP:STEPS`, e.g. `outcomes.housed_12m.price=50000:100000:6`."""
        key, _, spec = text.partition("=")
        parts = spec.split(":")
        try:
            start, stop, steps = float(parts[0]), float(parts[1]), int(parts[2])
            if len(parts) != 3 or steps < 1 or not key:
                raise ValueError
        except (ValueError, IndexError):
            raise ScenarioError([Issue("--vary", "", "KEY=START:STOP:STEPS with STEPS >= 1", repr(text))]) from None
        return cls(key, tuple(float(v) for v in np.linspace(start, stop, steps)))


def sweep(out: Path, contract: str, varies: list[Vary], workers: int | None = None) -> Path:
    """Price every combination of the varied terms on every stored replication; write sweep.csv
    and figures/sweep.png into `out` and return the CSV's path."""
    out = Path(out)
    manifest = read_manifest(out)
    if manifest is None:
        raise ScenarioError([Issue(str(out), "", "a results folder with manifest.json", "none")])
    scenario = load_resolved(manifest["resolved"], manifest.get("files", {}), str(out / "manifest.json"))
    if contract not in scenario.contracts:
        raise ScenarioError([Issue("--contract", "", "one of " + ", ".join(scenario.contracts) or
                                   "a contract (the scenario has none)", repr(contract))])
    records = load_records(out)
    if records is None:
        raise ScenarioError([Issue(str(out), "", "stored replications", "none")])
    designs = [dict(zip([v.key for v in varies], combination))
               for combination in itertools.product(*[v.values for v in varies])]
    base = scenario.contracts[contract]
    for vary in varies:  # a bad key fails once, clearly, before any work
        try:
            with_terms(base, {vary.key: vary.values[0]})
        except ValueError as error:
            raise ScenarioError([Issue("--vary", vary.key, "a contract field path such as "
                                       "outcomes.NAME.price, cap, max_multiple or window.until",
                                       str(error))]) from None
    layout = Layout.of(scenario)
    runs = len(records["replication"])
    workers = workers or os.cpu_count() or 1
    parts = np.array_split(np.arange(runs), min(workers, runs))
    jobs = [(scenario, layout, contract, designs, _slice(records, rows, layout)) for rows in parts]
    if workers == 1 or len(jobs) == 1:
        results = [_price_designs(*job) for job in jobs]
    else:
        with ProcessPoolExecutor(max_workers=len(jobs)) as pool:
            results = list(pool.map(_price_designs, *zip(*jobs)))
    metrics = {key: np.concatenate([r[key] for r in results], axis=0) for key in results[0]}
    rows = []
    for d, design in enumerate(designs):
        rows.append([*design.values(), *_design_summary({k: v[:, d] for k, v in metrics.items()})])
    header = [v.key for v in varies] + [
        "payments_mean", "payments_p05", "payments_p95", "p_full_repayment", "irr_p50",
        "payer_net_mean", "payer_net_p05", "payer_net_p95", "p_fund_exhausted", "fund_draw_mean",
        "expected_loss_mean"]
    path = out / "sweep.csv"
    write_csv(path, header, rows)
    _figure(out, varies, designs, rows, contract)
    return path


def _slice(records: dict, rows: np.ndarray, layout: Layout) -> dict:
    """The part of the records a worker needs: its replications' money, units and parameters."""
    chosen = {key: records[key][rows] for key in records
              if key in ("replication", "parameters", "cost") or key.startswith("contract")}
    for i in range(len(layout.contracts)):
        table = records[f"table_units{i}"]
        chosen[f"table_units{i}"] = table[np.isin(table[:, 0], records["replication"][rows])]
    return chosen


def _price_designs(scenario: Scenario, layout: Layout, name: str, designs: list[dict],
                   records: dict) -> dict[str, np.ndarray]:
    """Metrics (replications × designs) of every design on some replications."""
    index = layout.contracts.index(name)
    contract = scenario.contracts[name]
    arms = (contract.arm, scenario.baseline)
    months = layout.money_months
    table = records[f"table_units{index}"]
    out = {key: np.zeros((len(records["replication"]), len(designs))) for key in
           ("payments", "full_repayment", "irr", "payer_net", "fund_exhausted", "fund_draw",
            "expected_loss")}
    for r, replication in enumerate(records["replication"]):
        drawn = records["parameters"][r]
        bound = bind(contract, _parameter_values(scenario, layout, drawn, contract.arm))
        baseline_values = _parameter_values(scenario, layout, drawn, scenario.baseline)
        rate = bind(scenario.economics, baseline_values).annual_discount_rate  # as the run had it
        youths = int(records[f"contract{index}_youths"][r, 0])
        units = units_from_table(bound, arms, table[table[:, 0] == replication][:, 1:], months, youths)
        costs = {arm: DepartmentCosts(layout.departments, records["cost"][r, layout.arms.index(arm), :, :, 0],
                                      records["cost"][r, layout.arms.index(arm), :, :, 1])
                 for arm in set(arms)}
        for d, design in enumerate(designs):
            result = price(with_terms(bound, design), units[0], units[1], costs, scenario.baseline,
                           months, rate)
            out["payments"][r, d] = result.payments_discounted
            out["full_repayment"][r, d] = result.full_repayment
            out["irr"][r, d] = result.irr
            out["payer_net"][r, d] = result.payer_net
            out["fund_exhausted"][r, d] = result.fund_exhausted
            out["fund_draw"][r, d] = result.fund_draw
            out["expected_loss"][r, d] = result.expected_loss
    return out


def _parameter_values(scenario: Scenario, layout: Layout, drawn: np.ndarray, arm: str) -> dict[str, float]:
    """An arm's parameter values in one replication: fixed values, and the stored draws."""
    values = {name: p.value for name, p in scenario.arms[arm].model.parameters.items() if not p.uncertain}
    for (owner, name), value in zip(layout.parameters, drawn):
        if owner in ("", arm):
            values[name] = float(value)
    return values


def _design_summary(metrics: dict[str, np.ndarray]) -> list[float]:
    payments, payer_net = statistics(metrics["payments"]), statistics(metrics["payer_net"])
    return [float(payments["mean"]), float(payments["p05"]), float(payments["p95"]),
            float(np.mean(metrics["full_repayment"])), float(np.median(metrics["irr"])),
            float(payer_net["mean"]), float(payer_net["p05"]), float(payer_net["p95"]),
            float(np.mean(metrics["fund_exhausted"])), float(np.mean(metrics["fund_draw"])),
            float(np.mean(metrics["expected_loss"]))]


def _figure(out: Path, varies: list[Vary], designs: list[dict], rows: list[list], contract: str) -> None:
    """P(full repayment) and payer_net against the first varied term (a line per other combination)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    first = varies[0].key
    n = len(varies)
    groups: dict[tuple, list[list]] = {}
    for row in rows:
        groups.setdefault(tuple(row[1:n]), []).append(row)
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    for others, group in list(groups.items())[:12]:
        label = ", ".join(f"{v.key}={value:g}" for v, value in zip(varies[1:], others)) or None
        x = [row[0] for row in group]
        left.plot(x, [row[n + 3] for row in group], marker="o", label=label)
        right.plot(x, [row[n + 5] for row in group], marker="o", label=label)
    left.set(xlabel=first, ylabel="P(full repayment)", ylim=(-0.02, 1.02), title=contract)
    right.set(xlabel=first, ylabel="payers' net savings (discounted)", title=contract)
    right.axhline(0, color="grey", linewidth=0.8)
    if n > 1:
        right.legend(fontsize="small")
    (out / "figures").mkdir(exist_ok=True)
    figure.savefig(out / "figures" / "sweep.png", dpi=110)
    plt.close(figure)
