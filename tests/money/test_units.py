"""Outcome units: what each outcome counts per youth and month bin, on hand-built trajectories
(exact tests: every expected row is worked out by hand in the test)."""
from __future__ import annotations

import pytest

from simulator.language.scenario import Condition
from simulator.money.units import OutcomeUnits, outcome_units
from tests.support import build, contract, in_job, outcome, when

pytestmark = pytest.mark.exact

HOUSING = {"housing": ["street", "shelter", "housed", "hf_flat"]}
ACTIVITY = {"activity": ["none", "education", "job"]}


def table(units: OutcomeUnits) -> list[tuple]:
    """(outcome, youth, month, units) rows."""
    return list(zip(units.outcome.tolist(), units.youth.tolist(), units.month.tolist(), units.units.tolist()))


# --- Units per metric -----------------------------------------------------------------------------


def test_achieved_counts_each_stay_reaching_for_months_at_the_instant_it_does():
    traj = build(36, HOUSING, [
        {"arrival": 0, "housing": [("shelter", 0), ("housed", 3), ("street", 9), ("hf_flat", 12)]},
        {"arrival": 2, "housing": [("housed", 2)]},
        {"arrival": 24, "housing": [("housed", 24)]},  # reaches 12 months at the horizon itself
        {"arrival": 0, "housing": [("housed", 0), ("street", 13), ("housed", 20), ("street", 34)]},
        {"arrival": 0, "departure": 11.5, "housing": [("housed", 0)]},  # leaves before 12 months
    ])
    c = contract([outcome("housed_12m", "achieved", when(housing=["housed", "hf_flat"]), for_months=12.0)])
    assert table(outcome_units(c, traj, 36)) == [
        (0, 0, 24, 1.0), (0, 1, 14, 1.0), (0, 2, 35, 1.0), (0, 3, 12, 1.0), (0, 3, 32, 1.0)]


def test_months_in_counts_the_months_spent_in_each_bin():
    traj = build(12, ACTIVITY, [
        in_job((0.5, 2.25), (5, 5.5)),
        in_job((1, 3), departure=2.5),
    ])
    c = contract([outcome("work", "months_in", when(activity=["job", "education"]))], window=(0, 12))
    assert table(outcome_units(c, traj, 12)) == [
        (0, 0, 0, 0.5), (0, 0, 1, 1.0), (0, 0, 2, 0.25), (0, 0, 5, 0.5), (0, 1, 1, 1.0), (0, 1, 2, 0.5)]


def test_entered_counts_transitions_into_the_states_not_the_state_at_arrival():
    traj = build(12, ACTIVITY, [
        {"arrival": 0, "activity": [("none", 0), ("job", 3.25), ("none", 5), ("education", 7)]},
        {"arrival": 1, "activity": [("job", 1), ("none", 2), ("job", 2.5)]},
    ])
    c = contract([outcome("work", "entered", when(activity=["job", "education"]))], window=(0, 12))
    assert table(outcome_units(c, traj, 12)) == [(0, 0, 3, 1.0), (0, 0, 7, 1.0), (0, 1, 2, 1.0)]


def test_status_at_checks_present_youths_at_months_after_their_arrival():
    traj = build(36, HOUSING, [
        {"arrival": 2, "housing": [("shelter", 2), ("housed", 10), ("street", 22)]},
        {"arrival": 0, "departure": 19, "housing": [("housed", 0)]},
        {"arrival": 12, "housing": [("shelter", 12), ("hf_flat", 13)]},
    ])
    checks = outcome("off_shelter", "status_at", when(housing=["shelter", "street"]), inside=False,
                     checkpoints=(12.0, 18.0, 24.0))
    # Youth 0 at 14 and 20 (housed), not 26 (street); youth 1 at 12 and 18, gone by 24;
    # youth 2 at 24 and 30, and at 36 = the horizon (the last bin).
    assert table(outcome_units(contract([checks]), traj, 36)) == [
        (0, 0, 14, 1.0), (0, 0, 20, 1.0), (0, 1, 12, 1.0), (0, 1, 18, 1.0),
        (0, 2, 24, 1.0), (0, 2, 30, 1.0), (0, 2, 35, 1.0)]
    # In the shelter 7.5 and 8 months after arrival: youth 0 at 9.5 only (it left at 10 = 2 + 8).
    inside = outcome("in_shelter", "status_at", when(housing="shelter"), checkpoints=(8.0, 7.5))
    assert table(outcome_units(contract([inside]), traj, 36)) == [(0, 0, 9, 1.0)]


def test_per_period_pays_for_whole_periods_after_arrival_within_the_thresholds():
    traj = build(36, ACTIVITY, [
        # Periods [1, 7), [7, 13), [13, 19), [19, 25); [25, 31) is cut by the departure at 28.
        in_job((2, 3.5), (8, 9), (14, 20), arrival=1.0, departure=28.0),
    ])
    at_least = outcome("attached", "per_period", when(activity="job"), every=6.0, at_least=1.5)
    assert table(outcome_units(contract([at_least]), traj, 36)) == [(0, 0, 7, 1.0), (0, 0, 19, 1.0)]
    # Months in a job per period: 1.5, 1, 5, 1. At most 1: the 2nd and 4th.
    at_most = outcome("few", "per_period", when(activity="job"), every=6.0, at_most=1.0)
    assert table(outcome_units(contract([at_most]), traj, 36)) == [(0, 0, 13, 1.0), (0, 0, 25, 1.0)]
    # Out of a job: 4.5, 5, 1, 5 months; between 4.5 and 5 inclusive: all but the 3rd.
    out = outcome("out", "per_period", when(activity="job"), inside=False, every=6.0, at_least=4.5, at_most=5.0)
    assert table(outcome_units(contract([out]), traj, 36)) == [(0, 0, 7, 1.0), (0, 0, 13, 1.0), (0, 0, 25, 1.0)]


def test_only_youths_matching_the_contract_count():
    traj = build(12, ACTIVITY, [
        {"arrival": 0, "attributes": {"group": "employment"}, "activity": [("none", 0), ("job", 1)]},
        {"arrival": 0, "attributes": {"group": "vulnerable"}, "activity": [("none", 0), ("job", 1)]},
    ], attributes={"group": ["employment", "vulnerable"]})
    c = contract([outcome("work", "entered", when(activity="job"))], window=(0, 12),
                 youths=Condition({}, {"group": frozenset({"employment"})}))
    assert table(outcome_units(c, traj, 12)) == [(0, 0, 1, 1.0)]
