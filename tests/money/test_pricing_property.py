"""Pricing many replications at once, against pricing each alone, on random units and money.

`price_replications` must give every replication what `price` gives it alone, whatever terms the
design sets and whatever the other replications hold. Units and money are random (not
trajectories): sparse tables like the ones `outcome_units` makes, in every corner the rules have.
"""
from __future__ import annotations

import collections
import dataclasses

import numpy as np
import pytest

from simulator.language.scenario import SETTLEMENTS, Condition, Contract, Investor, Number, Ref, bind
from simulator.money.flows import DepartmentCosts
from simulator.money.pricing import ContractResult, Savings, price, price_replications
from simulator.money.units import OutcomeUnits, StackedUnits, definitions
from tests.support import outcome, when

pytestmark = pytest.mark.property

DEPARTMENTS = ("municipality.social", "municipality.employment", "state.benefits", "fund.development")
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
    money = lambda: DepartmentCosts(DEPARTMENTS, *(rng.normal(1000, 3000, size=(len(DEPARTMENTS), MONTHS))
                                                   for _ in range(2)))
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
        seen["cap or max_multiple cut"] += int(np.sum(results.payments_nominal < results.earned))
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
    assert np.all(results.payments_nominal == 0) and np.all(results.irr == -1.0)
