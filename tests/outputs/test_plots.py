"""The figures: drawn in a font that has every Danish letter."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest
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
