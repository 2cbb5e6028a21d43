"""The contract-design notebook runs from top to bottom on a small run, so it cannot rot."""
from __future__ import annotations

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.end_to_end

NOTEBOOK = ROOT / "notebooks" / "contract-design.ipynb"


def test_the_contract_design_notebook_executes(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="the test extra installs nbformat")
    nbclient = pytest.importorskip("nbclient", reason="the test extra installs nbclient")
    monkeypatch.setenv("NOTEBOOK_RUNS", "8")
    monkeypatch.setenv("NOTEBOOK_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert "P(full repayment)" in text
    assert "price 30,000: P(full repayment)" in text
