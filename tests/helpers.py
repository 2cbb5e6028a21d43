"""Shared test helpers: scenarios from text, and tolerances from the Monte Carlo standard error."""
from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np

from simulator.language.loading import load_scenario

Z = 4.0  # a false alarm about once in 16,000 seeds for one comparison


def scenario_from(tmp_path: Path, text: str, name: str = "scenario.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_scenario(path)


def assert_mean_close(x, expected: float, sd: float | None = None, z: float = Z, what: str = "mean"):
    """|mean − expected| ≤ z·sd/√n, with the analytic sd when known, else the sample's."""
    x = np.asarray(x, dtype=float)
    sd = float(np.std(x, ddof=1)) if sd is None else sd
    tolerance = z * sd / np.sqrt(len(x))
    assert abs(x.mean() - expected) <= tolerance, (
        f"{what} {x.mean():.5g}, expected {expected:.5g} ± {tolerance:.3g}")


def assert_proportion_close(successes: float, n: int, p: float, z: float = Z, what: str = "share"):
    tolerance = z * np.sqrt(p * (1 - p) / n)
    assert abs(successes / n - p) <= tolerance, (
        f"{what} {successes / n:.5g}, expected {p:.5g} ± {tolerance:.3g} (n = {n})")
