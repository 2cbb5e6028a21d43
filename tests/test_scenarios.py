"""The scenarios we ship: every file validates through `simulator validate`. The research scenario
reproduces its trial in test_scenarios_theory.py."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support import SCENARIOS

pytestmark = pytest.mark.end_to_end


@pytest.mark.parametrize("path", sorted(SCENARIOS.rglob("*.yaml")), ids=lambda p: str(p.relative_to(SCENARIOS)))
def test_every_shipped_scenario_validates(path):
    result = subprocess.run([sys.executable, "-m", "simulator", "validate", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_validate_in_danish_shows_the_danish_labels_and_no_exponent():
    result = subprocess.run([sys.executable, "-m", "simulator", "validate", str(SCENARIOS / "aarhus.yaml"),
                             "--lang", "da"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Contract Indsats 2: Havnen, de mest udsatte unge (havnen_outcomes)" in result.stdout
    assert "payers: Aarhus Kommune: socialområdet (municipality.social) 50 %" in result.stdout
    assert "principal 15,900,000 DKK" in result.stdout and "e+0" not in result.stdout
