"""The forecast's consistency with `run`, exactly: a cut-off at 0 with no one observed gives the
numbers of `run` (same seed); a cut-off at the horizon with every youth observed gives every
replication the payments the contract's arithmetic gives on the observed histories, all settled."""
from __future__ import annotations

import json

import numpy as np
import pytest

from simulator.api import run
from simulator.engine.model import simulate_replication
from simulator.forecast import forecast, observed_from, write_observed
from simulator.language.loading import load_scenario
from simulator.outputs import metrics
from simulator.outputs.folder import ContractKeys
from tests.support import ROOT

pytestmark = pytest.mark.exact

SCENARIO = ROOT / "tests" / "data" / "forecast.yaml"


def _summary(folder) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def test_a_cut_off_at_0_with_no_one_observed_gives_the_numbers_of_run(tmp_path):
    scenario = load_scenario(SCENARIO)
    run(scenario, tmp_path / "run", runs=12, seed=3, workers=1)
    observed = tmp_path / "observed"
    write_observed(observed_from(simulate_replication(scenario, 3, 0, 1).trajectories["programme"], 0.0),
                   observed, ["group"])
    folder, update = forecast(scenario, observed, 0.0, tmp_path / "forecast", runs=12, seed=3, workers=1)
    assert update.joint is None  # nothing observed: each replication draws its parameters as run does
    planned, forecast_summary = _summary(tmp_path / "run"), _summary(tmp_path / "forecast")
    assert forecast_summary["arms"] == planned["arms"]
    contract = forecast_summary["contracts"]["homes"]
    assert {k: v for k, v in contract.items() if k in planned["contracts"]["homes"]} == planned["contracts"]["homes"]
    assert contract["settled_to_date"] == 0.0


def test_a_cut_off_at_the_horizon_with_everyone_observed_fixes_the_payments(tmp_path):
    scenario = load_scenario(SCENARIO)
    truth = run(scenario, tmp_path / "truth", runs=1, seed=8, workers=1)  # replication 0 of seed 8
    observed = tmp_path / "observed"
    history = simulate_replication(scenario, 8, 0, 1).trajectories["programme"]
    write_observed(observed_from(history, scenario.horizon), observed, ["group"])
    folder, _ = forecast(scenario, observed, scenario.horizon, tmp_path / "forecast", runs=6, seed=1, workers=1)
    column = {m.key: m.column for m in metrics.recorded()}
    paid = truth.records(tables=False)[ContractKeys(0).metrics][0]
    forecasts = folder.records(tables=False)[ContractKeys(0).metrics]
    for key in ("payments_nominal", "payments_discounted", "earned", "received"):
        assert np.all(forecasts[:, column[key]] == paid[column[key]]), key
    contract = _summary(tmp_path / "forecast")["contracts"]["homes"]
    assert contract["settled_to_date"] == paid[column["payments_nominal"]] and contract["settled_to_date_fixed"]
    assert contract["remaining_payments_nominal"]["p05"] == contract["remaining_payments_nominal"]["p95"] == 0.0


def test_the_same_seed_gives_the_same_forecast_with_one_or_two_workers(tmp_path):
    scenario = load_scenario(SCENARIO)
    observed = tmp_path / "observed"
    write_observed(observed_from(simulate_replication(scenario, 2, 0, 1).trajectories["programme"], 15.0),
                   observed, ["group"])
    one, _ = forecast(scenario, observed, 15.0, tmp_path / "one", runs=16, seed=4, workers=1)
    two, _ = forecast(scenario, observed, 15.0, tmp_path / "two", runs=16, seed=4, workers=2)
    assert _summary(tmp_path / "one") == _summary(tmp_path / "two")


def test_what_is_settled_is_fixed_unless_it_is_counted_against_the_simulated_baseline(tmp_path):
    """At month 24 two yearly settlements are made: the same in every run for the contract as it
    is; a mean that varies once the contract pays only above the baseline arm (never observed)."""
    text = SCENARIO.read_text(encoding="utf-8")
    scenario = load_scenario(SCENARIO)
    observed = tmp_path / "observed"
    write_observed(observed_from(simulate_replication(scenario, 6, 0, 1).trajectories["programme"], 24.0),
                   observed, ["group"])
    forecast(scenario, observed, 24.0, tmp_path / "as-is", runs=8, seed=2, workers=1)
    assert _summary(tmp_path / "as-is")["contracts"]["homes"]["settled_to_date_fixed"] is True
    (tmp_path / "versus.yaml").write_text(text.replace("    settlement: yearly\n",
                                                       "    settlement: yearly\n    versus_baseline: true\n"))
    forecast(load_scenario(tmp_path / "versus.yaml"), observed, 24.0, tmp_path / "versus", runs=8, seed=2, workers=1)
    assert _summary(tmp_path / "versus")["contracts"]["homes"]["settled_to_date_fixed"] is False
