"""The negotiation zone (`simulator sweep --require`), by hand: on a deterministic scenario every
run is the same, so each design's shares are 0 or 1 and the feasible set is worked out below.

Exact tests call the sweep in-process; the bad requirements go through the real command line
(end_to_end), so each test says its kind.
"""
from __future__ import annotations

import csv
import json
import textwrap

import numpy as np
import pytest

from simulator import api
from simulator.cli import main
from simulator.language.errors import ScenarioError
from simulator.language.loading import load_scenario
from simulator.outputs.folder import ResultsFolder
from simulator.outputs.plots import pareto_front
from simulator.sweep import Requirement, Vary, contract_designs, metric_columns, price_design, sweep

# Two youths arrive at 0 in a shelter, where each costs the social department 500 a month and the
# state 500 a month. Under usual services they are housed after 12 months, under Housing First
# after 2: each saves each body 10 × 500 = 5,000, so the social department saves 10,000 and the
# payers together 20,000 (discount rate 0). The contract pays PRICE per youth housed, 2 × PRICE
# in all, settled once at the end; the investor put in 16,000.
#
# price   paid    repaid in full   payer_net = 20,000 − paid   payer loss
#  6,000  12,000  no               8,000                       no
#  9,000  18,000  yes              2,000                       no
# 12,000  24,000  yes              −4,000                      yes
#
# The social department owes its share s of what is paid against its own savings (10,000): the
# outcome fund draws max(0, s × paid − 10,000), exhausted above its reserve of 3,000.
#
# paid \ s  0.25        0.5          0.75             1.0
# 12,000    0           0            0                2,000
# 18,000    0           0            3,500 exhausted  8,000 exhausted
# 24,000    0           2,000        8,000 exhausted  14,000 exhausted
DETERMINISTIC = """
    name: a zone by hand
    horizon: 24
    start: 2024-01
    intake: {cohort: {count: 2}}
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
      departments: [municipality.social, state.y, municipality.other]
    flows:
      shelter: {per_month_in: {housing: shelter}, amount: 500, pays: municipality.social}
      benefit: {per_month_in: {housing: shelter}, amount: 500, pays: state.y}
    contracts:
      deal:
        arm: hf
        payers: {municipality.social: 0.5, state.y: 0.5}
        investor: {principal: 16000}
        settlement: at_end
        outcomes:
          housed: {entered: {housing: housed}, price: 9000}
        outcome_fund: {reserve: 3000}
    """
PRICES = "outcomes.housed.price=6000:12000:3"
SHARES = "payers.municipality.social=0.25:1:4"
REQUIRE = ["p_full_repayment>=0.5", "p_payer_loss<=0", "p_fund_exhausted<0.5"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("zone")
    path = root / "zone.yaml"
    path.write_text(textwrap.dedent(DETERMINISTIC), encoding="utf-8")
    api.run(path, root / "out", runs=3, workers=1)
    return root / "out"


def rows(folder):
    with open(folder / "sweep.csv", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.exact
def test_the_feasible_designs_are_the_ones_worked_out_by_hand(folder):
    requirements = [Requirement.parse(text, metric_columns()) for text in REQUIRE]
    sweep(folder, "deal", [Vary.parse(PRICES), Vary.parse(SHARES)], workers=1, requirements=requirements)
    table = rows(folder)
    assert len(table) == 12 and list(table[0])[-1] == "feasible"
    feasible = {(float(r["outcomes.housed.price"]), float(r["payers.municipality.social"]))
                for r in table if r["feasible"] == "true"}
    assert feasible == {(9000.0, 0.25), (9000.0, 0.5)}
    assert {r["feasible"] for r in table} == {"true", "false"}
    by_design = {(float(r["outcomes.housed.price"]), float(r["payers.municipality.social"])): r for r in table}
    for share in (0.25, 0.5, 0.75, 1.0):
        assert [float(by_design[price, share]["p_full_repayment"]) for price in (6000, 9000, 12000)] == [0, 1, 1]
        assert [float(by_design[price, share]["payer_net_mean"]) for price in (6000, 9000, 12000)] == [
            8000, 2000, -4000]
        assert [float(by_design[price, share]["p_payer_loss"]) for price in (6000, 9000, 12000)] == [0, 0, 1]
    draws = {12000: [0, 0, 0, 2000], 18000: [0, 0, 3500, 8000], 24000: [0, 2000, 8000, 14000]}
    for paid, expected in draws.items():
        found = [float(by_design[paid / 2, share]["outcome_fund_draw_mean"]) for share in (0.25, 0.5, 0.75, 1.0)]
        assert found == expected, paid
        assert [float(by_design[paid / 2, s]["p_fund_exhausted"]) for s in (0.25, 0.5, 0.75, 1.0)] == [
            float(draw > 3000) for draw in expected]
    assert ResultsFolder(folder).figure("sweep_zone").stat().st_size > 0


@pytest.mark.exact
def test_a_requirement_on_a_varied_term_and_strict_bounds(folder):
    columns = [*metric_columns(), "outcomes.housed.price"]
    requirements = [Requirement.parse(" payer_net_mean > 2000 ", columns),
                    Requirement.parse("outcomes.housed.price<1e4", columns)]
    sweep(folder, "deal", [Vary.parse(PRICES)], workers=1, requirements=requirements)
    assert [r["feasible"] for r in rows(folder)] == ["true", "false", "false"]  # 2,000 is not above 2,000


@pytest.mark.exact
def test_without_requirements_sweep_csv_has_no_feasible_column_and_still_the_payers_loss_chance(folder):
    sweep(folder, "deal", [Vary.parse(PRICES)], workers=1)
    table = rows(folder)
    assert "feasible" not in table[0] and [r["p_payer_loss"] for r in table] == ["0.0", "0.0", "1.0"]
    summary = json.loads((folder / "summary.json").read_text())["contracts"]["deal"]
    assert summary["p_payer_loss"] == 0.0 and summary["payer_net"]["mean"] == 2000


@pytest.mark.exact
def test_a_payer_share_is_swept_with_the_other_payer_taking_the_rest(folder):
    """At price 9,000 (18,000 paid) and s = 0.75: the social department pays 13,500 and the state
    4,500; the fund draws 13,500 − 10,000 = 3,500."""
    scenario = ResultsFolder(folder).scenario()
    designs = contract_designs(scenario, "deal", [Vary.parse(SHARES)])
    assert [dict(d.payers) for d in designs] == [
        {"municipality.social": s, "state.y": 1 - s} for s in (0.25, 0.5, 0.75, 1.0)]
    results = price_design(ResultsFolder(folder), "deal", {"payers.municipality.social": 0.75})
    assert results.payer_payments_nominal.tolist() == [[13500, 4500]] * 3
    assert results.outcome_fund_draw.tolist() == [3500] * 3 and results.fund_exhausted.all()
    assert results.payer_net.tolist() == [2000] * 3  # the payers' net as a whole does not move


@pytest.mark.exact
@pytest.mark.parametrize("payers, found", [
    ("payer: municipality.social", "payers municipality.social"),
    ("payers: {municipality.social: 0.5, state.y: 0.3, municipality.other: 0.2}",
     "payers municipality.social, state.y, municipality.other"),
    ("payers: {state.y: 0.5, municipality.other: 0.5}", "payers state.y, municipality.other"),
])
def test_a_share_is_swept_only_between_a_contract_s_two_payers(tmp_path, payers, found):
    path = tmp_path / "payers.yaml"
    path.write_text(textwrap.dedent(DETERMINISTIC).replace(
        "payers: {municipality.social: 0.5, state.y: 0.5}", payers), encoding="utf-8")
    scenario = load_scenario(path)
    with pytest.raises(ScenarioError) as caught:
        contract_designs(scenario, "deal", [Vary.parse(SHARES)])
    (issue,) = caught.value.issues
    assert (issue.file, issue.path, issue.found) == ("--vary", "payers.municipality.social", found)
    assert "two payers" in issue.expected


@pytest.mark.exact
def test_the_pareto_front_keeps_the_designs_no_other_beats_on_both_chances():
    loss = np.array([0.0, 0.1, 0.1, 0.3, 0.2, 0.0, 0.2])
    repaid = np.array([0.2, 0.5, 0.4, 0.9, 0.9, 0.2, 0.5])
    assert sorted(pareto_front(loss, repaid).tolist()) == [0, 1, 4, 5]  # 5 is 0's twin; 6 loses to 4


@pytest.mark.end_to_end
@pytest.mark.parametrize("requirement, found", [
    ("p_nope>=0.5", "found 'p_nope', which sweep.csv has no column for"),
    ("p_full_repayment=>0.5", "found 'p_full_repayment=>0.5'"),
    ("p_full_repayment>=", "found 'p_full_repayment>='"),
    ("p_full_repayment>=six", "found 'p_full_repayment>=six'"),
    ("full_repayment>=0.5", "found 'full_repayment', which sweep.csv has no column for"),
    ("cap<=1e6", "found 'cap', which sweep.csv has no column for"),  # not varied
])
def test_a_bad_requirement_exits_2_naming_require_and_the_accepted_names(folder, capsys, requirement, found):
    before = (folder / "sweep.csv").stat().st_mtime_ns if (folder / "sweep.csv").exists() else None
    assert main(["sweep", str(folder), "--contract", "deal", "--vary", PRICES, "--require", "p_payer_loss<=0.3",
                 "--require", requirement]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("--require: expected NAME>=X, NAME<=X, NAME>X or NAME<X with NAME one of ")
    assert "p_full_repayment, " in err and "p_payer_loss, " in err and "outcomes.housed.price" in err
    assert err.endswith(found)
    after = (folder / "sweep.csv").stat().st_mtime_ns if (folder / "sweep.csv").exists() else None
    assert before == after  # refused before any work


@pytest.mark.end_to_end
def test_a_sweep_with_requirements_through_the_command_line(folder, capsys):
    arguments = ["sweep", str(folder), "--contract", "deal", "--vary", PRICES, "--vary", SHARES, "--workers", "2"]
    for text in REQUIRE:
        arguments += ["--require", text]
    assert main(arguments) == 0
    assert "sweep_zone.png" in capsys.readouterr().out
    assert sum(r["feasible"] == "true" for r in rows(folder)) == 2
    assert main(["sweep", str(folder), "--contract", "deal", "--vary",
                 "payers.municipality.other=0.2:0.4:2"]) == 2
    assert "--vary: payers.municipality.other: expected payers.DEPARTMENT with DEPARTMENT one of a contract's " \
           "two payers" in capsys.readouterr().err
