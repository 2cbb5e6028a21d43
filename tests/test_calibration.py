"""What a target measures (simulator/calibration.py), its likelihood and the observation's
interval, on hand-built spells and by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.calibration import distinct_in_resample, log_likelihood, measure, observed_interval, weighted_quantiles
from simulator.language.scenario import Condition, Target
from tests.support import build

pytestmark = pytest.mark.exact

TRACKS = {"housing": ["street", "housed"]}
# Horizon 24. Youth 0 arrives at 0, housed at 6 until the horizon; youth 1 arrives at 10, housed
# from arrival (not an entry) until 14, then street; youth 2 arrives at 2, housed at 20, leaves
# at 22; youth 3 arrives at 4 in group b, never housed.
YOUTHS = [
    {"arrival": 0, "housing": [("street", 0), ("housed", 6)], "attributes": {"group": "a"}},
    {"arrival": 10, "housing": [("housed", 10), ("street", 14)], "attributes": {"group": "a"}},
    {"arrival": 2, "departure": 22, "housing": [("street", 2), ("housed", 20)], "attributes": {"group": "a"}},
    {"arrival": 4, "housing": [("street", 4)], "attributes": {"group": "b"}},
]


def target(measure_: str, months: float, youths=None, **observed) -> Target:
    condition = Condition({"housing": frozenset({"housed"})}, youths or {})
    return Target("t", "arm", measure_, condition, months, **(observed or {"count": 1, "of": 2}))


@pytest.fixture
def spells():
    return build(24, TRACKS, YOUTHS, {"group": ["a", "b"]})


def test_share_in_counts_the_youths_present_at_that_month_after_arrival(spells):
    # at 12 months after arrival: youth 0 (t=12) housed; youth 1 (t=22) street; youth 2 (t=14)
    # street; youth 3 (t=16) street -> 1 of 4
    assert measure(target("share_in", 12), spells) == (1.0, 4.0)
    # at 19 months: youth 1's t = 29 > 24 is not measured; youth 2 (t=21) housed; youth 0 (t=19)
    # housed; youth 3 (t=23) street -> 2 of 3
    assert measure(target("share_in", 19), spells) == (2.0, 3.0)
    # at 20: youth 2 (t=22) has left and is not measured; youth 3 (t = 24, the horizon) is -> 1 of 2
    assert measure(target("share_in", 20), spells) == (1.0, 2.0)


def test_share_of_time_in_divides_the_months_in_the_states_by_the_months_observed(spells):
    # first 12 months: youth 0 housed 6 of 12; youth 1 housed 4 of 12 (10..22); youth 2 housed 0
    # of 12 (2..14); youth 3 0 of 12 (4..16) -> 10 of 48
    assert measure(target("share_of_time_in", 12), spells) == (10.0, 48.0)
    # first 22 months: youth 0: 16 of 22; youth 1: 4 of 14 (cut at the horizon); youth 2: 2 of 20
    # (left at 22); youth 3: 0 of 20 -> 22 of 76
    assert measure(target("share_of_time_in", 22), spells) == (22.0, 76.0)


def test_entered_within_counts_entries_not_the_state_held_at_arrival(spells):
    # within 6 months, windows inside the horizon: youths 0 (entered at 6), 1 (housed at arrival:
    # no entry), 2 (no), 3 (no) -> 1 of 4
    assert measure(target("entered_within", 6), spells) == (1.0, 4.0)
    # within 18 months: youth 1's window (10..28) passes the horizon; youth 2 entered at 20 = 2 + 18
    assert measure(target("entered_within", 18), spells) == (2.0, 3.0)


def test_the_youths_filter_measures_only_the_youths_with_those_attribute_values(spells):
    only_b = {"group": frozenset({"b"})}
    assert measure(target("share_of_time_in", 12, only_b), spells) == (0.0, 12.0)
    assert measure(target("entered_within", 6, only_b), spells) == (0.0, 1.0)


def test_the_likelihoods_are_the_binomial_and_the_normal_up_to_a_constant():
    count = target("share_in", 1, count=3, of=10)
    share = np.array([0.2, 0.3, 0.5])
    expected = 3 * np.log(share) + 7 * np.log(1 - share)
    np.testing.assert_allclose(log_likelihood(count, share), expected, rtol=1e-15)
    value = target("share_in", 1, value=0.3, se=0.05)
    np.testing.assert_allclose(log_likelihood(value, share), -0.5 * ((share - 0.3) / 0.05) ** 2, rtol=1e-15)
    assert np.isfinite(log_likelihood(count, np.array([0.0, 1.0]))).all()  # no log(0): a tiny weight


def test_the_observed_intervals_are_jeffreys_and_value_plus_minus_1_645_se():
    from scipy import stats

    low, high = observed_interval(target("share_in", 1, count=3, of=10))
    np.testing.assert_allclose([low, high], stats.beta.ppf([0.05, 0.95], 3.5, 7.5), rtol=1e-12)
    assert observed_interval(target("share_in", 1, count=0, of=10))[0] == 0.0
    low, high = observed_interval(target("share_in", 1, value=0.3, se=0.05))
    assert math.isclose(low, 0.3 - stats.norm.ppf(0.95) * 0.05) and math.isclose(high, 0.3 + stats.norm.ppf(0.95) * 0.05)
    assert observed_interval(target("share_in", 1, value=0.98, se=0.05))[1] == 1.0


def test_weighted_quantiles_and_the_distinct_sets_in_a_resample():
    values, weights = np.array([3.0, 1.0, 2.0]), np.array([0.5, 0.25, 0.25])
    assert list(weighted_quantiles(values, weights, [0.2, 0.25, 0.3, 0.5, 0.6])) == [1.0, 1.0, 2.0, 2.0, 3.0]
    # equal weights 1/n, resample of n: n (1 - (1 - 1/n)^n); one weight 1: exactly one set
    assert math.isclose(distinct_in_resample(np.full(4, 0.25), 4), 4 * (1 - 0.75 ** 4))
    assert math.isclose(distinct_in_resample(np.array([1.0, 0.0]), 50), 1.0, rel_tol=1e-12)


def test_an_interruption_keeps_the_rounds_already_measured():
    """Ctrl-C during the third batch: the prior draws and the first two rounds are weighted and
    kept, and the sampler says it was interrupted."""
    from simulator.calibration import imis
    from simulator.language.scenario import Calibration

    calls = []

    def evaluate(z, first):
        calls.append(first)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return -0.5 * ((z[:, 0] - 1.0) / 0.1) ** 2  # a narrow likelihood: IMIS keeps adding rounds

    settings = Calibration(("x",), prior_draws=50, batch=10, rounds=10, resample=1000)
    sample, stages, stopped = imis(evaluate, 1, settings, seed=0)
    assert stopped == "interrupted" and calls == [0, 50, 60, 70]
    assert len(sample.z) == 70 and len(sample.components) == 2
    assert np.isclose(np.exp(sample.log_weights).sum(), 1.0)


def test_stayed_in_measures_from_each_youths_first_entry(spells):
    # entries into housed: youth 0 at 6 (still housed at 6 + 12 = 18: yes), youth 2 at 20 (20 + 2
    # = 22: left at 22, not present); youth 1 was housed at arrival (no entry), youth 3 never
    assert measure(target("stayed_in", 12), spells) == (1.0, 1.0)
    assert measure(target("stayed_in", 1), spells) == (2.0, 2.0)  # youth 2 at 21: still housed
    assert measure(target("stayed_in", 19), spells) == (0.0, 0.0)  # 6 + 19 > 24: none measured
