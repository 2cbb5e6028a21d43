"""Plain per-parameter uniforms are uniform (Kolmogorov–Smirnov against theory)."""
from __future__ import annotations

import pytest
from scipy import stats

from simulator.engine.sampling import parameter_uniform

pytestmark = pytest.mark.theory


def test_plain_uniforms_are_uniform():
    u = [parameter_uniform(2, r, 2_000, ("x",), lhs=False) for r in range(2_000)]
    assert stats.kstest(u, "uniform").pvalue > 1e-3
