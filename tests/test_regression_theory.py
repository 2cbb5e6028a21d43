"""The smooths of `simulator/regression.py` against known conditional means: first-order variance
shares of SALib's Ishigami function and of a linear model.

Oracles:
- Ishigami (Ishigami & Homma 1990; SALib's `test_functions.Ishigami`): Y = sin x1 + 7 sin² x2
  + 0.1 x3⁴ sin x1, x_i ~ U(−π, π): first-order indices 0.3139, 0.4424, 0.
- Linear: Y = Σ b_i X_i + ε with independent X_i: the share of X_i is b_i² Var X_i / Var Y.
"""
from __future__ import annotations

import numpy as np
import pytest

from simulator.regression import fit
from simulator.sensitivity import first_order_share

pytestmark = pytest.mark.theory

ISHIGAMI_FIRST_ORDER = (0.3139, 0.4424, 0.0)


def ishigami(x, a=7.0, b=0.1):
    """SALib's `test_functions.Ishigami.evaluate` (written out: the suite keeps test-named modules
    out of its imports)."""
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_ishigami_first_order_shares():
    """n = 3000, seed 0: each share within 0.04 of its analytic value.

    The estimator's spread over seeds is about 0.01 at this size; a penalised spline flattens
    the peaks of 7 sin² x2 a little (about −0.02 on its share), so 0.04 is what the test can
    promise. A share off by a tenth (a wrong variance, a smooth that misses the sine) fails.
    """
    rng = np.random.default_rng(0)
    x = rng.uniform(-np.pi, np.pi, (3000, 3))
    y = ishigami(x)
    for i, expected in enumerate(ISHIGAMI_FIRST_ORDER):
        share, se, smooth = first_order_share(x[:, i], y, rng)
        assert share == pytest.approx(expected, abs=0.04), f"x{i + 1}: {share:.3f} ± {se:.3f}"
        assert smooth.residuals_ok, f"x{i + 1}: residual trend {smooth.residual_z:.1f} SE"


def test_linear_model_shares_are_b_squared_sigma_squared_over_the_total():
    """Y = 3 X1 − 2 X2 + 0 X3 + ε, X1 ~ N(0, 1), X2 ~ U(0, 3), ε ~ N(0, 2²): shares 9/17.75,
    3/17.75 (b² Var X2 = 4 × 0.75) and 0; n = 2000. The analytic share lies within 4 of the
    estimator's standard errors plus 0.01 (its sampling spread in Var Y, which the SE leaves out).
    """
    rng = np.random.default_rng(1)
    n = 2000
    x = np.column_stack([rng.normal(0, 1, n), rng.uniform(0, 3, n), rng.exponential(1, n)])
    y = 3 * x[:, 0] - 2 * x[:, 1] + rng.normal(0, 2, n)
    total = 9 + 3 + 4
    for i, expected in enumerate((9 / total, 3 / total, 0.0)):
        share, se, _ = first_order_share(x[:, i], y, rng)
        assert abs(share - expected) <= 4 * se + 0.01, f"X{i + 1}: {share:.3f} ± {se:.3f}, expected {expected:.3f}"


def test_a_missed_trend_shows_in_the_residual_check():
    """A smooth of Y on X leaves no trend (binned residual means within 4 SE); the residuals of
    a constant 'fit' to a strong trend are far outside."""
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, 1000)
    y = np.sin(6 * x) + rng.normal(0, 0.3, 1000)
    assert fit(x, y).residuals_ok
    from simulator.regression import ranks, residual_z
    assert residual_z(ranks(x)[:, None], y - y.mean()) > 10


def test_two_and_more_parameters_recover_a_joint_mean():
    """E[Y | X1, X2] = X1 X2 (an interaction no one parameter shows): the tensor spline and the
    Gaussian process (three parameters, one of them idle) both explain its variance, R² near
    Var(X1 X2)/Var(Y), and the noise variance near 0.2²."""
    rng = np.random.default_rng(3)
    n = 600
    x = rng.uniform(-1, 1, (n, 3))
    y = x[:, 0] * x[:, 1] + rng.normal(0, 0.2, n)
    expected = (1 / 9) / (1 / 9 + 0.04)
    for columns in ([0, 1], [0, 1, 2]):
        smooth = fit(x[:, columns], y)
        assert smooth.r2 == pytest.approx(expected, abs=0.05), f"{columns}: R² {smooth.r2:.3f}"
        assert smooth.noise_variance == pytest.approx(0.04, rel=0.2) and smooth.residuals_ok
        truth = x[:, 0] * x[:, 1]
        assert np.sqrt(np.mean((smooth.fitted - truth) ** 2)) < 0.1
