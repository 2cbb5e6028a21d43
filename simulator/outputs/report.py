"""report.html, rebuilt from a results folder's saved files alone (and, beside it, summary.xlsx).

The report is one self-contained HTML file for a reader without the tool: figures are embedded
as base64 PNGs (and also saved under `figures/`), the CSS is inline, nothing is fetched and no
script runs. It reads manifest.json, summary.json and the CSVs of spec §3, plus metamodel.csv,
sensitivity.csv and sobol.csv when `simulator sensitivity` has written them; every section whose data is absent
is left out. The words a reader sees, in English and Danish, come from `Words` (words.toml and
the metric registry); the style sheet is report.css beside this module.

This module never simulates and never loads a scenario file: parameter labels, distributions and
sources come from the resolved scenario stored in the manifest.
"""
from __future__ import annotations

import base64
import math
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor, as_completed
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from simulator.language.distributions import parameter_distribution
from simulator.language.labels import Label
from simulator.outputs import metrics, plots
from simulator.outputs.folder import REPORTS, ResultsFolder, parse_cell, write_text
from simulator.outputs.metrics import Unit
from simulator.outputs.spreadsheet import write_workbook
from simulator.outputs.words import Words


def write_readable(out: Path, lang: str = "en") -> tuple[Path, Path]:
    """What a reader opens, from the saved files of `out`: report.html (and figures/) and summary.xlsx,
    or in Danish report.da.html and summary.da.xlsx beside them.

    Returns their paths; raises ScenarioError when `out` holds no summary.json.
    """
    return write_report(out, lang), write_workbook(out, lang)


def write_in_languages(out: Path, langs: Sequence[str], advance: Callable[[int], None] = lambda done: None) -> None:
    """`write_readable` in each of `langs`, two at once on a machine with two cores or more: the
    figures, which matplotlib draws on one core, are most of a report's time (about 1.7 s a
    language for Aarhus). Each language writes files of its own; `advance(1)` after each."""
    if len(langs) < 2 or (os.cpu_count() or 1) < 2:
        for lang in langs:
            write_readable(out, lang)
            advance(1)
        return
    # fork: the reports read only the results folder, and the process is ready to draw at once.
    with ProcessPoolExecutor(max_workers=min(len(langs), os.cpu_count() or 1),
                             mp_context=multiprocessing.get_context("fork")) as pool:
        for future in as_completed([pool.submit(write_readable, out, lang) for lang in langs]):
            future.result()  # a report that failed raises here, as it would have alone
            advance(1)


def languages(out: Path, lang: str = "en") -> tuple[str, ...]:
    """The languages `run` writes the report in: `lang`, and Danish too when the scenario gives
    Danish labels (a Danish reader then has a report in Danish throughout)."""
    danish = _has_danish_label(ResultsFolder(out).manifest.get("resolved", {}))
    return tuple(dict.fromkeys((lang, "da") if danish else (lang,)))


def _has_danish_label(data: Any) -> bool:
    if isinstance(data, dict):
        label = data.get("label")
        if isinstance(label, dict) and isinstance(label.get("da"), str):
            return True
        return any(_has_danish_label(value) for value in data.values())
    if isinstance(data, list):
        return any(_has_danish_label(value) for value in data)
    return False


def write_report(out: Path, lang: str = "en") -> Path:
    """Write report.html (report.da.html in Danish) and its figures into `out` from its saved
    files; returns the report's path.

    Raises ScenarioError when `out` holds no summary.json.
    """
    results = ResultsFolder(out)
    words = Words(lang, results.summary.get("currency") or "DKK")
    figures = _Figures(results, lang)
    body = [_title(results, words), _where_contracts_stand(results, words), _headline(results, words),
            _who_pays(results, words, figures), _cash_flow(results, words, figures), _states(results, words, figures),
            _distributions(results, words, figures), _metamodel(results, words, figures), _voi(results, words, figures),
            _sensitivity(results, words, figures), _sobol(results, words, figures), _assumptions(results, words),
            _provenance(results, words)]
    css = resources.files(__package__).joinpath("report.css").read_text(encoding="utf-8")
    html = PAGE.format(lang=lang, title=escape(_scenario_name(results)), css=css,
                       body="\n".join(part for part in body if part))
    return write_text(results.file(REPORTS[lang]), html)


PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{css}</style>
</head>
<body>
{body}
</body>
</html>
"""


class _Figures:
    """Saves each figure under figures/ (NAME.da.png in Danish) and returns it as an embedded image."""

    def __init__(self, folder: ResultsFolder, lang: str):
        self.folder = folder
        self.suffix = "" if lang == "en" else f".{lang}"

    def embed(self, name: str, figure: Figure, alt: str) -> str:
        return embedded_png(plots.save(figure, self.folder.figure(name + self.suffix)), alt)


def embedded_png(path: Path, alt: str) -> str:
    """A saved PNG as an HTML figure that carries its own bytes, so the page needs no other file."""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<figure><img alt="{escape(alt)}" src="data:image/png;base64,{data}"></figure>'


def _scenario_name(results: ResultsFolder) -> str:
    return results.manifest.get("scenario") or results.manifest.get("resolved", {}).get("name", "")


def _name(results: ResultsFolder, t: Words, kind: str, id: str) -> str:
    """What a reader sees for an id of the scenario, in the reader's language (`ResultsFolder.label`)."""
    return results.label(kind, id, t.lang)


def _arm_label(results: ResultsFolder, t: Words, arm: str) -> str:
    return _name(results, t, "arm", arm)


def _department(results: ResultsFolder, t: Words, department: str) -> str:
    return t("total") if department == "total" else _name(results, t, "department", department)


def _contract(results: ResultsFolder, t: Words, contract: str) -> str:
    return _name(results, t, "contract", contract)


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


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 1,
           css: str = "") -> str:
    """An HTML table; cells from column `numeric_from` on are right-aligned numbers. Cells are escaped.

    The table sits in a box that scrolls sideways, so a wide table never widens the page; its
    header repeats on each printed page."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(
        f'<td class="n">{escape(c)}</td>' if i >= numeric_from else f"<td>{escape(c)}</td>"
        for i, c in enumerate(row)) + "</tr>" for row in rows)
    head = f"<thead><tr>{head}</tr></thead>" if header else ""
    css = f' class="{css}"' if css else ""
    return f'<div class="table"><table{css}>{head}<tbody>{body}</tbody></table></div>'


# --- The first page: the Council's questions, in order ---------------------------------------------


def _headline(results: ResultsFolder, t: Words) -> str:
    """The answers a council member reads first, in plain sentences: what the programme costs and
    who pays, where each public body stands when everything is paid, each contract's repayment,
    outcome fund and null-effect payments, and what matters most."""
    summary = results.summary
    arms = summary.get("arms", {})
    contracts = summary.get("contracts", {})
    parts = [f'<section class="headline"><h2>{escape(t("headline"))}</h2>']
    if contracts:
        parts.append(_heading3(t("costs_heading")))
        parts.append(_sentences(_cost(results, t, name, contract) for name, contract in contracts.items()))
    for arm_name, arm in arms.items():
        if arm.get("position_after_contracts"):
            parts += _positions(results, t, arm_name, arm["position_after_contracts"])
    for name, contract in contracts.items():
        parts.append(_heading3(_contract(results, t, name)))
        parts.append(_sentences(_contract_answers(results, t, name, contract)))
    parts += _matters_most(results, t)
    if not contracts and not any(arm.get("position_after_contracts") for arm in arms.values()):
        parts += _arm_gains(results, t)
    if not any("cost" in arm for arm in arms.values()) and not contracts:
        parts.append(f"<p>{escape(t('no_money'))}</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _where_contracts_stand(results: ResultsFolder, t: Words) -> str:
    """A forecast's first question (spec §4.7): per contract, what is settled, what is still to
    come, the chance of full repayment now (and in the plan at signing) and the outcome fund."""
    summary = results.summary
    if "observed_until" not in summary:
        return ""
    forecast = summary.get("forecast") or {}
    update = forecast.get("parameter_update") or {}
    date = _calendar(results, summary["observed_until"])
    parts = [f'<section class="headline"><h2>{escape(t("stands_heading", date=date))}</h2>']
    ess = update.get("effective_sample_size")
    if ess is not None:
        intro = t("stands_intro", youths=t.number(forecast.get("observed_youths")), date=date,
                  arm=_arm_label(results, t, forecast.get("arm", "")), ess=t.number(ess),
                  draws=t.number(update.get("prior_draws")))
        parts.append(f"<p>{escape(intro)}</p>")
    if ess is not None and ess < 100:
        parts.append(f'<p class="warning">{escape(t("stands_few_draws"))}</p>')
    for name, contract in summary.get("contracts", {}).items():
        remaining = _scaled(contract.get("remaining_payments_nominal") or {}, t)
        sentences = [t("settled_sentence" if contract.get("settled_to_date_fixed") else "settled_varies_sentence",
                       settled=t.money(contract.get("settled_to_date"))),
                     t("remaining_fixed_sentence", amount=remaining["p05"]) if remaining["p05"] == remaining["p95"]
                     else t("remaining_sentence", **remaining)]  # the same in 90 % of runs: said so
        repaid = t("repaid_now_sentence", p=t.percent(contract.get("p_full_repayment")))
        if contract.get("p_full_repayment_at_signing") is not None:
            repaid += t("repaid_plan_sentence", p=t.percent(contract["p_full_repayment_at_signing"]))
        sentences.append(repaid + ".")
        draw = contract.get("outcome_fund_draw")
        if draw and draw.get("mean"):
            sentences.append(t("fund_exposure_sentence", **_scaled(draw, t),
                               p=t.percent(contract.get("p_fund_exhausted"))))
        parts += [_heading3(_contract(results, t, name)), _sentences(sentences)]
    parts.append("</section>")
    return "\n".join(part for part in parts if part)


def _calendar(results: ResultsFolder, month: float) -> str:
    """Months since the scenario's start as the calendar month YYYY-MM it falls in (the month
    number itself when the scenario has no start)."""
    start = str((results.manifest.get("resolved") or {}).get("start") or "")
    if len(start) < 7:
        return f"{month:g}"
    year, first = divmod(int(start[:4]) * 12 + int(start[5:7]) - 1 + int(month // 1), 12)
    return f"{year:04d}-{first + 1:02d}"


def _heading3(text: str) -> str:
    return f"<h3>{escape(text)}</h3>"


def _sentences(sentences: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(s)}</li>" for s in sentences if s) + "</ul>"


def _scaled(stat: Mapping, t: Words) -> dict[str, str]:
    """A statistic's mean, 5th and 95th percentiles as money in one scale (millions when one is)."""
    large = any(abs(stat.get(key) or 0.0) >= 1e6 for key in ("mean", "p05", "p95"))
    return {key: t.money(stat.get(key), millions=large) for key in ("mean", "p05", "p95")}


def _shares(results: ResultsFolder, t: Words, shares: Mapping[str, float]) -> str:
    """"A (50 %) and B (50 %)"; one body alone without its share."""
    names = [_department(results, t, d) + (f" ({t.percent(share)})" if len(shares) > 1 else "")
             for d, share in shares.items()]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {t('and')} " + names[-1]


def _cost(results: ResultsFolder, t: Words, name: str, contract: Mapping) -> str:
    """What one contract costs and who pays: the investors' principal and the outcome payments."""
    terms = ((results.manifest.get("resolved") or {}).get("contracts") or {}).get(name) or {}
    provided_by = (terms.get("investor") or {}).get("provided_by")
    payments = contract.get("payments_discounted") or contract.get("payments")
    parts = []
    if contract.get("principal"):
        providers = _shares(results, t, provided_by) if provided_by else t("outside_investor")
        parts.append(t("cost_principal", principal=t.money(contract["principal"]), providers=providers))
    if payments:
        payers = contract.get("payers") or {}
        parts.append(t("cost_payments", **_scaled(payments, t),
                       payers=_shares(results, t, payers) if payers else t("the_payers")))
    return f"{_contract(results, t, name)}: " + "; ".join(parts) + "." if parts else ""


def _positions(results: ResultsFolder, t: Words, arm: str, positions: Mapping[str, Mapping]) -> list[str]:
    """Where each body stands when everything is paid: 90 % interval, mean and chance of a loss."""
    sentences = []
    for department, stat in positions.items():
        who = _department(results, t, department)
        p = stat.get("p_negative")
        loss = (t("loss_never") if p == 0 else t("loss_always") if p == 1
                else t("loss_sometimes", p=t.percent(p)) if p is not None else "")
        key = "position_total_sentence" if department == "total" else "position_sentence"
        sentences.append(t(key, who=who, **_scaled(stat, t)) + loss + ".")
    baseline = _arm_label(results, t, results.summary.get("baseline", ""))
    return [_heading3(t("position_heading", arm=_arm_label(results, t, arm))),
            f"<p>{escape(t('position_intro', baseline=baseline))}</p>", _sentences(sentences)]


def _contract_answers(results: ResultsFolder, t: Words, name: str, contract: Mapping) -> list[str]:
    """One contract: full repayment, the payments that repay, the outcome fund, a null effect."""
    terms = ((results.manifest.get("resolved") or {}).get("contracts") or {}).get(name) or {}
    sentences = []
    if "p_full_repayment" in contract:
        sentences.append(t("repaid_sentence", p=t.percent(contract["p_full_repayment"])))
    payments = contract.get("payments_discounted") or contract.get("payments")
    if payments:
        sentence = t("payments_sentence", **_scaled(payments, t))
        if contract.get("p_at_cap"):
            sentence += t("at_cap_sentence", p=t.percent(contract["p_at_cap"]))
        sentences.append(sentence + ".")
    draw = contract.get("outcome_fund_draw")
    reserve = (terms.get("outcome_fund") or {}).get("reserve")
    if draw and "p_fund_exhausted" in contract and (reserve or draw.get("mean")):
        reserve_text = t("reserve_of", reserve=t.money(reserve)) if isinstance(reserve, (int, float)) else ""
        sentences.append(t("fund_sentence", reserve=reserve_text, **_scaled(draw, t),
                           p=t.percent(contract["p_fund_exhausted"])))
    guarantees = [t(f"guarantee_{g.get('covers')}", by=_department(results, t, g.get("by", "")),
                    up_to=t.money(g.get("up_to"))) for g in _listed(terms.get("guarantee"))]
    paid = (contract.get("guarantee_paid") or {}).get("mean")
    if guarantees and paid:  # `guarantee_paid` is what every guarantee of the contract pays together
        sentences.append(t("guarantees_paid_sentence", guarantees="; ".join(guarantees), mean=t.money(paid)))
    null = contract.get("null_effect_payments")
    if null:
        if not any(null.get(key) for key in ("mean", "p05", "p95")):
            sentences.append(t("null_nothing"))
        else:
            sentence = t("null_sentence", **_scaled(null, t))
            share = (contract.get("deadweight_share") or {}).get("mean")
            if share:
                sentence += t("deadweight_sentence", share=t.percent(share))
            sentences.append(sentence + ".")
    return sentences


def _listed(value) -> list:
    """One mapping or a list of them (a contract's `guarantee`), as a list of mappings."""
    items = value if isinstance(value, list) else [value] if value else []
    return [item for item in items if isinstance(item, dict)]


def _matters_most(results: ResultsFolder, t: Words, top: int = 3) -> list[str]:
    """The uncertain assumptions that move the analysed result most: the widest swings of
    sensitivity.csv (a re-run tornado), else the largest variance shares of metamodel.csv (from
    the stored runs)."""
    rows = sorted(results.sensitivity, key=lambda r: -abs(float(r["swing"])))[:top]
    if not rows:
        return _largest_shares(results, t, top)
    unit = _target_unit(rows[0])
    sentences = [t("matters_sentence", parameter=_parameter_label(results, t, r),
                   low=_parameter_number(float(r["low_value"]), t),
                   high=_parameter_number(float(r["high_value"]), t),
                   at_low=t.value(unit, float(r["target_at_low"])),
                   at_high=t.value(unit, float(r["target_at_high"]))) for r in rows]
    return [_heading3(t("matters_heading")),
            f"<p>{escape(t('matters_intro', target=_target_title(results, rows[0], t)))}</p>",
            _sentences(sentences)]


def _largest_shares(results: ResultsFolder, t: Words, top: int) -> list[str]:
    """The parameters with the largest first-order variance shares of metamodel.csv, in sentences."""
    rows = [r for r in sorted(results.metamodel, key=lambda r: -float(r["share"])) if float(r["share"]) > 0][:top]
    if not rows:
        return []
    unit = _target_unit(rows[0])
    sentences = [t("matters_share_sentence", parameter=_parameter_label(results, t, r),
                   share=t.percent(float(r["share"])), low=_parameter_number(float(r["low_value"]), t),
                   high=_parameter_number(float(r["high_value"]), t),
                   at_low=t.value(unit, float(r["target_at_low"])),
                   at_high=t.value(unit, float(r["target_at_high"]))) for r in rows]
    return [_heading3(t("matters_heading")),
            f"<p>{escape(t('matters_shares_intro', target=_target_title(results, rows[0], t), runs=rows[0]['runs']))}</p>",
            _sentences(sentences)]


def _parameter_label(results: ResultsFolder, t: Words, row: Mapping[str, str]) -> str:
    """A sensitivity row's parameter in the reader's language (the csv holds the English label)."""
    label = _name(results, t, "parameter", row["parameter"])
    return label if label != row["parameter"] else (row.get("label") or label)


def _arm_gains(results: ResultsFolder, t: Words) -> list[str]:
    """Without contracts: each arm's expected net gain against the baseline, in total and per level."""
    summary = results.summary
    parts = []
    for arm_name, arm in summary.get("arms", {}).items():
        if arm_name == summary.get("baseline") or "net_gain_vs_baseline" not in arm:
            continue
        rows = [(t.label("youths"), t.number(arm.get("youths", {}).get("mean"), 1))]
        total = arm.get("net_gain_vs_baseline", {}).get("total")
        if total:
            rows.append((t("net_gain_total"), t.stat(total)))
        for level, gain in arm.get("net_gain_by_level", {}).items():
            rows.append((t("net_gain_level", level=t.level(level)), t.stat(gain)))
        parts.append(_heading3(t("arm_heading", arm=_arm_label(results, t, arm_name),
                                 baseline=_arm_label(results, t, summary.get("baseline", "")))))
        parts.append(_table([], rows, numeric_from=2))
    return parts


# --- Who pays, who gains ----------------------------------------------------------------------------------


def _who_pays(results: ResultsFolder, t: Words, figures: _Figures) -> str:
    summary = results.summary
    baseline = summary.get("baseline", "")
    arms = summary.get("arms", {})
    others = [a for a in arms if a != baseline and "net_gain_vs_baseline" in arms[a]]
    costed = [a for a in arms if "cost" in arms[a]]
    if not costed and not others:
        return ""
    base_label = _arm_label(results, t, baseline)
    parts = [f"<h2>{escape(t('who_pays'))}</h2>",
             f"<p>{escape(t('who_pays_intro', baseline=base_label))}</p>"]
    if others:
        departments = _keys_total_last(arms[a]["net_gain_vs_baseline"] for a in others)
        groups = {_department(results, t, d):
                  {_arm_label(results, t, a): arms[a]["net_gain_vs_baseline"].get(d) for a in others}
                  for d in departments}
        values = [s.get(k) for g in groups.values() for s in g.values() if s for k in ("p05", "p95")]
        number, unit = t.money_scale(values)
        title = t("net_gain_heading", baseline=base_label)
        ax = plots.plot_intervals(groups, title=title, xlabel=t("net_gain_axis", unit=unit), number=number,
                                  explain=(t("bar_mean"), t("whisker_90")))
        parts.append(figures.embed("who_gains", ax.figure, title))
        parts.append(f"<h3>{escape(t('net_gain_heading', baseline=base_label))}</h3>")
        parts.append(_table([t("department")] + [_arm_label(results, t, a) for a in others],
                            [[_department(results, t, d)] + [t.stat(arms[a]["net_gain_vs_baseline"].get(d))
                                                             for a in others] for d in departments]))
        levels = _keys_total_last(arms[a].get("net_gain_by_level", {}) for a in others)
        if levels:
            parts.append(f"<h3>{escape(t('level_heading', baseline=base_label))}</h3>")
            parts.append(_table([t("level")] + [_arm_label(results, t, a) for a in others],
                                [[t.level(level)] + [t.stat(arms[a].get("net_gain_by_level", {}).get(level))
                                                     for a in others] for level in levels]))
    if costed:
        departments = _keys_total_last(arms[a]["cost"] for a in costed)
        parts.append(f"<h3>{escape(t('cost_heading'))}</h3>")
        parts.append(_table([t("department")] + [_arm_label(results, t, a) for a in costed],
                            [[_department(results, t, d)] + [t.stat(arms[a]["cost"].get(d)) for a in costed]
                             for d in departments]))
    parts += _net_gain_by_year(results, t)
    return "\n".join(parts)


def _keys_total_last(mappings: Iterable[Mapping[str, object]]) -> list[str]:
    keys = list(dict.fromkeys(key for mapping in mappings for key in mapping))
    return [k for k in keys if k != "total"] + [k for k in keys if k == "total"]


def _net_gain_by_year(results: ResultsFolder, t: Words) -> list[str]:
    """From money.csv: baseline cost minus arm cost per department and contract year (discounted means)."""
    baseline = results.summary.get("baseline", "")
    cost: dict[tuple[str, str, int], float] = {}
    for row in results.money:
        if row.get("measure", "cost") == "cost" and row.get("discounted", "").lower() == "true" \
                and row.get("mean", "") != "":
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
            rows.append([_department(results, t, department)] + [t.money(g) for g in gains])
        totals = [sum(cost.get((baseline, d, y), 0.0) - cost.get((arm, d, y), 0.0) for d in departments)
                  for y in years]
        rows.append([t("total")] + [t.money(g) for g in totals])
        heading = t("by_year_heading", baseline=_arm_label(results, t, baseline),
                    arm=_arm_label(results, t, arm))
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
        ax = plots.plot_fans(flow["month"], fans, title=_contract(results, t, name), xlabel=t("month"),
                             ylabel=t("cumulative_axis", unit=unit), number=number,
                             explain=(t("line_median"), t("band_90")))
        ax.axhline(0, color="black", linewidth=0.8)
        parts.append(figures.embed(f"cash_flow_{name}", ax.figure,
                                   t("cash_flow") + ": " + _contract(results, t, name)))
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
                            ylabel=t("youths_axis"), number=lambda v: t.number(v),
                            explain=(t("line_median"), t("band_90")))
        for ax in axes.flat[len(tracks):]:
            ax.set_visible(False)
        parts.append(f"<h3>{escape(_arm_label(results, t, arm))}</h3>")
        parts.append(figures.embed(f"states_{arm}", figure, t("states") + ": " + _arm_label(results, t, arm)))
    return "\n".join(parts)


def _distributions(results: ResultsFolder, t: Words, figures: _Figures) -> str:
    """Histograms of payments and IRR per contract (replications.csv), and contracts.csv as a table."""
    contracts = list(dict.fromkeys(
        [row["contract"] for row in results.contracts]
        + [column.split("@")[0] for column in results.replications
           if column.endswith(("@payments_discounted", "@irr")) and column.count("@") == 1]))
    parts = []
    for name in contracts:
        section = []
        payments = results.replications.get(f"{name}@payments_discounted")
        if payments is not None:
            number, unit = t.money_scale(list(payments))
            principal = results.summary.get("contracts", {}).get(name, {}).get("principal")
            ax = plots.plot_distribution(payments, title=_contract(results, t, name),
                                         xlabel=t("payments_axis", unit=unit), ylabel=t("runs_axis"),
                                         reference=principal, reference_label=t.label("principal"),
                                         number=number, percentiles_label=t("percentiles_dashed"))
            section.append(figures.embed(f"payments_{name}", ax.figure, t("payments_axis", unit=unit)))
        irr = results.replications.get(f"{name}@irr")
        if irr is not None:
            ax = plots.plot_distribution(irr, title=_contract(results, t, name), xlabel=t("irr_axis"),
                                         ylabel=t("runs_axis"), number=lambda v: t.percent(v),
                                         percentiles_label=t("percentiles_dashed"))
            section.append(figures.embed(f"irr_{name}", ax.figure, t("irr_axis")))
        rows = [row for row in results.contracts if row["contract"] == name]
        if rows:
            section.append(_table(
                [t("metric"), t("mean"), t("sd"), t("p05"), t("p50"), t("p95")],
                [[_metric_label(row["metric"], t)]
                 + [t.value(metrics.by_key(row["metric"]).unit, parse_cell(row.get(key)))
                    for key in ("mean", "sd", "p05", "p50", "p95")] for row in rows]))
        if section:
            parts += [f"<h3>{escape(_contract(results, t, name))}</h3>", *section]
    if not parts:
        return ""
    return "\n".join([f"<h2>{escape(t('distribution'))}</h2>", *parts])


# --- Sensitivity -----------------------------------------------------------------------------------


def _sensitivity(results: ResultsFolder, t: Words, figures: _Figures) -> str:
    """The tornado and switching values from sensitivity.csv (written by `simulator sensitivity`)."""
    rows = results.sensitivity
    if not rows:
        return ""
    target = _target_title(results, rows[0], t)
    unit = _target_unit(rows[0])
    base = float(rows[0]["target_at_medians"])
    numbers, number, scale = _tornado_bars(rows, base, unit, t)
    labels = [t("tornado_row", parameter=_parameter_label(results, t, r),
                low=_parameter_number(float(r["low_value"]), t),
                high=_parameter_number(float(r["high_value"]), t))
              for r in rows]
    ax = plots.plot_tornado(numbers, base, labels=labels, title=target,
                            xlabel=t("tornado_axis", unit=scale, base=t.value(unit, base)),
                            low_label=t("low"), high_label=t("high"), number=number)
    table = _table([t("parameter"), t("low_value"), t("high_value"), t("target_at_low"),
                    t("target_at_high"), t("swing"), t("switching_value")],
                   [[_parameter_label(results, t, r),
                     _parameter_number(float(r["low_value"]), t),
                     _parameter_number(float(r["high_value"]), t),
                     *(t.value(unit, float(r[key]))
                       for key in ("target_at_low", "target_at_high", "swing")),
                     _parameter_number(float(r["switching_value"]), t) if r.get("switching_value")
                     else t("no_crossing")] for r in rows], numeric_from=1)
    return "\n".join([f"<h2>{escape(t('sensitivity'))}</h2>",
                      f"<p>{escape(t('sensitivity_intro', target=target, base=t.value(unit, base)))}</p>",
                      figures.embed("tornado", ax.figure, t("sensitivity")), table])


def _target_unit(row: Mapping[str, str]) -> Unit:
    """The unit of a sensitivity row's target (`payer_net`, `net_gain:municipality`, …)."""
    return metrics.by_name(row["target"].split(":")[0]).unit


def _tornado_bars(rows: Sequence[Mapping[str, str]], base: float, unit: Unit, t: Words
                  ) -> tuple[list[dict], Callable[[float], str], str]:
    """A tornado's bars from sensitivity or metamodel rows, how its axis writes a number, and the
    axis' unit (a money scale such as "million DKK", or the unit's name)."""
    numbers = [{"parameter": r["parameter"], "target_at_low": float(r["target_at_low"]),
                "target_at_high": float(r["target_at_high"])} for r in rows]
    if unit.is_money:
        return (numbers, *t.money_scale([base] + [n[k] for n in numbers
                                                  for k in ("target_at_low", "target_at_high")]))
    return numbers, (lambda v: t.value(unit, v)), t.unit(unit)


def _metamodel(results: ResultsFolder, t: Words, figures: _Figures) -> str:
    """Variance shares and their tornado from metamodel.csv (`simulator sensitivity RESULTS_DIR`),
    with each smooth's fit check."""
    rows = results.metamodel
    if not rows:
        return ""
    target = _target_title(results, rows[0], t)
    unit = _target_unit(rows[0])
    base = float(rows[0]["target_mean"])
    numbers, number, scale = _tornado_bars(rows, base, unit, t)
    xlabel = f"{target} ({scale})" if unit.is_money else target
    ax = plots.plot_tornado(numbers, base, xlabel=xlabel, low_label=t("low"), high_label=t("high"), number=number,
                            title=target, labels=[f"{_parameter_label(results, t, r)} ({t.percent(float(r['share']))})"
                                                  for r in rows])

    def check(row: Mapping[str, str]) -> str:
        z = float(row["residual_z"])
        # the limit of simulator.regression.RESIDUAL_LIMIT (a command's module: outputs cannot import it)
        return t("residuals_ok") if z <= 4 else t("residual_trend", z=t.number(z, 1))

    table = _table([t("parameter"), t("share"), "±", t("target_at_low"), t("target_at_high"),
                    t("fit_r2"), t("residual_check")],
                   [[_parameter_label(results, t, r), t.percent(float(r["share"]), 1),
                     t.percent(float(r["se"]), 1),
                     *(t.value(unit, float(r[key])) for key in ("target_at_low", "target_at_high")),
                     t.number(float(r["r2"]), 3), check(r)] for r in rows], numeric_from=1)
    explained = t.percent(sum(float(r["share"]) for r in rows))
    intro = t("metamodel_intro", target=target, runs=rows[0]["runs"], base=t.value(unit, base), explained=explained)
    return "\n".join([f"<h2>{escape(t('metamodel'))}</h2>", f"<p>{escape(intro)}</p>",
                      figures.embed("tornado_metamodel", ax.figure, t("metamodel")), table])


def _voi(results: ResultsFolder, t: Words, figures: _Figures) -> str:
    """The value of information from voi.csv (`simulator voi RESULTS_DIR`): each EVPPI and its
    share of the EVPI, the row ALL."""
    rows = results.voi
    if not rows or rows[-1]["parameter"] != "ALL":
        return ""
    evpi = float(rows[-1]["evppi"])

    def share(row: Mapping[str, str]) -> float:
        return float(row["evppi"]) / evpi if evpi > 0 else 0.0

    ranked = rows[:-1]
    ax = plots.plot_information_rank([r["parameter"] for r in ranked], [share(r) for r in ranked],
                                     xlabel=t("evppi_share"), number=t.percent)
    table = _table([t("parameter"), t("evppi"), "±", t("evppi_share")],
                   [[r["parameter"], t.money(float(r["evppi"])), t.money(float(r["se"])), t.percent(share(r))]
                    for r in rows], numeric_from=1)
    intro = t("voi_intro", evpi=t.money(evpi))
    return "\n".join([f"<h2>{escape(t('voi'))}</h2>", f"<p>{escape(intro)}</p>",
                      figures.embed("information_rank", ax.figure, t("voi")), table])


def _sobol(results: ResultsFolder, t: Words, figures: _Figures) -> str:
    """Sobol indices from sobol.csv (written by `simulator sensitivity --method sobol`)."""
    rows = results.sobol
    if not rows:
        return ""
    numbers = [{"parameter": _parameter_label(results, t, r),
                **{k: float(r[k]) for k in ("S1", "S1_conf", "ST", "ST_conf")}} for r in rows]
    target = _target_title(results, rows[0], t)
    ax = plots.plot_sobol(numbers, title=target, xlabel=t("sobol_axis"), first_label=t("first_order"),
                          total_label=t("total_order"))
    table = _table([t("parameter"), t("description"), t("first_order"), "±", t("total_order"), "±"],
                   [[r["parameter"], r.get("label", "")] + [t.number(float(r[k]), 3) for k in
                                                           ("S1", "S1_conf", "ST", "ST_conf")] for r in rows],
                   numeric_from=2)
    return "\n".join([f"<h2>{escape(t('sobol'))}</h2>", f"<p>{escape(t('sobol_intro', target=target))}</p>",
                      figures.embed("sobol", ax.figure, t("sobol")), table])


def _target_title(results: ResultsFolder, row: Mapping[str, str], t: Words) -> str:
    """The analysed result in words, e.g. "Payers' expected net gain after outcome payments, Bond"."""
    metric, _, key = row["target"].partition(":")
    name = (t("net_gain_level", level=t.level(key)) if metric == "net_gain" else
            t("position_level", level=t.level(key)) if metric == "position" else t.label(metric))
    return name + (f", {_contract(results, t, row['contract'])}" if row.get("contract") else "")


def _metric_label(key: str, t: Words) -> str:
    """A contracts.csv metric's label; a metric this version does not know keeps its key."""
    try:
        return getattr(metrics.by_key(key), t.lang)
    except KeyError:
        return key


# --- Assumptions and provenance --------------------------------------------------------------------


def _assumptions(results: ResultsFolder, t: Words) -> str:
    resolved = results.manifest.get("resolved", {})
    calibrated = results.manifest.get("posterior_parameters") or ()  # `run --posterior`
    draws = results.replications if calibrated else {}
    rows = [_parameter_row(name, raw, "", t, draws.get(name) if name in calibrated else None)
            for name, raw in (resolved.get("parameters") or {}).items()]
    for arm, spec in (resolved.get("arms") or {}).items():
        patched = ((spec or {}).get("patch") or {}).get("parameters") or {}
        rows += [_parameter_row(name, raw, _arm_label(results, t, arm), t) for name, raw in patched.items()]
    if not rows:
        return ""
    head = [t("parameter"), t("description"), t("distribution_column"), t("median"), t("interval90"),
            t("unit"), t("source")]
    classes = ("", "", "", ' class="n"', ' class="n"', "", ' class="source"')
    body = "".join("<tr>" + "".join(f"<td{css}>{escape(cell)}</td>" for css, cell in zip(classes, row))
                   + "</tr>" for row in rows)
    head = "".join(f"<th>{escape(h)}</th>" for h in head)
    return (f"<h2>{escape(t('assumptions'))}</h2><div class=\"table\"><table class=\"assumptions\">"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def _parameter_row(name: str, raw: Any, arm: str, t: Words, posterior: Any = None) -> list[str]:
    """One parameter as the YAML gave it: name, label, distribution, median or value, 90 % interval,
    unit, source; a calibrated one (its `posterior` draws, one per replication) with their median
    and 90 % interval instead of its prior's."""
    spec = raw if isinstance(raw, dict) else {"value": raw}
    shown_name = name + (f" ({t('in_arm', arm=arm)})" if arm else "")
    texts = [Label.of(name, spec.get("label")).given(t.lang),
             *(str(spec.get(key, "") or "").strip() for key in ("unit", "source"))]
    if posterior is not None:
        low, median, high = (float(v) for v in np.percentile(posterior, [5, 50, 95]))
        return [shown_name, texts[0], t("calibrated"), _parameter_number(median, t),
                f"{_parameter_number(low, t)} – {_parameter_number(high, t)}", texts[1], texts[2]]
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
    return (f"<h2>{escape(t('provenance'))}</h2>" + _table([], rows, numeric_from=2)
            + (f'<h3>{escape(t("files"))}</h3><div class="table"><table>{files}</table></div>'
               if files else ""))
