"""The likelihood of observed histories, against a sum written out by hand for three youths:
exponential and Weibull clocks with modifiers that change during a spell (one with a strength), an `on_enter` jump that
happened and one that could have and did not, a departure, a youth still present at the cut-off."""
from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.engine.likelihood import log_likelihood, statistics
from simulator.language.observed import Observed, ObservedSpell, ObservedYouth

pytestmark = pytest.mark.exact

SCENARIO = """
name: likelihood
horizon: 24
parameters:
  m: {dist: {uniform: {min: 2, max: 20}}}
  med: {dist: {uniform: {min: 5, max: 30}}}
  pj: {dist: {uniform: {min: 0.1, max: 0.9}}}
  e: {dist: {uniform: {min: 50, max: 500}}}
  st: {dist: {uniform: {min: 0, max: 1}}}
attributes:
  group: {a: 0.5, b: 0.5}
intake: {poisson: {rate: 1, from: 0, until: 12}}
exit: {time: {exponential: {mean: $e}}}
tracks:
  housing:
    states: [shelter, housed]
    initial: {shelter: 1.0}
    transitions:
      shelter->housed:
        time: {exponential: {mean: $m}}
        modifiers: [{when: {group: b}, hazard_ratio: 0.5, strength: $st}]
      housed->shelter:
        time: {weibull: {shape: 1.5, median: $med}}
        modifiers: [{when: {activity: working}, hazard_ratio: 0.5}]
    on_enter:
      housed: [{track: activity, from: [idle], to: working, probability: $pj}]
  activity:
    states: [idle, working]
    initial: {idle: 0.8, working: 0.2}
    transitions:
      idle->working: {time: {exponential: {mean: 20}}}
      working->idle: {time: {exponential: {mean: 10}}}
arms:
  only: {}
"""


def _youth(name, arrival, departure, group, housing, activity):
    spells = {track: tuple(ObservedSpell(*spell) for spell in spells)
              for track, spells in (("housing", housing), ("activity", activity))}
    return ObservedYouth(name, arrival, departure, {"group": group}, spells)


YOUTHS = (
    # group b: housed at 4, where the jump moved activity to working; back to idle at 7; leaves at 11
    _youth("1", 1.0, 11.0, "b", [("shelter", 1, 4), ("housed", 4, 11)],
           [("idle", 1, 4), ("working", 4, 7), ("idle", 7, 11)]),
    # working all along: entering housed at 3 cannot jump (activity is not idle)
    _youth("2", 0.0, None, "a", [("shelter", 0, 3), ("housed", 3, 12)], [("working", 0, 12)]),
    # idle when housed at 5: the jump could have happened and did not
    _youth("3", 2.0, None, "a", [("shelter", 2, 5), ("housed", 5, 12)], [("idle", 2, 12)]),
)


def by_hand(m, med, pj, e, st):
    r = 1 / m
    scale = med / math.log(2) ** (1 / 1.5)
    H = lambda t: (t / scale) ** 1.5
    b = 0.5 ** st  # group b's hazard ratio, at its strength
    shelter = 3 * math.log(r) + math.log(b) - r * (b * 3 + 3 + 3)  # three moves out of the shelter
    housed = -(0.5 * H(3) + (H(7) - H(3)) + 0.5 * H(9) + H(7))  # nobody moved out of housed
    jumps = math.log(pj) + math.log(1 - pj)
    leaving = math.log(1 / e) - (10 + 12 + 10) / e
    activity = -3 / 20 - 3 / 10 + math.log(1 / 10) - 4 / 20 - 12 / 10 - 10 / 20  # youth 1's move at 4 was the jump
    initial = 2 * math.log(0.8) + math.log(0.2)
    return shelter + housed + jumps + leaving + activity + initial


def test_the_log_likelihood_is_the_sum_written_out_by_hand(scenario_from):
    scenario = scenario_from(SCENARIO)
    draws = np.array([[4.0, 12.0, 0.3, 100.0, 1.0], [15.0, 25.0, 0.7, 400.0, 0.5], [2.5, 6.0, 0.5, 60.0, 0.0]])
    names = ("m", "med", "pj", "e", "st")
    got = log_likelihood(statistics(scenario, Observed("only", 12.0, YOUTHS)), names, draws, {})
    expected = [by_hand(*row) for row in draws]
    assert np.allclose(got, expected, rtol=1e-12, atol=1e-12), (got, expected)
