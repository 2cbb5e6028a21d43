"""The vectorised IRR on random cash flows: each row gets what it gets alone, and what an
independent root finder gets."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from simulator.money.finance import irr, irr_by_row

pytestmark = pytest.mark.property


def reference_irr(t, a):
    """The IRR as it was computed before it was vectorised: scipy's `brentq` in each grid step
    where the NPV changes sign (an independent root finder for the same definition)."""
    t, a = np.asarray(t, dtype=float), np.asarray(a, dtype=float)
    if not np.any(a > 0):
        return -1.0
    if not np.any(a < 0):
        return math.inf
    years = (t - t.mean()) / 12.0
    grid = np.linspace(math.log(1e-7), math.log(1001.0), 257)
    values = np.exp(-np.outer(grid, years)) @ a
    roots = [grid[i] for i in np.flatnonzero(values == 0)]
    roots += [brentq(lambda x: np.sum(a * np.exp(-x * years)), grid[i], grid[i + 1], xtol=1e-15,
                     rtol=4 * np.finfo(float).eps, maxiter=200)
              for i in np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0)]
    if not roots:
        return -1.0 if values[0] < 0 else math.inf
    rates = np.expm1(roots)
    return float(rates[np.argmin(np.abs(rates))])


def test_irr_by_row_agrees_with_brentq_and_gives_each_row_what_it_gets_alone():
    """Random cash flows: paid out before anything comes back (one root at most), or in any order
    (several sign changes, several roots), with zeros and two amounts at the same time."""
    rng = np.random.default_rng(5)
    for case in range(100):
        n = int(rng.integers(2, 9))
        t = np.sort(rng.choice(np.arange(0.0, 73.0), n))  # repeats allowed
        a = rng.normal(size=(10, n)) * 1e5 * rng.uniform(0.01, 1, size=(10, 1))
        if case % 2:
            a[:, :2], a[:, 2:] = -np.abs(a[:, :2]), np.abs(a[:, 2:])
        a[rng.random(a.shape) < 0.1] = 0.0
        rows = irr_by_row(t, a)
        for row, amounts in zip(rows, a):
            assert row == irr(t, amounts)  # exactly: a row's answer does not depend on the others
            expected = reference_irr(t, amounts)
            assert row == pytest.approx(expected, rel=1e-12, abs=1e-14), (t, amounts)
