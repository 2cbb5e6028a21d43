"""The result files of spec §3, written from the stored records of a finished run.

Every file is written to a temporary name and renamed, so a crash never leaves half a file.
"""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np

from simulator.analysis import Layout, statistics
from simulator.runner import load_records, read_manifest, write_json_atomic
from simulator.scenario import Scenario

QUANTILE_COLUMNS = ("mean", "sd", "p05", "p50", "p95")


def write_results(out: Path, scenario: Scenario) -> dict:
    """summary.json, occupancy.csv and replications.csv from the chunks in `out`; returns the summary."""
    out = Path(out)
    layout = Layout.of(scenario)
    records = load_records(out)
    manifest = read_manifest(out) or {}
    if records is None:
        return {}
    summary = summarize(scenario, layout, records, manifest)
    write_json_atomic(out / "summary.json", summary)
    write_occupancy(out / "occupancy.csv", layout, records)
    write_replications(out / "replications.csv", layout, records)
    return summary


def summarize(scenario: Scenario, layout: Layout, records: dict, manifest: dict) -> dict:
    """The headline numbers; each mean carries its Monte Carlo standard error (`se`)."""
    arms = {}
    for a, arm in enumerate(layout.arms):
        arms[arm] = {"label": scenario.arms[arm].label,
                     "youths": _stat(records["youths"][:, a], quantiles=False)}
        waits = {resource: _stat(records["wait_months"][:, a, r])
                 for r, resource in enumerate(layout.resources)
                 if not np.all(np.isnan(records["wait_months"][:, a, r]))}
        if waits:
            arms[arm]["wait_months"] = waits
    return {"runs": int(len(records["replication"])), "seed": manifest.get("seed"),
            "complete": manifest.get("complete"), "baseline": scenario.baseline,
            "currency": scenario.economics.currency, "arms": arms}


def _stat(values: np.ndarray, quantiles: bool = True) -> dict:
    stats = statistics(values)
    keys = ("mean", "se", "sd", "p05", "p50", "p95") if quantiles else ("mean", "se")
    return {key: _number(stats[key]) for key in keys}


def _number(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


def write_occupancy(path: Path, layout: Layout, records: dict) -> None:
    stats = statistics(records["occupancy"])  # (arms, rows, months)
    rows = []
    for a, arm in enumerate(layout.arms):
        for r, (track, state) in enumerate(layout.occupancy_rows):
            if np.isnan(stats["mean"][a, r]).all():
                continue  # this arm has no such state
            for month in range(layout.months + 1):
                rows.append([arm, track, state, month,
                             *(_cell(stats[key][a, r, month]) for key in QUANTILE_COLUMNS)])
    write_csv(path, ["arm", "track", "state", "month", *QUANTILE_COLUMNS], rows)


def write_replications(path: Path, layout: Layout, records: dict) -> None:
    """One row per replication: its parameter draws and per-arm counts, for custom analysis."""
    header = ["replication"] + [layout.parameter_column(arm, name) for arm, name in layout.parameters]
    header += [f"youths@{arm}" for arm in layout.arms]
    columns = [records["replication"], *records["parameters"].T, *records["youths"].T]
    write_csv(path, header, [[_cell(v) for v in row] for row in zip(*columns)])


def _cell(value) -> str:
    value = float(value)
    if np.isnan(value):
        return ""
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(temporary, path)
