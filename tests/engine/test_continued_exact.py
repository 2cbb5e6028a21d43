"""The engine's continuation of observed youths (`simulate_continued`), against what must hold exactly:
a cut-off at 0 with no one observed is `simulate`, bit for bit; a cut-off at the horizon replays
the observed histories; at any cut-off the observed past is kept as observed, in the observed arm,
and every arm keeps the observed youths' arrivals, attributes, departures and states at arrival."""
from __future__ import annotations

import numpy as np
import pytest

from simulator.engine.model import simulate, simulate_continued, simulate_replication
from simulator.forecast import observed_from, write_observed
from simulator.language.loading import load_scenario
from simulator.language.observed import Observed, read_observed
from tests.support import ROOT

pytestmark = pytest.mark.exact

SCENARIO = ROOT / "tests" / "data" / "forecast.yaml"
FIELDS = ("arrival", "departure", "youth_attributes", "spell_youth", "spell_track", "spell_state", "spell_start",
          "spell_end", "spell_entered")


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIO)


def _same(a, b) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in FIELDS)


def test_a_cut_off_at_0_with_no_one_observed_is_run_bit_for_bit(scenario):
    runs = list(simulate(scenario, 3, range(5), 5))
    continued = list(simulate_continued(scenario, Observed("programme", 0.0, ()), 3, range(5), 5))
    for plain, forecast in zip(runs, continued):
        assert plain.parameters == forecast.parameters
        for arm in scenario.arms:
            assert _same(plain.trajectories[arm], forecast.trajectories[arm]), arm


def _observed(scenario, tmp_path, until: float, seed: int = 4):
    """Replication 0 of `seed` seen up to `until` in the programme arm, through the CSV files."""
    truth = simulate_replication(scenario, seed, 0, 1).trajectories["programme"]
    write_observed(observed_from(truth, until), tmp_path, [a.name for a in scenario.attributes])
    return truth, read_observed(tmp_path, scenario, "programme", until)


def test_a_cut_off_at_the_horizon_replays_the_observed_histories(scenario, tmp_path):
    truth, observed = _observed(scenario, tmp_path, scenario.horizon)
    assert len(observed.youths) == truth.youths
    for replication in simulate_continued(scenario, observed, 9, range(3), 3):
        assert _same(replication.trajectories["programme"], truth)


def test_the_observed_past_is_kept_and_every_arm_has_the_observed_youths(scenario, tmp_path):
    until = 12.0
    truth, observed = _observed(scenario, tmp_path, until)
    n = len(observed.youths)
    for replication in simulate_continued(scenario, observed, 9, range(4), 4):
        programme, usual = replication.trajectories["programme"], replication.trajectories["usual"]
        assert observed_from(programme, until).youths == tuple(
            type(y)(f"y{i}", y.arrival, y.departure, y.attributes, y.spells) for i, y in enumerate(observed.youths))
        for arm in (programme, usual):
            assert np.array_equal(arm.arrival[:n], [y.arrival for y in observed.youths])
            assert np.all(arm.arrival[n:] >= until)
            left = [y.departure is not None for y in observed.youths]
            assert np.array_equal(arm.departure[:n][left], [y.departure for y in observed.youths if y.departure])
            assert np.all(arm.departure[:n][~np.array(left)] > until)
            first = (arm.spell_start == arm.arrival[arm.spell_youth]) & (arm.spell_youth < n)
            # Both arms share `initial`, so the baseline starts each youth where it was observed to.
            states = {(int(y), int(k)): int(s) for y, k, s in
                      zip(arm.spell_youth[first], arm.spell_track[first], arm.spell_state[first])}
            for i, youth in enumerate(observed.youths):
                for k, track in enumerate(arm.tracks):
                    assert arm.states[k][states[(i, k)]] == youth.spells[track][0].state
        assert np.array_equal(programme.departure, usual.departure)
