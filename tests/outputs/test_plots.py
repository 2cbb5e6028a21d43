"""The figures: drawn in a font that has every Danish letter."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.font_manager import FontProperties, findfont

from simulator.outputs import plots
from tests.support import assert_png_with_content

pytestmark = pytest.mark.exact


def test_figures_have_every_danish_letter(tmp_path):
    """The figures' font has æ, ø and å: drawing them raises no 'Glyph … missing from font' warning."""
    font = FontProperties(family=plots.STYLE["font.sans-serif"])
    assert Path(findfont(font, fallback_to_default=False)).name == "DejaVuSans.ttf"
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*")
        bands = {"p05": [0, 1], "p50": [1, 2], "p95": [2, 3]}
        ax = plots.plot_fans([0, 1], {"Unge på herberg, ÆØÅ": bands}, title="Måned, år, kørsler, værdi",
                             xlabel="Måned")
        path = plots.save(ax.figure, tmp_path / "danish.png")
    assert_png_with_content(path.read_bytes(), path.name)


def legend_texts(ax) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


def test_legends_say_what_lines_bands_bars_and_whiskers_are():
    bands = {"p05": [0, 1], "p50": [1, 2], "p95": [2, 3]}
    fans = plots.plot_fans([0, 1], {"Investor": bands}, explain=("line: the median run", "band: 90 % of the runs"))
    assert legend_texts(fans) == ["Investor", "line: the median run", "band: 90 % of the runs"]
    bars = plots.plot_intervals({"Social services": {"arm": {"mean": 1, "p05": 0, "p95": 2}}},
                                explain=("bar: mean", "whisker: 90 %"))
    assert legend_texts(bars) == ["bar: mean", "whisker: 90 %"]
    histogram = plots.plot_distribution([1, 2, 3, 4, 5], reference=3, reference_label="Principal",
                                        percentiles_label="dashed: 5th, 50th and 95th percentiles")
    assert legend_texts(histogram) == ["dashed: 5th, 50th and 95th percentiles", "Principal"]


def test_the_tornado_wraps_long_labels_so_that_nothing_is_cut():
    """Every text of the saved figure lies inside it (constrained layout with wrapped labels)."""
    rows = [{"parameter": "p", "target_at_low": -1e6, "target_at_high": 2e6}] * 3
    label = "Job First (IPS-like) hazard ratio on starting a job or education, employment team (1.1 to 2.4)"
    ax = plots.plot_tornado(rows, 0.0, labels=[label] * 3, title="Payers' expected net gain on the contract's "
                            "youths, after its payments, Intervention 1: Housing First + Job First",
                            xlabel="million DKK; the vertical line: every parameter at its median (0.0)")
    canvas = FigureCanvasAgg(ax.figure)  # as `plots.save` draws it: the layout is made while drawing
    canvas.draw()
    renderer = canvas.get_renderer()
    width, height = ax.figure.bbox.width, ax.figure.bbox.height
    texts = [ax.title, ax.xaxis.label, *ax.get_yticklabels()]
    for text in texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= -1 and box.x1 <= width + 1 and box.y0 >= -1 and box.y1 <= height + 1, text.get_text()
