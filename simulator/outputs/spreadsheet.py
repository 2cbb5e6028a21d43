"""summary.xlsx for spreadsheet users: headline numbers, who pays and gains, money per year, contract metrics.

Four sheets of plain values (numbers, never formulas), one observation per row, the unit in each
header or in a unit column. The words come from `Words`, so a Danish report gets a Danish
workbook; each metric's unit and number format come from the metric registry. `build_workbook`
reads no files: it is given the summary and the rows of money.csv and contracts.csv.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from simulator.outputs import metrics
from simulator.outputs.folder import WORKBOOKS, ResultsFolder, parse_cell, write_atomically
from simulator.outputs.metrics import PROBABILITY, Unit
from simulator.outputs.words import Words

STAT_KEYS = ("mean", "p05", "p50", "p95")
Table = tuple[list[str], list[list], list[Unit]]  # header, rows, the unit of each row


def write_workbook(out: Path, lang: str = "en") -> Path:
    """Write summary.xlsx (summary.da.xlsx in Danish) into `out` from its saved files (replacing it)
    and return its path.

    Raises ScenarioError when `out` holds no summary.json.
    """
    folder = ResultsFolder(out)
    words = Words(lang, folder.summary.get("currency") or "DKK")
    workbook = build_workbook(folder.summary, folder.money, folder.contracts, words,
                              lambda kind, id: folder.label(kind, id, lang))
    return write_atomically(folder.file(WORKBOOKS[lang]), workbook.save)


Names = Callable[[str, str], str]  # (kind, id) -> what a reader sees: department, contract or arm


def build_workbook(summary: Mapping, money: Sequence[Mapping[str, str]],
                   contracts: Sequence[Mapping[str, str]], words: Words,
                   names: Names = lambda kind, id: id) -> Workbook:
    """The workbook of a summary and the rows of money.csv and contracts.csv, ids shown by their
    labels (`names`) and metrics by theirs; sheets without data are left out."""
    workbook = Workbook()
    workbook.remove(workbook.active)

    def department(id: str) -> str:
        return words("total") if id == "total" else names("department", id)

    sheets = {"sheet_headline": _headline(summary, words, names, department),
              "sheet_who_pays": _who_pays(summary, words, names, department),
              "sheet_money": _money(money, words, names, department),
              "sheet_contracts": _contract_metrics(contracts, words, names)}
    for key, (header, rows, units) in sheets.items():
        if rows:
            _sheet(workbook, words(key), header, rows, units)
    return workbook


def _stat_cells(stat: Mapping | None) -> list:
    stat = stat or {}
    return [stat.get(key) for key in STAT_KEYS]


def _stat_header(words: Words) -> list[str]:
    return [words(key) for key in STAT_KEYS]


def _headline(summary: Mapping, words: Words, names: Names, department: Callable[[str], str]) -> Table:
    """Per contract its results in summary.json; per arm its youths, net gains and positions; one
    row per measure, each named by its label."""
    header = [f"{words('contract_column')} / {words('arm')}", words("measure"), words("unit"),
              *_stat_header(words)]
    rows, units = [], []

    def add(owner: str, measure: str, unit: Unit, cells: list) -> None:
        rows.append([owner, measure, words.unit(unit), *cells])
        units.append(unit)

    net_gain, position = metrics.by_key("net_gain"), metrics.by_key("position")
    for name, contract in summary.get("contracts", {}).items():
        owner = names("contract", name)
        for metric in metrics.summarised():
            value = contract.get(metric.summary)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                add(owner, words.label(metric.name), metric.unit, [float(value), None, None, None])
            elif isinstance(value, Mapping):
                add(owner, words.label(metric.name), metric.unit, _stat_cells(value))
        payments = metrics.by_name("payments")
        for payer, stat in contract.get("payments_by_payer", {}).items():
            add(owner, f"{words.label(payments.name)}: {department(payer)}", payments.unit, _stat_cells(stat))
    for arm, data in summary.get("arms", {}).items():
        owner = names("arm", arm)
        add(owner, words.label("youths"), metrics.by_name("youths").unit, _stat_cells(data.get("youths")))
        total = data.get("net_gain_vs_baseline", {}).get("total")
        if total:
            add(owner, f"{words.label(net_gain.name)}: {words('total')}", net_gain.unit, _stat_cells(total))
        for level, stat in data.get("net_gain_by_level", {}).items():
            add(owner, f"{words.label(net_gain.name)}: {words.level(level)}", net_gain.unit, _stat_cells(stat))
        for body, stat in data.get("position_after_contracts", {}).items():
            add(owner, f"{words.label(position.name)}: {department(body)}", position.unit, _stat_cells(stat))
            add(owner, words("p_negative_measure", body=department(body)), PROBABILITY,
                [stat.get("p_negative"), None, None, None])
    return header, rows, units


def _who_pays(summary: Mapping, words: Words, names: Names, department: Callable[[str], str]) -> Table:
    """Discounted cost and net gain against the baseline, per arm and department."""
    header = [words("arm"), words("department")] + [f"{words.label(what)}, {h} ({words.currency})"
                                                    for what in ("cost", "net_gain") for h in _stat_header(words)]
    rows = []
    for arm, data in summary.get("arms", {}).items():
        cost, gain = data.get("cost", {}), data.get("net_gain_vs_baseline", {})
        for body in dict.fromkeys([*cost, *gain]):
            rows.append([names("arm", arm), department(body), *_stat_cells(cost.get(body)),
                         *_stat_cells(gain.get(body))])
    return header, rows, [metrics.by_key("cost").unit] * len(rows)


def _money(money: Sequence[Mapping[str, str]], words: Words, names: Names, department: Callable[[str], str]) -> Table:
    """money.csv as it is: per arm, department and contract year, the cost and the position."""
    header = [words("arm"), words("department"), words("year_column"), words("discounted"), words("measure")] + \
        [f"{words(h)} ({words.currency})" for h in ("mean", "sd", "p05", "p50", "p95")]
    rows = [[names("arm", row["arm"]), department(row["department"]), int(row["year"]),
             row["discounted"].lower() == "true",
             words.label(row.get("measure", "cost")),
             *(parse_cell(row.get(key)) for key in ("mean", "sd", "p05", "p50", "p95"))] for row in money]
    return header, rows, [metrics.by_key("cost").unit] * len(rows)


def _contract_metrics(contracts: Sequence[Mapping[str, str]], words: Words, names: Names) -> Table:
    """contracts.csv with a unit column, contracts and metrics by their labels."""
    header = [words("contract_column"), words("metric"), words("unit"),
              *(words(key) for key in ("mean", "sd", "p05", "p50", "p95"))]
    units = [metrics.by_key(row["metric"]).unit for row in contracts]
    rows = [[names("contract", row["contract"]), words.label(metrics.by_key(row["metric"]).name), words.unit(unit),
             *(parse_cell(row.get(key)) for key in ("mean", "sd", "p05", "p50", "p95"))]
            for row, unit in zip(contracts, units)]
    return header, rows, units


def _sheet(workbook: Workbook, title: str, header: list[str], rows: list[list], units: list[Unit]) -> None:
    """A sheet with a bold, frozen header; numbers shown by their unit (money, shares, months)."""
    sheet = workbook.create_sheet(title[:31])  # Excel's limit on sheet names
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row, unit in zip(rows, units):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, float):
                cell.number_format = unit.excel_format
    for column, name in enumerate(header):
        width = max(len(str(name)), *(len(str(row[column])) for row in rows))
        sheet.column_dimensions[get_column_letter(column + 1)].width = min(50, width + 2)
    sheet.freeze_panes = "A2"
