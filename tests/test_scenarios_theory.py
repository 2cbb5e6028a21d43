"""The research scenario reproduces its trial, At Home/Chez Soi (youth), within the Monte Carlo
standard error."""
from __future__ import annotations

import numpy as np
import pytest

from simulator.engine.model import simulate_replication
from simulator.language.loading import load_scenario
from tests.support import SCENARIOS, assert_mean_close

pytestmark = pytest.mark.theory


def test_the_research_scenario_reproduces_at_home_chez_soi_youth():
    """Share of days stably housed over 24 months: 31 % (usual) and 65 % (Housing First).

    The exact values of the calibrated chain (scenarios/research/calibrate.py, a matrix-exponential
    integral) are 0.310000 and 0.650015; 40 replications of 156 youths put the tolerance near
    0.01, so an error of a few points in either arm fails.
    """
    scenario = load_scenario(SCENARIOS / "research" / "housing-first-vs-shelter.yaml")
    expected = {"shelter_as_usual": 0.310000, "housing_first": 0.650015}
    shares = {arm: [] for arm in expected}
    for replication in range(40):
        result = simulate_replication(scenario, 2026, replication, 40)
        for arm in expected:
            t = result.trajectories[arm]
            housing = t.tracks.index("housing")
            housed = (t.spell_track == housing) & (t.spell_state == t.states[housing].index("housed"))
            months = np.sum(t.spell_end[housed] - t.spell_start[housed])
            shares[arm].append(months / (t.youths * scenario.horizon))
    for arm, share in expected.items():
        assert_mean_close(shares[arm], share, what=f"share of days housed, {arm}")
