"""The switching value: where a target that is linear between the points crosses zero."""
from __future__ import annotations

import pytest

from simulator.language.distributions import UniformParameter
from simulator.language.scenario import Parameter
from simulator.sensitivity import crossing, distinct, setting_key, tornado, tornado_settings

pytestmark = pytest.mark.exact


def test_crossing_interpolates_the_first_sign_change():
    """Exact: y is linear between the points."""
    assert crossing([0.0, 1.0, 2.0], [2.0, 1.0, -1.0]) == 1.5
    assert crossing([0.0, 1.0, 2.0], [-3.0, 0.0, 3.0]) == 1.0
    assert crossing([0.0, 1.0, 2.0], [1.0, 2.0, 3.0]) is None
    assert crossing([0.0, 1.0], [1.0, 0.0]) == 1.0


def test_the_bar_counts_exactly_the_settings_the_tornado_evaluates():
    """The sensitivity bar's length is `distinct(tornado_settings(...))` runs: the settings the
    tornado asks for, each run once (a repeated one is not counted twice), with and without the
    scans for switching values."""
    parameters = {name: Parameter(name, None, UniformParameter(low, high)) for name, low, high in
                  (("a", 0.0, 10.0), ("b", -5.0, 5.0), ("c", 100.0, 300.0))}
    for switching in (True, False):
        asked = set()

        def evaluate(setting):
            asked.add(setting_key(setting))
            return sum(setting.values()) - 150.0

        tornado(parameters, evaluate, evaluate if switching else None)
        planned = tornado_settings(parameters, switching)
        assert {setting_key(s) for s in planned} == asked
        # the medians, and each parameter's 5 scan points (2 without), of which the middle one
        # is its median here (a uniform), the setting of the medians again
        assert distinct(planned) == len(asked) == 1 + len(parameters) * (4 if switching else 2)
