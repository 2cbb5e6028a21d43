"""`simulator compare`: the headline numbers of several finished runs side by side (spec §4.4).

Each run is read from its results folder (`ResultsFolder`: summary.json and manifest.json, nothing
is simulated or priced again). `compare.csv` holds one row per run × headline number, the value
exactly as the run's summary.json has it; `compare.html` shows them as one table and one figure,
self-contained like report.html, in English or Danish. A folder whose run is unfinished, or that
holds no summary.json, is refused before anything is written: comparing it would mislead.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from importlib import resources
from pathlib import Path
from typing import Mapping, Sequence

from simulator.language.errors import Issue, ScenarioError
from simulator.outputs import metrics, plots
from simulator.outputs.folder import (COMPARE_CSV, COMPARE_HTML, MANIFEST_JSON, ResultsFolder, format_cell,
                                      write_csv, write_text)
from simulator.outputs.metrics import PROBABILITY, Metric
from simulator.outputs.report import PAGE, embedded_png
from simulator.outputs.words import Words

DEFAULT_OUT = Path("results") / "compare"
FIGURE = "compare"  # figures/compare.png in --out
DISTRIBUTION = ("mean", "p05", "p95")
CONTRACT_HEADLINES: tuple[tuple[str, tuple[str, ...]], ...] = (  # summary.json key, its statistics
    ("p_full_repayment", ("value",)),
    ("payments_discounted", DISTRIBUTION),
    ("null_effect_payments", DISTRIBUTION),
    ("deadweight_share", ("mean",)),
    ("payer_net", DISTRIBUTION),
    ("outcome_fund_draw", ("mean", "p95")),
    ("p_fund_exhausted", ("value",)),
)
POSITION = "position_after_contracts"
POSITION_STATISTICS = ("mean", "p05", "p95", "p_negative")
CSV_HEADER = ["run", "folder", "kind", "name", "measure", "statistic", "unit", "value"]


@dataclass(frozen=True)
class Run:
    """One finished run: its id in compare.csv (the folder's name), its folder and what it reported."""

    id: str
    folder: ResultsFolder
    summary: dict
    manifest: dict

    @property
    def scenario(self) -> str:
        return self.manifest.get("scenario") or self.manifest.get("resolved", {}).get("name", "") or self.id


@dataclass(frozen=True)
class Headline:
    """One headline number of one run: e.g. contract `havnen`, measure `payments_discounted`,
    statistic `p05`. A position's measure is `position_after_contracts.DEPARTMENT`."""

    kind: str  # "contract" or "arm"
    name: str  # the contract's or the arm's id
    measure: str
    statistic: str  # mean, p05, p95, p_negative, or value (a share summary.json gives as one number)
    value: float | None

    def unit(self, currency: str) -> str:
        """compare.csv's unit column: `DKK, discounted`, `probability`, … (from the metric registry)."""
        if self.statistic == "p_negative":
            return PROBABILITY.en
        return self.metric.unit_text(currency)

    @property
    def metric(self) -> Metric:
        return metrics.by_key("position") if self.kind == "arm" else metrics.by_name(self.measure)


def compare(folders: Sequence[Path | str], out: Path | str = DEFAULT_OUT, lang: str = "en") -> tuple[Path, Path]:
    """Write compare.csv and compare.html (with figures/compare.png) into `out` for the finished
    runs in `folders`; returns the two paths. Raises one ScenarioError naming every folder that is
    not a finished run, before anything is written."""
    runs = read_runs(folders)
    words = Words(lang, runs[0].summary.get("currency") or "DKK")  # checks --lang before any work
    target = ResultsFolder(out)
    target.check_not_a_file()
    rows = [[run.id, str(run.folder.path), h.kind, h.name, h.measure, h.statistic,
             h.unit(run.summary.get("currency") or ""), "" if h.value is None else format_cell(h.value)]
            for run in runs for h in headlines(run.summary)]
    csv_path = write_csv(target.file(COMPARE_CSV), CSV_HEADER, rows)
    return csv_path, write_text(target.file(COMPARE_HTML), _page(runs, words, target))


def read_runs(folders: Sequence[Path | str]) -> list[Run]:
    """Each folder as a finished run; one issue per folder that is not one."""
    runs, issues = [], []
    for path, run_id in zip(folders, _ids(folders)):
        folder = ResultsFolder(path)
        manifest = folder.manifest
        if not manifest:
            issues.append(Issue(str(folder.path), "", "a results folder written by simulator run",
                                "no readable manifest.json" if folder.path.is_dir() else "no such folder"))
            continue
        if manifest.get("complete") is not True:
            issues.append(Issue(str(folder.file(MANIFEST_JSON)), "complete", "a finished run (true)",
                                f"{manifest.get('complete')!r}: an unfinished run ({manifest.get('runs_done', 0)} of "
                                f"{manifest.get('runs_requested', '?')} replications); complete it with "
                                "simulator run … --resume"))
            continue
        try:
            summary = folder.summary
        except ScenarioError as error:
            issues += error.issues
            continue
        runs.append(Run(run_id, folder, summary, manifest))
    if issues:
        raise ScenarioError(issues)
    if not runs:
        raise ScenarioError([Issue("simulator compare", "", "one or more results folders", "none")])
    return runs


def _ids(folders: Sequence[Path | str]) -> list[str]:
    """Each run's id: its folder's name, or the path as given when two folders share a name."""
    names = [Path(f).resolve().name for f in folders]
    ids = [name if names.count(name) == 1 else str(folder) for name, folder in zip(names, folders)]
    return [i if ids[:n].count(i) == 0 else f"{i} ({ids[:n].count(i) + 1})" for n, i in enumerate(ids)]


def headlines(summary: Mapping) -> list[Headline]:
    """A run's headline numbers, in reading order: per contract, then per arm's positions."""
    found = []
    for name, contract in summary.get("contracts", {}).items():
        for key, statistics in CONTRACT_HEADLINES:
            if key not in contract:
                continue
            for statistic in statistics:
                value = contract[key] if statistic == "value" else (contract[key] or {}).get(statistic)
                found.append(Headline("contract", name, key, statistic, value))
    for arm, numbers in summary.get("arms", {}).items():
        for department, stat in (numbers.get(POSITION) or {}).items():
            found += [Headline("arm", arm, f"{POSITION}.{department}", statistic, stat.get(statistic))
                      for statistic in POSITION_STATISTICS]
    return found


# --- compare.html ----------------------------------------------------------------------------------


def _page(runs: list[Run], t: Words, target: ResultsFolder) -> str:
    table = _table(runs, t)
    figure = _figure(runs, t, target)
    listing = "".join(f"<tr><td>{escape(run.id)}</td><td>{escape(run.scenario)}</td>"
                      f'<td class="n">{escape(t.number(run.summary.get("runs")))}</td>'
                      f'<td class="n">{escape(str(run.summary.get("seed")))}</td>'
                      f"<td>{escape(str(run.folder.path))}</td></tr>" for run in runs)
    body = "\n".join([
        f"<h1>{escape(t('compare_title'))}</h1>",
        f"<p>{escape(t('compare_intro', count=len(runs), currency=t.currency))}</p>",
        f'<div class="table"><table><tr><th>{escape(t("compare_run"))}</th><th>{escape(t("scenario"))}</th>'
        f'<th>{escape(t("compare_replications"))}</th><th>{escape(t("seed"))}</th>'
        f'<th>{escape(t("compare_folder"))}</th></tr>{listing}</table></div>',
        f"<h2>{escape(t('headline'))}</h2>", table, figure])
    css = resources.files("simulator.outputs").joinpath("report.css").read_text(encoding="utf-8")
    return PAGE.format(lang=t.lang, title=escape(t("compare_title")), css=css, body=body)


def _table(runs: list[Run], t: Words) -> str:
    """One row per headline measure, one column per run; a heading row per contract and per arm."""
    cells: dict[tuple[str, str], dict[str, dict[str, str]]] = {}  # (kind, name) -> row label -> run -> text
    for run in runs:
        for (kind, name, measure), stat in _measures(run.summary).items():
            label = _row_label(runs, kind, measure, t)
            cells.setdefault((kind, name), {}).setdefault(label, {})[run.id] = _shown(kind, measure, stat, t)
    head = "".join(f"<th>{escape(run.id)}</th>" for run in runs)
    body = []
    for (kind, name), rows in cells.items():
        heading = t("contract", name=_name(runs, "contract", name, t)) if kind == "contract" else \
            t("position_heading", arm=_name(runs, "arm", name, t))
        body.append(f'<tr><th colspan="{len(runs) + 1}">{escape(heading)}</th></tr>')
        body += ["<tr><td>" + escape(label) + "</td>"
                 + "".join(f'<td class="n">{escape(by_run.get(run.id, "–"))}</td>' for run in runs) + "</tr>"
                 for label, by_run in rows.items()]
    return (f'<div class="table"><table><tr><th>{escape(t("measure"))}</th>{head}</tr>{"".join(body)}</table>'
            "</div>")  # the report's box that scrolls sideways: a wide table never widens the page


def _measures(summary: Mapping) -> dict[tuple[str, str, str], dict]:
    """The headline numbers gathered per measure: (kind, name, measure) -> {statistic: value}."""
    measures: dict[tuple[str, str, str], dict] = {}
    for h in headlines(summary):
        measures.setdefault((h.kind, h.name, h.measure), {})[h.statistic] = h.value
    return measures


def _row_label(runs: list[Run], kind: str, measure: str, t: Words) -> str:
    if kind == "arm":
        department = measure.split(".", 1)[1]
        return t("total_public") if department == "total" else _name(runs, "department", department, t)
    return t.label(measure)


def _name(runs: list[Run], kind: str, id: str, t: Words) -> str:
    """An id's label in the reader's language from the first run whose scenario labels it, else the id."""
    return next((label for run in runs if (label := run.folder.label(kind, id, t.lang)) != id), id)


def _shown(kind: str, measure: str, stat: Mapping, t: Words) -> str:
    """A measure's numbers in words: a share, a mean and its 90 % interval, or a mean and its 95th percentile."""
    if "value" in stat:
        return t.percent(stat["value"])
    if kind == "arm":
        return t("position_value", stat=t.stat(stat), p=t.percent(stat.get("p_negative")))
    metric = metrics.by_name(measure)
    if "p05" in stat:
        return t.stat(stat)
    if "p95" in stat:
        return t("compare_mean_p95", mean=t.value(metric.unit, stat.get("mean")),
                 p95=t.value(metric.unit, stat.get("p95")))
    return t.value(metric.unit, stat.get("mean"))


def _figure(runs: list[Run], t: Words, target: ResultsFolder) -> str:
    """P(full repayment) per contract above; below, the money headlines with their 90 % intervals;
    a bar per run."""
    short = {"payments_discounted": "compare_payments", "null_effect_payments": "compare_null_effect",
             "payer_net": "compare_payer_net", f"{POSITION}.total": "compare_position"}
    shares: dict[str, dict[str, dict]] = {}
    money: dict[str, dict[str, dict]] = {}
    for run in runs:
        for (kind, name, measure), stat in _measures(run.summary).items():
            if measure == "p_full_repayment":
                shares.setdefault(_name(runs, kind, name, t), {})[run.id] = {"mean": stat["value"]}
            elif measure in short:
                money.setdefault(f"{_name(runs, kind, name, t)}: {t(short[measure])}", {})[run.id] = stat
    if not shares and not money:
        return ""
    number, unit = t.money_scale([v for g in money.values() for s in g.values() for v in s.values()
                                  if isinstance(v, (int, float))])
    bars = [len(shares) * len(runs), len(money) * len(runs)]
    figure, axes = plots.new_figure(2, 1, width=9, height_per_row=max(2.4, 0.22 * max(bars) + 1))
    top, bottom = axes[:, 0]
    plots.plot_intervals(shares, top, xlabel=t.label("p_full_repayment"), number=lambda v: t.percent(v))
    top.set_xlim(0, 1)
    plots.plot_intervals(money, bottom, xlabel=t("compare_money_axis", unit=unit), number=number)
    return embedded_png(plots.save(figure, target.figure(FIGURE)), t("compare_title"))
