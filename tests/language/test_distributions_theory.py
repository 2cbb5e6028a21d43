"""Sampling against theory: draws follow their distribution (Kolmogorov–Smirnov), with means and
shares within z standard errors."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulator.language.distributions import parameter_distribution
from tests.language.distribution_cases import CONTINUOUS_TIMES, PARAMETER_CASES, PARAMETER_IDS, TIME_IDS
from tests.support import assert_mean_close, assert_proportion_close

pytestmark = pytest.mark.theory

N_TIME = 20_000  # with z = 4 the mean test catches shifts above 4 sd/sqrt(n): 3-4 % of the mean here


@pytest.mark.parametrize(("dist", "ref"), CONTINUOUS_TIMES, ids=TIME_IDS)
def test_sample_follows_the_distribution(dist, ref):
    x = dist.sample(np.random.default_rng(20240601), N_TIME)
    assert stats.kstest(x, ref.cdf).pvalue > 1e-3
    if math.isfinite(ref.var()):
        assert_mean_close(x, dist.mean(), sd=ref.std())


@pytest.mark.parametrize(("kind", "args", "ref"), PARAMETER_CASES, ids=PARAMETER_IDS)
def test_parameter_sample_follows_the_distribution(kind, args, ref):
    x = parameter_distribution(kind, args).sample(np.random.default_rng(7), 5_000)
    assert stats.kstest(x, ref.cdf).pvalue > 1e-3


def test_choice_sample_frequencies():
    n = 20_000
    x = parameter_distribution("choice", {"values": [0, 1, 2], "p": [0.2, 0.3, 0.5]}).sample(
        np.random.default_rng(3), n)
    for value, p in [(0, 0.2), (1, 0.3), (2, 0.5)]:
        assert_proportion_close(np.sum(x == value), n, p, what=f"share of {value}")
