"""Figures of the results, drawn from summary data (plain dicts and arrays), never from a simulation.

Every function takes the numbers to draw and an optional matplotlib `ax`, and returns the axes,
so a figure can be drawn into a notebook as well as into the report. Without `ax`, a new figure
is made with `matplotlib.figure.Figure` (no pyplot, no global figure registry; PNGs are rendered
by Agg). The words on a figure are passed in by the caller, which translates them; `number`
formats the tick labels of the value axis (thousands separators, decimal comma, percent).
Figures use DejaVu Sans, the font matplotlib ships, which has æ, ø and å.

This module reads no files and knows nothing of scenarios or result folders.
"""
from __future__ import annotations

import functools
import textwrap
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from simulator.outputs.folder import write_atomically

Stat = Mapping[str, float | None]  # {"mean", "p05", "p50", "p95", ...}
Bands = Mapping[str, Sequence[float]]  # {"p05": [...], "p50": [...], "p95": [...]}
NumberFormat = Callable[[float], str]

STYLE = {"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"], "font.size": 9,
         "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
         "grid.alpha": 0.3, "legend.frameon": False, "savefig.dpi": 100}
COLOURS = ("#1f5fa8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8d6a9f",
           "#b5651d", "#4d4d4d", "#66a182")


def _thousands(value: float) -> str:
    return f"{value:,.0f}"


def styled(draw: Callable[..., Axes]) -> Callable[..., Axes]:
    """Draw with the house style (fonts are fixed when the text is made, so inside the context)."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs) -> Axes:
        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)

    return wrapper


def new_axes(width: float = 7.5, height: float = 3.6) -> Axes:
    """One axes on a new figure of `width` × `height` inches."""
    with matplotlib.rc_context(STYLE):
        return Figure(figsize=(width, height), layout="constrained").add_subplot()


def new_figure(rows: int, columns: int, width: float = 7.5, height_per_row: float = 2.8
               ) -> tuple[Figure, np.ndarray]:
    """A new figure with a `rows` × `columns` grid of axes (always a 2-d array)."""
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(width, height_per_row * rows + 0.4), layout="constrained")
        return figure, figure.subplots(rows, columns, squeeze=False)


def save(figure: Figure, path: Path) -> Path:
    """Write `figure` as a PNG (creating the folder, whole or not at all) and return the path."""
    with matplotlib.rc_context(STYLE):
        return write_atomically(path, lambda temporary: figure.savefig(temporary, format="png"))


@styled
def plot_fans(month: Sequence[float], fans: Mapping[str, Bands], ax: Axes | None = None, *,
              title: str = "", xlabel: str = "", ylabel: str = "",
              number: NumberFormat = _thousands, explain: Sequence[str] = ()) -> Axes:
    """Median lines with shaded 5–95 % bands over time, one per entry of `fans` (legend label → bands).

    `explain` = (what a line is, what a band is) adds two grey legend entries that say so."""
    ax = ax or new_axes()
    month = np.asarray(month, dtype=float)
    for (label, bands), colour in zip(fans.items(), _cycle()):
        ax.fill_between(month, _array(bands["p05"]), _array(bands["p95"]), color=colour, alpha=0.2,
                        linewidth=0)
        ax.plot(month, _array(bands["p50"]), color=colour, label=label, linewidth=1.6)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xlim=(month[0], month[-1]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value)))
    if fans:
        handles, labels = ax.get_legend_handles_labels()
        if explain:
            handles += [Line2D([], [], color="grey", linewidth=1.6), Patch(color="grey", alpha=0.2)]
            labels += list(explain)
        ax.legend(handles, [_wrapped(label, 30) for label in labels], loc="upper left",
                  bbox_to_anchor=(1.0, 1.0), fontsize=7)
    return ax


@styled
def plot_intervals(groups: Mapping[str, Mapping[str, Stat]], ax: Axes | None = None, *,
                   title: str = "", xlabel: str = "", number: NumberFormat = _thousands,
                   explain: Sequence[str] = ()) -> Axes:
    """Horizontal bars of means with 5–95 % whiskers: one row per group, one bar per series.

    `groups` maps a row label (e.g. a department) to {series label (e.g. an arm): STAT};
    `explain` = (what a bar is, what a whisker is) adds legend entries that say so.
    """
    rows = list(groups)
    series = list(dict.fromkeys(name for row in groups.values() for name in row))
    ax = ax or new_axes(height=max(2.5, 0.45 * len(rows) * max(1, len(series)) + 1))
    height = 0.8 / max(1, len(series))
    for s, (name, colour) in enumerate(zip(series, _cycle())):
        y, mean, low, high = [], [], [], []
        for r, row in enumerate(rows):
            stat = groups[row].get(name)
            if stat is None or stat.get("mean") is None:
                continue
            y.append(r + (s - (len(series) - 1) / 2) * height)
            mean.append(stat["mean"])
            low.append(stat["mean"] - _value(stat.get("p05"), stat["mean"]))
            high.append(_value(stat.get("p95"), stat["mean"]) - stat["mean"])
        ax.barh(y, mean, height=height * 0.9, color=colour, label=name,
                xerr=np.clip([low, high], 0, None), error_kw={"elinewidth": 1, "capsize": 2})
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(rows)), [_wrapped(row, 40) for row in rows])
    ax.invert_yaxis()
    ax.set(title=title, xlabel=xlabel)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value)))
    handles, labels = ax.get_legend_handles_labels()
    if len(series) <= 1:
        handles, labels = [], []
    if explain:
        handles += [Patch(color="grey"), Line2D([], [], color="black", linewidth=1, marker="|")]
        labels += list(explain)
    if handles:
        ax.legend(handles, [_wrapped(label, 40) for label in labels], loc="upper left",
                  bbox_to_anchor=(1.0, 1.0), fontsize=7)
    return ax


@styled
def plot_distribution(values: Sequence[float], ax: Axes | None = None, *, title: str = "",
                      xlabel: str = "", ylabel: str = "", reference: float | None = None,
                      reference_label: str = "", number: NumberFormat = _thousands,
                      percentiles_label: str = "") -> Axes:
    """Histogram of one result over replications, with its 5th, 50th and 95th percentiles dashed
    (in the legend as `percentiles_label`).

    `reference` draws a solid line at a value that matters (e.g. the principal).
    """
    ax = ax or new_axes()
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    ax.hist(values, bins=min(40, max(5, len(values) // 5)), color=COLOURS[0], alpha=0.75)
    for i, quantile in enumerate(np.percentile(values, [5, 50, 95]) if len(values) else ()):
        ax.axvline(quantile, color="black", linestyle="--", linewidth=0.9,
                   label=percentiles_label if i == 0 and percentiles_label else None)
    if reference is not None:
        ax.axvline(reference, color=COLOURS[1], linewidth=1.6, label=reference_label)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value)))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # a count of runs
    return ax


@styled
def plot_tornado(rows: Sequence[Mapping[str, float]], base: float, ax: Axes | None = None, *,
                 labels: Sequence[str] | None = None, title: str = "", xlabel: str = "",
                 low_label: str = "5th percentile", high_label: str = "95th percentile",
                 number: NumberFormat = _thousands) -> Axes:
    """Bars from `base` (every parameter at its median) to the target with one parameter at its
    5th and at its 95th percentile; widest swing on top.

    Each row has `parameter`, `target_at_low`, `target_at_high`; `labels` replaces the names.
    """
    labels = [_wrapped(label, 45)
              for label in (labels if labels is not None else [row["parameter"] for row in rows])]
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    ax = ax or new_axes(width=8.5, height=max(2.5, (0.2 + 0.17 * lines) * len(rows) + 1.6))
    order = sorted(range(len(rows)), key=lambda i: -abs(rows[i]["target_at_high"] - rows[i]["target_at_low"]))
    for y, i in enumerate(order):
        for key, colour, label in (("target_at_low", COLOURS[0], low_label),
                                   ("target_at_high", COLOURS[1], high_label)):
            ax.barh(y, rows[i][key] - base, left=base, color=colour, height=0.7,
                    label=label if y == 0 else None)
    ax.axvline(base, color="black", linewidth=0.9)
    ax.set_yticks(range(len(order)), [labels[i] for i in order])
    ax.invert_yaxis()
    ax.set(title=_wrapped(title, 70), xlabel=_wrapped(xlabel, 70))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value)))
    if rows:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return ax


@styled
def plot_sobol(rows: Sequence[Mapping[str, float]], ax: Axes | None = None, *, title: str = "",
               xlabel: str = "", first_label: str = "first order", total_label: str = "total") -> Axes:
    """First-order and total Sobol indices with their confidence half-widths, one row per parameter.

    Each row has `parameter`, `S1`, `S1_conf`, `ST`, `ST_conf`.
    """
    ax = ax or new_axes(height=max(2.5, 0.4 * len(rows) + 1.2))
    y = np.arange(len(rows))
    for offset, key, colour, label in ((-0.2, "S1", COLOURS[0], first_label),
                                       (0.2, "ST", COLOURS[1], total_label)):
        ax.barh(y + offset, [row[key] for row in rows], height=0.38, color=colour, label=label,
                xerr=[row[key + "_conf"] for row in rows], error_kw={"elinewidth": 1, "capsize": 2})
    ax.set_yticks(y, [row["parameter"] for row in rows])
    ax.invert_yaxis()
    ax.set(title=title, xlabel=xlabel)
    ax.legend(loc="lower right", fontsize=8)
    return ax


def _wrapped(text: str, width: int) -> str:
    """A long label over several lines, so that the figure keeps its size and nothing is cut."""
    return "\n".join(textwrap.wrap(text, width)) if text else text


@styled
def plot_zone(x: Sequence[float], y: Sequence[float], met: np.ndarray, requirements: int,
              ax: Axes | None = None, *, own: tuple[float | None, float | None] = (None, None),
              title: str = "", xlabel: str = "", ylabel: str = "", own_label: str = "") -> Axes:
    """A heat map of how many of `requirements` each design on the grid `x` × `y` meets
    (`met[i, j]` for x[i], y[j]), the cells that meet them all (the feasible zone) in green; the
    scenario's own design (`own`) marked with a star, or with a line when one value is unknown."""
    from matplotlib.colors import BoundaryNorm, ListedColormap

    ax = ax or new_axes(5.5, 4.2)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    colours = ListedColormap(["#d9d9d9"] * requirements + ["#2e933c"] if requirements == 1 else
                             [matplotlib.colormaps["Greys"](0.15 + 0.5 * k / (requirements - 1))
                              for k in range(requirements)] + ["#2e933c"])
    norm = BoundaryNorm(np.arange(-0.5, requirements + 1), colours.N)
    mesh = ax.pcolormesh(_edges(x), _edges(y), np.asarray(met).T, cmap=colours, norm=norm)
    bar = ax.figure.colorbar(mesh, ax=ax, ticks=range(requirements + 1))
    bar.set_ticklabels([f"{k} of {requirements}" for k in range(requirements)] + ["all: feasible"])
    bar.set_label("requirements met")
    if own[0] is not None and own[1] is not None:
        ax.plot(*own, marker="*", markersize=14, color="#edae49", markeredgecolor="black", linestyle="",
                label=own_label)
    elif own[0] is not None or own[1] is not None:  # the other term is a parameter's draw
        line = ax.axvline if own[0] is not None else ax.axhline
        line(own[0] if own[0] is not None else own[1], color="#edae49", linewidth=2.5, linestyle="--",
             label=own_label)
    if own != (None, None):
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.14), fontsize=7)
    ax.grid(False)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return ax


@styled
def plot_pareto(loss: Sequence[float], repaid: Sequence[float], feasible: Sequence[bool],
                ax: Axes | None = None, *, title: str = "", xlabel: str = "", ylabel: str = "") -> Axes:
    """Each design as a point (x: the payers' chance of a loss, y: the investor's chance of full
    repayment), the feasible ones in colour, and the Pareto front: the designs no other design
    beats on both (a lower or equal loss chance with a higher repayment chance, or the reverse)."""
    ax = ax or new_axes(5.5, 4.2)
    loss, repaid, feasible = np.asarray(loss, float), np.asarray(repaid, float), np.asarray(feasible, bool)
    front = pareto_front(loss, repaid)
    ax.scatter(loss[~feasible], repaid[~feasible], s=14, color="#bdbdbd", label="not feasible")
    ax.scatter(loss[feasible], repaid[feasible], s=18, color="#2e933c", label="feasible: meets every requirement")
    ax.step(loss[front], repaid[front], where="post", color="#1f5fa8", linewidth=1.4, label="Pareto front")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xlim=(-0.02, 1.02), ylim=(-0.02, 1.02))
    percent = FuncFormatter(lambda value, _: f"{value:.0%}")
    ax.xaxis.set_major_formatter(percent)
    ax.yaxis.set_major_formatter(percent)
    ax.legend(loc="upper left", fontsize=7)
    return ax


def pareto_front(loss: np.ndarray, repaid: np.ndarray) -> np.ndarray:
    """The indices of the designs that no other design dominates (a loss chance no higher and a
    repayment chance no lower, one of them strictly), by lowest loss chance first."""
    front: list[int] = []
    for i in np.lexsort((-repaid, loss)):  # by loss chance, then the higher repayment chance first
        if not front or repaid[i] > repaid[front[-1]] or (loss[i], repaid[i]) == (loss[front[-1]], repaid[front[-1]]):
            front.append(int(i))
    return np.array(front, dtype=np.int64)


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around evenly or unevenly spaced centres (one centre: a cell of width 1)."""
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    middles = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - middles[0]], middles, [2 * centres[-1] - middles[-1]]])




@styled
def plot_information_rank(names: Sequence[str], shares: Sequence[float], ax: Axes | None = None, *,
                          title: str = "", xlabel: str = "",
                          number: Callable[[float], str] = lambda share: f"{share:.0%}") -> Axes:
    """Each parameter's (or group's) EVPPI as a share of the EVPI, largest on top, each bar labelled."""
    ax = ax or new_axes(height=max(2.5, 0.35 * len(names) + 1.2))
    order = sorted(range(len(names)), key=lambda i: -shares[i])
    values = [shares[i] for i in order]
    bars = ax.barh(range(len(order)), values, color=COLOURS[0], height=0.7)
    ax.bar_label(bars, [number(v) for v in values], padding=3, fontsize=8)
    ax.set_yticks(range(len(order)), [names[i] for i in order])
    ax.invert_yaxis()
    ax.set_xlim(0, max([1.0, *values]) * 1.12)
    ax.set(title=title, xlabel=xlabel)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: number(value)))
    return ax


def _cycle() -> Iterator[str]:
    while True:
        yield from COLOURS


def _array(values: Sequence[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _value(value: float | None, default: float) -> float:
    return default if value is None else value
