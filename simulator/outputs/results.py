"""The result files of spec §3, written from the stored records of a finished run."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from simulator.analysis import CONTRACT_METRICS, Layout, statistics
from simulator.money.flows import contract_years, levels
from simulator.language.scenario import Scenario
from simulator.outputs.folder import (CONTRACTS_CSV, COST, MONEY_CSV, OCCUPANCY, OCCUPANCY_CSV, PARAMETERS,
                                      REPLICATION, REPLICATIONS_CSV, SUMMARY_JSON, WAIT_MONTHS, YOUTHS,
                                      ContractKeys, ResultsFolder, column_name, format_cell, write_csv,
                                      write_json)

QUANTILE_COLUMNS = ("mean", "sd", "p05", "p50", "p95")
COST_BY_YEAR = "cost_year"  # (runs, arms, departments, nominal|discounted, years): `COST` summed by contract year


def write_results(out: Path, scenario: Scenario) -> dict:
    """summary.json, occupancy.csv and replications.csv from the chunks in `out`; returns the summary."""
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
        write_money(folder.file(MONEY_CSV), layout, records)
    if layout.contracts:
        write_contracts(folder.file(CONTRACTS_CSV), layout, records)
    return summary


def _without_monthly_detail(chunk: dict) -> dict:
    """A chunk's records with money summed to contract years and occupancy left out (it is read
    arm by arm), so that memory per replication stays small."""
    reduced = {key: value for key, value in chunk.items() if key not in (OCCUPANCY, COST)}
    if COST in chunk:  # (runs, arms, departments, months, nominal|discounted)
        reduced[COST_BY_YEAR] = contract_years(chunk[COST].swapaxes(-1, -2))  # (…, 2, years)
    return reduced


def summarize(scenario: Scenario, layout: Layout, records: dict, manifest: dict) -> dict:
    """The headline numbers; each mean carries its Monte Carlo standard error (`se`)."""
    arms = {}
    for a, arm in enumerate(layout.arms):
        arms[arm] = {"label": scenario.arms[arm].label,
                     "youths": _stat(records[YOUTHS][:, a], quantiles=False)}
        waits = {resource: _stat(records[WAIT_MONTHS][:, a, r])
                 for r, resource in enumerate(layout.resources)
                 if not np.all(np.isnan(records[WAIT_MONTHS][:, a, r]))}
        if waits:
            arms[arm]["wait_months"] = waits
    if COST_BY_YEAR in records:
        _add_money(arms, layout, records)
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


def _contract_summary(scenario: Scenario, layout: Layout, records: dict, index: int) -> dict:
    contract = scenario.contracts[layout.contracts[index]]
    keys = ContractKeys(index)
    metrics = {key: records[keys.metrics][:, k] for k, key in enumerate(CONTRACT_METRICS)}
    runs = len(metrics["payments"])
    cash = records[keys.cash]  # (runs, 2, months + 1)
    cash_stats = statistics(cash)
    never = np.isnan(metrics["break_even_month"])
    return {
        "arm": contract.arm, "principal": _plain(contract.investor.principal),
        "payers": {d: _plain(share) for d, share in contract.payers.items()},
        "youths": _stat(records[keys.youths][:, 0], quantiles=False),
        "payments": _stat(metrics["payments_discounted"]),
        "payments_nominal": _stat(metrics["payments"]),
        "p_full_repayment": _proportion(metrics["full_repayment"]),
        "p_full_repayment_se": _proportion_se(metrics["full_repayment"]),
        "irr": _stat(metrics["irr"]),
        "multiple": _stat(metrics["multiple"]),
        "expected_loss": _stat(metrics["expected_loss"]),
        "outcome_fund_draw": _stat(metrics["outcome_fund_draw"]),
        "p_fund_exhausted": _proportion(metrics["fund_exhausted"]),
        "payer_net": _stat(metrics["payer_net"]),
        "break_even_month": _stat(metrics["break_even_month"]),
        "p_break_even": _proportion(~never),
        "payments_by_payer": {d: _stat(records[keys.payers][:, p])
                              for p, d in enumerate(layout.payers[index])},
        "cash_flow": {"month": list(range(cash.shape[-1])),
                      "payers_net_cumulative": {q: _list(cash_stats[q][0]) for q in ("p05", "p50", "p95")},
                      "investor_cumulative": {q: _list(cash_stats[q][1]) for q in ("p05", "p50", "p95")}},
        "runs": runs,
    }


def _plain(value) -> float | str:
    return float(value) if isinstance(value, (int, float)) else f"${value.name}"


def _proportion(flags: np.ndarray) -> float:
    return float(np.mean(np.asarray(flags, dtype=float)))


def _proportion_se(flags: np.ndarray) -> float:
    p = _proportion(flags)
    return float(np.sqrt(p * (1 - p) / len(flags)))


def _list(values: np.ndarray) -> list:
    return [_number(v) for v in values]


def _stat(values: np.ndarray, quantiles: bool = True) -> dict:
    stats = statistics(values)
    keys = ("mean", "se", "sd", "p05", "p50", "p95") if quantiles else ("mean", "se")
    return {key: _number(stats[key]) for key in keys}


def _number(value) -> float | None:
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
    for i, name in enumerate(layout.contracts):
        header += [column_name(name, key) for key in CONTRACT_METRICS]
        columns += list(records[ContractKeys(i).metrics].T)
    write_csv(path, header, [[format_cell(v) for v in row] for row in zip(*columns)])


def write_money(path: Path, layout: Layout, records: dict) -> None:
    """Cost per arm, department and contract year (year 1 = months [0, 12)), nominal and discounted."""
    years = records[COST_BY_YEAR]  # (runs, arms, departments, nominal|discounted, years)
    stats = statistics(years)
    rows = []
    for a, arm in enumerate(layout.arms):
        for d, department in enumerate(layout.departments):
            for year in range(years.shape[-1]):
                for k, discounted in enumerate(("false", "true")):
                    rows.append([arm, department, year + 1, discounted,
                                 *(format_cell(stats[key][a, d, k, year]) for key in QUANTILE_COLUMNS)])
    write_csv(path, ["arm", "department", "year", "discounted", *QUANTILE_COLUMNS], rows)


def write_contracts(path: Path, layout: Layout, records: dict) -> None:
    rows = []
    for i, name in enumerate(layout.contracts):
        stats = statistics(records[ContractKeys(i).metrics])
        for k, metric in enumerate(CONTRACT_METRICS):
            rows.append([name, metric, *(format_cell(stats[key][k]) for key in QUANTILE_COLUMNS)])
    write_csv(path, ["contract", "metric", *QUANTILE_COLUMNS], rows)
