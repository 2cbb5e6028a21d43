"""The `targets` and `calibrate` sections as loaded, and as `validate` describes them (their bad
cases are in tests/test_cli_errors.py)."""
from __future__ import annotations

import pytest

from simulator.language.describe import describe
from simulator.language.errors import ScenarioError
from simulator.language.scenario import Calibration

pytestmark = pytest.mark.exact

SCENARIO = """
    name: targets
    horizon: 24
    baseline: usual
    parameters:
      wait: {dist: {lognormal: {median: 12, sigma: 0.7}}, label: Wait}
      effect: {dist: {uniform: {min: 1, max: 3}}}
      size: {dist: {choice: {values: [1, 2]}}}
    attributes: {group: {young: 0.5, older: 0.5}}
    intake: {cohort: {count: 10, at: 0}}
    tracks:
      housing:
        states: [shelter, housed]
        initial: {shelter: 1}
        transitions: {shelter->housed: {time: {exponential: {mean: $wait}}}}
    arms: {usual: {}, other: {label: Other}}
    targets:
      a:
        label: Housed at a year
        share_in: {housing: [housed]}
        months_after_arrival: 12
        observed: {count: 3, of: 10}
        source: s
      b:
        arm: other
        youths: {group: young}
        entered_within: {housing: housed}
        months: 6
        observed: {value: 0.4, se: 0.1}
        source: t
        hold_out: true
    CALIBRATE
    """


def test_targets_load_with_their_arm_youths_measure_and_observation(scenario_from):
    scenario = scenario_from(SCENARIO.replace("CALIBRATE", "calibrate: {parameters: [wait], replications: 2}"))
    a, b = scenario.targets["a"], scenario.targets["b"]
    assert (a.arm, a.measure, a.months, a.count, a.of, a.hold_out, a.observed) == ("usual", "share_in", 12, 3, 10, False, 0.3)
    assert dict(a.condition.states) == {"housing": frozenset({"housed"})} and not a.condition.attributes
    assert (b.arm, b.measure, b.value, b.se, b.hold_out) == ("other", "entered_within", 0.4, 0.1, True)
    assert dict(b.condition.attributes) == {"group": frozenset({"young"})}
    assert scenario.calibration == Calibration(("wait",), replications=2)
    assert scenario.calibration.initial == 1000 and scenario.calibration.step == 100
    text = describe(scenario)
    assert ("Housed at a year (a): share in housing housed 12 months after arrival, arm usual, all youths; "
            "observed 3 of 10") in text
    assert "b: share who entered housing housed within 6 months, arm Other (other), group young; observed 0.4 " \
           "(se 0.1); hold-out (not fitted)" in text
    assert "calibrates Wait (wait)" in text


def test_calibrate_defaults_to_every_uncertain_parameter_and_refuses_a_choice(scenario_from):
    with pytest.raises(ScenarioError, match=r"calibrate.parameters: expected a continuous parameter .*found size"):
        scenario_from(SCENARIO.replace("CALIBRATE", ""))
    scenario = scenario_from(SCENARIO.replace("CALIBRATE", "").replace("size: {dist: {choice: {values: [1, 2]}}}", ""))
    assert scenario.calibration.parameters == ("wait", "effect") and scenario.calibration.initial == 2000
