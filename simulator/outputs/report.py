"""report.html (and summary.xlsx beside it), rebuilt from a results folder's saved files alone.

The report is one self-contained HTML file for a reader without the tool: figures are embedded
as base64 PNGs (and also saved under `figures/`), the CSS is inline, nothing is fetched and no
script runs. It reads manifest.json, summary.json and the CSVs of spec §3, plus sensitivity.csv
and sobol.csv when `simulator sensitivity` has written them; every section whose data is absent
is left out. All the words a reader sees, in English and Danish, are in `TEXT`.

This module never simulates and never loads a scenario file: parameter labels, distributions and
sources come from the resolved scenario stored in the manifest.
"""
from __future__ import annotations

import base64
import functools
import math
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from matplotlib.figure import Figure

from simulator.outputs import plots
from simulator.language.distributions import parameter_distribution
from simulator.language.errors import Issue, ScenarioError
from simulator.outputs.folder import REPORT_HTML, WORKBOOK_XLSX, ResultsFolder, write_text
from simulator.outputs.spreadsheet import metric_kind, write_workbook

LANGUAGES = ("en", "da")  # the order of the translations in TEXT

TEXT: dict[str, tuple[str, str]] = {  # key: (English, Danish)
    "title": ("Social investment simulation", "Simulering af social investering"),
    "intro": (
        "{runs} Monte Carlo runs (seed {seed}). Money is in {currency}, discounted to the start "
        "(t = 0). A 90 % interval holds the middle 90 % of the runs: 5 % fall below it and 5 % "
        "above.",
        "{runs} Monte Carlo-kørsler (seed {seed}). Beløb er i {currency}, tilbagediskonteret til "
        "starten (t = 0). Et 90 %-interval rummer de midterste 90 % af kørslerne: 5 % ligger "
        "under og 5 % over.",
    ),
    "incomplete": (
        "Incomplete run: {done} of {requested} runs are finished; the numbers may change.",
        "Ufuldstændig kørsel: {done} af {requested} kørsler er færdige; tallene kan ændre sig.",
    ),
    "headline": ("Headline", "Hovedtal"),
    "contract": ("Contract {name}", "Kontrakt {name}"),
    "arm_heading": ("{arm} against {baseline}", "{arm} sammenlignet med {baseline}"),
    "p_full_repayment": (
        "Chance the investor is repaid in full",
        "Sandsynlighed for at investor får hele beløbet tilbage",
    ),
    "payments": ("Expected outcome payments", "Forventede resultatbetalinger"),
    "net_gain_level": ("Expected net gain, {level}", "Forventet nettogevinst, {level}"),
    "net_gain_department": (
        "Expected net gain, {department} (pays {share} of the outcome payments)",
        "Forventet nettogevinst, {department} (betaler {share} af resultatbetalingerne)",
    ),
    "net_gain_total": (
        "Expected net gain, whole public sector",
        "Forventet nettogevinst, hele den offentlige sektor",
    ),
    "payer_net": (
        "Payers' expected net gain after outcome payments",
        "Betalernes forventede nettogevinst efter resultatbetalinger",
    ),
    "p_fund_exhausted": (
        "Chance the outcome fund is exhausted",
        "Sandsynlighed for at resultatfonden bliver brugt op",
    ),
    "break_even": (
        "When the payers break even (median of the runs that do)",
        "Hvornår betalerne når break-even (median af de kørsler, der gør)",
    ),
    "break_even_value": (
        "month {month}: contract year {year}{calendar}; {p} of runs break even within the horizon",
        "måned {month}: kontraktår {year}{calendar}; {p} af kørslerne når break-even inden for "
        "perioden",
    ),
    "no_break_even": (
        "no run breaks even within the horizon",
        "ingen kørsel når break-even inden for perioden",
    ),
    "youths": ("Youths per run", "Unge pr. kørsel"),
    "no_money": (
        "This scenario has no money or contracts: the report shows the youths' states only.",
        "Dette scenarie har ingen beløb eller kontrakter: rapporten viser kun de unges tilstande.",
    ),
    "interval": ("{mean} (90 %: {low} to {high})", "{mean} (90 %: {low} til {high})"),
    "million": ("million", "mio."),
    "who_pays": ("Who pays and who gains", "Hvem betaler, og hvem vinder"),
    "who_pays_intro": (
        "Net gain = the cost under {baseline} minus the cost under the arm, discounted, over the "
        "whole horizon. Positive: the department saves.",
        "Nettogevinst = udgiften under {baseline} minus udgiften under indsatsen, "
        "tilbagediskonteret, over hele perioden. Positiv: afdelingen sparer.",
    ),
    "net_gain_axis": ("Net gain ({unit})", "Nettogevinst ({unit})"),
    "cost_heading": (
        "Cost per department (discounted, whole horizon)",
        "Udgift pr. afdeling (tilbagediskonteret, hele perioden)",
    ),
    "net_gain_heading": (
        "Net gain per department against {baseline}",
        "Nettogevinst pr. afdeling sammenlignet med {baseline}",
    ),
    "level_heading": (
        "Net gain per level against {baseline}",
        "Nettogevinst pr. niveau sammenlignet med {baseline}",
    ),
    "by_year_heading": (
        "Net gain per year against {baseline}: {arm} (discounted, mean)",
        "Nettogevinst pr. år sammenlignet med {baseline}: {arm} (tilbagediskonteret, middel)",
    ),
    "department": ("Department", "Afdeling"),
    "level": ("Level", "Niveau"),
    "total": ("Total", "I alt"),
    "year": ("Year {year}", "År {year}"),
    "cash_flow": ("Cash flow over time", "Pengestrømme over tid"),
    "cash_flow_intro": (
        "Cumulative: the payers' savings and payments discounted to t = 0, the investor's cash "
        "nominal. The line is the median run, the band the 90 % interval.",
        "Akkumuleret: betalernes besparelser og betalinger tilbagediskonteret til t = 0, "
        "investors pengestrøm nominelt. Linjen er mediankørslen, båndet 90 %-intervallet.",
    ),
    "payers_net_cumulative": ("Payers: savings minus payments", "Betalere: besparelser minus betalinger"),
    "investor_cumulative": ("Investor: received minus invested", "Investor: modtaget minus investeret"),
    "month": ("Month", "Måned"),
    "money_axis": ("{unit}", "{unit}"),
    "states": ("Youths in each state over time", "Unge i hver tilstand over tid"),
    "states_intro": (
        "Number of youths in each state; the line is the median run, the band the 90 % interval.",
        "Antal unge i hver tilstand; linjen er mediankørslen, båndet 90 %-intervallet.",
    ),
    "track": ("Track: {track}", "Spor: {track}"),
    "youths_axis": ("Youths", "Unge"),
    "distribution": ("Outcome payments and the investor's return", "Resultatbetalinger og investors afkast"),
    "payments_axis": (
        "Outcome payments per run, nominal ({unit})",
        "Resultatbetalinger pr. kørsel, nominelt ({unit})",
    ),
    "irr_axis": (
        "Investor's internal rate of return per run (a year)",
        "Investors interne rente pr. kørsel (årlig)",
    ),
    "runs_axis": ("Runs", "Kørsler"),
    "principal": ("Principal", "Investeret beløb"),
    "metric": ("Metric", "Nøgletal"),
    "mean": ("Mean", "Middel"),
    "sd": ("SD", "Spredning"),
    "p05": ("5 %", "5 %"),
    "p50": ("50 %", "50 %"),
    "p95": ("95 %", "95 %"),
    "sensitivity": (
        "What matters most: one parameter at a time",
        "Hvad betyder mest: én parameter ad gangen",
    ),
    "sensitivity_intro": (
        "{target} with every uncertain parameter at its median ({base}), and with one parameter "
        "at its 5th or its 95th percentile. The switching value is the value at which the payers' "
        "net gain after outcome payments crosses zero, the others at their medians.",
        "{target} med alle usikre parametre på deres median ({base}) og med én parameter på sin "
        "5. eller 95. percentil. Skifteværdien er den værdi, hvor betalernes nettogevinst efter "
        "resultatbetalinger skifter fortegn, med de øvrige på deres median.",
    ),
    "low": ("5th percentile", "5. percentil"),
    "high": ("95th percentile", "95. percentil"),
    "low_value": ("Value at 5 %", "Værdi ved 5 %"),
    "high_value": ("Value at 95 %", "Værdi ved 95 %"),
    "target_at_low": ("Result at 5 %", "Resultat ved 5 %"),
    "target_at_high": ("Result at 95 %", "Resultat ved 95 %"),
    "swing": ("Swing", "Udsving"),
    "switching_value": ("Switching value", "Skifteværdi"),
    "no_crossing": ("no crossing in range", "intet fortegnsskift i intervallet"),
    "sobol": (
        "Share of the uncertainty each parameter explains (Sobol indices)",
        "Hvor stor en del af usikkerheden hver parameter forklarer (Sobol-indeks)",
    ),
    "sobol_intro": (
        "{target}: first-order index = share of its variance due to the parameter alone; total "
        "index = including its interactions with the others.",
        "{target}: førsteordensindeks = andelen af variansen, som parameteren alene står for; "
        "totalindeks = inklusive samspil med de øvrige.",
    ),
    "first_order": ("first order", "første orden"),
    "total_order": ("total", "total"),
    "assumptions": ("Assumptions", "Antagelser"),
    "parameter": ("Parameter", "Parameter"),
    "description": ("Description", "Beskrivelse"),
    "distribution_column": ("Distribution", "Fordeling"),
    "median": ("Median or value", "Median eller værdi"),
    "interval90": ("90 % interval", "90 %-interval"),
    "unit": ("Unit", "Enhed"),
    "source": ("Source", "Kilde"),
    "fixed": ("fixed", "fast"),
    "in_arm": ("in arm {arm}", "i indsatsen {arm}"),
    "provenance": ("Provenance", "Sporbarhed"),
    "scenario": ("Scenario", "Scenarie"),
    "version": ("simulator version", "simulator-version"),
    "seed": ("Seed", "Seed"),
    "runs": ("Runs (done of requested)", "Kørsler (færdige af ønskede)"),
    "complete": ("Complete", "Fuldført"),
    "yes": ("yes", "ja"),
    "no": ("no", "nej"),
    "started": ("Started", "Startet"),
    "finished": ("Finished", "Færdig"),
    "seconds": ("Run time (seconds)", "Køretid (sekunder)"),
    "workers": ("Local processes", "Lokale processer"),
    "scheduler": ("Dask scheduler", "Dask-scheduler"),
    "overrides": ("Parameters fixed for this run", "Parametre låst for denne kørsel"),
    "files": ("Scenario files (sha256)", "Scenariefiler (sha256)"),
    "sheet_headline": ("Headline", "Hovedtal"),
    "sheet_who_pays": ("Who pays and gains", "Hvem betaler og vinder"),
    "sheet_money": ("Money by year", "Beløb pr. år"),
    "sheet_contracts": ("Contract metrics", "Kontraktnøgletal"),
    "measure": ("Measure", "Størrelse"),
    "arm": ("Arm", "Indsats"),
    "contract_column": ("Contract", "Kontrakt"),
    "discounted": ("Discounted", "Tilbagediskonteret"),
    "year_column": ("Year", "År"),
    "cost": ("Cost", "Udgift"),
    "net_gain": ("Net gain", "Nettogevinst"),
    "probability": ("probability", "sandsynlighed"),
    "annual_rate": ("rate a year", "rente pr. år"),
    "ratio": ("ratio", "forhold"),
    "months": ("months", "måneder"),
    "count": ("youths", "unge"),
    "level:municipality": ("municipality", "kommune"),
    "level:region": ("region", "region"),
    "level:state": ("state", "stat"),
    "level:fund": ("fund", "fond"),
}


# --- Words and numbers in the reader's language -----------------------------------------------------


@dataclass(frozen=True)
class Words:
    """The translation table of one language, and numbers written the way its readers write them."""

    lang: str
    currency: str

    def __call__(self, key: str, **values) -> str:
        return TEXT[key][LANGUAGES.index(self.lang)].format(**values)

    def level(self, level: str) -> str:
        """A level's name (the first dotted part of a department), translated when it is a known one."""
        return self(f"level:{level}") if f"level:{level}" in TEXT else level

    def number(self, value: float | None, decimals: int = 0) -> str:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        text = f"{abs(value):,.{decimals}f}"
        if self.lang == "da":
            text = text.translate(str.maketrans(",.", ".,"))
        return ("−" if value < 0 and text.strip("0.,") else "") + text

    def percent(self, share: float | None, decimals: int = 0) -> str:
        if share is None:
            return "–"
        return self.number(100 * share, decimals) + (" %" if self.lang == "da" else "%")

    def money(self, value: float | None, millions: bool | None = None) -> str:
        """`value` in the currency, in millions when it is that large (or when `millions` says so)."""
        if millions is None:
            millions = value is not None and abs(value) >= 1e6
        if millions:
            return f"{self.number(value / 1e6, 1)} {self('million')} {self.currency}"
        return f"{self.number(value)} {self.currency}"

    def stat(self, stat: Mapping | None, show: Callable[[float | None], str] | None = None) -> str:
        """Mean and 90 % interval; money in one scale, so that the three numbers compare at a glance."""
        if not stat:
            return "–"
        if show is None:
            values = (stat.get(key) for key in ("mean", "p05", "p95"))
            large = any(v is not None and abs(v) >= 1e6 for v in values)
            show = functools.partial(self.money, millions=large)
        return self("interval", mean=show(stat.get("mean")), low=show(stat.get("p05")),
                    high=show(stat.get("p95")))

    def money_scale(self, values: Sequence[float]) -> tuple[Callable[[float], str], str]:
        """Tick formatter and unit for a money axis: millions when the numbers are that large."""
        finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
        if finite and max(finite) >= 1e6:
            return (lambda v: self.number(v / 1e6, 1)), f"{self('million')} {self.currency}"
        return (lambda v: self.number(v)), self.currency

    def metric(self, metric: str, value: float | None) -> str:
        kind = metric_kind(metric)
        if kind in ("probability", "annual_rate"):
            return self.percent(value, 1)
        if kind == "ratio":
            return self.number(value, 2)
        if kind in ("months", "count"):
            return self.number(value, 1)
        return self.money(value)


# --- The report ---------------------------------------------------------------------------------------


def write_report(out: Path, lang: str = "en") -> Path:
    """Write report.html, figures/*.png and summary.xlsx into `out` from its saved files.

    Returns the report's path; raises ScenarioError when `out` holds no summary.json.
    """
    if lang not in LANGUAGES:
        raise ScenarioError([Issue("--lang", "", f"one of {', '.join(LANGUAGES)}", repr(lang))])
    results = ResultsFolder(out)
    words = Words(lang, results.summary.get("currency") or "DKK")
    figures = _Figures(results)
    body = [_title(results, words), _headline(results, words), _who_pays(results, words, figures),
            _cash_flow(results, words, figures), _states(results, words, figures),
            _distributions(results, words, figures), _sensitivity(results, words, figures),
            _sobol(results, words, figures), _assumptions(results, words), _provenance(results, words)]
    html = PAGE.format(lang=lang, title=escape(_scenario_name(results)), css=CSS,
                       body="\n".join(part for part in body if part))
    path = write_text(results.file(REPORT_HTML), html)
    write_workbook(results.file(WORKBOOK_XLSX), results.summary, results.money, results.contracts,
                   {key: texts[LANGUAGES.index(lang)] for key, texts in TEXT.items()})
    return path


PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
{body}
</body>
</html>
"""

CSS = """
body { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; color: #1a1a1a; background: #fff;
       max-width: 1100px; margin: 2em auto; padding: 0 1.5em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; margin-top: 2em; border-bottom: 2px solid #1f5fa8; padding-bottom: 0.2em; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
.lead { color: #444; }
.warning { background: #fdecea; border-left: 5px solid #d1495b; padding: 0.6em 1em; }
.headline { background: #eef4fb; border: 2px solid #1f5fa8; border-radius: 6px; padding: 0.4em 1.2em 1em; }
.headline table { width: 100%; }
.headline td:last-child { font-weight: bold; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.n { text-align: right; white-space: nowrap; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; }
table.assumptions { width: 100%; }
.source { color: #555; font-size: 0.85em; min-width: 20em; }
code { font-size: 0.9em; }
"""


class _Figures:
    """Saves each figure under figures/ and returns it as an embedded image."""

    def __init__(self, folder: ResultsFolder):
        self.folder = folder

    def embed(self, name: str, figure: Figure, alt: str) -> str:
        path = plots.save(figure, self.folder.figure(name))
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'<figure><img alt="{escape(alt)}" src="data:image/png;base64,{data}"></figure>'


def _scenario_name(results: ResultsFolder) -> str:
    return results.manifest.get("scenario") or results.manifest.get("resolved", {}).get("name", "")


def _arm_label(results: ResultsFolder, arm: str) -> str:
    return results.summary.get("arms", {}).get(arm, {}).get("label") or arm


def _title(results: ResultsFolder, t: Words) -> str:
    summary, manifest = results.summary, results.manifest
    parts = [f"<h1>{escape(t('title'))}: {escape(_scenario_name(results))}</h1>"]
    description = manifest.get("resolved", {}).get("description")
    if description:
        parts.append(f'<p class="lead">{escape(description)}</p>')
    intro = t("intro", runs=t.number(summary.get("runs")), seed=summary.get("seed"), currency=t.currency)
    parts.append(f"<p>{escape(intro)}</p>")
    if summary.get("complete") is False or manifest.get("complete") is False:
        warning = t("incomplete", done=manifest.get("runs_done", summary.get("runs")),
                    requested=manifest.get("runs_requested", "?"))
        parts.append(f'<p class="warning">{escape(warning)}</p>')
    return "\n".join(parts)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1) -> str:
    """An HTML table; cells from column `numeric_from` on are right-aligned numbers. Cells are escaped."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f'<td class="n">{escape(c)}</td>' if i >= numeric_from else f"<td>{escape(c)}</td>"
        for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


# --- Headline ------------------------------------------------------------------------------------------


def _headline(results: ResultsFolder, t: Words) -> str:
    summary = results.summary
    arms = summary.get("arms", {})
    blocks = []
    for name, contract in summary.get("contracts", {}).items():
        arm = arms.get(contract.get("arm"), {})
        rows = []
        if "p_full_repayment" in contract:
            rows.append((t("p_full_repayment"), t.percent(contract["p_full_repayment"])))
        if "payments" in contract:
            rows.append((t("payments"), t.stat(contract["payments"])))
        municipality = arm.get("net_gain_by_level", {}).get("municipality")
        if municipality:
            rows.append((t("net_gain_level", level=t.level("municipality")), t.stat(municipality)))
        for department, share in contract.get("payers", {}).items():
            gain = arm.get("net_gain_vs_baseline", {}).get(department)
            if gain:
                rows.append((t("net_gain_department", department=department, share=t.percent(share)),
                             t.stat(gain)))
        if "payer_net" in contract:
            rows.append((t("payer_net"), t.stat(contract["payer_net"])))
        if "p_fund_exhausted" in contract:
            rows.append((t("p_fund_exhausted"), t.percent(contract["p_fund_exhausted"])))
        if "break_even_month" in contract:
            rows.append((t("break_even"), _break_even(results, contract, t)))
        blocks.append((t("contract", name=name), rows))
    if not blocks:
        for arm_name, arm in arms.items():
            if arm_name == summary.get("baseline"):
                continue
            rows = [(t("youths"), t.number(arm.get("youths", {}).get("mean"), 1))]
            total = arm.get("net_gain_vs_baseline", {}).get("total")
            if total:
                rows.append((t("net_gain_total"), t.stat(total)))
            for level, gain in arm.get("net_gain_by_level", {}).items():
                rows.append((t("net_gain_level", level=t.level(level)), t.stat(gain)))
            blocks.append((t("arm_heading", arm=_arm_label(results, arm_name),
                             baseline=_arm_label(results, summary.get("baseline", ""))), rows))
    parts = [f'<section class="headline"><h2>{escape(t("headline"))}</h2>']
    for heading, rows in blocks:
        parts.append(f"<h3>{escape(heading)}</h3><table>"
                     + "".join(f"<tr><td>{escape(a)}</td><td>{escape(b)}</td></tr>" for a, b in rows)
                     + "</table>")
    if not any("cost" in arm for arm in arms.values()) and not summary.get("contracts"):
        parts.append(f"<p>{escape(t('no_money'))}</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _break_even(results: ResultsFolder, contract: Mapping, t: Words) -> str:
    """The median break-even month of the runs that break even, its contract year and calendar year,
    and how many runs break even."""
    p = contract.get("p_break_even")
    month = (contract.get("break_even_month") or {}).get("p50")
    if month is None:
        return t("no_break_even")
    year = max(1, math.ceil(month / 12))
    calendar = ""
    start = re.fullmatch(r"(\d{4})-(\d{1,2})", str(results.manifest.get("resolved", {}).get("start", "")))
    if start:
        calendar = f", {int(start[1]) + (int(start[2]) - 1 + max(0, math.ceil(month) - 1)) // 12}"
    return t("break_even_value", month=t.number(month), year=year, calendar=calendar, p=t.percent(p))


# --- Who pays, who gains ----------------------------------------------------------------------------------


def _who_pays(results: ResultsFolder, t: Words, figures: _Figures) -> str:
    summary = results.summary
    baseline = summary.get("baseline", "")
    arms = summary.get("arms", {})
    others = [a for a in arms if a != baseline and "net_gain_vs_baseline" in arms[a]]
    costed = [a for a in arms if "cost" in arms[a]]
    if not costed and not others:
        return ""
    base_label = _arm_label(results, baseline)
    parts = [f"<h2>{escape(t('who_pays'))}</h2>",
             f"<p>{escape(t('who_pays_intro', baseline=base_label))}</p>"]
    if others:
        departments = _keys_total_last(arms[a]["net_gain_vs_baseline"] for a in others)
        groups = {_department(d, t): {_arm_label(results, a): arms[a]["net_gain_vs_baseline"].get(d)
                                      for a in others} for d in departments}
        values = [s.get(k) for g in groups.values() for s in g.values() if s for k in ("p05", "p95")]
        number, unit = t.money_scale(values)
        ax = plots.plot_intervals(groups, xlabel=t("net_gain_axis", unit=unit), number=number)
        parts.append(figures.embed("who_gains", ax.figure, t("who_pays")))
        parts.append(f"<h3>{escape(t('net_gain_heading', baseline=base_label))}</h3>")
        parts.append(_table([t("department")] + [_arm_label(results, a) for a in others],
                            [[_department(d, t)] + [t.stat(arms[a]["net_gain_vs_baseline"].get(d))
                                                    for a in others] for d in departments]))
        levels = _keys_total_last(arms[a].get("net_gain_by_level", {}) for a in others)
        if levels:
            parts.append(f"<h3>{escape(t('level_heading', baseline=base_label))}</h3>")
            parts.append(_table([t("level")] + [_arm_label(results, a) for a in others],
                                [[t.level(level)] + [t.stat(arms[a].get("net_gain_by_level", {}).get(level))
                                                     for a in others] for level in levels]))
    if costed:
        departments = _keys_total_last(arms[a]["cost"] for a in costed)
        parts.append(f"<h3>{escape(t('cost_heading'))}</h3>")
        parts.append(_table([t("department")] + [_arm_label(results, a) for a in costed],
                            [[_department(d, t)] + [t.stat(arms[a]["cost"].get(d)) for a in costed]
                             for d in departments]))
    parts += _net_gain_by_year(results, t)
    return "\n".join(parts)


def _department(name: str, t: Words) -> str:
    return t("total") if name == "total" else name


def _keys_total_last(mappings: Iterable[Mapping[str, object]]) -> list[str]:
    keys = list(dict.fromkeys(key for mapping in mappings for key in mapping))
    return [k for k in keys if k != "total"] + [k for k in keys if k == "total"]


def _net_gain_by_year(results: ResultsFolder, t: Words) -> list[str]:
    """From money.csv: baseline cost minus arm cost per department and contract year (discounted means)."""
    baseline = results.summary.get("baseline", "")
    cost: dict[tuple[str, str, int], float] = {}
    for row in results.money:
        if row.get("discounted", "").lower() == "true" and row.get("mean", "") != "":
            cost[(row["arm"], row["department"], int(row["year"]))] = float(row["mean"])
    years = sorted({year for _, _, year in cost})
    departments = list(dict.fromkeys(d for _, d, _ in cost))
    parts = []
    for arm in dict.fromkeys(a for a, _, _ in cost):
        if arm == baseline:
            continue
        rows = []
        for department in departments:
            gains = [cost.get((baseline, department, y), 0.0) - cost.get((arm, department, y), 0.0)
                     for y in years]
            rows.append([department] + [t.money(g) for g in gains])
        totals = [sum(cost.get((baseline, d, y), 0.0) - cost.get((arm, d, y), 0.0) for d in departments)
                  for y in years]
        rows.append([t("total")] + [t.money(g) for g in totals])
        heading = t("by_year_heading", baseline=_arm_label(results, baseline), arm=_arm_label(results, arm))
        parts.append(f"<h3>{escape(heading)}</h3>")
        parts.append(_table([t("department")] + [t("year", year=y) for y in years], rows))
    return parts


# --- Cash flow, states, distributions ---------------------------------------------------------------------


def _cash_flow(results: ResultsFolder, t: Words, figures: _Figures) -> str:
    parts = []
    for name, contract in results.summary.get("contracts", {}).items():
        flow = contract.get("cash_flow")
        if not flow:
            continue
        fans = {t(key): flow[key] for key in ("payers_net_cumulative", "investor_cumulative") if key in flow}
        values = [v for bands in fans.values() for band in bands.values() for v in band]
        number, unit = t.money_scale(values)
        ax = plots.plot_fans(flow["month"], fans, title=t("contract", name=name), xlabel=t("month"),
                             ylabel=t("money_axis", unit=unit), number=number)
        ax.axhline(0, color="black", linewidth=0.8)
        parts.append(figures.embed(f"cash_flow_{name}", ax.figure, t("cash_flow") + " " + name))
    if not parts:
        return ""
    return "\n".join([f"<h2>{escape(t('cash_flow'))}</h2>", f"<p>{escape(t('cash_flow_intro'))}</p>", *parts])


def _states(results: ResultsFolder, t: Words, figures: _Figures) -> str:
    """One figure per arm from occupancy.csv, one panel per track, one band per state."""
    if not results.occupancy:
        return ""
    table: dict[str, dict[str, dict[str, dict[str, list[float]]]]] = {}
    for row in results.occupancy:
        bands = (table.setdefault(row["arm"], {}).setdefault(row["track"], {})
                 .setdefault(row["state"], {"month": [], "p05": [], "p50": [], "p95": []}))
        for key in bands:
            bands[key].append(float(row[key]) if row[key] != "" else math.nan)
    parts = [f"<h2>{escape(t('states'))}</h2>", f"<p>{escape(t('states_intro'))}</p>"]
    for arm, tracks in table.items():
        columns = 2 if len(tracks) > 1 else 1
        figure, axes = plots.new_figure(math.ceil(len(tracks) / columns), columns, width=10)
        for ax, (track, states) in zip(axes.flat, tracks.items()):
            month = next(iter(states.values()))["month"]
            plots.plot_fans(month, states, ax, title=t("track", track=track), xlabel=t("month"),
                            ylabel=t("youths_axis"), number=lambda v: t.number(v))
        for ax in axes.flat[len(tracks):]:
            ax.set_visible(False)
        parts.append(f"<h3>{escape(_arm_label(results, arm))}</h3>")
        parts.append(figures.embed(f"states_{arm}", figure, t("states") + ": " + _arm_label(results, arm)))
    return "\n".join(parts)


def _distributions(results: ResultsFolder, t: Words, figures: _Figures) -> str:
    """Histograms of payments and IRR per contract (replications.csv), and contracts.csv as a table."""
    contracts = list(dict.fromkeys(
        [row["contract"] for row in results.contracts]
        + [column.split("@")[0] for column in results.replications
           if column.endswith(("@payments", "@irr")) and column.count("@") == 1]))
    parts = []
    for name in contracts:
        section = []
        payments = results.replications.get(f"{name}@payments")
        if payments is not None:
            number, unit = t.money_scale(list(payments))
            principal = results.summary.get("contracts", {}).get(name, {}).get("principal")
            ax = plots.plot_distribution(payments, xlabel=t("payments_axis", unit=unit),
                                         ylabel=t("runs_axis"), reference=principal,
                                         reference_label=t("principal"), number=number)
            section.append(figures.embed(f"payments_{name}", ax.figure, t("payments_axis", unit=unit)))
        irr = results.replications.get(f"{name}@irr")
        if irr is not None:
            ax = plots.plot_distribution(irr, xlabel=t("irr_axis"), ylabel=t("runs_axis"),
                                         number=lambda v: t.percent(v))
            section.append(figures.embed(f"irr_{name}", ax.figure, t("irr_axis")))
        rows = [row for row in results.contracts if row["contract"] == name]
        if rows:
            section.append(_table(
                [t("metric"), t("mean"), t("sd"), t("p05"), t("p50"), t("p95")],
                [[row["metric"]] + [t.metric(row["metric"], _float(row.get(key)))
                                    for key in ("mean", "sd", "p05", "p50", "p95")] for row in rows]))
        if section:
            parts += [f"<h3>{escape(t('contract', name=name))}</h3>", *section]
    if not parts:
        return ""
    return "\n".join([f"<h2>{escape(t('distribution'))}</h2>", *parts])


def _float(text: str | None) -> float | None:
    return None if text in (None, "") else float(text)


# --- Sensitivity -----------------------------------------------------------------------------------


def _sensitivity(results: ResultsFolder, t: Words, figures: _Figures) -> str:
    """The tornado and switching values from sensitivity.csv (written by `simulator sensitivity`)."""
    rows = results.sensitivity
    if not rows:
        return ""
    target = _target_title(rows[0], t)
    metric = rows[0]["target"].split(":")[0]
    base = float(rows[0]["target_at_medians"])
    numbers = [{"parameter": r["parameter"], "target_at_low": float(r["target_at_low"]),
                "target_at_high": float(r["target_at_high"])} for r in rows]
    if metric_kind(metric) == "money":
        number, unit = t.money_scale([base] + [n[k] for n in numbers
                                               for k in ("target_at_low", "target_at_high")])
        xlabel = f"{target} ({unit})"
    else:
        number, xlabel = (lambda v: t.metric(metric, v)), target
    ax = plots.plot_tornado(numbers, base, xlabel=xlabel, low_label=t("low"), high_label=t("high"),
                            number=number)
    table = _table([t("parameter"), t("description"), t("low_value"), t("high_value"), t("target_at_low"),
                    t("target_at_high"), t("swing"), t("switching_value")],
                   [[r["parameter"], r.get("label", ""),
                     _parameter_number(float(r["low_value"]), t),
                     _parameter_number(float(r["high_value"]), t),
                     *(t.metric(metric, float(r[key]))
                       for key in ("target_at_low", "target_at_high", "swing")),
                     _parameter_number(float(r["switching_value"]), t) if r.get("switching_value")
                     else t("no_crossing")] for r in rows], numeric_from=2)
    return "\n".join([f"<h2>{escape(t('sensitivity'))}</h2>",
                      f"<p>{escape(t('sensitivity_intro', target=target, base=t.metric(metric, base)))}</p>",
                      figures.embed("tornado", ax.figure, t("sensitivity")), table])


def _sobol(results: ResultsFolder, t: Words, figures: _Figures) -> str:
    """Sobol indices from sobol.csv (written by `simulator sensitivity --method sobol`)."""
    rows = results.sobol
    if not rows:
        return ""
    numbers = [{"parameter": r["parameter"], **{k: float(r[k]) for k in ("S1", "S1_conf", "ST", "ST_conf")}}
               for r in rows]
    target = _target_title(rows[0], t)
    ax = plots.plot_sobol(numbers, title=target, first_label=t("first_order"), total_label=t("total_order"))
    table = _table([t("parameter"), t("description"), t("first_order"), "±", t("total_order"), "±"],
                   [[r["parameter"], r.get("label", "")] + [t.number(float(r[k]), 3) for k in
                                                           ("S1", "S1_conf", "ST", "ST_conf")] for r in rows],
                   numeric_from=2)
    return "\n".join([f"<h2>{escape(t('sobol'))}</h2>", f"<p>{escape(t('sobol_intro', target=target))}</p>",
                      figures.embed("sobol", ax.figure, t("sobol")), table])


def _target_title(row: Mapping[str, str], t: Words) -> str:
    """The analysed result in words, e.g. "Payers' expected net gain after outcome payments, bond"."""
    metric, _, key = row["target"].partition(":")
    name = t("net_gain_level", level=t.level(key)) if metric == "net_gain" else t(metric)
    return name + (f", {row['contract']}" if row.get("contract") else "")


# --- Assumptions and provenance --------------------------------------------------------------------


def _assumptions(results: ResultsFolder, t: Words) -> str:
    resolved = results.manifest.get("resolved", {})
    rows = [_parameter_row(name, raw, "", t) for name, raw in (resolved.get("parameters") or {}).items()]
    for arm, spec in (resolved.get("arms") or {}).items():
        patched = ((spec or {}).get("patch") or {}).get("parameters") or {}
        rows += [_parameter_row(name, raw, arm, t) for name, raw in patched.items()]
    if not rows:
        return ""
    head = [t("parameter"), t("description"), t("distribution_column"), t("median"), t("interval90"),
            t("unit"), t("source")]
    classes = ("", "", "", ' class="n"', ' class="n"', "", ' class="source"')
    body = "".join("<tr>" + "".join(f"<td{css}>{escape(cell)}</td>" for css, cell in zip(classes, row))
                   + "</tr>" for row in rows)
    return (f"<h2>{escape(t('assumptions'))}</h2><table class=\"assumptions\"><tr>"
            + "".join(f"<th>{escape(h)}</th>" for h in head) + f"</tr>{body}</table>")


def _parameter_row(name: str, raw: Any, arm: str, t: Words) -> list[str]:
    """One parameter as the YAML gave it: name, label, distribution, median or value, 90 % interval,
    unit, source."""
    spec = raw if isinstance(raw, dict) else {"value": raw}
    shown_name = name + (f" ({t('in_arm', arm=arm)})" if arm else "")
    texts = [str(spec.get(key, "") or "").strip() for key in ("label", "unit", "source")]
    if "dist" not in spec:
        value = spec.get("value")
        return [shown_name, texts[0], t("fixed"), _parameter_number(value, t), "", texts[1], texts[2]]
    (kind, args), = spec["dist"].items()
    described = f"{kind}(" + "; ".join(f"{k} {_parameter_number(v, t)}" for k, v in args.items()) + ")"
    distribution = parameter_distribution(kind, args)  # valid: the loader built it before the run
    low, high = distribution.interval(0.90)
    interval = f"{_parameter_number(low, t)} – {_parameter_number(high, t)}"
    return [shown_name, texts[0], described, _parameter_number(distribution.median(), t), interval,
            texts[1], texts[2]]


def _parameter_number(value: Any, t: Words) -> str:
    """Whole numbers with thousands separators, others to 4 significant digits."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return str(value)
    if float(value).is_integer() or abs(value) >= 1000:
        return t.number(float(value))
    text = f"{value:.4g}"
    return text.replace(".", ",") if t.lang == "da" else text


def _provenance(results: ResultsFolder, t: Words) -> str:
    manifest = results.manifest
    if not manifest:
        return ""
    rows = [(t("scenario"), str(manifest.get("scenario", ""))),
            (t("version"), str(manifest.get("version", ""))),
            (t("seed"), str(manifest.get("seed", ""))),
            (t("runs"), f"{manifest.get('runs_done', '')} / {manifest.get('runs_requested', '')}"),
            (t("complete"), t("yes") if manifest.get("complete") else t("no")),
            (t("started"), str(manifest.get("started") or "")),
            (t("finished"), str(manifest.get("finished") or "")),
            (t("seconds"), t.number(manifest.get("seconds"), 1))]
    if manifest.get("scheduler"):
        rows.append((t("scheduler"), manifest["scheduler"]))
    elif manifest.get("workers"):
        rows.append((t("workers"), str(manifest["workers"])))
    if manifest.get("overrides"):
        rows.append((t("overrides"), ", ".join(f"{k} = {v}" for k, v in manifest["overrides"].items())))
    files = "".join(f"<tr><td>{escape(path)}</td><td><code>{escape(digest)}</code></td></tr>"
                    for path, digest in (manifest.get("files") or {}).items())
    return (f"<h2>{escape(t('provenance'))}</h2><table>"
            + "".join(f"<tr><td>{escape(a)}</td><td>{escape(b)}</td></tr>" for a, b in rows) + "</table>"
            + (f"<h3>{escape(t('files'))}</h3><table>{files}</table>" if files else ""))
