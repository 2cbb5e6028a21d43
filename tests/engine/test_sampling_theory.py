"""Plain per-parameter uniforms are uniform (Kolmogorov–Smirnov against theory)."""
from __future__ import annotations

import pytest
from scipy import stats

import numpy as np

from simulator.engine.sampling import JointDraws, parameter_uniform

pytestmark = pytest.mark.theory


def test_plain_uniforms_are_uniform():
    u = [parameter_uniform(2, r, 2_000, ("x",), lhs=False) for r in range(2_000)]
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_joint_draws_are_taken_in_proportion_to_their_weights():
    """Over 4,000 replications the rows' counts are multinomial with the normalised weights: a
    chi-square test at level 1e-3 fails a correct picker once in a thousand seeds."""
    weights = np.array([1.0, 3.0, 0.5, 5.5])
    joint = JointDraws(("a",), np.arange(4.0)[:, None], weights)
    counts = np.bincount([joint.row(8, r) for r in range(4_000)], minlength=4)
    assert stats.chisquare(counts, 4_000 * weights / weights.sum()).pvalue > 1e-3
