"""The result-metric registry: every metric is complete, and every output takes its metrics from it.

Exact tests of the table itself, then one small run whose summary.json, contracts.csv,
replications.csv, summary.xlsx and sweep.csv are checked against the table.
"""
from __future__ import annotations

import csv
import dataclasses
import json
import textwrap
import typing

import openpyxl
import pytest

from simulator.cli import main
from simulator.money.pricing import ContractResult, ContractResults
from simulator.outputs import metrics
from simulator.outputs.metrics import METRICS, Unit
from simulator.sensitivity import TARGETS

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
STATISTICS = set(typing.get_args(metrics.Statistic))
SWEEP_STATISTICS = {"mean", "p05", "p50", "p95", "share"}
UNITS = {metrics.CURRENCY, metrics.PROBABILITY, metrics.ANNUAL_RATE, metrics.RATIO, metrics.MONTHS,
         metrics.YOUTHS}


# --- The table ------------------------------------------------------------------------------------


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.key)
def test_every_metric_has_a_unit_and_both_labels(metric):
    assert metric.unit in UNITS
    assert metric.en.strip() and metric.da.strip()
    assert (metric.money is not None) == metric.unit.is_money, "money is discounted or nominal; nothing else"
    assert metric.money in (None, "discounted", "nominal")
    assert metric.statistic in STATISTICS and set(metric.sweep) <= SWEEP_STATISTICS


def test_every_unit_has_both_labels_and_a_format():
    for unit in UNITS - {metrics.CURRENCY}:
        assert unit.en and unit.da and unit.excel_format
    assert metrics.CURRENCY.is_money and not any(unit.is_money for unit in UNITS - {metrics.CURRENCY})


def test_keys_and_names_are_unique_and_lookups_find_them():
    for field in ("key", "name"):
        values = [getattr(m, field) for m in METRICS]
        assert len(values) == len(set(values)), field
    for metric in METRICS:
        assert metrics.by_key(metric.key) is metric and metrics.by_name(metric.name) is metric
    assert metrics.by_key("fund_draw").key == "outcome_fund_draw"  # as folders of earlier versions call it


def test_stored_columns_are_the_columns_old_chunks_have():
    """A chunk stores the recorded metrics as columns: their order is a file format and must not move."""
    assert [m.key for m in metrics.recorded()] == [
        "payments", "payments_discounted", "earned", "received", "irr", "multiple", "full_repayment",
        "expected_loss", "outcome_fund_draw", "fund_exhausted", "payer_net", "break_even_month"]
    assert [m.column for m in metrics.recorded()] == list(range(len(metrics.recorded())))


def test_recorded_metrics_are_what_pricing_returns():
    """analysis and sweep read a recorded metric as the `ContractResult(s)` field of its key."""
    for cls in (ContractResult, ContractResults):
        fields = {f.name for f in dataclasses.fields(cls)}
        assert {m.key for m in metrics.recorded()} <= fields, cls.__name__


def test_what_a_metric_summarises_is_recorded():
    keys = {m.key for m in metrics.recorded()} | {"youths"}  # a contract's youths are recorded apart
    for metric in METRICS:
        if metric.summary is not None and metric.statistic != "term":
            assert (metric.of or metric.key) in keys, metric.key
        if metric.sweep:
            assert metric.column is not None and metric.summary, metric.key
        assert metric.scope == "contract" or metric.summary is None, metric.key


def test_sensitivity_targets_come_from_the_registry():
    assert TARGETS == ("payments", "p_full_repayment", "payer_net", "net_gain")
    assert metrics.target_choices() == "payments, p_full_repayment, payer_net or net_gain:LEVEL"


# --- The files of a run ---------------------------------------------------------------------------


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
    headline = [row for row in workbook["Headline"].iter_rows(min_row=2, values_only=True)
                if row[0] == "deal"]
    measures = [row[1] for row in headline if not row[1].startswith("payments_by_payer.")]
    assert measures == [m.summary for m in metrics.summarised()]
    for row in headline:
        if not row[1].startswith("payments_by_payer."):
            unit = metrics.by_name(row[1]).unit
            assert row[2] == ("DKK" if unit.is_money else unit.en), row[1]
    for row in workbook["Contract metrics"].iter_rows(min_row=2):
        unit = metrics.by_key(row[1].value).unit
        assert row[2].value == ("DKK" if unit.is_money else unit.en)
        assert all(cell.number_format == unit.excel_format
                   for cell in row[3:] if isinstance(cell.value, float))


def test_sweep_csv_takes_its_columns_from_the_registry(run_folder):
    header = list(rows(run_folder / "sweep.csv")[0])
    expected = [m.name if statistic == "share" else f"{m.name}_{statistic}"
                for m in metrics.swept() for statistic in m.sweep]
    assert header == ["outcome_fund.reserve", *expected]
    assert "outcome_fund_draw_mean" in header  # one name for the draw, as in summary.json


def test_a_unit_is_never_guessed_from_a_name():
    """The break-even month is in months because its entry says so, and a made-up name has no unit."""
    assert metrics.by_name("break_even_month").unit == metrics.MONTHS
    with pytest.raises(KeyError):
        metrics.by_name("waiting_months")
    assert isinstance(metrics.by_name("p_break_even").unit, Unit)
