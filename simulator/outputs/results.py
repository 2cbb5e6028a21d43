"""The result files of spec §3, written from the stored records of a finished run."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from simulator.outputs.records import Layout
from simulator.outputs.statistics import statistics
from simulator.money.flows import contract_years, levels
from simulator.language.scenario import Scenario
from simulator.outputs import metrics
from simulator.outputs.folder import (CONTRACTS_CSV, COST, MONEY_CSV, OCCUPANCY, OCCUPANCY_CSV, PARAMETERS, POSITION,
                                      REPLICATION, REPLICATIONS_CSV, SUMMARY_JSON, WAIT_MONTHS, YOUTHS,
                                      ContractKeys, ResultsFolder, column_name, format_cell, write_csv,
                                      write_json)

QUANTILE_COLUMNS = ("mean", "sd", "p05", "p50", "p95")
COST_BY_YEAR = "cost_year"  # `COST` summed by contract year: (runs, arms, departments, 2, years)


def write_results(out: Path, scenario: Scenario) -> dict:
    """summary.json and the CSVs (money.csv and contracts.csv when there is money and contracts)
    from the chunks in `out`; returns the summary."""
    folder = ResultsFolder(out)
    layout = Layout.of(scenario)
    records = folder.records(tables=False, reduce=_without_monthly_detail)
    if records is None:
        return {}
    summary = summarize(scenario, layout, records, folder.manifest)
    write_json(folder.file(SUMMARY_JSON), summary)
    write_occupancy(folder.file(OCCUPANCY_CSV), layout, folder)
    write_replications(folder.file(REPLICATIONS_CSV), layout, records)
    if COST_BY_YEAR in records:
        write_money(folder.file(MONEY_CSV), layout, records, scenario.economics.currency)
    if layout.contracts:
        write_contracts(folder.file(CONTRACTS_CSV), layout, records, scenario.economics.currency)
    return summary


def _without_monthly_detail(chunk: dict) -> dict:
    """A chunk's records with money summed to contract years and occupancy left out (it is read
    arm by arm), so that memory per replication stays small."""
    reduced = {key: value for key, value in chunk.items()
               if key not in (OCCUPANCY, COST) and not ContractKeys.is_savings(key)}
    if COST in chunk:  # (runs, arms, departments, months, nominal|discounted)
        reduced[COST_BY_YEAR] = contract_years(chunk[COST].swapaxes(-1, -2))  # (…, 2, years)
    return reduced


def summarize(scenario: Scenario, layout: Layout, records: dict, manifest: dict) -> dict:
    """The headline numbers; each mean carries its Monte Carlo standard error (`se`)."""
    arms = {}
    for a, arm in enumerate(layout.arms):
        arms[arm] = {"label": scenario.arms[arm].label.get("en"),
                     "youths": _stat(records[YOUTHS][:, a], quantiles=False)}
        waits = {resource: _stat(records[WAIT_MONTHS][:, a, r])
                 for r, resource in enumerate(layout.resources)
                 if not np.all(np.isnan(records[WAIT_MONTHS][:, a, r]))}
        if waits:
            arms[arm]["wait_months"] = waits
    if COST_BY_YEAR in records:
        _add_money(arms, layout, records)
    if POSITION in records:
        _add_positions(arms, layout, records, scenario.baseline)
    summary = {"runs": int(len(records[REPLICATION])), "seed": manifest.get("seed"),
               "complete": manifest.get("complete"), "baseline": scenario.baseline,
               "currency": scenario.economics.currency, "arms": arms}
    if layout.contracts:
        summary["contracts"] = {name: _contract_summary(scenario, layout, records, i)
                                for i, name in enumerate(layout.contracts)}
    return summary


def discounted_totals(records: dict) -> np.ndarray:
    """Discounted cost over the horizon per replication, arm and department."""
    return records[COST_BY_YEAR][..., 1, :].sum(axis=-1)


def _add_money(arms: dict, layout: Layout, records: dict) -> None:
    """Cost, net gain versus the baseline (per department and per level), discounted to t = 0."""
    totals = discounted_totals(records)  # (runs, arms, departments)
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


def position_totals(records: dict) -> np.ndarray:
    """Each department's discounted position over the horizon per replication and arm, with the
    total (the sum of the departments) as a last column: (runs, arms, departments + 1)."""
    by_department = records[POSITION][..., 1].sum(axis=-1)
    return np.concatenate([by_department, by_department.sum(axis=-1, keepdims=True)], axis=-1)


def _add_positions(arms: dict, layout: Layout, records: dict, baseline: str) -> None:
    """`position_after_contracts` of every arm but the baseline: where each department (and the
    public sector, `total`) stands when every contract on the arm is paid, with the chance that it
    ends below zero (spec §4.2)."""
    totals = position_totals(records)
    for a, arm in enumerate(layout.arms):
        if arm != baseline:
            arms[arm]["position_after_contracts"] = {
                name: {**_stat(totals[:, a, d]), "p_negative": _share(totals[:, a, d] < 0)}
                for d, name in enumerate((*layout.departments, "total"))}


def _contract_summary(scenario: Scenario, layout: Layout, records: dict, index: int) -> dict:
    """A contract's section of summary.json: its terms, then each metric of `metrics.summarised()`."""
    contract = scenario.contracts[layout.contracts[index]]
    keys = ContractKeys(index)
    runs = {metric.key: records[keys.metrics][:, metric.column] for metric in metrics.recorded()}
    runs["youths"] = records[keys.youths][:, 0]
    cash = records[keys.cash]  # (runs, 2, months + 1)
    cash_stats = statistics(cash)
    bands = {q: cash_stats[q] for q in ("p05", "p50", "p95")}
    section = {"arm": contract.arm, "principal": _term_value(contract.investor.principal),
               "payers": {d: _term_value(share) for d, share in contract.payers.items()}}
    for metric in metrics.summarised():
        if metric.statistic != "term":
            section.update(_summarise(metric, runs[metric.of or metric.key]))
    return {
        **section,
        "payments_by_payer": {d: _stat(records[keys.payers][:, p])
                              for p, d in enumerate(layout.payers[index])},
        "cash_flow": {"month": list(range(cash.shape[-1])),
                      "payers_net_cumulative": {q: _json_numbers(band[0]) for q, band in bands.items()},
                      "investor_cumulative": {q: _json_numbers(band[1]) for q, band in bands.items()}},
        "runs": len(cash),
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
    """Youths per state at each whole month, over replications; read one arm at a time."""
    rows = []
    for a, arm in enumerate(layout.arms):
        records = folder.records(tables=False, reduce=lambda chunk: {
            REPLICATION: chunk[REPLICATION], OCCUPANCY: chunk[OCCUPANCY][:, a]})
        stats = statistics(records[OCCUPANCY])  # (rows, months)
        for r, (track, state) in enumerate(layout.occupancy_rows):
            if np.isnan(stats["mean"][r]).all():
                continue  # this arm has no such state
            for month in range(layout.months + 1):
                rows.append([arm, track, state, month,
                             *(format_cell(stats[key][r, month]) for key in QUANTILE_COLUMNS)])
    write_csv(path, ["arm", "track", "state", "month", *QUANTILE_COLUMNS], rows)


def write_replications(path: Path, layout: Layout, records: dict) -> None:
    """One row per replication: its parameter draws, per-arm youths and discounted costs, and
    each contract's results, for custom analysis."""
    header = ["replication"] + [column_name(name, arm) if arm else name for arm, name in layout.parameters]
    header += [column_name("youths", arm) for arm in layout.arms]
    columns = [records[REPLICATION], *records[PARAMETERS].T, *records[YOUTHS].T]
    if COST_BY_YEAR in records:
        totals = discounted_totals(records)
        for a, arm in enumerate(layout.arms):
            header += [column_name("cost", arm, d) for d in layout.departments]
            columns += list(totals[:, a].T)
    if POSITION in records:
        totals = position_totals(records)
        for a, arm in enumerate(layout.arms[1:], start=1):
            header += [column_name("position", arm, d) for d in (*layout.departments, "total")]
            columns += list(totals[:, a].T)
    for i, name in enumerate(layout.contracts):
        header += [column_name(name, metric.key) for metric in metrics.recorded()]
        columns += list(records[ContractKeys(i).metrics].T)  # stored in `recorded()` order
    write_csv(path, header, [[format_cell(v) for v in row] for row in zip(*columns)])


def write_money(path: Path, layout: Layout, records: dict, currency: str) -> None:
    """Per contract year (year 1 = months [0, 12)), nominal and discounted: each arm's cost per
    department (`measure` cost) and, for every arm but the baseline, each department's position
    when everything is paid (`measure` position, with the total)."""
    years = records[COST_BY_YEAR]  # (runs, arms, departments, nominal|discounted, years)
    stats = statistics(years)
    rows = []
    for a, arm in enumerate(layout.arms):
        for d, department in enumerate(layout.departments):
            for year in range(years.shape[-1]):
                for k, discounted in enumerate(("false", "true")):
                    rows.append([arm, department, year + 1, discounted, "cost", currency,
                                 *(format_cell(stats[key][a, d, k, year]) for key in QUANTILE_COLUMNS)])
    if POSITION in records:  # (runs, arms, departments, years, nominal|discounted), and the total
        position = records[POSITION].swapaxes(-1, -2)  # (runs, arms, departments, 2, years)
        position = np.concatenate([position, position.sum(axis=2, keepdims=True)], axis=2)
        stats = statistics(position)
        for a, arm in enumerate(layout.arms):
            if arm == layout.arms[0]:
                continue  # the baseline: no position against itself
            for d, department in enumerate((*layout.departments, "total")):
                for year in range(position.shape[-1]):
                    for k, discounted in enumerate(("false", "true")):
                        rows.append([arm, department, year + 1, discounted, "position", currency,
                                     *(format_cell(stats[key][a, d, k, year]) for key in QUANTILE_COLUMNS)])
    write_csv(path, ["arm", "department", "year", "discounted", "measure", "unit", *QUANTILE_COLUMNS], rows)


def write_contracts(path: Path, layout: Layout, records: dict, currency: str) -> None:
    """Each contract's per-replication results over the runs: a row per `metrics.recorded()`,
    with its unit (money says whether it is discounted or nominal)."""
    rows = []
    for i, name in enumerate(layout.contracts):
        stats = statistics(records[ContractKeys(i).metrics])
        for metric in metrics.recorded():
            rows.append([name, metric.key, metric.unit_text(currency),
                         *(format_cell(stats[key][metric.column]) for key in QUANTILE_COLUMNS)])
    write_csv(path, ["contract", "metric", "unit", *QUANTILE_COLUMNS], rows)
