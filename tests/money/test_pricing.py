"""Contract pricing: exact tests on hand-made outcome units, trajectories and costs.

Every expected figure is worked out by hand in the test; tolerances are float rounding only.
Many replications priced at once, against each alone, are in test_pricing_property.py.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from simulator.engine.model import simulate_replication
from simulator.language.scenario import Contract, Guarantee, bind
from simulator.money.flows import DepartmentCosts, evaluate_flows
from simulator.money.pricing import Savings, price, price_replications
from simulator.money.units import StackedUnits, outcome_units
from tests.support import build, closed_form, contract, in_job, outcome, when

pytestmark = pytest.mark.exact

RTOL = 1e-12
HOUSING = {"housing": ["street", "shelter", "housed", "hf_flat"]}
ACTIVITY = {"activity": ["none", "education", "job"]}
DEPARTMENTS = ("municipality.social", "municipality.employment", "state.benefits", "fund.development")


def costs(n_months, nominal=None, discounted=None) -> DepartmentCosts:
    nominal = np.zeros((len(DEPARTMENTS), n_months)) if nominal is None else nominal
    return DepartmentCosts(DEPARTMENTS, nominal, nominal if discounted is None else discounted)


def no_savings(n_months):
    return {"hf": costs(n_months), "usual": costs(n_months)}


def priced(c, traj, n_months, baseline_traj=None, costs_by_arm=None, rate=0.0):
    units = outcome_units(c, traj, n_months)
    base = outcome_units(c, baseline_traj, n_months) if baseline_traj is not None else None
    return price(c, units, base, costs_by_arm or no_savings(n_months), "usual", n_months, rate)


# --- Pricing --------------------------------------------------------------------------------------

WORKING_ALL_ALONG = [in_job((0, 40))]


def test_yearly_settlement_is_at_the_end_of_each_contract_year_counted_from_window_from():
    traj = build(30, ACTIVITY, WORKING_ALL_ALONG)
    work = outcome("work", "months_in", when(activity="job"), price=1000.0)
    result = priced(contract([work], window=(0, 30)), traj, 30)
    assert result.settlement_times.tolist() == [12, 24, 30]
    assert result.settlements.tolist() == [12000, 12000, 6000]
    result = priced(contract([work], window=(6, 30)), traj, 30)
    assert result.settlement_times.tolist() == [18, 30]
    assert result.settlements.tolist() == [12000, 12000]
    result = priced(contract([work], window=(0, 30), settlement="monthly"), traj, 30)
    assert result.settlement_times.tolist() == list(range(1, 31))
    assert result.settlements.tolist() == [1000] * 30
    result = priced(contract([work], window=(2, 20), settlement="at_end"), traj, 30)
    assert result.settlement_times.tolist() == [20] and result.settlements.tolist() == [18000]
    with pytest.raises(ValueError, match="whole months"):
        priced(contract([work], window=(0.5, 30)), traj, 30)


def test_once_per_youth_and_max_months_are_cut_cumulatively_within_the_window():
    traj = build(36, ACTIVITY, [in_job((0.5, 40)), in_job((0, 13), (20, 34))])
    work = outcome("work", "months_in", when(activity="job"), price=1000.0, max_months=24.0)
    # Youth 0: 0.5 in bin 0, 1 in bins 1..23 (23.5 months), then 0.5 of bin 24; nothing after.
    # Youth 1: 13 months, then bins 20..30 up to 24 months in all (11 more): bins 20..30.
    result = priced(contract([work]), traj, 36)
    assert result.settlements.tolist() == [(11.5 + 12) * 1000, (12 + 1 + 4) * 1000, (0.5 + 7) * 1000]
    # `achieved` pays once per youth: youth 1 reaches 12 months at 12 and again at 32.
    housed = outcome("kept", "achieved", when(activity="job"), price=5000.0, for_months=12.0)
    assert priced(contract([housed]), traj, 36).settlements.tolist() == [0, 10000, 0]
    # A window from month 13 on: youth 1's first stay reached 12 months before it, its second counts.
    assert priced(contract([housed], window=(13, 36)), traj, 36).settlements.tolist() == [0, 5000]


def test_max_per_youth_cuts_each_youths_earnings_in_time_order_across_outcomes():
    traj = build(36, ACTIVITY, [
        {"arrival": 0, "activity": [("none", 0), ("job", 2)]},
        {"arrival": 0, "activity": [("none", 0), ("job", 30)]},
    ])
    job = when(activity="job")
    outcomes = [outcome("work", "months_in", job, price=1000.0), outcome("started", "entered", job, price=50000.0)]
    result = priced(contract(outcomes, max_per_youth=50500.0), traj, 36)
    # Youth 0, bin 2: months_in (1000) then the entry (50000, cut to 49500); nothing after.
    # Youth 1, bin 30: 1000 and the entry cut to 49500 again; then nothing.
    assert result.settlements.tolist() == [50500, 0, 50500]
    assert result.earned_by_outcome == {"work": 2000.0, "started": 99000.0}


def test_cap_and_max_multiple_cut_the_running_total():
    traj = build(30, ACTIVITY, WORKING_ALL_ALONG)
    work = outcome("work", "months_in", when(activity="job"), price=1000.0)
    assert priced(contract([work], window=(0, 30), cap=20000.0), traj, 30).settlements.tolist() == [12000, 8000, 0]
    result = priced(contract([work], window=(0, 30), max_multiple=0.25, principal=100000.0), traj, 30)
    assert result.settlements.tolist() == [12000, 12000, 1000]
    result = priced(contract([work], window=(0, 30), cap=20000.0, max_multiple=0.25), traj, 30)
    assert result.settlements.tolist() == [12000, 8000, 0]
    assert result.earned == 30000 and result.payments_nominal == 20000


def test_versus_baseline_pays_the_excess_per_outcome_and_settlement_floored_at_zero():
    arm = build(24, ACTIVITY, [in_job((0, 18)), in_job((30, 31))])
    baseline = build(24, ACTIVITY, [in_job((8, 22)), in_job((6, 12))])
    work = outcome("work", "months_in", when(activity="job"), price=1000.0)
    # Year 1: arm 12 + 0, baseline 4 + 6: pays 2 months. Year 2: arm 6, baseline 10: nothing.
    result = priced(contract([work], window=(0, 24), versus_baseline=True), arm, 24, baseline)
    assert result.settlements.tolist() == [2000, 0]
    assert priced(contract([work], window=(0, 24)), arm, 24).settlements.tolist() == [12000, 6000]
    with pytest.raises(ValueError, match="baseline arm's units"):
        price(contract([work], window=(0, 24), versus_baseline=True), outcome_units(
            contract([work], window=(0, 24)), arm, 24), None, no_savings(24), "usual", 24, 0.0)


def test_two_payers_share_every_settlement_and_payments_are_discounted_when_settled():
    traj = build(30, ACTIVITY, WORKING_ALL_ALONG)
    work = outcome("work", "months_in", when(activity="job"), price=1000.0)
    c = contract([work], window=(0, 30), payers={"municipality.social": 0.25, "fund.development": 0.75})
    result = priced(c, traj, 30, rate=0.035)
    discounted = 12000 * 1.035 ** -1 + 12000 * 1.035 ** -2 + 6000 * 1.035 ** -2.5
    assert result.payments_nominal == 30000
    assert result.payments_discounted == pytest.approx(discounted, rel=RTOL)
    assert result.payer_payments_nominal == {"municipality.social": 7500, "fund.development": 22500}
    assert result.payer_payments_discounted["fund.development"] == pytest.approx(0.75 * discounted, rel=RTOL)


def test_investor_returns():
    traj = build(12, ACTIVITY, [in_job((5, 12))])
    c = contract([outcome("kept", "entered", when(activity="job"), price=110.0)], window=(0, 12),
                 settlement="at_end", principal=100.0)
    result = priced(c, traj, 12)
    assert result.received == 110 and result.multiple == pytest.approx(1.1, rel=RTOL)
    assert result.irr == pytest.approx(0.10, rel=1e-12)
    assert result.full_repayment and result.expected_loss == 0
    nothing = priced(contract([outcome("kept", "entered", when(activity="education"), price=110.0)],
                              window=(0, 12), principal=100.0), traj, 12)
    assert nothing.received == 0 and nothing.irr == -1.0 and nothing.multiple == 0
    assert not nothing.full_repayment and nothing.expected_loss == 100


def test_the_outcome_fund_covers_municipal_payments_beyond_realised_savings():
    traj = build(30, ACTIVITY, WORKING_ALL_ALONG)
    work = outcome("work", "months_in", when(activity="job"), price=1000.0)
    c = contract([work], window=(0, 30), payers={"municipality.social": 0.5, "fund.development": 0.5},
                 outcome_fund_reserve=5000.0)
    base, arm = np.zeros((4, 30)), np.zeros((4, 30))
    base[0], arm[0, :12], arm[0, 12:24] = 1000, 500, 1500  # savings 6000, −6000, 6000 by settlement
    base[3] = arm[3] = 7  # the fund's own costs do not matter
    result = priced(c, traj, 30, costs_by_arm={"hf": costs(30, arm), "usual": costs(30, base)})
    # Municipal shares: 6000, 6000, 3000. Draws: 0, 6000 (never more than the share), 0.
    assert result.outcome_fund_draw == 6000 and result.fund_exhausted
    generous = dataclasses.replace(c, outcome_fund_reserve=6000.0)
    assert not priced(generous, traj, 30, costs_by_arm={"hf": costs(30, arm), "usual": costs(30, base)}).fund_exhausted
    # A guarantee of the overrun pays the 1,000 above the reserve, up to its amount.
    for up_to, paid in ((400.0, 400.0), (2000.0, 1000.0)):
        guaranteed = dataclasses.replace(c, guarantees=(Guarantee("fund.development", "outcome_fund_overrun", up_to),))
        result = priced(guaranteed, traj, 30, costs_by_arm={"hf": costs(30, arm), "usual": costs(30, base)})
        assert result.guarantee_paid == paid


def test_break_even_is_the_first_month_end_from_which_the_payers_stay_ahead():
    traj = build(24, ACTIVITY, [in_job((0, 16))])
    work = outcome("work", "months_in", when(activity="job"), price=1250.0)
    c = contract([work], window=(0, 24))  # pays 15000 at 12 and 5000 at 24
    base = np.zeros((4, 24))
    base[0] = 1000  # the payer saves 1000 a month
    # Savings minus payments: 1000 t before 12; −3000 at 12, then 1000 more a month: 0 at 15;
    # at 24: 24000 − 20000 = 4000.
    result = priced(c, traj, 24, costs_by_arm={"hf": costs(24), "usual": costs(24, base)})
    assert result.break_even_month == 15
    assert result.payer_net == 4000
    base[0] = 500
    never = priced(c, traj, 24, costs_by_arm={"hf": costs(24), "usual": costs(24, base)})
    assert math.isnan(never.break_even_month) and never.payer_net == -8000


def test_cumulative_cash_follows_the_payers_and_the_investor_month_by_month():
    traj = build(24, ACTIVITY, [in_job((0, 16))])
    c = contract([outcome("work", "months_in", when(activity="job"), price=1250.0)], window=(0, 24))
    base = np.zeros((4, 24))
    base[0] = 1000
    units = StackedUnits.of([outcome_units(c, traj, 24)])
    results = price_replications(c, {}, units, None, Savings.of([costs(24)], [costs(24, base)]), 24,
                                 np.array([0.0]))
    payers, investor = results.cumulative_cash()[0]
    # The payer saves 1000 a month and pays 15000 at 12 and 5000 at 24 (break-even at 15).
    assert payers.tolist() == [1000.0 * t - 15000 * (t >= 12) - 5000 * (t >= 24) for t in range(25)]
    # The investor disburses the principal (100000) at 0 and receives the settlements.
    assert investor.tolist() == [-100000.0 + 15000 * (t >= 12) + 5000 * (t >= 24) for t in range(25)]


def test_payer_net_is_discounted_savings_minus_discounted_payments():
    traj = build(24, ACTIVITY, [in_job((0, 16))])
    c = contract([outcome("work", "months_in", when(activity="job"), price=1250.0)], window=(0, 24),
                 payers={"municipality.social": 0.5, "state.benefits": 0.5})
    nominal, discounted = np.zeros((4, 24)), np.zeros((4, 24))
    discounted[0], discounted[2], discounted[1] = 900, 100, 1e6  # department 1 is not a payer
    result = priced(c, traj, 24, costs_by_arm={"hf": costs(24), "usual": costs(24, nominal, discounted)},
                    rate=0.035)
    assert result.payer_net == pytest.approx(24 * 1000 - 15000 / 1.035 - 5000 / 1.035 ** 2, rel=RTOL)


def with_outcome(c: Contract, **fields) -> Contract:
    """`c` with fields of its first outcome changed."""
    return dataclasses.replace(c, outcomes=(dataclasses.replace(c.outcomes[0], **fields), *c.outcomes[1:]))


def test_price_refuses_units_counted_for_other_metrics():
    traj = build(24, HOUSING, [{"arrival": 0, "housing": [("housed", 0)]}])
    c = contract([outcome("housed_12m", "achieved", when(housing="housed"), price=75000.0, for_months=12.0)],
                 window=(0, 24))
    units = outcome_units(c, traj, 24)
    cheaper = with_outcome(c, price=50000.0)
    assert price(cheaper, units, None, no_savings(24), "usual", 24, 0.0).payments_nominal == 50000
    shorter = with_outcome(c, for_months=6.0)
    with pytest.raises(ValueError, match="housed_12m.*recompute"):
        price(shorter, units, None, no_savings(24), "usual", 24, 0.0)


# --- End to end -----------------------------------------------------------------------------------

SCENARIO = """
    name: fixed clocks, one cohort
    horizon: 24
    start: 2021-01
    intake: {cohort: {count: 4}}
    tracks:
      housing:
        states: [shelter, housed]
        initial: {shelter: 1.0}
        transitions:
          shelter->housed: {time: {fixed: 12}}
    arms:
      usual: {}
      hf:
        patch:
          tracks: {housing: {transitions: {shelter->housed: {time: {fixed: 2}}}}}
    economics: {discount_rate: 0.035, departments: [municipality.social, fund.development]}
    flows:
      shelter_stay: {per_month_in: {housing: shelter}, amount: 27000, pays: municipality.social}
    contracts:
      sib:
        arm: hf
        payer: municipality.social
        investor: {principal: 400000}
        window: {from: 0, until: 24}
        outcome_fund: {reserve: 5000}
        outcomes:
          housed_6m: {achieved: {in: {housing: housed}, for_months: 6}, price: 100000}
          housed_months: {months_in: {housing: housed}, price: 1000, max_months: 12}
    """


def test_end_to_end_with_a_deterministic_scenario(scenario_from):
    """Four youths; shelter for 12 months as usual, 2 with Housing First, then housed."""
    scenario = scenario_from(SCENARIO)
    replication = simulate_replication(scenario, 0, 0, 1)
    economics = bind(scenario.economics, {})
    costs_by_arm = {arm: evaluate_flows(replication.trajectories[arm],
                                        bind(scenario.arms[arm].model.flows, replication.parameters[arm]),
                                        economics, scenario.start, scenario.horizon)
                    for arm in scenario.arms}
    c = bind(scenario.contracts["sib"], replication.parameters["hf"])
    units = {arm: outcome_units(c, replication.trajectories[arm], 24) for arm in scenario.arms}
    result = price(c, units["hf"], units["usual"], costs_by_arm, "usual", 24, 0.035)
    # HF: 6 months housed at 8 (4 × 100000); housed months 2..13 capped at 12: 10 in year 1, 2 in year 2.
    assert result.settlements.tolist() == [4 * 100000 + 4 * 10 * 1000, 4 * 2 * 1000]
    x = (-440000 + math.sqrt(440000 ** 2 + 4 * 8000 * 400000)) / (2 * 8000)  # 1/(1 + irr)
    assert result.irr == pytest.approx(1 / x - 1, rel=1e-12)
    assert result.multiple == pytest.approx(448000 / 400000, rel=RTOL)
    # Savings of the municipality: 4 × 27000 a month over [2, 12), nothing in year 2: the 8000
    # paid for year 2 is drawn from the fund, more than its 5000.
    assert result.outcome_fund_draw == 8000 and result.fund_exhausted
    saved = 4 * closed_form(27000, 2, 12, 0.035)
    assert result.payer_net == pytest.approx(saved - 440000 / 1.035 - 8000 / 1.035 ** 2, rel=RTOL)
    # Versus the baseline: as usual, 6 months housed at 18 and 12 housed months in year 2, so
    # only year 1's excess is paid: 400000 + 40000.
    versus = dataclasses.replace(c, versus_baseline=True)
    result = price(versus, units["hf"], units["usual"], costs_by_arm, "usual", 24, 0.035)
    assert result.settlements.tolist() == [440000, 0]
    assert result.irr == pytest.approx(0.1, rel=1e-12)
