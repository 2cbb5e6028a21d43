"""Accounts that add up (spec §4.2), by hand: each contract's savings are its own youths', each
body's position counts every saving once, and the total is the sum of the bodies.

Deterministic scenarios (fixed clocks, fixed attributes, a discount rate of 0) give every number
to the krone, so each assertion is exact.
"""
from __future__ import annotations

import csv
import json
import textwrap

import pytest

from simulator import api

pytestmark = pytest.mark.exact

# Three youths arrive at 0 in a shelter (1,000 a month, paid by the social department): two of
# group a, one of group b. Under usual services they move into a home after 12 months, under
# Housing First after 2: each youth saves 10,000; group a 20,000, group b 10,000.
TWO_GROUPS = """
    name: two groups, two contracts, one payer
    horizon: 24
    start: 2024-01
    attributes: {group: {a: 0.5, b: 0.5}}
    intake:
      - {cohort: {count: 2}, attributes: {group: a}}
      - {cohort: {count: 1}, attributes: {group: b}}
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
      departments: [municipality.social, municipality.council, state.y, state.x, region.x]
    flows:
      shelter: {per_month_in: {housing: shelter}, amount: 1000, pays: municipality.social}
    contracts:
      for_a:
        arm: hf
        youths: {group: a}
        payer: municipality.social
        investor: {principal: 5000}
        settlement: at_end
        outcomes:
          housed: {entered: {housing: housed}, price: 3000}
        guarantee: {by: state.x, covers: investor_loss, up_to: 4000}
      for_b:
        arm: hf
        youths: {group: b}
        payers: {municipality.social: 0.5, state.y: 0.5}
        investor: {principal: 5000, provided_by: {municipality.council: 1.0}}
        settlement: at_end
        outcomes:
          housed: {entered: {housing: housed}, price: 3000}
        guarantee: {by: region.x, covers: investor_loss, up_to: 1500}
    """


@pytest.fixture(scope="module")
def two_groups(tmp_path_factory):
    folder = tmp_path_factory.mktemp("accounts")
    path = folder / "two-groups.yaml"
    path.write_text(textwrap.dedent(TWO_GROUPS), encoding="utf-8")
    return api.run(path, folder / "out", runs=2, workers=1)


def test_each_contract_sets_its_payments_against_its_own_youths_savings(two_groups):
    """for_a: 2 youths × 10,000 saved − 2 × 3,000 paid; for_b: the social department's 10,000 on
    its one youth (state.y saves nothing) − 3,000. Counted over all youths (the old rule), for_a
    would show 24,000 and for_b 27,000."""
    contracts = two_groups.summary["contracts"]
    assert contracts["for_a"]["youths"]["mean"] == 2 and contracts["for_b"]["youths"]["mean"] == 1
    assert contracts["for_a"]["payments_discounted"]["mean"] == 6000
    assert contracts["for_a"]["payer_net"]["mean"] == 20000 - 6000
    assert contracts["for_b"]["payments_discounted"]["mean"] == 3000
    assert contracts["for_b"]["payer_net"]["mean"] == 10000 - 3000
    # Both payers' savings run ahead of their payments from the first month.
    assert contracts["for_a"]["break_even_month"]["mean"] == 0


def test_guarantees_pay_the_loss_up_to_their_amount(two_groups):
    """for_a repays 6,000 of 5,000: its guarantee pays nothing. for_b repays 3,000 of 5,000: a loss
    of 2,000, of which its guarantee covers 1,500."""
    contracts = two_groups.summary["contracts"]
    assert contracts["for_a"]["guarantee_paid"]["mean"] == 0
    assert contracts["for_b"]["expected_loss"]["mean"] == 2000
    assert contracts["for_b"]["guarantee_paid"]["mean"] == 1500


def test_each_body_stands_where_the_hand_computation_puts_it(two_groups):
    """The social department saves 30,000 once and pays all of for_a (6,000) and half of for_b
    (1,500); state.y pays the other 1,500; the council put in for_b's 5,000, got 3,000 back and
    1,500 from region.x's guarantee; state.x's guarantee paid nothing. The total is the public
    sector's: 30,000 saved − 6,000 paid to for_a's outside investor − 5,000 put into for_b."""
    positions = two_groups.summary["arms"]["hf"]["position_after_contracts"]
    expected = {"municipality.social": 22500, "municipality.council": -500, "state.y": -1500,
                "state.x": 0, "region.x": -1500}
    for department, value in expected.items():
        assert positions[department]["mean"] == value, department
        assert positions[department]["p_negative"] == (1.0 if value < 0 else 0.0), department
    assert positions["total"]["mean"] == sum(expected.values()) == 19000
    assert "position_after_contracts" not in two_groups.summary["arms"]["usual"]


def test_money_csv_gives_the_position_per_year_adding_up_to_the_summary(two_groups):
    """Year 1 holds the savings and the council's disbursement (at month 0); year 2 the payments
    and the guarantee (both at the end of the window, month 24, which falls in the last bin)."""
    rows = [row for row in csv.DictReader(open(two_groups.file("money.csv"), encoding="utf-8"))
            if row["measure"] == "position" and row["discounted"] == "true"]
    assert {row["unit"] for row in rows} == {"DKK"}
    by_year = {(row["department"], int(row["year"])): float(row["mean"]) for row in rows}
    assert by_year[("municipality.social", 1)] == 30000 and by_year[("municipality.social", 2)] == -7500
    assert by_year[("municipality.council", 1)] == -5000 and by_year[("municipality.council", 2)] == 4500
    positions = two_groups.summary["arms"]["hf"]["position_after_contracts"]
    for department in (*positions,):
        assert by_year[(department, 1)] + by_year[(department, 2)] == positions[department]["mean"], department


# The same youths and contracts, but Housing First changes nothing except a programme cost (a
# `fixed` flow, which belongs to no youth): every youth's savings are zero.
NULL_EFFECT = TWO_GROUPS.replace(
    "                shelter->housed: {time: {fixed: {months: 2}}}",
    "                shelter->housed: {time: {fixed: {months: 12}}}\n"
    "          flows:\n"
    "            programme: {fixed: {per_month: 500, from: 0, until: 24}, pays: municipality.social}")


def test_under_a_null_effect_each_contract_nets_minus_its_own_payments(tmp_path):
    """No other group's savings, and no programme cost, are ever set against a contract."""
    path = tmp_path / "null.yaml"
    path.write_text(textwrap.dedent(NULL_EFFECT), encoding="utf-8")
    summary = api.run(path, tmp_path / "out", runs=2, workers=1).summary
    for name in ("for_a", "for_b"):
        contract = summary["contracts"][name]
        assert contract["payments_discounted"]["mean"] > 0
        assert contract["payer_net"]["mean"] == -contract["payments_discounted"]["mean"], name
    social = summary["arms"]["hf"]["position_after_contracts"]["municipality.social"]
    assert social["mean"] == -12000 - 2 * 3000 - 1500  # the programme, all of for_a, half of for_b


def test_every_key_and_column_of_the_spec_is_there_with_units(two_groups):
    """Spec §3 and §4.2: readable by json and csv, money named by whether it is discounted."""
    summary = json.loads(two_groups.file("summary.json").read_text(encoding="utf-8"))
    assert {"runs", "seed", "baseline", "arms", "contracts"} <= set(summary)
    arm = summary["arms"]["hf"]
    assert "mean" in arm["youths"]
    for section in ("cost", "net_gain_vs_baseline", "position_after_contracts"):
        for stat in arm[section].values():
            assert {"mean", "p05", "p95"} <= set(stat), section
        assert "total" in arm[section]
    for stat in arm["position_after_contracts"].values():
        assert {"mean", "se", "sd", "p05", "p50", "p95", "p_negative"} <= set(stat)
    contract = summary["contracts"]["for_a"]
    for key in ("payments", "payments_discounted", "payments_nominal", "irr", "payer_net"):
        assert {"mean", "p05", "p50", "p95"} <= set(contract[key]), key
    assert contract["payments"] == contract["payments_discounted"]  # the alias of v1
    assert {"mean", "p95"} <= set(contract["outcome_fund_draw"])
    for key in ("p_full_repayment", "p_fund_exhausted"):
        assert isinstance(contract[key], float), key
    manifest = json.loads(two_groups.file("manifest.json").read_text(encoding="utf-8"))
    assert {"scenario", "files", "resolved", "seed", "runs_requested", "runs_done", "complete", "version",
            "started", "finished", "seconds"} <= set(manifest)
    assert {"workers", "scheduler"} & set(manifest)
    columns = {
        "occupancy.csv": ["arm", "track", "state", "month", "mean", "sd", "p05", "p50", "p95"],
        "money.csv": ["arm", "department", "year", "discounted", "measure", "unit", "mean", "sd", "p05", "p50",
                      "p95"],
        "contracts.csv": ["contract", "metric", "unit", "mean", "sd", "p05", "p50", "p95"],
    }
    for name, header in columns.items():
        with open(two_groups.file(name), encoding="utf-8") as handle:
            assert next(csv.reader(handle)) == header, name
    units = {row["metric"]: row["unit"] for row in csv.DictReader(open(two_groups.file("contracts.csv"),
                                                                       encoding="utf-8"))}
    assert units["payments_discounted"] == "DKK, discounted" and units["payments_nominal"] == "DKK, nominal"
    assert units["outcome_fund_draw"] == "DKK, nominal" and units["expected_loss"] == "DKK, nominal"
    assert units["full_repayment"] == "probability" and units["break_even_month"] == "months"
    with open(two_groups.file("replications.csv"), encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert "position@hf@total" in header and "for_a@payments_discounted" in header


def test_a_guarantor_outside_the_public_accounts_pays_the_public_investor(tmp_path):
    """for_b's guarantee given by a private foundation (`economics.outside`) instead of region.x:
    the council still receives the 1,500, nobody in the accounts pays it, so the public total
    rises by 1,500 to 20,500 and region.x stands at 0."""
    text = textwrap.dedent(TWO_GROUPS).replace(
        "  departments: [municipality.social, municipality.council, state.y, state.x, region.x]\n",
        "  departments: [municipality.social, municipality.council, state.y, state.x, region.x]\n"
        "  outside: {foundation.private: {label: A private foundation}}\n").replace(
        "guarantee: {by: region.x,", "guarantee: {by: foundation.private,")
    path = tmp_path / "outside.yaml"
    path.write_text(text, encoding="utf-8")
    summary = api.run(path, tmp_path / "out", runs=2, workers=1).summary
    assert summary["contracts"]["for_b"]["guarantee_paid"]["mean"] == 1500
    positions = summary["arms"]["hf"]["position_after_contracts"]
    assert "foundation.private" not in positions
    assert positions["municipality.council"]["mean"] == -500 and positions["region.x"]["mean"] == 0
    assert positions["total"]["mean"] == 20500
