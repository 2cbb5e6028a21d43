"""The scenarios we ship: every file validates through `simulator validate`. The research scenario
reproduces its trial in test_scenarios_theory.py."""
from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from simulator.language.loading import load_scenario
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


VARIANTS = sorted((SCENARIOS / "aarhus").glob("*.yaml"))


@pytest.mark.parametrize("path", VARIANTS, ids=lambda p: p.stem)
def test_an_aarhus_variant_changes_only_the_parameters_it_lists_and_says_why(path):
    """A variant is the central file with some structural assumptions fixed: it may set its name,
    description and parameters, nothing else; each parameter it lists differs from the central
    file's and says in its `source` which reading it is; the rest resolves to the same scenario."""
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert written["extends"] == "../aarhus.yaml"
    assert set(written) <= {"extends", "name", "description", "parameters"}
    central, variant = load_scenario(SCENARIOS / "aarhus.yaml"), load_scenario(path)
    reading = path.stem  # "sceptical", "optimistic"
    for name, spec in written["parameters"].items():
        assert spec["source"].startswith(f"{reading} reading"), name
        assert variant.resolved["parameters"][name] != central.resolved["parameters"][name], name
        assert variant.parameters()[name].label == central.parameters()[name].label, name
    rest = lambda scenario: {key: (value if key != "parameters" else
                                   {k: v for k, v in value.items() if k not in written["parameters"]})
                             for key, value in scenario.resolved.items() if key not in ("name", "description")}
    assert rest(variant) == rest(central)
    assert variant.name != central.name
