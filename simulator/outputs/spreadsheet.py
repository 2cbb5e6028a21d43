"""summary.xlsx for spreadsheet users: headline numbers, who pays and gains, money per year, contract metrics.

Four sheets of plain values (numbers, never formulas), one observation per row, the unit in each
header or in a unit column. The words come from the report's translation table, so a Danish
report gets a Danish workbook. This module reads no files: it is given the summary and the rows
of money.csv and contracts.csv.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

STAT_KEYS = ("mean", "p05", "p50", "p95")
HEADLINE_METRICS = ("principal", "youths", "p_full_repayment", "payments", "payments_nominal", "irr",
                    "multiple", "expected_loss", "outcome_fund_draw", "p_fund_exhausted", "payer_net",
                    "break_even_month", "p_break_even")  # a contract's summary.json keys, in reading order
Table = tuple[list[str], list[list], list[str]]  # header, rows, the kind of number in each row
FORMATS = {"money": "#,##0", "probability": "0.0%", "annual_rate": "0.0%", "ratio": "0.00",
           "months": "0.0", "count": "0.0"}


def metric_kind(metric: str) -> str:
    """The unit of a contract metric: money, probability, annual_rate, ratio, months or count."""
    if metric.startswith("p_") or metric in ("full_repayment", "fund_exhausted"):
        return "probability"  # a share of runs (contracts.csv gives the flags' mean)
    if metric == "irr":
        return "annual_rate"
    if metric == "multiple":
        return "ratio"
    if metric.endswith("month") or metric.endswith("months"):
        return "months"
    if metric == "youths":
        return "count"
    return "money"


def write_workbook(path: Path, summary: Mapping, money: Sequence[Mapping[str, str]],
                   contracts: Sequence[Mapping[str, str]], text: Mapping[str, str]) -> Path:
    """Write the workbook to `path` (replacing it) and return the path; sheets without data are left out."""
    currency = summary.get("currency") or "DKK"
    workbook = Workbook()
    workbook.remove(workbook.active)
    sheets = {"sheet_headline": _headline(summary, text, currency),
              "sheet_who_pays": _who_pays(summary, text, currency),
              "sheet_money": _money(money, text, currency),
              "sheet_contracts": _contract_metrics(contracts, text, currency)}
    for key, (header, rows, kinds) in sheets.items():
        if rows:
            _sheet(workbook, text[key], header, rows, kinds)
    temporary = path.with_name(path.name + ".tmp")
    workbook.save(temporary)
    temporary.replace(path)
    return path


def _unit(kind: str, text: Mapping[str, str], currency: str) -> str:
    return currency if kind == "money" else text[kind]


def _stat_cells(stat: Mapping | None) -> list:
    stat = stat or {}
    return [stat.get(key) for key in STAT_KEYS]


def _stat_header(text: Mapping[str, str]) -> list[str]:
    return [text["mean"], text["p05"], text["p50"], text["p95"]]


def _headline(summary: Mapping, text: Mapping[str, str], currency: str) -> Table:
    """Per contract its scalar results; per arm its youths and net gains; one row per measure."""
    header = [f"{text['contract_column']} / {text['arm']}", text["measure"], text["unit"],
              *_stat_header(text)]
    rows, kinds = [], []

    def add(owner: str, measure: str, kind: str, cells: list) -> None:
        rows.append([owner, measure, _unit(kind, text, currency), *cells])
        kinds.append(kind)

    for name, contract in summary.get("contracts", {}).items():
        for metric in HEADLINE_METRICS:
            value = contract.get(metric)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                add(name, metric, metric_kind(metric), [float(value), None, None, None])
            elif isinstance(value, Mapping):
                add(name, metric, metric_kind(metric), _stat_cells(value))
        for department, stat in contract.get("payments_by_payer", {}).items():
            add(name, f"payments_by_payer.{department}", "money", _stat_cells(stat))
    for arm, data in summary.get("arms", {}).items():
        add(arm, "youths", "count", _stat_cells(data.get("youths")))
        total = data.get("net_gain_vs_baseline", {}).get("total")
        if total:
            add(arm, "net_gain_vs_baseline.total", "money", _stat_cells(total))
        for level, stat in data.get("net_gain_by_level", {}).items():
            add(arm, f"net_gain_by_level.{level}", "money", _stat_cells(stat))
    return header, rows, kinds


def _who_pays(summary: Mapping, text: Mapping[str, str], currency: str) -> Table:
    """Discounted cost and net gain against the baseline, per arm and department."""
    header = [text["arm"], text["department"]] + [
        f"{text[what]}, {h} ({currency})" for what in ("cost", "net_gain") for h in _stat_header(text)]
    rows = []
    for arm, data in summary.get("arms", {}).items():
        cost, gain = data.get("cost", {}), data.get("net_gain_vs_baseline", {})
        for department in dict.fromkeys([*cost, *gain]):
            rows.append([arm, department, *_stat_cells(cost.get(department)),
                         *_stat_cells(gain.get(department))])
    return header, rows, ["money"] * len(rows)


def _money(money: Sequence[Mapping[str, str]], text: Mapping[str, str], currency: str) -> Table:
    """money.csv as it is: cost per arm, department and contract year."""
    header = [text["arm"], text["department"], text["year_column"], text["discounted"]] + \
        [f"{text['cost']}, {h} ({currency})" for h in (text["mean"], text["sd"], *_stat_header(text)[1:])]
    rows = [[row["arm"], row["department"], int(row["year"]), row["discounted"].lower() == "true",
             *(_number(row.get(key)) for key in ("mean", "sd", "p05", "p50", "p95"))] for row in money]
    return header, rows, ["money"] * len(rows)


def _contract_metrics(contracts: Sequence[Mapping[str, str]], text: Mapping[str, str],
                      currency: str) -> Table:
    """contracts.csv with a unit column."""
    header = [text["contract_column"], text["metric"], text["unit"], text["mean"], text["sd"],
              *_stat_header(text)[1:]]
    kinds = [metric_kind(row["metric"]) for row in contracts]
    rows = [[row["contract"], row["metric"], _unit(kind, text, currency),
             *(_number(row.get(key)) for key in ("mean", "sd", "p05", "p50", "p95"))]
            for row, kind in zip(contracts, kinds)]
    return header, rows, kinds


def _number(cell: str | None) -> float | None:
    return None if cell in (None, "") else float(cell)


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list], kinds: list[str]) -> None:
    """A sheet with a bold, frozen header; numbers shown by their kind (money, shares, months)."""
    sheet = workbook.create_sheet(title[:31])  # Excel's limit on sheet names
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row, kind in zip(rows, kinds):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, float):
                cell.number_format = FORMATS[kind]
    for column, name in enumerate(header):
        width = max(len(str(name)), *(len(str(row[column])) for row in rows))
        sheet.column_dimensions[get_column_letter(column + 1)].width = min(50, width + 2)
    sheet.freeze_panes = "A2"
