"""calibration.html (calibration.da.html in Danish): what `simulator calibrate` found, for a reader.

Prior against posterior for each calibrated parameter, and every target — fitted and hold-out
apart — as the observation with its 90 % interval beside the model's posterior predictive 90 %
interval. The words come from words.toml, the names from the scenario's labels, the style from
report.css: it reads like report.html. It draws what calibration.json holds, plus the parameter
sets themselves for the two histograms.
"""
from __future__ import annotations

from html import escape
from importlib import resources
from pathlib import Path
from typing import Mapping

import numpy as np

from simulator.language.scenario import Scenario
from simulator.outputs import plots
from simulator.outputs.folder import CALIBRATION_HTML, FIGURES_DIR, write_text
from simulator.outputs.report import PAGE, _parameter_number, _table, embedded_png
from simulator.outputs.words import Words


def write_calibration_report(out: Path, scenario: Scenario, summary: Mapping, prior: np.ndarray,
                             values: np.ndarray, weights: np.ndarray, lang: str) -> Path:
    """Write calibration.html (or calibration.da.html) into `out`; returns its path.

    `prior` holds the parameter sets drawn from the prior (one column per calibrated parameter),
    `values` and `weights` every set and its posterior weight.
    """
    t = Words(lang, scenario.economics.currency)
    parameters = scenario.parameters()
    names = list(summary["parameters"])
    suffix = "" if lang == "en" else f".{lang}"
    body = [f"<h1>{escape(t('calibration_title', name=scenario.name))}</h1>",
            "<p class=\"lead\">" + escape(t("calibration_intro", sets=t.number(summary["parameter_sets"]),
                                             replications=summary["settings"]["replications"],
                                             simulations=t.number(summary["simulations"]), seed=summary["seed"],
                                             ess=t.number(summary["effective_sample_size"]),
                                             seconds=t.number(summary["seconds"], 1))) + "</p>"]
    if not summary["complete"]:
        body.append(f'<p class="warning">{escape(t("calibration_incomplete", sets=summary["parameter_sets"]))}</p>')
    elif summary["stopped"] != "converged":
        last = summary["schedule"][-1]
        body.append('<p class="warning">' + escape(t("calibration_unconverged", distinct=t.number(
            last["distinct_in_resample"]), resample=summary["settings"]["resample"])) + "</p>")

    body.append(f"<h2>{escape(t('prior_posterior'))}</h2><p>{escape(t('prior_posterior_intro'))}</p>")
    figure, axes = plots.new_figure((len(names) + 1) // 2, 2 if len(names) > 1 else 1, height_per_row=2.6)
    for j, name in enumerate(names):
        ax = axes.flat[j]
        draw_prior_posterior(ax, prior[:, j], values[:, j], weights, parameters[name].label.get(lang),
                             t("prior"), t("posterior"), t("density_axis"))
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    path = plots.save(figure, out / FIGURES_DIR / f"calibration-parameters{suffix}.png")
    body.append(embedded_png(path, t("prior_posterior")))
    rows = []
    for name in names:
        stat = summary["parameters"][name]
        posterior = stat["posterior"]
        rows.append([parameters[name].label.get(lang), parameters[name].unit,
                     _spread(stat["prior_p50"], stat["prior_p05"], stat["prior_p95"], t),
                     _spread(posterior["p50"], posterior["p05"], posterior["p95"], t)])
    body.append(_table([t("parameter"), t("unit"), t("prior"), t("posterior")], rows, numeric_from=2))

    body.append(f"<h2>{escape(t('targets_heading'))}</h2><p>{escape(t('targets_intro'))}</p>")
    checks = summary["targets"]
    ordered = sorted(checks, key=lambda name: checks[name]["hold_out"])  # fitted first, then hold-out
    labels = [_target_name(scenario, name, checks[name], t) for name in ordered]
    ax = plots.new_axes(7.5, 0.85 * len(ordered) + 1.3)
    draw_targets(ax, labels, [checks[name] for name in ordered], t("observation_interval"),
                 t("predictive_interval"), t("share_axis"), t.percent,
                 fitted=sum(not checks[name]["hold_out"] for name in ordered))
    path = plots.save(ax.figure, out / FIGURES_DIR / f"calibration-targets{suffix}.png")
    body.append(embedded_png(path, t("targets_heading")))
    rows = []
    for name in ordered:
        check, target = checks[name], scenario.targets[name]
        track_states = "; ".join(" / ".join(sorted(states)) for states in target.condition.states.values())
        measured = t(f"measure_{target.measure}", states=track_states, months=_parameter_number(target.months, t))
        rows.append([target.label.get(lang), scenario.arms[target.arm].label.get(lang), measured,
                     t("held_out") if check["hold_out"] else t("fitted"), target.source,
                     _spread(check["observed_share"], check["observed_p05"], check["observed_p95"], t, percent=True),
                     f"{t.percent(check['predictive_p05'])} – {t.percent(check['predictive_p95'])}"])
    body.append(_table([t("target_column"), t("arm"), t("measure"), t("used_for"), t("source"), t("observed"),
                        t("model_predictive")], rows, numeric_from=5))
    css = resources.files(__package__).joinpath("report.css").read_text(encoding="utf-8")
    html = PAGE.format(lang=lang, title=escape(t("calibration_title", name=scenario.name)), css=css,
                       body="\n".join(body))
    return write_text(out / CALIBRATION_HTML[lang], html)


def _target_name(scenario: Scenario, name: str, check: Mapping, t: Words) -> str:
    return scenario.targets[name].label.get(t.lang) + (f" ({t('hold_out_mark')})" if check["hold_out"] else "")


def _spread(middle: float, low: float, high: float, t: Words, percent: bool = False) -> str:
    show = t.percent if percent else (lambda v: _parameter_number(v, t))
    return f"{show(middle)} ({show(low)} – {show(high)})"


@plots.styled
def draw_prior_posterior(ax, prior: np.ndarray, values: np.ndarray, weights: np.ndarray, title: str,
                         prior_label: str, posterior_label: str, ylabel: str):
    """Histograms (as densities) of the prior draws and of the weighted posterior, on shared bins."""
    low, high = np.percentile(np.concatenate([prior, values]), [0.5, 99.5])
    bins = np.linspace(low, high, 40)
    ax.hist(np.clip(prior, low, high), bins=bins, density=True, color="#999999", alpha=0.5, label=prior_label)
    ax.hist(np.clip(values, low, high), bins=bins, weights=weights, density=True, color=plots.COLOURS[0],
            alpha=0.75, label=posterior_label)
    ax.set_title(plots._wrapped(title, 45), fontsize=9)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)
    return ax


@plots.styled
def draw_targets(ax, labels: list[str], checks: list[Mapping], observation: str, predictive: str,
                 xlabel: str, percent, fitted: int):
    """One row per target: the observation and its interval, and below it the model's interval;
    the first `fitted` rows are the fitted targets, set apart from the hold-outs by a line."""
    from matplotlib.ticker import FuncFormatter

    y = np.arange(len(labels))[::-1]
    for row, check in zip(y, checks):
        ax.plot([check["observed_p05"], check["observed_p95"]], [row + 0.12] * 2, color="black", linewidth=2)
        ax.plot([check["observed_share"]], [row + 0.12], "o", color="black")
        ax.plot([check["predictive_p05"], check["predictive_p95"]], [row - 0.12] * 2, color=plots.COLOURS[1],
                linewidth=5, alpha=0.7, solid_capstyle="butt")
    ax.plot([], [], "o-", color="black", label=observation)
    ax.plot([], [], "-", color=plots.COLOURS[1], linewidth=5, alpha=0.7, label=predictive)
    if 0 < fitted < len(labels):
        ax.axhline(len(labels) - fitted - 0.5, color="grey", linestyle="--", linewidth=0.8)
    ax.set_yticks(y, [plots._wrapped(label, 45) for label in labels], fontsize=8)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: percent(value)))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.4 / len(labels)), ncol=2, fontsize=8)
    return ax
