"""A sweep re-prices stored replications; each design must equal a fresh run with that term changed."""
from __future__ import annotations

import csv
import json
import textwrap

import pytest

from simulator.cli import main

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


def write(tmp_path, name, price, cap, parameters=""):
    path = tmp_path / f"{name}.yaml"
    text = textwrap.dedent(SCENARIO).replace("PRICE", str(price)).replace("CAP", str(cap))
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
    assert float(point["payments_mean"]) == pytest.approx(fresh["payments"]["mean"], rel=1e-12)
    assert float(point["payer_net_mean"]) == pytest.approx(fresh["payer_net"]["mean"], rel=1e-12)
    assert float(point["p_full_repayment"]) == fresh["p_full_repayment"]
    assert float(point["p_fund_exhausted"]) == fresh["p_fund_exhausted"]
    assert float(point["irr_p50"]) == pytest.approx(fresh["irr"]["p50"], rel=1e-9)


def test_a_term_drawn_in_each_replication_is_priced_with_its_draw(tmp_path):
    """The price is a parameter drawn per replication; the sweep varies the cap around it."""
    base = run(tmp_path, "base", "$housed_price", 900000, DRAWN_PRICE)
    point = next(r for r in sweep_rows(base, "cap=500000:900000:2") if float(r["cap"]) == 500000)
    fresh = json.loads((run(tmp_path, "fresh", "$housed_price", 500000, DRAWN_PRICE) / "summary.json")
                       .read_text())["contracts"]["deal"]
    assert float(point["payments_mean"]) == pytest.approx(fresh["payments"]["mean"], rel=1e-12)
    assert float(point["payer_net_mean"]) == pytest.approx(fresh["payer_net"]["mean"], rel=1e-12)
    assert float(point["p_full_repayment"]) == fresh["p_full_repayment"]
    assert float(point["irr_p50"]) == pytest.approx(fresh["irr"]["p50"], rel=1e-9)


def test_two_workers_give_the_same_sweep_as_one(tmp_path):
    base = run(tmp_path, "base", 30000, 900000)
    varies = ("outcomes.housed_6m.price=20000:40000:3", "max_per_youth=20000:60000:3")
    assert sweep_rows(base, *varies, workers=1) == sweep_rows(base, *varies, workers=2)


def test_a_bad_sweep_key_exits_2_naming_it(tmp_path, capsys):
    base = run(tmp_path, "base", 30000, 900000)
    assert main(["sweep", str(base), "--contract", "deal", "--vary", "outcomes.nope.price=1:2:2"]) == 2
    assert "outcomes.nope.price" in capsys.readouterr().err
    assert main(["sweep", str(base), "--contract", "deal", "--vary", "cap=1:2"]) == 2
    assert main(["sweep", str(base), "--contract", "deal", "--vary",
                 "outcomes.housed_6m.for_months=3:9:3"]) == 2  # what is measured, not what is paid
    assert "outcomes.housed_6m.for_months" in capsys.readouterr().err
