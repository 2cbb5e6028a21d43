"""The result files of spec §3, written from the stored records of a finished run.

They are computed from the chunks on disk one quantity, or one block of columns, at a time
(`ResultsFolder.gather`, `statistics_by_blocks`), and replications.csv is written a block of rows
at a time: the memory this takes does not grow with the number of runs.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from simulator.outputs.records import Layout
from simulator.outputs.statistics import column_blocks, rows_per_block, statistics, statistics_by_blocks
from simulator.money.flows import contract_years, levels
from simulator.language.scenario import Scenario
from simulator.outputs import metrics
from simulator.outputs.folder import (CONTRACTS_CSV, COST, MONEY_CSV, OCCUPANCY, OCCUPANCY_CSV, PARAMETERS, POSITION,
                                      REPLICATION, REPLICATIONS_CSV, SUMMARY_JSON, WAIT_MONTHS, YOUTHS,
                                      ContractKeys, ResultsFolder, column_name, format_cell, write_csv,
                                      write_json)

QUANTILE_COLUMNS = ("mean", "sd", "p05", "p50", "p95")


def write_results(out: Path, scenario: Scenario) -> dict:
    """summary.json and the CSVs (money.csv and contracts.csv when there is money and contracts)
    from the chunks in `out`; returns the summary."""
    folder = ResultsFolder(out)
    layout = Layout.of(scenario)
    if not folder.stored_runs:
        return {}
    summary = summarize(scenario, layout, folder)
    write_json(folder.file(SUMMARY_JSON), summary)
    write_occupancy(folder.file(OCCUPANCY_CSV), layout, folder)
    write_replications(folder.file(REPLICATIONS_CSV), layout, folder)
    if layout.departments:
        write_money(folder.file(MONEY_CSV), layout, folder, scenario.economics.currency)
    if layout.contracts:
        write_contracts(folder.file(CONTRACTS_CSV), layout, folder, scenario.economics.currency)
    return summary


# --- What a chunk holds, per replication (each a function of an open chunk) -------------------------


def cost_years(chunk: Any) -> np.ndarray:
    """Money summed to contract years: (runs, arms, departments, nominal | discounted, years)."""
    return contract_years(chunk[COST].swapaxes(-1, -2))


def discounted_totals(chunk: Any) -> np.ndarray:
    """Discounted cost over the horizon per replication, arm and department."""
    return cost_years(chunk)[..., 1, :].sum(axis=-1)


def position_totals(chunk: Any) -> np.ndarray:
    """Each department's discounted position over the horizon per replication and arm, with the
    total (the sum of the departments) as a last column: (runs, arms, departments + 1)."""
    by_department = chunk[POSITION][..., 1].sum(axis=-1)
    return np.concatenate([by_department, by_department.sum(axis=-1, keepdims=True)], axis=-1)


def positions_by_year(chunk: Any) -> np.ndarray:
    """Positions by year with the total as a last department: (runs, arms, departments + 1, 2, years)."""
    position = chunk[POSITION].swapaxes(-1, -2)
    return np.concatenate([position, position.sum(axis=2, keepdims=True)], axis=2)


def _over_runs(folder: ResultsFolder, read: Callable[[Any], np.ndarray]) -> dict[str, np.ndarray]:
    """`statistics` over the stored runs of what `read` gives per run, a block of columns at a time:
    gathered from the chunks when one block holds them all, else through a scratch file by column."""
    shape = folder.gather(read, rows=(0, 1)).shape[1:]
    runs, columns = folder.stored_runs, int(np.prod(shape, dtype=np.int64))
    if len(column_blocks(runs, columns)) == 1:
        return statistics_by_blocks(runs, shape, lambda part: folder.gather(lambda chunk: _flat(read(chunk))[:, part]))
    with folder.by_columns(read, rows_per_block(columns)) as block:
        return statistics_by_blocks(runs, shape, block)


def _flat(values: np.ndarray) -> np.ndarray:
    return values.reshape(len(values), -1)


# --- summary.json -----------------------------------------------------------------------------------


def summarize(scenario: Scenario, layout: Layout, folder: ResultsFolder) -> dict:
    """The headline numbers; each mean carries its Monte Carlo standard error (`se`)."""
    arms = {}
    youths, wait = folder.gather(lambda chunk: chunk[YOUTHS]), folder.gather(lambda chunk: chunk[WAIT_MONTHS])
    for a, arm in enumerate(layout.arms):
        arms[arm] = {"label": scenario.arms[arm].label.get("en"),
                     "youths": _stat(youths[:, a], quantiles=False)}
        waits = {resource: _stat(wait[:, a, r])
                 for r, resource in enumerate(layout.resources)
                 if not np.all(np.isnan(wait[:, a, r]))}
        if waits:
            arms[arm]["wait_months"] = waits
    if layout.departments:
        _add_money(arms, layout, folder.gather(discounted_totals))
        _add_positions(arms, layout, folder.gather(position_totals), scenario.baseline)
    summary = {"runs": folder.stored_runs, "seed": folder.manifest.get("seed"),
               "complete": folder.manifest.get("complete"), "baseline": scenario.baseline,
               "currency": scenario.economics.currency, "arms": arms}
    if layout.contracts:
        summary["contracts"] = {name: _contract_summary(scenario, layout, folder, i)
                                for i, name in enumerate(layout.contracts)}
    return summary


def _add_money(arms: dict, layout: Layout, totals: np.ndarray) -> None:
    """Cost, net gain versus the baseline (per department and per level), discounted to t = 0,
    from the `discounted_totals` (runs, arms, departments)."""
    gains = totals[:, :1, :] - totals  # baseline (the first arm) minus each arm
    level_names, level_of = levels(layout.departments)
    for a, arm in enumerate(layout.arms):
        cost = {d: _stat(totals[:, a, i]) for i, d in enumerate(layout.departments)}
        cost["total"] = _stat(totals[:, a].sum(axis=1))
        gain = {d: _stat(gains[:, a, i]) for i, d in enumerate(layout.departments)}
        gain["total"] = _stat(gains[:, a].sum(axis=1))
        by_level = {level: _stat(gains[:, a, level_of == j].sum(axis=1))
                    for j, level in enumerate(level_names)}
        arms[arm].update(cost=cost, net_gain_vs_baseline=gain, net_gain_by_level=by_level)


def _add_positions(arms: dict, layout: Layout, totals: np.ndarray, baseline: str) -> None:
    """`position_after_contracts` of every arm but the baseline: where each department (and the
    public sector, `total`) stands when every contract on the arm is paid, with the chance that it
    ends below zero (spec §4.2); from the `position_totals`."""
    for a, arm in enumerate(layout.arms):
        if arm != baseline:
            arms[arm]["position_after_contracts"] = {
                name: {**_stat(totals[:, a, d]), "p_negative": _share(totals[:, a, d] < 0)}
                for d, name in enumerate((*layout.departments, "total"))}


def _contract_summary(scenario: Scenario, layout: Layout, folder: ResultsFolder, index: int) -> dict:
    """A contract's section of summary.json: its terms, then each metric of `metrics.summarised()`."""
    contract = scenario.contracts[layout.contracts[index]]
    keys = ContractKeys(index)
    recorded = folder.gather(lambda chunk: chunk[keys.metrics])
    runs = {metric.key: recorded[:, metric.column] for metric in metrics.recorded()}
    runs["youths"] = folder.gather(lambda chunk: chunk[keys.youths])[:, 0]
    cash_stats = _over_runs(folder, lambda chunk: chunk[keys.cash])  # (2, months + 1)
    payers = folder.gather(lambda chunk: chunk[keys.payers])
    bands = {q: cash_stats[q] for q in ("p05", "p50", "p95")}
    section = {"arm": contract.arm, "principal": _term_value(contract.investor.principal),
               "payers": {d: _term_value(share) for d, share in contract.payers.items()}}
    for metric in metrics.summarised():
        if metric.statistic != "term":
            section.update(_summarise(metric, runs[metric.of or metric.key]))
    return {
        **section,
        "payments_by_payer": {d: _stat(payers[:, p]) for p, d in enumerate(layout.payers[index])},
        "cash_flow": {"month": list(range(cash_stats["mean"].shape[-1])),
                      "payers_net_cumulative": {q: _json_numbers(band[0]) for q, band in bands.items()},
                      "investor_cumulative": {q: _json_numbers(band[1]) for q, band in bands.items()}},
        "runs": folder.stored_runs,
    }


def _summarise(metric: metrics.Metric, values: np.ndarray) -> dict:
    """The metric's entries in summary.json, from its value in each run."""
    name = metric.summary
    if metric.statistic == "distribution":
        stat = _stat(values)
        return {name: stat, metric.alias: stat} if metric.alias else {name: stat}
    if metric.statistic == "mean":
        return {name: _stat(values, quantiles=False)}
    if metric.statistic == "share":
        return {name: _share(values)}
    if metric.statistic == "share_and_se":
        return {name: _share(values), f"{name}_se": _share_se(values)}
    if metric.statistic in ("share_with_value", "share_below_zero"):
        return {name: _share(metric.flags(values))}
    raise ValueError(f"metric {metric.key}: no statistic {metric.statistic!r}")


def _term_value(value) -> float | str:
    """A contract term as summary.json gives it: a number, or `$name` for a parameter's value."""
    return float(value) if isinstance(value, (int, float)) else f"${value.name}"


def _share(flags: np.ndarray) -> float:
    return float(np.mean(np.asarray(flags, dtype=float)))


def _share_se(flags: np.ndarray) -> float:
    p = _share(flags)
    return float(np.sqrt(p * (1 - p) / len(flags)))


def _json_numbers(values: np.ndarray) -> list:
    return [_json_number(v) for v in values]


def _stat(values: np.ndarray, quantiles: bool = True) -> dict:
    stats = statistics(values)
    keys = ("mean", "se", "sd", "p05", "p50", "p95") if quantiles else ("mean", "se")
    return {key: _json_number(stats[key]) for key in keys}


def _json_number(value) -> float | None:
    """A number for summary.json: JSON has no NaN, so a missing value is null."""
    value = float(value)
    return None if np.isnan(value) else value


def write_occupancy(path: Path, layout: Layout, folder: ResultsFolder) -> None:
    """Youths per state at each whole month, over replications."""
    rows = []
    for a, arm in enumerate(layout.arms):
        stats = _over_runs(folder, lambda chunk: chunk[OCCUPANCY][:, a])  # (rows, months)
        for r, (track, state) in enumerate(layout.occupancy_rows):
            if np.isnan(stats["mean"][r]).all():
                continue  # this arm has no such state
            for month in range(layout.months + 1):
                rows.append([arm, track, state, month,
                             *(format_cell(stats[key][r, month]) for key in QUANTILE_COLUMNS)])
    write_csv(path, ["arm", "track", "state", "month", *QUANTILE_COLUMNS], rows)


def write_replications(path: Path, layout: Layout, folder: ResultsFolder) -> None:
    """One row per replication: its parameter draws, per-arm youths and discounted costs, and
    each contract's results, for custom analysis; written a block of rows at a time."""
    header = ["replication"] + [column_name(name, arm) if arm else name for arm, name in layout.parameters]
    header += [column_name("youths", arm) for arm in layout.arms]
    if layout.departments:
        for arm in layout.arms:
            header += [column_name("cost", arm, d) for d in layout.departments]
        for arm in layout.arms[1:]:
            header += [column_name("position", arm, d) for d in (*layout.departments, "total")]
    for name in layout.contracts:
        header += [column_name(name, metric.key) for metric in metrics.recorded()]

    def columns(chunk: Any) -> np.ndarray:  # (runs, header), in the header's order
        parts = [chunk[REPLICATION][:, None], chunk[PARAMETERS], chunk[YOUTHS]]
        if layout.departments:
            parts += [_flat(discounted_totals(chunk)), _flat(position_totals(chunk)[:, 1:])]
        parts += [chunk[ContractKeys(i).metrics] for i in range(len(layout.contracts))]  # `recorded()` order
        return np.concatenate(parts, axis=1, dtype=float)

    def rows() -> Iterator[list[str]]:
        runs, step = folder.stored_runs, rows_per_block(len(header))
        for start in range(0, runs, step):
            for row in folder.gather(columns, rows=(start, min(runs, start + step))):
                yield [format_cell(v) for v in row.tolist()]

    write_csv(path, header, rows())


def write_money(path: Path, layout: Layout, folder: ResultsFolder, currency: str) -> None:
    """Per contract year (year 1 = months [0, 12)), nominal and discounted: each arm's cost per
    department (`measure` cost) and, for every arm but the baseline, each department's position
    when everything is paid (`measure` position, with the total)."""
    stats = _over_runs(folder, cost_years)  # (arms, departments, nominal|discounted, years)
    rows = []
    for a, arm in enumerate(layout.arms):
        for d, department in enumerate(layout.departments):
            for year in range(stats["mean"].shape[-1]):
                for k, discounted in enumerate(("false", "true")):
                    rows.append([arm, department, year + 1, discounted, "cost", currency,
                                 *(format_cell(stats[key][a, d, k, year]) for key in QUANTILE_COLUMNS)])
    stats = _over_runs(folder, positions_by_year)  # (arms, departments + 1, nominal|discounted, years)
    for a, arm in enumerate(layout.arms):
        if arm == layout.arms[0]:
            continue  # the baseline: no position against itself
        for d, department in enumerate((*layout.departments, "total")):
            for year in range(stats["mean"].shape[-1]):
                for k, discounted in enumerate(("false", "true")):
                    rows.append([arm, department, year + 1, discounted, "position", currency,
                                 *(format_cell(stats[key][a, d, k, year]) for key in QUANTILE_COLUMNS)])
    write_csv(path, ["arm", "department", "year", "discounted", "measure", "unit", *QUANTILE_COLUMNS], rows)


def write_contracts(path: Path, layout: Layout, folder: ResultsFolder, currency: str) -> None:
    """Each contract's per-replication results over the runs: a row per `metrics.recorded()`,
    with its unit (money says whether it is discounted or nominal)."""
    rows = []
    for i, name in enumerate(layout.contracts):
        stats = _over_runs(folder, lambda chunk: chunk[ContractKeys(i).metrics])
        for metric in metrics.recorded():
            rows.append([name, metric.key, metric.unit_text(currency),
                         *(format_cell(stats[key][metric.column]) for key in QUANTILE_COLUMNS)])
    write_csv(path, ["contract", "metric", "unit", *QUANTILE_COLUMNS], rows)
