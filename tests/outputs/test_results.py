"""The result files are computed from disk a block at a time: the block sizes never show in them."""
from __future__ import annotations

import pytest

from simulator.language.loading import load_scenario
from simulator.outputs import results as results_module
from simulator.outputs import statistics as statistics_module
from simulator.outputs.folder import CONTRACTS_CSV, MONEY_CSV, OCCUPANCY_CSV, REPLICATIONS_CSV, SUMMARY_JSON
from simulator.runner import RunOptions, run
from tests.support import SCENARIOS

pytestmark = pytest.mark.exact

SCENARIO = SCENARIOS / "examples" / "fair-chance-rate-card.yaml"
FILES = (SUMMARY_JSON, OCCUPANCY_CSV, REPLICATIONS_CSV, MONEY_CSV, CONTRACTS_CSV)


def test_the_smallest_blocks_of_columns_and_rows_give_the_same_files_byte_for_byte(tmp_path, monkeypatch):
    scenario = load_scenario(SCENARIO)
    run(scenario, tmp_path, RunOptions(runs=7, seed=3, workers=1, chunk_size=3))
    results_module.write_results(tmp_path, scenario)
    whole = {name: (tmp_path / name).read_bytes() for name in FILES}
    monkeypatch.setattr(statistics_module, "BLOCK_BYTES", 1)  # two columns, or one row of replications.csv, a block
    results_module.write_results(tmp_path, scenario)
    assert {name: (tmp_path / name).read_bytes() for name in FILES} == whole
