"""A sweep re-prices stored replications; each design must equal a fresh run with that term changed,
and each swept value is checked as the same value in a file would be.

Both share the scenario below, so each test says its kind: a sweep through the command line is
end_to_end, a design built in-process is exact.
"""
from __future__ import annotations

import csv
import dataclasses
import json
import textwrap

import pytest

from simulator.cli import main
from simulator.language.errors import ScenarioError
from simulator.language.loading import load_scenario
from simulator.language.scenario import Investor
from simulator.sweep import Vary, contract_designs

SCENARIO = """
    name: sweepable
    horizon: 36
    start: 2022-01
    parameters:
      effect: {dist: {pert: {min: 1.5, mode: 2.5, max: 4}}, label: effect, source: test}
    intake: {poisson: {rate: 2, from: 0, until: 12}}
    tracks:
      housing:
        states: [shelter, housed]
        initial: {shelter: 1.0}
        transitions:
          shelter->housed:
            time: {exponential: {mean: 12}}
            modifiers: [{when: {support: active}, hazard_ratio: $effect}]
          housed->shelter: {time: {exponential: {mean: 30}}}
      support:
        states: [none, active]
        initial: {none: 1.0}
    arms:
      usual: {}
      programme: {patch: {tracks: {support: {initial: {none: 0.0, active: 1.0}}}}}
    economics:
      discount_rate: 0.035
      departments: [municipality.social, fund.development]
    flows:
      shelter: {per_month_in: {housing: shelter}, amount: 30000, pays: municipality.social}
    contracts:
      deal:
        arm: programme
        payers: {municipality.social: 0.6, fund.development: 0.4}
        investor: {principal: 600000}
        window: {from: 0, until: 36}
        outcomes:
          housed_6m: {achieved: {in: {housing: housed}, for_months: 6}, price: PRICE}
          months_housed: {months_in: {housing: housed}, price: 2000, max_months: 12}
        cap: CAP
        max_multiple: 1.3
        outcome_fund: {reserve: 200000}
    """


DRAWN_PRICE = "  housed_price: {dist: {uniform: {min: 20000, max: 40000}}, label: price, source: test}\n"


def write(tmp_path, name, price, cap, parameters="", changes=()):
    path = tmp_path / f"{name}.yaml"
    text = textwrap.dedent(SCENARIO)
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    text = text.replace("PRICE", str(price)).replace("CAP", str(cap))
    path.write_text(text.replace("parameters:\n", "parameters:\n" + parameters))
    return path


def run(tmp_path, name, price, cap, parameters=""):
    out = tmp_path / name
    assert main(["run", str(write(tmp_path, name, price, cap, parameters)), "--runs", "30", "--seed", "3",
                 "--workers", "1", "--out", str(out), "--no-report"]) == 0
    return out


def sweep_rows(out, *varies, workers=1):
    arguments = ["sweep", str(out), "--contract", "deal", "--workers", str(workers)]
    for vary in varies:
        arguments += ["--vary", vary]
    assert main(arguments) == 0
    with open(out / "sweep.csv", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.end_to_end
@pytest.mark.parametrize("workers", [1, 2])
def test_a_sweep_point_equals_a_fresh_run_with_that_term(tmp_path, workers):
    base = run(tmp_path, "base", 30000, 900000)
    assert main(["sweep", str(base), "--contract", "deal", "--vary",
                 "outcomes.housed_6m.price=20000:40000:3", "--vary", "cap=500000:900000:2",
                 "--workers", str(workers)]) == 0
    with open(base / "sweep.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and (base / "figures" / "sweep.png").stat().st_size > 0
    point = next(r for r in rows if float(r["outcomes.housed_6m.price"]) == 40000 and float(r["cap"]) == 500000)
    fresh = json.loads((run(tmp_path, "fresh", 40000, 500000) / "summary.json").read_text())["contracts"]["deal"]
    assert float(point["payments_discounted_mean"]) == pytest.approx(fresh["payments"]["mean"], rel=1e-12)
    assert float(point["payer_net_mean"]) == pytest.approx(fresh["payer_net"]["mean"], rel=1e-12)
    assert float(point["p_full_repayment"]) == fresh["p_full_repayment"]
    assert float(point["p_fund_exhausted"]) == fresh["p_fund_exhausted"]
    assert float(point["p_payer_loss"]) == fresh["p_payer_loss"]
    assert float(point["p_at_cap"]) == fresh["p_at_cap"] and float(point["p_break_even"]) == fresh["p_break_even"]
    assert float(point["irr_p50"]) == pytest.approx(fresh["irr"]["p50"], rel=1e-9)
    assert float(point["null_effect_payments_mean"]) == pytest.approx(fresh["null_effect_payments"]["mean"],
                                                                     rel=1e-12)
    assert float(point["deadweight_share_mean"]) == pytest.approx(fresh["deadweight_share"]["mean"], rel=1e-12)


@pytest.mark.end_to_end
def test_a_term_drawn_in_each_replication_is_priced_with_its_draw(tmp_path):
    """The price is a parameter drawn per replication; the sweep varies the cap around it."""
    base = run(tmp_path, "base", "$housed_price", 900000, DRAWN_PRICE)
    point = next(r for r in sweep_rows(base, "cap=500000:900000:2") if float(r["cap"]) == 500000)
    fresh = json.loads((run(tmp_path, "fresh", "$housed_price", 500000, DRAWN_PRICE) / "summary.json")
                       .read_text())["contracts"]["deal"]
    assert float(point["payments_discounted_mean"]) == pytest.approx(fresh["payments"]["mean"], rel=1e-12)
    assert float(point["payer_net_mean"]) == pytest.approx(fresh["payer_net"]["mean"], rel=1e-12)
    assert float(point["p_full_repayment"]) == fresh["p_full_repayment"]
    assert float(point["irr_p50"]) == pytest.approx(fresh["irr"]["p50"], rel=1e-9)


@pytest.mark.end_to_end
def test_two_workers_give_the_same_sweep_as_one(tmp_path):
    base = run(tmp_path, "base", 30000, 900000)
    varies = ("outcomes.housed_6m.price=20000:40000:3", "max_per_youth=20000:60000:3")
    assert sweep_rows(base, *varies, workers=1) == sweep_rows(base, *varies, workers=2)


@pytest.mark.end_to_end
def test_a_bad_sweep_key_exits_2_naming_it(tmp_path, capsys):
    base = run(tmp_path, "base", 30000, 900000)
    assert main(["sweep", str(base), "--contract", "deal", "--vary", "outcomes.nope.price=1:2:2"]) == 2
    assert "outcomes.nope.price" in capsys.readouterr().err
    assert main(["sweep", str(base), "--contract", "deal", "--vary", "cap=1:2"]) == 2
    assert main(["sweep", str(base), "--contract", "deal", "--vary",
                 "outcomes.housed_6m.for_months=3:9:3"]) == 2  # what is measured, not what is paid
    assert "outcomes.housed_6m.for_months" in capsys.readouterr().err
    assert main(["sweep", str(base), "--contract", "deal", "--vary", "cap=-1:2:2"]) == 2
    assert "--vary: contracts.deal.cap: expected a number >= 0, found -1" in capsys.readouterr().err


# --- Designs: the contract built again by the loader, with the swept values written in --------------

DISBURSED = ("investor: {principal: 600000}",
             "investor: {principal: 600000, disbursed: [{at: 0, amount: 400000}, {at: 12, amount: 200000}]}")


def designs(scenario, *varies):
    return contract_designs(scenario, "deal", [Vary(key, tuple(values)) for key, values in varies])


@pytest.mark.exact
def test_a_design_is_the_contract_with_the_swept_terms_as_if_written_in_the_file(tmp_path):
    scenario = load_scenario(write(tmp_path, "base", 30000, 900000, changes=[DISBURSED]))
    (design,) = designs(scenario, ("outcomes.housed_6m.price", [90000]), ("cap", [2e7]), ("window.until", [30]),
                        ("investor.principal", [300000]), ("outcomes.months_housed.max_months", [6]),
                        ("outcome_fund.reserve", [1000]), ("max_per_youth", [5000]))
    base = scenario.contracts["deal"]
    housed, months = base.outcomes
    assert design == dataclasses.replace(
        base, cap=2e7, window_until=30.0, max_per_youth=5000.0, outcome_fund_reserve=1000.0,
        investor=Investor(300000.0, ((0.0, 200000.0), (12.0, 100000.0))),  # scaled with the principal
        outcomes=(dataclasses.replace(housed, price=90000.0), dataclasses.replace(months, max_months=6.0)))
    assert [d.cap for d in designs(scenario, ("cap", [1, 2, 3]))] == [1.0, 2.0, 3.0]
    two = designs(scenario, ("cap", [1, 2]), ("max_multiple", [1, 2]))  # every combination, the last fastest
    assert [(d.cap, d.max_multiple) for d in two] == [(1, 1), (1, 2), (2, 1), (2, 2)]


@pytest.mark.exact
def test_a_sweep_refuses_to_change_what_an_outcome_measures(tmp_path):
    scenario = load_scenario(write(tmp_path, "base", 30000, 900000))
    for key in ("outcomes.housed_6m.for_months", "outcomes.housed_6m.achieved.for_months"):
        with pytest.raises(ScenarioError) as caught:
            designs(scenario, (key, [3]))
        (issue,) = caught.value.issues
        assert (issue.file, issue.path) == ("--vary", key) and "a price or a term of payment" in issue.expected


@pytest.mark.exact
@pytest.mark.parametrize("key, value, in_file, path", [
    ("cap", -1, ("cap: CAP", "cap: -1"), "contracts.deal.cap"),
    ("window.until", 40, ("until: 36}", "until: 40}"), "contracts.deal.window.until"),
    ("window.from", 36, ("{from: 0,", "{from: 36,"), "contracts.deal.window.until"),
    ("window.from", 1.5, ("{from: 0,", "{from: 1.5,"), "contracts.deal.window.from"),
    ("investor.principal", 0, ("principal: 600000", "principal: 0"), "contracts.deal.investor.principal"),
    ("outcomes.months_housed.max_months", -2, ("max_months: 12", "max_months: -2"),
     "contracts.deal.outcomes.months_housed.max_months"),
    ("outcomes.months_housed.max_periods", 2, ("max_months: 12", "max_months: 12, max_periods: 2"),
     "contracts.deal.outcomes.months_housed.max_periods"),
    ("outcomes.housed_6m.prize", 1, ("price: PRICE", "price: PRICE, prize: 1"),
     "contracts.deal.outcomes.housed_6m.prize"),
    ("windows.until", 30, ("window:", "windows: {until: 30}\n    window:"), "contracts.deal.windows"),
])
def test_a_bad_swept_value_gets_the_issue_it_gets_in_a_file(tmp_path, key, value, in_file, path):
    scenario = load_scenario(write(tmp_path, "base", 30000, 900000))
    with pytest.raises(ScenarioError) as caught:
        designs(scenario, (key, [value]))
    with pytest.raises(ScenarioError) as written:
        load_scenario(write(tmp_path, "bad", 30000, 900000, changes=[in_file]))
    (swept,), (issue,) = caught.value.issues, written.value.issues
    assert swept.file == "--vary" and issue.file.endswith("bad.yaml")
    assert swept.path == path
    assert (swept.path, swept.expected, swept.found) == (issue.path, issue.expected, issue.found)


@pytest.mark.exact
def test_a_swept_outcome_must_exist(tmp_path):
    scenario = load_scenario(write(tmp_path, "base", 30000, 900000))
    with pytest.raises(ScenarioError) as caught:
        designs(scenario, ("outcomes.housed.price", [1]))
    (issue,) = caught.value.issues
    assert (issue.file, issue.path) == ("--vary", "outcomes.housed.price")
    assert "housed_6m, months_housed" in issue.found

