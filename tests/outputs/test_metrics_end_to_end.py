"""The files of one small run: summary.json, contracts.csv, replications.csv, summary.xlsx and
sweep.csv take their metrics, in the registry's order, and their units from the registry."""
from __future__ import annotations

import csv
import json
import textwrap

import openpyxl
import pytest

from simulator.cli import main
from simulator.outputs import metrics

pytestmark = pytest.mark.end_to_end

SCENARIO = """
    name: Registry check
    horizon: 24
    start: 2022-01
    parameters:
      effect: {dist: {uniform: {min: 1.5, max: 3}}, label: effect, source: test}
    intake: {poisson: {rate: 2, from: 0, until: 12}}
    tracks:
      housing:
        states: [shelter, housed]
        initial: {shelter: 1.0}
        transitions:
          shelter->housed: {time: {exponential: {mean: 12}}}
          housed->shelter: {time: {exponential: {mean: 30}}}
    arms:
      usual: {}
      programme:
        patch:
          tracks:
            housing: {transitions: {shelter->housed: {time: {exponential: {mean: 12}},
                                                      modifiers: [{when: {}, hazard_ratio: $effect}]}}}
    economics:
      discount_rate: 0.035
      departments: [municipality.social, fund.development]
    flows:
      shelter: {per_month_in: {housing: shelter}, amount: 30000, pays: municipality.social}
    contracts:
      deal:
        arm: programme
        payers: {municipality.social: 0.6, fund.development: 0.4}
        investor: {principal: 300000}
        window: {from: 0, until: 24}
        outcomes:
          housed_6m: {achieved: {in: {housing: housed}, for_months: 6}, price: 30000}
        outcome_fund: {reserve: 100000}
    """


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("registry")
    path = root / "registry.yaml"
    path.write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    out = root / "out"
    assert main(["run", str(path), "--runs", "6", "--workers", "1", "--out", str(out)]) == 0
    assert main(["sweep", str(out), "--contract", "deal", "--vary", "outcome_fund.reserve=0:100000:2",
                 "--workers", "1"]) == 0
    return out


def rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_summary_json_takes_its_contract_keys_from_the_registry(run_folder):
    section = json.loads((run_folder / "summary.json").read_text(encoding="utf-8"))["contracts"]["deal"]
    expected = []
    for metric in metrics.summarised():
        expected.append(metric.summary)
        if metric.alias:
            expected.append(metric.alias)
        if metric.statistic == "share_and_se":
            expected.append(metric.summary + "_se")
    terms, runs = ["arm", "principal", "payers"], ["payments_by_payer", "cash_flow", "runs"]
    assert list(section) == terms + expected[1:] + runs  # `principal` (a term) comes with the terms
    for metric in metrics.summarised():
        value = section[metric.summary]
        if metric.statistic in ("distribution", "mean"):
            assert isinstance(value, dict) and "mean" in value, metric.key
        else:
            assert isinstance(value, float), metric.key


def test_contracts_csv_and_replications_csv_take_their_metrics_from_the_registry(run_folder):
    recorded = [m.key for m in metrics.recorded()]
    assert [row["metric"] for row in rows(run_folder / "contracts.csv")] == recorded
    header = list(rows(run_folder / "replications.csv")[0])
    assert [column.split("@")[1] for column in header if column.startswith("deal@")] == recorded


def test_the_workbook_takes_its_measures_and_units_from_the_registry(run_folder):
    workbook = openpyxl.load_workbook(run_folder / "summary.xlsx")
    by_label = {m.en: m for m in metrics.METRICS}
    payments = metrics.by_name("payments").en + ": "
    headline = [row for row in workbook["Headline"].iter_rows(min_row=2, values_only=True)
                if row[0] == "deal"]
    measures = [row[1] for row in headline if not row[1].startswith(payments)]
    assert measures == [m.en for m in metrics.summarised()]  # each metric by its label, in order
    for row in headline:
        if not row[1].startswith(payments):
            unit = by_label[row[1]].unit
            assert row[2] == ("DKK" if unit.is_money else unit.en), row[1]
    for row in workbook["Contract metrics"].iter_rows(min_row=2):
        unit = by_label[row[1].value].unit
        assert row[2].value == ("DKK" if unit.is_money else unit.en)
        assert all(cell.number_format == unit.excel_format
                   for cell in row[3:] if isinstance(cell.value, float))


def test_sweep_csv_takes_its_columns_from_the_registry(run_folder):
    header = list(rows(run_folder / "sweep.csv")[0])
    expected = [m.name if statistic == "share" else f"{m.name}_{statistic}"
                for m in metrics.swept() for statistic in m.sweep]
    assert header == ["outcome_fund.reserve", *expected]
    assert "outcome_fund_draw_mean" in header  # one name for the draw, as in summary.json
