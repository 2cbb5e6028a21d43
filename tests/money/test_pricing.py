"""Contract pricing: exact tests on hand-made outcome units, trajectories and costs.

Every expected figure is worked out by hand in the test; tolerances are float rounding only.
"""
from __future__ import annotations

import collections
import dataclasses
import math

import numpy as np
import pytest

from simulator.engine.model import simulate_replication
from simulator.language.scenario import SETTLEMENTS, Condition, Contract, Investor, Number, Ref, bind
from simulator.money.flows import DepartmentCosts, evaluate_flows
from simulator.money.pricing import ContractResult, Savings, price, price_replications
from simulator.money.units import OutcomeUnits, StackedUnits, definitions, outcome_units
from tests.support import build, closed_form, contract, in_job, outcome, when

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
    assert result.earned == 30000 and result.payments == 20000


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
    assert result.payments == 30000
    assert result.payments_discounted == pytest.approx(discounted, rel=RTOL)
    assert result.payer_payments == {"municipality.social": 7500, "fund.development": 22500}
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
    assert price(cheaper, units, None, no_savings(24), "usual", 24, 0.0).payments == 50000
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


# --- Many replications at once --------------------------------------------------------------------
# `price_replications` must give every replication what `price` gives it alone, whatever terms the
# design sets and whatever the other replications hold. Units and money are random (not
# trajectories): sparse tables like the ones `outcome_units` makes, in every corner the rules have.

MONTHS = 36


def many_contract(window_until: Number = 36.0, second_disbursement_at: Number = 18.0) -> Contract:
    """Five outcomes of all metrics; a price, a per-youth cap and a payer's share are parameters
    drawn per replication. The second disbursement comes after the first settlement, so the
    investor's cash flows change sign several times."""
    return Contract(
        "sib", "hf", Condition(), {"municipality.social": Ref("share"), "state.benefits": 0.4},
        Investor(40000.0, ((0.0, 24000.0), (second_disbursement_at, 16000.0))), 0.0, window_until,
        "yearly", (outcome("housed", "achieved", when(housing="housed"), price=Ref("price"), for_months=6.0),
                   outcome("work", "months_in", when(activity="job"), price=2000.0, max_months=Ref("max_months")),
                   outcome("started", "entered", when(activity="job"), price=5000.0),
                   outcome("attached", "per_period", when(activity="job"), price=3000.0, every=6.0,
                           at_least=1.0, max_periods=3.0),
                   outcome("checks", "status_at", when(housing="shelter"), price=4000.0, inside=False,
                           checkpoints=(12.0, 24.0))),
        cap=150000.0, outcome_fund_reserve=20000.0)


def random_units(c: Contract, arm: str, youths: int, rng: np.random.Generator,
                 empty: bool = False) -> OutcomeUnits:
    """A few cells per outcome and youth: 1 unit per event, fractions of months for `months_in`."""
    rows = []
    for o, out in enumerate(c.outcomes):
        for youth in range(youths):
            for month in np.sort(rng.choice(MONTHS, size=0 if empty else int(rng.integers(0, 8)), replace=False)):
                rows.append((o, youth, month, rng.uniform(0.1, 1.0) if out.unit == "months" else 1.0))
    o, y, m, u = np.array(rows, dtype=float).reshape(-1, 4).T
    return OutcomeUnits(c.name, arm, tuple(x.name for x in c.outcomes), definitions(c), MONTHS, youths,
                        o.astype(np.int16), y.astype(np.int32), m.astype(np.int32), u)


def random_replications(c: Contract, rng: np.random.Generator, runs: int, empty: bool = False):
    """Units of both arms, both arms' money and the parameter values of `runs` replications; the
    first has no youths. Savings are positive and negative, so that the fund is drawn on."""
    youths = [0, *rng.integers(1, 6, size=runs - 1)]
    units = [random_units(c, "hf", n, rng, empty) for n in youths]
    baseline = [random_units(c, "usual", n, rng, empty) for n in youths]
    money = lambda: costs(MONTHS, *(rng.normal(1000, 3000, size=(len(DEPARTMENTS), MONTHS)) for _ in range(2)))
    arm_costs, baseline_costs = [money() for _ in range(runs)], [money() for _ in range(runs)]
    values = {"price": rng.uniform(5000, 20000, runs), "max_months": rng.integers(1, 6, runs).astype(float),
              "share": rng.uniform(0.3, 0.8, runs), "until": rng.choice([24.0, 30.0, 36.0], runs),
              "at": rng.choice([6.0, 18.0], runs)}
    rates = rng.choice([0.0, 0.035, 0.05], runs)
    return units, baseline, arm_costs, baseline_costs, values, rates


def random_design(c: Contract, rng: np.random.Generator) -> Contract:
    """`c` with terms as a sweep changes them: caps that bind or not, windows, settlements,
    prices of 0."""
    start = int(rng.integers(0, 20))
    terms = {"window_start": float(start), "window_until": float(rng.integers(start + 1, MONTHS + 1)),
             "settlement": str(rng.choice(SETTLEMENTS)), "versus_baseline": bool(rng.random() < 0.5),
             "cap": None if rng.random() < 0.3 else float(rng.uniform(1e4, 2e5)),
             "max_per_youth": None if rng.random() < 0.4 else float(rng.uniform(2000, 30000)),
             "max_multiple": None if rng.random() < 0.3 else float(rng.uniform(0.2, 2.0)),
             "outcome_fund_reserve": float(rng.uniform(0, 50000))}
    changes = {"attached": {"max_periods": float(rng.integers(1, 4))}}
    for name in ("work", "started", "checks"):
        changes[name] = {"price": 0.0 if rng.random() < 0.2 else float(rng.uniform(500, 8000))}
    outcomes = tuple(dataclasses.replace(o, **changes.get(o.name, {})) for o in c.outcomes)
    return dataclasses.replace(c, outcomes=outcomes, **terms)


def assert_priced_alone(c: Contract, replications, results, r: int) -> None:
    """Replication r of `results` equals `price` on that replication alone, field by field and
    bit for bit: a run prices its chunks of replications together, and the numbers must not
    depend on how replications were grouped (or on the number of workers)."""
    units, baseline, arm_costs, baseline_costs, values, rates = replications
    alone = price(bind(c, {name: float(v[r]) for name, v in values.items()}), units[r], baseline[r],
                  {"hf": arm_costs[r], "usual": baseline_costs[r]}, "usual", MONTHS, float(rates[r]))
    together = results.replication(r)
    for field in dataclasses.fields(ContractResult):
        a, b = getattr(together, field.name), getattr(alone, field.name)
        if isinstance(b, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=field.name)
        else:
            assert a == b or (a != a and b != b), f"{field.name}: {a} together, {b} alone"


def priced_together(c: Contract, replications):
    units, baseline, arm_costs, baseline_costs, values, rates = replications
    return price_replications(c, values, StackedUnits.of(units), StackedUnits.of(baseline),
                              Savings.of(arm_costs, baseline_costs), MONTHS, rates)


def test_pricing_many_replications_at_once_gives_each_what_it_gets_alone():
    rng = np.random.default_rng(11)
    base = many_contract()
    replications = random_replications(base, rng, runs=12)
    seen = collections.Counter()
    for _ in range(40):
        c = random_design(base, rng)
        results = priced_together(c, replications)
        for r in range(12):
            assert_priced_alone(c, replications, results, r)
        seen["cap or max_multiple cut"] += int(np.sum(results.payments < results.earned))
        seen["repaid in full"] += int(np.sum(results.full_repayment))
        seen["not repaid in full"] += int(np.sum(~results.full_repayment))
        seen["nothing repaid"] += int(np.sum(results.irr == -1.0))
        seen["fund exhausted"] += int(np.sum(results.fund_exhausted))
        seen["payers break even"] += int(np.sum(~np.isnan(results.break_even_month)))
        seen["IRR of cash flows changing sign again"] += int(np.sum(np.any(
            (results.settlement_times < 18) & (results.settlements > 0), axis=1) & (results.irr > -1)))
    # The designs reach every case the rules distinguish (max_per_youth is checked below).
    assert min(seen.values()) > 0 and len(seen) == 7, seen


def test_max_per_youth_binds_the_same_together_and_alone():
    rng = np.random.default_rng(12)
    base = dataclasses.replace(many_contract(), cap=None, max_multiple=None)
    replications = random_replications(base, rng, runs=8)
    loose, tight = (priced_together(dataclasses.replace(base, max_per_youth=limit), replications)
                    for limit in (None, 6000.0))
    assert np.all(tight.earned <= loose.earned) and np.any(tight.earned < loose.earned)
    for r in range(8):
        assert_priced_alone(dataclasses.replace(base, max_per_youth=6000.0), replications, tight, r)


def test_replications_with_other_windows_and_dates_are_priced_in_groups():
    """A window end and a disbursement date drawn per replication: fewer settlements are padded."""
    rng = np.random.default_rng(13)
    c = many_contract(window_until=Ref("until"), second_disbursement_at=Ref("at"))
    replications = random_replications(c, rng, runs=12)
    results = priced_together(c, replications)
    until = replications[4]["until"]
    assert results.settlement_times.shape == (12, 3)
    np.testing.assert_array_equal(np.isnan(results.settlement_times[:, 2]), until == 24.0)
    for r in range(12):
        assert_priced_alone(c, replications, results, r)


def test_no_units_at_all():
    rng = np.random.default_rng(14)
    c = many_contract()
    replications = random_replications(c, rng, runs=3, empty=True)
    results = priced_together(c, replications)
    assert np.all(results.payments == 0) and np.all(results.irr == -1.0)
