"""Null-effect payments (spec §4.3), by hand: each contract priced on the baseline arm's lives of
the same youths, with the same terms, caps and settlement; and the deadweight share.

A deterministic scenario (fixed clocks, a cohort, a discount rate of 0) gives every number to the
krone, so each assertion is exact.
"""
from __future__ import annotations

import csv
import textwrap

import pytest

from simulator import api

pytestmark = pytest.mark.exact

# Three youths arrive at 0 in a shelter. Under usual services they move into a home after 12
# months, under Housing First after 2; the horizon and every window are 24 months. Each contract
# pays 100 a month housed: Housing First's youths are housed 22 months each, the same youths under
# usual services 12.
HOUSED_MONTHS = """
    name: null effect by hand
    horizon: 24
    start: 2024-01
    intake: {cohort: {count: 3}}
    tracks:
      housing:
        states: [shelter, housed]
        initial: {shelter: 1.0}
        transitions:
          shelter->housed: {time: {fixed: {months: 12}}}
    arms:
      usual: {}
      hf:
        patch:
          tracks:
            housing:
              transitions:
                shelter->housed: {time: {fixed: {months: 2}}}
    baseline: usual
    economics:
      currency: DKK
      discount_rate: 0
      departments: [municipality.social]
    flows:
      shelter: {per_month_in: {housing: shelter}, amount: 1000, pays: municipality.social}
    contracts:
      plain:
        arm: hf
        payer: municipality.social
        investor: {principal: 5000}
        settlement: at_end
        outcomes:
          housed: {months_in: {housing: housed}, price: 100}
      versus:
        arm: hf
        payer: municipality.social
        investor: {principal: 5000}
        settlement: at_end
        versus_baseline: true
        outcomes:
          housed: {months_in: {housing: housed}, price: 100}
      capped:
        arm: hf
        payer: municipality.social
        investor: {principal: 5000}
        settlement: yearly
        cap: 3300
        outcomes:
          housed: {months_in: {housing: housed}, price: 100, max_months: 10}
    """


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("null-effect")
    path = folder / "null-effect.yaml"
    path.write_text(textwrap.dedent(HOUSED_MONTHS), encoding="utf-8")
    return api.run(path, folder / "out", runs=2, workers=1)


def test_null_effect_payments_price_the_baseline_lives_of_the_same_youths(run):
    """plain pays 3 × 22 × 100 = 6,600; on the usual-services lives 3 × 12 × 100 = 3,600, of which
    every krone is deadweight: 3,600 / 6,600 of the payments."""
    plain = run.summary["contracts"]["plain"]
    assert plain["payments_discounted"]["mean"] == 6600
    for key in ("mean", "p05", "p50", "p95"):
        assert plain["null_effect_payments"][key] == 3600
    assert plain["null_effect_payments"]["sd"] == 0
    assert plain["deadweight_share"]["mean"] == pytest.approx(3600 / 6600, rel=1e-15)


def test_a_contract_versus_the_baseline_pays_a_null_programme_nothing(run):
    """versus pays the excess, 3 × (22 − 12) × 100 = 3,000; the baseline against itself earns 0."""
    versus = run.summary["contracts"]["versus"]
    assert versus["payments_discounted"]["mean"] == 3000
    assert versus["null_effect_payments"]["mean"] == 0 and versus["null_effect_payments"]["p95"] == 0
    assert versus["deadweight_share"]["mean"] == 0


def test_the_null_programme_meets_the_same_caps_and_settlements(run):
    """capped pays at most 10 months a youth and 3,300 in all. Housing First: months 2–11, in year
    1: 3 × 10 × 100 = 3,000. Usual services: months 12–21, in year 2: 3,000 as well (3,300 were
    the per-youth cap not applied to the null programme, 3,600 were neither cap). Every krone
    paid would have been paid anyway, so the deadweight share is 1."""
    capped = run.summary["contracts"]["capped"]
    assert capped["payments_discounted"]["mean"] == 3000
    assert capped["null_effect_payments"]["mean"] == 3000
    assert capped["deadweight_share"]["mean"] == 1


def test_every_file_carries_the_null_effect_payments_with_their_unit(run):
    rows = {(row["contract"], row["metric"]): row
            for row in csv.DictReader(open(run.file("contracts.csv"), encoding="utf-8"))}
    assert rows[("plain", "null_effect_payments")]["unit"] == "DKK, discounted"
    assert rows[("plain", "null_effect_payments")]["mean"] == "3600"
    assert rows[("plain", "deadweight_share")]["unit"] == "share of payments"
    replications = list(csv.DictReader(open(run.file("replications.csv"), encoding="utf-8")))
    assert [row["versus@null_effect_payments"] for row in replications] == ["0", "0"]
    assert [row["plain@null_effect_payments"] for row in replications] == ["3600", "3600"]
