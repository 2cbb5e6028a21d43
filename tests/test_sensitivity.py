"""`simulator sensitivity`: tornado order, swings and switching values known by hand, and the
command line's errors. Sobol indices against theory are in test_sensitivity_theory.py.
"""
from __future__ import annotations

import csv
import sys
import textwrap

import pytest

from simulator.cli import main
from tests.support import LINEAR_CONTRACT

pytestmark = pytest.mark.end_to_end


@pytest.fixture
def linear(tmp_path):
    path = tmp_path / "linear.yaml"
    path.write_text(textwrap.dedent(LINEAR_CONTRACT), encoding="utf-8")
    return path


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_tornado_and_switching_values_of_a_contract_known_by_hand(linear, tmp_path, capsys):
    """Exact: payer_net = 120 × (shelter_cost − price), the 5–95 % ranges are those of uniforms.

    price in U(12000, 36000): 13200 … 34800, swing 120 × 21600; shelter_cost in U(20000, 30000):
    20500 … 29500, swing 120 × 9000; team_cost: swing 0. payer_net = 0 at price = shelter_cost's
    median 25000, and at shelter_cost = price's median 24000; never for team_cost.
    """
    out = tmp_path / "results"
    assert main(["run", str(linear), "--runs", "2", "--workers", "1", "--out", str(out), "--no-report"]) == 0
    assert main(["sensitivity", str(linear), "--runs", "2", "--workers", "1", "--out", str(out)]) == 0
    assert "no crossing in range" in capsys.readouterr().out
    rows = read_rows(out / "sensitivity.csv")
    assert [row["parameter"] for row in rows] == ["price", "shelter_cost", "team_cost"]
    expected = {"price": (13200, 34800, 120 * (25000 - 13200), 120 * (25000 - 34800), 25000),
                "shelter_cost": (20500, 29500, 120 * (20500 - 24000), 120 * (29500 - 24000), 24000),
                "team_cost": (1100, 2900, 120 * 1000, 120 * 1000, None)}
    for row in rows:
        low, high, at_low, at_high, switching = expected[row["parameter"]]
        assert float(row["low_value"]) == pytest.approx(low, rel=1e-12)
        assert float(row["high_value"]) == pytest.approx(high, rel=1e-12)
        assert float(row["target_at_low"]) == pytest.approx(at_low, rel=1e-9)
        assert float(row["target_at_high"]) == pytest.approx(at_high, rel=1e-9)
        assert float(row["swing"]) == pytest.approx(abs(at_high - at_low), rel=1e-9)
        assert float(row["target_at_medians"]) == pytest.approx(120 * 1000, rel=1e-9)
        assert (row["switching_value"] == "") == (switching is None)
        if switching is not None:
            assert float(row["switching_value"]) == pytest.approx(switching, rel=1e-9)
    assert (out / "figures" / "tornado.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    assert main(["report", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    tornado = html[html.index("<h2>What matters most"):html.index("<h2>Assumptions")]
    order = [tornado.index(f"<td>{label}</td>") for label in ("Price per month housed", "Shelter cost per month",
                                                                "Team cost per month")]  # by their labels
    assert order == sorted(order)
    assert '<td class="n">25,000</td>' in tornado and '<td class="n">24,000</td>' in tornado


def test_a_net_gain_target_by_level(linear, tmp_path):
    """Exact: the fund pays team_cost for 24 months, so its net gain is −24 × team_cost."""
    out = tmp_path / "results"
    assert main(["sensitivity", str(linear), "--target", "net_gain:fund", "--runs", "1", "--workers", "1",
                 "--out", str(out)]) == 0
    rows = {row["parameter"]: row for row in read_rows(out / "sensitivity.csv")}
    assert list(rows)[0] == "team_cost"
    assert float(rows["team_cost"]["target_at_low"]) == pytest.approx(-24 * 1100, rel=1e-9)
    assert float(rows["team_cost"]["target_at_high"]) == pytest.approx(-24 * 2900, rel=1e-9)
    assert float(rows["price"]["swing"]) == 0


@pytest.mark.parametrize("option, value, message", [
    ("--target", "net_gain:nowhere", "net_gain: followed by one of municipality, fund"),
    ("--target", "profit", "payments_discounted, p_full_repayment, payer_net or net_gain:LEVEL"),
    ("--contract", "other", "one of outcomes"),
])
def test_a_bad_target_or_contract_exits_2_naming_the_option(linear, tmp_path, capsys, option, value, message):
    assert main(["sensitivity", str(linear), option, value, "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(option) and message in error


def test_sobol_without_salib_exits_2_saying_how_to_install_it(linear, tmp_path, capsys, monkeypatch):
    for name in ("SALib", "SALib.analyze", "SALib.sample"):
        monkeypatch.setitem(sys.modules, name, None)  # import fails as if it were not installed
    assert main(["sensitivity", str(linear), "--method", "sobol", "--out", str(tmp_path)]) == 2
    assert "pip install 'simulator[sobol]'" in capsys.readouterr().err


def test_shares_from_stored_runs_of_the_linear_contract(linear, tmp_path, capsys):
    """payer_net = 120 × (shelter_cost − price) with uniforms: Var = 120² (10000² + 24000²) / 12,
    so the shares are 100/676 = 0.148 for shelter_cost, 576/676 = 0.852 for price and 0 for
    team_cost. 300 stored runs (no chance in the model: every run's payer_net is exact), each
    share within 0.04 (its spread from the 300 draws is about 0.02); the fit check passes."""
    out = tmp_path / "results"
    assert main(["run", str(linear), "--runs", "300", "--workers", "1", "--out", str(out), "--no-report"]) == 0
    assert main(["sensitivity", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "over 300 stored runs" in printed and "metamodel.csv" in printed
    rows = {row["parameter"]: row for row in read_rows(out / "metamodel.csv")}
    assert list(rows) == ["price", "shelter_cost", "team_cost"]
    for name, expected in (("price", 576 / 676), ("shelter_cost", 100 / 676), ("team_cost", 0.0)):
        assert float(rows[name]["share"]) == pytest.approx(expected, abs=0.04), name
        assert float(rows[name]["residual_z"]) <= 4
    assert float(rows["price"]["r2"]) == pytest.approx(576 / 676, abs=0.04)
    assert float(rows["price"]["target_at_low"]) > float(rows["price"]["target_at_high"])  # dearer, less net
    assert (out / "figures" / "tornado_metamodel.png").exists()

    assert main(["sensitivity", str(out), "--target", "position:total"]) == 0
    rows = read_rows(out / "metamodel.csv")
    assert rows[0]["target"] == "position:total"  # −24 team_cost enters the public sector's total


@pytest.mark.parametrize("arguments, message", [
    (["--method", "metamodel"], "a results folder written by simulator run"),
])
def test_the_metamodel_needs_a_results_folder(linear, arguments, message, capsys):
    assert main(["sensitivity", str(linear), *arguments]) == 2
    assert message in capsys.readouterr().err


def test_a_stored_target_that_is_not_a_result_exits_2(linear, tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["run", str(linear), "--runs", "20", "--workers", "1", "--out", str(out), "--no-report"]) == 0
    capsys.readouterr()
    assert main(["sensitivity", str(out), "--target", "profit"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("--target") and "position:KEY" in error and "irr" in error
