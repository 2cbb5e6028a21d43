"""Discounting, settlement dates and the IRR against values worked out by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from simulator.money.finance import (discount_factor, force_of_interest, irr, present_value_of_rate,
                                     settlement_of_month, settlement_times)

pytestmark = pytest.mark.exact

RTOL = 1e-12


def test_discount_factor_is_the_annual_rate_compounded_continuously():
    assert discount_factor(12, 0.035) == pytest.approx(1 / 1.035, rel=RTOL)
    assert discount_factor(30, 0.035) == pytest.approx(1.035 ** -2.5, rel=RTOL)
    assert discount_factor(0, 0.035) == 1.0
    np.testing.assert_array_equal(discount_factor([0, 5, 60], 0.0), [1, 1, 1])
    assert force_of_interest(0.035) == pytest.approx(math.log(1.035) / 12, rel=RTOL)
    with pytest.raises(ValueError, match="above -1"):
        force_of_interest(-1.0)


def test_present_value_of_a_constant_rate_is_the_integral_of_the_discount_factor():
    for a, b in [(0.0, 1.0), (0.5, 14.25), (36.0, 72.0), (7.0, 7.0 + 1e-9)]:
        exact, _ = quad(lambda t: 1000 * 1.035 ** (-t / 12), a, b, epsabs=0, epsrel=1e-13)
        assert present_value_of_rate(1000, a, b, 0.035) == pytest.approx(exact, rel=1e-12)
    assert present_value_of_rate(1000, 2.0, 4.5, 0.0) == 2500
    np.testing.assert_allclose(present_value_of_rate(np.array([1.0, 2.0]), [0, 12], [12, 24], 0.035),
                               [12 * (1 - 1 / 1.035) / math.log(1.035),
                                2 * 12 * (1 / 1.035 - 1 / 1.035 ** 2) / math.log(1.035)], rtol=RTOL)


def test_irr_of_known_cash_flows():
    assert irr([0, 12], [-100, 110]) == pytest.approx(0.10, rel=1e-12)
    assert irr([0, 6], [-100, 110]) == pytest.approx(1.1 ** 2 - 1, rel=1e-12)  # half a year
    # −100 at 0, +60 at 12 and 24: 60x² + 60x − 100 = 0 with x = 1/(1 + r).
    x = (-60 + math.sqrt(60 ** 2 + 4 * 60 * 100)) / (2 * 60)
    assert irr([0, 12, 24], [-100, 60, 60]) == pytest.approx(1 / x - 1, rel=1e-12)
    assert irr([0, 12], [-100, 100]) == pytest.approx(0.0, abs=1e-15)
    assert irr([0, 12], [-100, 50]) == pytest.approx(-0.5, rel=1e-12)
    rate = irr([0, 12, 24], [-100, 60, 60])
    assert np.sum(np.array([-100, 60, 60]) * discount_factor([0, 12, 24], rate)) == pytest.approx(0, abs=1e-10)


def test_irr_when_nothing_or_almost_nothing_is_repaid():
    assert irr([0, 12], [-100, 0]) == -1.0
    assert irr([0], [-100]) == -1.0
    assert irr([0, 12], [-100, 1e-30]) == -1.0  # below −99.99999 %
    assert irr([12], [5]) == math.inf


def test_irr_with_several_roots_is_the_one_closest_to_zero():
    # −100 at 0, +230 at 12, −132 at 24: 132v² − 230v + 100 = 0 with v = 1/(1 + r): r = 10 % or 20 %.
    assert irr([0, 12, 24], [-100, 230, -132]) == pytest.approx(0.10, rel=1e-12)
    assert irr([0, 12, 24], [100, -230, 132]) == pytest.approx(0.10, rel=1e-12)


def test_settlement_dates():
    assert settlement_times(0, 72, "yearly").tolist() == [12, 24, 36, 48, 60, 72]
    assert settlement_times(0, 30, "yearly").tolist() == [12, 24, 30]
    assert settlement_times(6, 30, "yearly").tolist() == [18, 30]
    assert settlement_times(6, 10, "yearly").tolist() == [10]
    assert settlement_times(2, 5, "monthly").tolist() == [3, 4, 5]
    assert settlement_times(2, 5, "at_end").tolist() == [5]
    assert settlement_of_month(6, 30, "yearly").tolist() == [0] * 12 + [1] * 12
    assert settlement_of_month(0, 30, "yearly").tolist() == [0] * 12 + [1] * 12 + [2] * 6
    assert settlement_of_month(2, 5, "monthly").tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="whole months"):
        settlement_times(0, 30.5, "yearly")
    with pytest.raises(ValueError, match="one of yearly"):
        settlement_times(0, 30, "weekly")
