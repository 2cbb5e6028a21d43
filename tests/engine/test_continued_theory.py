"""Elapsed time honoured (spec §1.3, §4.7): an observed youth continues its clocks with the hazard
they already spent, so a Weibull sojourn observed to have lasted m months ends after a further
T' with P(T' > t) = S(m + t) / S(m), and with the hazard ratios of the observed situations in
the spent part. Checked by a KS test (p > 1e-3: a false alarm once in 1,000 seeds) on 2,000
youths, and shown to have the power to tell a fresh clock apart."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulator.engine.model import simulate_continued
from simulator.language.observed import Observed, ObservedSpell, ObservedYouth

pytestmark = pytest.mark.theory

YOUTHS = 2000
SHAPE, SCALE = 1.5, 10.0  # H0(t) = (t / 10)^1.5
RATIO = 3.0  # the hazard ratio while the other track is in `after`


def H(t):
    return (np.asarray(t, dtype=float) / SCALE) ** SHAPE


SCENARIO = f"""
name: elapsed
horizon: 400
intake: {{schedule: [{{at: 0, count: {YOUTHS}}}]}}
tracks:
  stay:
    states: [inside, out]
    initial: {{inside: 1.0}}
    transitions:
      inside->out:
        time: {{weibull: {{shape: {SHAPE}, scale: {SCALE}}}}}
        modifiers: [{{when: {{other: after}}, hazard_ratio: {RATIO}}}]
  other:
    states: [before, after]
    initial: {{before: 1.0}}
    transitions:
      before->after: {{time: {{fixed: {{months: 1000}}}}}}   # after the horizon: only observed
arms:
  only: {{}}
"""


def _further_months(scenario, spells_other, until: float, seed: int) -> np.ndarray:
    """Months after `until` until each youth, inside since 0 and `spells_other` in `other`, leaves `inside`."""
    youths = tuple(ObservedYouth(f"y{i}", 0.0, None, {}, {"stay": (ObservedSpell("inside", 0.0, until),),
                                                         "other": spells_other})
                   for i in range(YOUTHS))
    replication, = simulate_continued(scenario, Observed("only", until, youths), seed, [0], 1)
    t = replication.trajectories["only"]
    moved = (t.spell_track == 0) & (t.spell_state == 1)
    assert moved.sum() == YOUTHS  # every youth has left by the horizon (S(400) underflows)
    return np.sort(t.spell_start[moved]) - until


@pytest.mark.parametrize("m", [2.0, 8.0, 20.0])
def test_a_weibull_sojourn_observed_for_m_months_continues_with_S_of_m_plus_t_over_S_of_m(scenario_from, m):
    further = _further_months(scenario_from(SCENARIO), (ObservedSpell("before", 0.0, m),), m, seed=int(m))
    # Other track still `before`: HR 1 throughout, so P(T' <= t) = 1 - exp(-(H(m + t) - H(m))).
    conditional = stats.kstest(further, lambda t: -np.expm1(-(H(m + t) - H(m))))
    assert conditional.pvalue > 1e-3, conditional
    fresh = stats.kstest(further, lambda t: -np.expm1(-H(t)))  # a new clock: wrong, and detected
    assert fresh.pvalue < 1e-6, fresh


def test_the_spent_hazard_counts_the_observed_hazard_ratios(scenario_from):
    """`other` moved to `after` at month 4 and stays there (absorbing): the clock spent
    H(4) + 3 (H(8) - H(4)) by month 8, and what it has left runs at HR 3, so
    P(T' > t) = exp(-3 (H(8 + t) - H(8)))."""
    m = 8.0
    further = _further_months(scenario_from(SCENARIO),
                              (ObservedSpell("before", 0.0, 4.0), ObservedSpell("after", 4.0, m)), m, seed=11)
    result = stats.kstest(further, lambda t: -np.expm1(-RATIO * (H(m + t) - H(m))))
    assert result.pvalue > 1e-3, result
    # The sojourn's own median, checked against its closed form with the binomial error of a median.
    median = (SCALE ** SHAPE * math.log(2) / RATIO + m ** SHAPE) ** (1 / SHAPE) - m
    assert abs(np.mean(further <= median) - 0.5) <= 4 * math.sqrt(0.25 / YOUTHS)
