"""A property of every time-to-event shape: the inverse cumulative hazard inverts it."""
from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from simulator.language.distributions import time_distribution

pytestmark = pytest.mark.property


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(["weibull", "lognormal", "gamma", "loglogistic"]),
       shape=st.floats(0.2, 8.0), h=st.floats(1e-10, 500.0))
def test_inverse_cumulative_hazard_round_trips_for_any_shape(kind, shape, h):
    """Property: H0(H0^-1(h)) = h wherever the time is representable, for every shape parameter."""
    spread = "sigma" if kind == "lognormal" else "shape"
    scale = "mean" if kind == "gamma" else "median"
    dist = time_distribution(kind, {spread: shape, scale: 12.0})
    t = dist.inverse_cumulative_hazard(h)
    assume(0 < t < math.inf)
    assert dist.cumulative_hazard(t) == pytest.approx(h, rel=1e-8)
