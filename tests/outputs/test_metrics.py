"""The result-metric registry: every metric is complete, and every output takes its metrics from it.

Exact tests of the table itself. The files of a run are checked against it in
test_metrics_end_to_end.py.
"""
from __future__ import annotations

import dataclasses
import typing

import pytest

from simulator.money.pricing import ContractResult, ContractResults
from simulator.outputs import metrics
from simulator.outputs.metrics import METRICS, Unit
from simulator.sensitivity import TARGETS

pytestmark = pytest.mark.exact

STATISTICS = set(typing.get_args(metrics.Statistic))
SWEEP_STATISTICS = {"mean", "p05", "p50", "p95", "share"}
UNITS = {metrics.CURRENCY, metrics.PROBABILITY, metrics.ANNUAL_RATE, metrics.RATIO, metrics.MONTHS,
         metrics.YOUTHS, metrics.SHARE_OF_PAYMENTS}


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
    """A chunk stores the recorded metrics as columns: their order is a file format and must not move
    (records format 2 added columns 12 and 13, format 3 columns 14 and 15; `payments` was renamed
    `payments_nominal`)."""
    assert [m.key for m in metrics.recorded()] == [
        "payments_nominal", "payments_discounted", "earned", "received", "irr", "multiple", "full_repayment",
        "expected_loss", "outcome_fund_draw", "fund_exhausted", "payer_net", "break_even_month", "at_cap",
        "guarantee_paid", "null_effect_payments", "deadweight_share"]
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
            assert (metric.of or metric.key) in keys and metric.summary, metric.key
        assert metric.scope == "contract" or metric.summary is None, metric.key


def test_sensitivity_targets_come_from_the_registry():
    assert TARGETS == ("payments_discounted", "p_full_repayment", "payer_net", "net_gain")
    assert metrics.target_choices() == "payments_discounted, p_full_repayment, payer_net or net_gain:LEVEL"


def test_a_unit_is_never_guessed_from_a_name():
    """The break-even month is in months because its entry says so, and a made-up name has no unit."""
    assert metrics.by_name("break_even_month").unit == metrics.MONTHS
    with pytest.raises(KeyError):
        metrics.by_name("waiting_months")
    assert isinstance(metrics.by_name("p_break_even").unit, Unit)
