"""Department money from trajectories: exact tests on hand-built spells, every figure worked by hand.

Tolerances are float rounding only (a relative 1e-12 where sums or exponentials are involved,
exact equality where the arithmetic is exact in binary).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from simulator.money.flows import DepartmentCosts, contract_years, evaluate_flows, levels
from simulator.engine.model import simulate_replication
from simulator.language.scenario import MonthsPerYear, Condition, Economics, Flow, bind
from tests.support import build, closed_form, when

pytestmark = pytest.mark.exact

RTOL = 1e-12
DEPARTMENTS = ("municipality.social", "municipality.tax", "state.benefits", "state.tax", "region.psychiatry")


def flow(name, kind, amount, shares, condition=None, start=None, until=None, max_months_per_year=None):
    """A flow; a number as `max_months_per_year` is that many months a calendar year."""
    if isinstance(max_months_per_year, (int, float)):
        max_months_per_year = MonthsPerYear(((0.0, float(max_months_per_year)),))
    return Flow(name, kind, condition, amount, shares, start, until, max_months_per_year)


def economics(rate=0.035):
    return Economics("DKK", rate, DEPARTMENTS)


def row(costs: DepartmentCosts, department: str, discounted: bool = False) -> np.ndarray:
    return (costs.discounted if discounted else costs.nominal)[costs.index(department)]


HOUSING = {"housing": ["street", "shelter", "housed"]}


def test_per_month_in_accrues_continuously_and_is_discounted_in_closed_form():
    traj = build(16, HOUSING, [{"arrival": 0.5, "housing": [("shelter", 0.5), ("housed", 14.25)]}])
    stay = flow("shelter_stay", "per_month_in", 27000.0, {"municipality.social": 1.0}, when(housing="shelter"))
    costs = evaluate_flows(traj, [stay], economics(), (2021, 7), 16)
    expected = np.zeros(16)
    expected[0], expected[1:14], expected[14] = 0.5 * 27000, 27000, 0.25 * 27000
    np.testing.assert_array_equal(row(costs, "municipality.social"), expected)
    pieces = [(0.5, 1.0)] + [(m, m + 1.0) for m in range(1, 14)] + [(14.0, 14.25)]
    discounted = np.zeros(16)
    for a, b in pieces:
        discounted[int(a)] = closed_form(27000, a, b, 0.035)
    np.testing.assert_allclose(row(costs, "municipality.social", True), discounted, rtol=RTOL, atol=0)
    # The same total by numerical integration of (1 + r)^(−t/12).
    total, error = quad(lambda t: 27000 * 1.035 ** (-t / 12), 0.5, 14.25, epsabs=0, epsrel=1e-13)
    assert costs.total()[0] == pytest.approx(total, rel=1e-12)
    assert costs.total(discounted=False)[0] == 13.75 * 27000
    assert np.all(costs.nominal[1:] == 0)


def test_a_zero_discount_rate_leaves_the_money_nominal():
    traj = build(4, HOUSING, [{"arrival": 0, "housing": [("shelter", 0), ("housed", 2.5)]}])
    stay = flow("s", "per_month_in", 100.0, {"municipality.social": 1.0}, when(housing="shelter"))
    costs = evaluate_flows(traj, [stay], economics(0.0), None, 4)
    np.testing.assert_array_equal(costs.discounted, costs.nominal)
    assert row(costs, "municipality.social").tolist() == [100, 100, 50, 0]


def test_per_entry_costs_fall_at_the_exact_entry_times():
    traj = build(12, {"health": ["stable", "crisis"]}, [
        {"arrival": 0, "health": [("crisis", 0), ("stable", 1), ("crisis", 3.25), ("stable", 5),
                                  ("crisis", 7.5), ("stable", 9), ("crisis", 9), ("stable", 9)]},
        {"arrival": 2, "departure": 8, "health": [("stable", 2), ("crisis", 2, True), ("stable", 6)]},
    ])
    admission = flow("psychiatric_admission", "per_entry", 45000.0, {"region.psychiatry": 1.0},
                     when(health="crisis"))
    costs = evaluate_flows(traj, [admission], economics(), None, 12)
    # Youth 0: entries at 3.25, 7.5 and 9 (zero-length); the crisis held at arrival is not one.
    # Youth 1: a transition at its arrival instant, 2, is an entry.
    times = [3.25, 7.5, 9.0, 2.0]
    expected = np.zeros(12)
    for t in times:
        expected[int(t)] += 45000
    np.testing.assert_array_equal(row(costs, "region.psychiatry"), expected)
    discounted = np.zeros(12)
    for t in times:
        discounted[int(t)] += 45000 * 1.035 ** (-t / 12)
    np.testing.assert_allclose(row(costs, "region.psychiatry", True), discounted, rtol=RTOL, atol=0)
    # A period limits per-entry flows: [from, until) = [3, 9) keeps 3.25 and 7.5.
    limited = flow("p", "per_entry", 45000.0, {"region.psychiatry": 1.0}, when(health="crisis"), 3.0, 9.0)
    costs = evaluate_flows(traj, [limited], economics(), None, 12)
    assert np.flatnonzero(row(costs, "region.psychiatry")).tolist() == [3, 7]


def test_fixed_programme_costs_accrue_over_their_period_within_the_horizon():
    traj = build(72, HOUSING, [])
    team = flow("team_salaries", "fixed", 180000.0, {"municipality.social": 1.0}, None, 0.0, 42.0)
    partial = flow("pilot", "fixed", 1000.0, {"state.benefits": 1.0}, None, 2.5, 4.5)
    open_ended = flow("rent", "fixed", 10.0, {"state.tax": 1.0}, None, 70.0, None)
    costs = evaluate_flows(traj, [team, partial, open_ended], economics(), None, 72)
    expected = np.zeros(72)
    expected[:42] = 180000
    np.testing.assert_array_equal(row(costs, "municipality.social"), expected)
    delta = math.log(1.035) / 12
    discounted = np.array([180000 * (1.035 ** (-m / 12) - 1.035 ** (-(m + 1) / 12)) / delta if m < 42 else 0
                           for m in range(72)])
    np.testing.assert_allclose(row(costs, "municipality.social", True), discounted, rtol=RTOL, atol=0)
    assert row(costs, "state.benefits")[:6].tolist() == [0, 0, 500, 1000, 500, 0]
    assert row(costs, "state.tax")[68:].tolist() == [0, 0, 10, 10]


def test_max_months_per_calendar_year_counts_the_first_months_of_each_year_from_a_mid_year_start():
    """t = 0 is July 2021: calendar years begin at t = 6 (Jan 2022) and t = 18 (Jan 2023)."""
    traj = build(30, HOUSING, [
        {"arrival": 0, "housing": [("shelter", 0), ("housed", 20)]},
        # Two stays in 2022: [6.5, 8) and [9, 12.5); the 4 months are 1.5 + 2.5.
        {"arrival": 6.5, "housing": [("shelter", 6.5), ("housed", 8), ("shelter", 9), ("street", 12.5)]},
        # A stay across New Year: [16, 21) gives [16, 18) in 2022 and [18, 21) in 2023, all kept.
        {"arrival": 16, "housing": [("shelter", 16), ("street", 21)]},
    ])
    reimbursed = flow("shelter_reimbursement_after_reform", "per_month_in", 27000.0,
                      {"state.benefits": 0.5, "municipality.social": -0.5}, when(housing="shelter"),
                      None, None, 4.0)
    costs = evaluate_flows(traj, [reimbursed], economics(), (2021, 7), 30)
    months = np.zeros(30)
    months[0:4] += 1  # youth 0, 2021: [0, 4) of [0, 6)
    months[6:10] += 1  # youth 0, 2022: [6, 10) of [6, 18)
    months[18:20] += 1  # youth 0, 2023: [18, 20), all of it
    months[6] += 0.5  # youth 1: [6.5, 8)
    months[7] += 1
    months[9:11] += 1  # youth 1: [9, 11.5)
    months[11] += 0.5
    months[16:21] += 1  # youth 2: [16, 18) and [18, 21)
    np.testing.assert_array_equal(row(costs, "state.benefits"), 13500 * months)
    np.testing.assert_array_equal(row(costs, "municipality.social"), -13500 * months)
    # With `from` in October 2021 (t = 3), only months within the flow's period count in 2021.
    later = flow("r", "per_month_in", 1.0, {"state.benefits": 1.0}, when(housing="shelter"), 3.0, None, 2.0)
    costs = evaluate_flows(build(30, HOUSING, [{"arrival": 0, "housing": [("shelter", 0)]}]),
                           [later], economics(), (2021, 7), 30)
    expected = np.zeros(30)
    expected[[3, 4, 6, 7, 18, 19]] = 1  # 2021: [3, 5); 2022: [6, 8); 2023: [18, 20)
    np.testing.assert_array_equal(row(costs, "state.benefits"), expected)


def test_a_rolling_year_starts_at_the_first_month_in_the_condition():
    """At most 4 months a year. The youth is in a shelter over [5, 10) and [14, 18).
    Rolling: the year [5, 17) keeps [5, 9); [14, 17) is past its 4 months; the next year starts at
    17 (the youth is in the shelter then) and keeps [17, 18): 5 months. Calendar years from
    January (t = 0) keep [5, 9) and [14, 18): 8 months."""
    traj = build(24, HOUSING, [{"arrival": 5, "housing": [("shelter", 5), ("housed", 10), ("shelter", 14),
                                                          ("housed", 18)]}])
    rolling = flow("r", "per_month_in", 1.0, {"state.benefits": 1.0}, when(housing="shelter"), None, None,
                   MonthsPerYear(((0.0, 4.0),), rolling=True))
    months = row(evaluate_flows(traj, [rolling], economics(), None, 24), "state.benefits")
    expected = np.zeros(24)
    expected[[5, 6, 7, 8, 17]] = 1
    np.testing.assert_array_equal(months, expected)
    calendar = flow("c", "per_month_in", 1.0, {"state.benefits": 1.0}, when(housing="shelter"), None, None, 4.0)
    expected[[17]] = 0
    expected[[14, 15, 16, 17]] = 1
    np.testing.assert_array_equal(row(evaluate_flows(traj, [calendar], economics(), (2024, 1), 24),
                                      "state.benefits"), expected)


def test_a_limit_that_changes_at_a_date_holds_from_that_date():
    """4 months a rolling year, then 2 from month 20. Youth 0 stays over [18, 26): its year
    [18, 30) keeps [18, 20) under the old limit (2 months used), and nothing after month 20, when
    the limit is 2. Youth 1 stays over [21, 24.5) and is absent from 24.5: its year keeps [21, 23).
    A stay that straddles month 20 is cut there, so each piece has one limit."""
    traj = build(30, HOUSING, [
        {"arrival": 18, "housing": [("shelter", 18), ("housed", 26)]},
        {"arrival": 21, "departure": 24.5, "housing": [("shelter", 21)]},
    ])
    rule = MonthsPerYear(((0.0, 4.0), (20.0, 2.0)), rolling=True)
    limited = flow("r", "per_month_in", 1.0, {"state.benefits": 1.0}, when(housing="shelter"), None, None, rule)
    expected = np.zeros(30)
    expected[[18, 19]] += 1
    expected[[21, 22]] += 1
    np.testing.assert_array_equal(row(evaluate_flows(traj, [limited], economics(), None, 30), "state.benefits"),
                                  expected)


def test_max_months_per_year_needs_a_start():
    traj = build(12, HOUSING, [{"arrival": 0, "housing": [("shelter", 0)]}])
    limited = flow("r", "per_month_in", 1.0, {"state.benefits": 1.0}, when(housing="shelter"), None, None, 4.0)
    with pytest.raises(ValueError, match="max_months_per_year needs the scenario's `start`"):
        evaluate_flows(traj, [limited], economics(), None, 12)


def test_pays_split_and_transfer_share_the_amount():
    traj = build(12, {"activity": ["none", "job"]}, [
        {"arrival": 0, "activity": [("job", 0), ("none", 10)]}])
    job = when(activity="job")
    flows = [
        flow("income_tax", "per_month_in", -6000.0, {"state.tax": 0.6, "municipality.tax": 0.4}, job),
        flow("wage_subsidy", "per_month_in", 2000.0, {"municipality.social": 1.0}, job),
        flow("grant", "per_month_in", 1000.0, {"state.benefits": 0.25, "municipality.social": -0.25}, job),
    ]
    costs = evaluate_flows(traj, flows, economics(), None, 12)
    on = np.r_[np.ones(10), np.zeros(2)]
    np.testing.assert_array_equal(row(costs, "state.tax"), -3600 * on)
    np.testing.assert_array_equal(row(costs, "municipality.tax"), -2400 * on)
    np.testing.assert_array_equal(row(costs, "municipality.social"), (2000 - 250) * on)
    np.testing.assert_array_equal(row(costs, "state.benefits"), 250 * on)
    # A transfer moves money between public bodies: the total is the other flows' alone.
    np.testing.assert_allclose(costs.nominal.sum(axis=0), (-6000 + 2000) * on, rtol=0, atol=1e-9)


def test_a_scaled_flow_counts_that_share_of_its_amount():
    """`scale: 0.25` on a 40,000 shelter month (the cashable share): 10,000 a month, all else equal."""
    traj = build(12, HOUSING, [{"arrival": 0, "housing": [("shelter", 0), ("housed", 4)]}])
    stay = when(housing="shelter")
    whole = flow("stay", "per_month_in", 40000.0, {"municipality.social": 1.0}, stay)
    scaled = Flow("stay", "per_month_in", stay, 40000.0, {"municipality.social": 1.0}, scale=0.25)
    expected = np.r_[np.full(4, 10000.0), np.zeros(8)]
    np.testing.assert_array_equal(row(evaluate_flows(traj, [scaled], economics(), None, 12), "municipality.social"),
                                  expected)
    np.testing.assert_array_equal(row(evaluate_flows(traj, [whole], economics(), None, 12), "municipality.social"),
                                  4 * expected)


def test_per_youth_pays_at_arrival_for_matching_youths_and_flows_respect_their_period():
    traj = build(12, HOUSING, [
        {"arrival": 0, "attributes": {"profile": "high"}, "housing": [("street", 0)]},
        {"arrival": 2.5, "attributes": {"profile": "high"}, "housing": [("shelter", 2.5)]},
        {"arrival": 3, "attributes": {"profile": "low"}, "housing": [("shelter", 3)]},
    ], attributes={"profile": ["high", "low"]})
    assessment = flow("assessment", "per_youth", 5000.0, {"municipality.social": 1.0},
                      Condition({}, {"profile": frozenset({"high"})}))
    everyone = flow("intake", "per_youth", 100.0, {"state.benefits": 1.0}, Condition(), 1.0, None)
    stay = flow("stay", "per_month_in", 10.0, {"region.psychiatry": 1.0}, when(housing="shelter"), 4.0, 6.5)
    costs = evaluate_flows(traj, [assessment, everyone, stay], economics(), None, 12)
    assert row(costs, "municipality.social")[:4].tolist() == [5000, 0, 5000, 0]
    assert row(costs, "municipality.social", True)[2] == pytest.approx(5000 * 1.035 ** (-2.5 / 12), rel=RTOL)
    assert row(costs, "state.benefits")[:4].tolist() == [0, 0, 100, 100]  # from month 1
    assert row(costs, "region.psychiatry")[:8].tolist() == [0, 0, 0, 0, 20, 20, 10, 0]


def test_years_and_levels():
    by_month = np.arange(30, dtype=float)[None, :]
    np.testing.assert_array_equal(contract_years(by_month),
                                  [[sum(range(12)), sum(range(12, 24)), sum(range(24, 30))]])
    names, index = levels(DEPARTMENTS)
    assert names == ("municipality", "state", "region") and index.tolist() == [0, 0, 1, 1, 2]
    costs = DepartmentCosts(DEPARTMENTS, np.arange(10.0).reshape(5, 2), np.ones((5, 2)))
    np.testing.assert_array_equal(costs.by_year(discounted=False), [[1], [5], [9], [13], [17]])


def test_a_fractional_horizon_has_a_last_partial_month():
    traj = build(2.5, HOUSING, [{"arrival": 0, "housing": [("shelter", 0)]}])
    stay = flow("s", "per_month_in", 8.0, {"municipality.social": 1.0}, when(housing="shelter"))
    costs = evaluate_flows(traj, [stay], economics(), None, 2.5)
    assert row(costs, "municipality.social").tolist() == [8, 8, 4]


def test_end_to_end_with_fixed_clocks(scenario_from):
    """Three youths arrive at 0 and 12, stay 6 months in a shelter, then 18 months housed."""
    scenario = scenario_from("""
        name: fixed clocks
        horizon: 36
        start: 2021-07
        parameters: {month_cost: 27000}
        intake: {schedule: [{at: 0, count: 2}, {at: 12, count: 1}]}
        tracks:
          housing:
            states: [shelter, housed, street]
            initial: {shelter: 1.0}
            transitions:
              shelter->housed: {time: {fixed: 6}}
              housed->street: {time: {fixed: 18}}
        arms: {only: {}}
        economics:
          discount_rate: 0.035
          departments: [municipality.social, state.benefits]
        flows:
          stay: {per_month_in: {housing: shelter}, amount: $month_cost, pays: municipality.social}
          evictions: {per_entry: {housing: street}, amount: 1000, pays: state.benefits}
        """)
    replication = simulate_replication(scenario, 0, 0, 1)
    arm = scenario.arms["only"]
    flows = bind(arm.model.flows, replication.parameters["only"])
    costs = evaluate_flows(replication.trajectories["only"], flows, bind(scenario.economics, {}),
                           scenario.start, scenario.horizon)
    social = np.zeros(36)
    social[0:6] += 2 * 27000
    social[12:18] += 27000
    np.testing.assert_array_equal(row(costs, "municipality.social"), social)
    evictions = np.zeros(36)
    evictions[24] = 2000  # the third youth would be evicted at 36: the horizon, outside it
    np.testing.assert_array_equal(row(costs, "state.benefits"), evictions)
    expected = 2 * closed_form(27000, 0, 6, 0.035) + closed_form(27000, 12, 18, 0.035)
    assert costs.total()[0] == pytest.approx(expected, rel=RTOL)
