"""Measurements on calendar dates and reference levels (spec §4.3), by hand: payments and
null-effect payments to the krone.

A deterministic scenario (fixed clocks, a schedule of arrivals, a fixed stay in the population,
a discount rate of 0) gives every number exactly. Start 2022-01, horizon 24 months.

- Youths 0 and 1 (group a) arrive at month 0 and leave at 20; youth 2 (group b) arrives at 3
  and leaves at 23.
- Under usual services a youth moves from a shelter into a home 10 months after arrival, under
  Housing First after 5. Housing First: youths 0, 1 housed [5, 20), youth 2 [8, 23). Usual
  services: youths 0, 1 housed [10, 20), youth 2 [13, 23).
"""
from __future__ import annotations

import textwrap

import pytest

from simulator import api

pytestmark = pytest.mark.exact

DATED = "{in: {housing: housed}, dates: [2022-03, 2022-07, 2022-10, 2023-10]}"  # months 2, 6, 9, 21
HALF_YEARS = "{every: 6, from: 2022-01, in: {housing: shelter}, at_most: 1}"  # [0, 6), [6, 12), [12, 18), [18, 24)
PRECEDING = "{every: 6, dates: [2022-07, 2023-01, 2023-12], in: {housing: shelter}, at_most: 1}"  # [0, 6), [6, 12), [17, 23)
CONTRACT = """
  {name}:
    arm: hf
    payer: municipality.social
    investor: {{principal: 5000}}
    settlement: {settlement}
    youths: {youths}
    outcomes:
      it: {outcome}"""
CONTRACTS = {
    "dated": ("at_end", "{}", f"{{status_at: {DATED}, price: 1000}}"),
    "dated_above_half": ("at_end", "{}", f"{{status_at: {DATED}, price: 1000, above: {{share: 0.5}}}}"),
    "dated_group_a_above_half": ("at_end", "{group: a}",
                                 f"{{status_at: {DATED}, price: 1000, above: {{share: 0.5}}}}"),
    "half_years": ("at_end", "{}", f"{{per_period: {HALF_YEARS}, price: 2000}}"),
    "half_years_above_half": ("at_end", "{}", f"{{per_period: {HALF_YEARS}, price: 2000, above: {{share: 0.5}}}}"),
    "preceding_half_years": ("at_end", "{}", f"{{per_period: {PRECEDING}, price: 2000}}"),
    "months_above_count": ("yearly", "{}", "{months_in: {housing: housed}, price: 100, above: {count: 20}}"),
}
SCENARIO = """
    name: calendar measurements and reference levels by hand
    horizon: 24
    start: 2022-01
    attributes: {group: {a: 0.5, b: 0.5}}
    intake:
      - {cohort: {count: 2}, attributes: {group: a}}
      - {cohort: {count: 1, at: 3}, attributes: {group: b}}
    exit:
      time: {fixed: {months: 20}}
    tracks:
      housing:
        states: [shelter, housed]
        initial: {shelter: 1.0}
        transitions:
          shelter->housed: {time: {fixed: {months: 10}}}
    arms:
      usual: {}
      hf:
        patch:
          tracks:
            housing:
              transitions:
                shelter->housed: {time: {fixed: {months: 5}}}
    baseline: usual
    economics:
      currency: DKK
      discount_rate: 0
      departments: [municipality.social]
    flows:
      shelter: {per_month_in: {housing: shelter}, amount: 1000, pays: municipality.social}
    contracts:"""


@pytest.fixture(scope="module")
def contracts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reference-levels")
    path = folder / "scenario.yaml"
    text = textwrap.dedent(SCENARIO) + "".join(
        CONTRACT.format(name=name, settlement=settlement, youths=youths, outcome=outcome)
        for name, (settlement, youths, outcome) in CONTRACTS.items())
    path.write_text(text, encoding="utf-8")
    run = api.run(path, folder / "out", runs=2, workers=1)
    return {name: (c["payments_discounted"]["mean"], c["null_effect_payments"]["mean"], c["payments_discounted"]["sd"])
            for name, c in run.summary["contracts"].items()}


def test_the_group_is_counted_on_each_date_and_a_youth_absent_then_is_not(contracts):
    """Housed on each date, Housing First: month 2, none (youth 2 not yet arrived); month 6,
    youths 0 and 1 (youth 2 still in the shelter); month 9, all three; month 21, youth 2 alone
    (youths 0 and 1 gone at 20). 6 × 1,000. Usual services: only youth 2 at month 21, 1,000."""
    assert contracts["dated"] == (6000, 1000, 0)


def test_a_share_of_the_youths_measured_on_each_date_is_not_paid(contracts):
    """Above half of the youths present on each date: month 2, 0 housed of 2 (the level, 1, is
    above the count: nothing, and nothing negative carried to another date); month 6, 2 of 3,
    2 − 1.5 = 0.5; month 9, 3 of 3, 1.5; month 21, 1 of 1, 0.5: 2.5 × 1,000. The null programme
    (usual services) meets the same level: month 21, 1 − 0.5, 500."""
    assert contracts["dated_above_half"] == (2500, 500, 0)


def test_the_share_is_of_the_contracts_own_youths(contracts):
    """Group a only (youths 0, 1): month 6, 2 of 2 → 1; month 9, 2 of 2 → 1; months 2 and 21,
    none housed (at 21 none present): 2,000. Usual services house them at 10: nothing."""
    assert contracts["dated_group_a_above_half"] == (2000, 0, 0)


def test_calendar_periods_count_a_youth_present_for_the_whole_period(contracts):
    """At most 1 month in a shelter in each half-year on the calendar, for the youths present
    all of it. Housing First: youths 0 and 1 in [0, 6) (5 months: no), [6, 12) and [12, 18)
    (0: yes), not [18, 24) (gone at 20); youth 2, arriving at 3, mid-period, not in [0, 6), nor
    [18, 24) (gone at 23); in [6, 12) 2 months (no), [12, 18) 0 (yes). 5 × 2,000. Usual
    services: youths 0, 1 [12, 18) only (4 months in [6, 12)); youth 2 [12, 18) (1 month): 3."""
    assert contracts["half_years"] == (10000, 6000, 0)


def test_periods_ending_on_dates_measure_the_preceding_months(contracts):
    """The 6 months before 2022-07, 2023-01 and 2023-12 (months 6, 12, 23): [0, 6), [6, 12),
    [17, 23). Housing First: youths 0 and 1, [0, 6) 5 months in a shelter (no), [6, 12) 0
    (yes), [17, 23) gone at 20; youth 2 (arrives at 3): [6, 12) 2 months (no), [17, 23) 0 (yes):
    3 × 2,000. Usual services: youths 0 and 1 have 4 months in [6, 12) (no); youth 2 [17, 23)
    (yes): 2,000."""
    assert contracts["preceding_half_years"] == (6000, 2000, 0)


def test_a_share_of_the_youths_measured_in_each_period_is_not_paid(contracts):
    """Housing First: [0, 6) 0 of 2 (nothing); [6, 12) 2 of 3 → 0.5; [12, 18) 3 of 3 → 1.5:
    2 × 2,000. Usual services: [12, 18) 3 of 3 → 1.5: 3,000."""
    assert contracts["half_years_above_half"] == (4000, 3000, 0)


def test_a_count_is_not_paid_in_each_settlement(contracts):
    """20 housed months in each contract year are not paid. Housing First: year 1, 7 + 7 + 4 =
    18 (below the level: nothing, the floor binds); year 2, 8 + 8 + 11 = 27 → 7 × 100. Usual
    services: year 1, 2 + 2 + 0 = 4 → 0; year 2, 8 + 8 + 10 = 26 → 600."""
    assert contracts["months_above_count"] == (700, 600, 0)
