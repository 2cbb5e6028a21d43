"""`simulator voi` through the real command line: voi.csv, the figure, the report section, and
bad options. The estimates against closed forms are in test_voi_theory.py.
"""
from __future__ import annotations

import csv
import textwrap

import pytest

from simulator.cli import main
from tests.support import LINEAR_CONTRACT

pytestmark = pytest.mark.end_to_end


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("voi")
    scenario = folder / "linear.yaml"
    scenario.write_text(textwrap.dedent(LINEAR_CONTRACT), encoding="utf-8")
    out = folder / "results"
    assert main(["run", str(scenario), "--runs", "200", "--workers", "1", "--out", str(out), "--no-report"]) == 0
    return out


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_voi_writes_a_row_per_parameter_each_group_and_all(results, capsys):
    assert main(["voi", str(results), "--group", "price,shelter_cost", "--perspective", "municipality"]) == 0
    printed = capsys.readouterr().out
    assert "adopt programme with its contracts, or keep usual" in printed and "over 200 stored runs" in printed
    with open(results / "voi.csv", encoding="utf-8") as handle:
        assert handle.readline().strip() == "parameter,evppi,se"
    rows = read_rows(results / "voi.csv")
    assert [r["parameter"] for r in rows][-2:] == ["price+shelter_cost", "ALL"]
    assert {r["parameter"] for r in rows[:3]} == {"price", "shelter_cost", "team_cost"}
    values = {r["parameter"]: float(r["evppi"]) for r in rows}
    se = {r["parameter"]: float(r["se"]) for r in rows}
    assert all(v >= 0 for v in values.values())
    # the municipality's position does not depend on the fund's team cost; price moves it most
    assert values["team_cost"] <= 2 * se["team_cost"] and values["price"] >= values["shelter_cost"]
    # no chance in the runs: the EVPI of all parameters is E[max(NB, 0)] − max(E NB, 0) over the runs
    net = [float(r["position@programme@municipality.social"]) for r in read_rows(results / "replications.csv")]
    evpi = sum(max(v, 0.0) for v in net) / len(net) - max(sum(net) / len(net), 0.0)
    assert values["ALL"] == pytest.approx(evpi, rel=0.02)
    assert values["price+shelter_cost"] == pytest.approx(evpi, rel=0.02)
    assert (results / "figures" / "information_rank.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    assert main(["report", str(results), "--lang", "da"]) == 0
    html = (results / "report.da.html").read_text(encoding="utf-8")
    assert "<h2>Hvilken usikkerhed er værd at afklare før beslutningen" in html
    assert "<td>price+shelter_cost</td>" in html


@pytest.mark.parametrize("arguments, message", [
    (["--arm", "usual"], "--arm: expected one of programme"),
    (["--arm", "nowhere"], "--arm: expected one of programme"),
    (["--perspective", "investor"], "--perspective: expected one of municipality, fund, municipality.social"),
    (["--group", "price,profit"], "--group: expected uncertain parameters separated by commas"),
    (["--group", "price,price"], "--group: expected uncertain parameters separated by commas"),
])
def test_a_bad_option_exits_2_with_one_line_naming_it(results, capsys, arguments, message):
    assert main(["voi", str(results), *arguments]) == 2
    error = capsys.readouterr().err
    assert error.startswith(message.split(":")[0]) and message in error and error.count("\n") == 1, error


def test_a_folder_without_runs_exits_2(tmp_path, capsys):
    assert main(["voi", str(tmp_path)]) == 2
    assert "Traceback" not in capsys.readouterr().err
