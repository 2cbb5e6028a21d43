"""The public API: `import simulator` gives load_scenario, run, open_results and price_contract,
with the numbers of the command line; the notebook and the README use nothing else."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import simulator

pytestmark = pytest.mark.end_to_end

ROOT = Path(__file__).resolve().parents[1]
AARHUS = ROOT / "scenarios" / "aarhus.yaml"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return simulator.run(AARHUS, tmp_path_factory.mktemp("api") / "out", runs=12, seed=5, workers=1)


def test_run_returns_the_folder_with_its_summary_and_one_row_per_replication(results):
    assert results.manifest["complete"] and results.manifest["runs_done"] == 12
    assert results.summary["runs"] == 12
    assert results.replications["replication"].tolist() == list(range(12))
    again = simulator.open_results(results.path)
    assert again.summary == results.summary


def test_price_contract_with_the_scenario_terms_gives_the_stored_numbers_exactly(results):
    for name in results.scenario().contracts:
        design = simulator.price_contract(results, name)
        for key in ("payments_discounted", "payer_net", "outcome_fund_draw", "full_repayment"):
            np.testing.assert_array_equal(design.__getattribute__(key).astype(float),
                                          results.replications[f"{name}@{key}"], err_msg=key)


def test_price_contract_applies_the_terms_as_a_sweep_would(results):
    name = "havnen_outcomes"
    capped = simulator.price_contract(results, name, {"cap": 1e6})
    # The cut on the running total is float arithmetic: the settlements' sum may pass the cap by
    # an ulp or two (3e-10 DKK on 1e6), as `at_cap`'s relative 1e-12 allows.
    assert capped.payments_nominal.max() <= 1e6 * (1 + 1e-12)
    free = simulator.price_contract(results, name)
    assert np.all(capped.payments_nominal <= free.payments_nominal)
    with pytest.raises(simulator.ScenarioError, match=r"cap: expected a number >= 0, found -1"):
        simulator.price_contract(results, name, {"cap": -1})


def test_open_results_refuses_a_folder_without_a_run(tmp_path):
    with pytest.raises(simulator.ScenarioError, match="manifest.json"):
        simulator.open_results(tmp_path)


def test_import_simulator_loads_nothing_heavy():
    """The API's names load on first use, so every command starts without numpy or SimPy."""
    code = "import sys, simulator; print(sorted(m for m in ('numpy', 'simpy', 'scipy') if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
    assert sorted(simulator.__all__) == sorted(name for name in dir(simulator) if name in simulator.__all__)


def python_sources() -> dict[str, str]:
    """The notebook's code cells and the README's python blocks."""
    notebook = json.loads((ROOT / "notebooks" / "contract-design.ipynb").read_text(encoding="utf-8"))
    cells = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    readme = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    return {"notebook": "\n".join(cells), "README": "\n".join(readme)}


@pytest.mark.parametrize("where", ["notebook", "README"])
def test_the_notebook_and_the_readme_use_only_the_public_api(where):
    source = python_sources()[where]
    assert "import simulator" in source
    assert not re.findall(r"from simulator[.\w]* import|import simulator\.", source)
