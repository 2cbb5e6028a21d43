"""The language reference (docs/scenario-language.md) ships instead of the specification, so it
must name every key the loader accepts, and its whole-scenario examples must load.

The keys are collected from the loader itself: every `reader.mapping(...)` call is recorded, with
the keys it allows, while the reference's own scenario examples and the shipped scenarios load,
and a call that none of them reaches fails the test (add an example that reaches it), so a key
added to the loader cannot go unnoticed. The fixed vocabularies (time and parameter
distributions and their arguments, metrics, flow kinds, settlements, …) come from their tables.
"""
from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest
import yaml

from simulator.language import reader as reader_module
from simulator.language.distributions import PARAMETER_FORMS, TIME_FORMS
from simulator.language.labels import LANGUAGES
from simulator.language.loading import load_scenario
from simulator.language.outcomes import METRICS
from simulator.language.scenario import GUARANTEED, SETTLEMENTS
from simulator.language.sections.flows import FLOW_KINDS

pytestmark = pytest.mark.exact

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scenario-language.md"
LANGUAGE = ROOT / "simulator" / "language"


def yaml_blocks() -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)


def whole_scenarios() -> list[str]:
    """The examples that are a scenario file on their own (they have a name and a horizon)."""
    result = []
    for block in yaml_blocks():
        data = yaml.safe_load(block)
        if isinstance(data, dict) and "name" in data and "horizon" in data:
            result.append(block)
    return result


def documented_words() -> set[str]:
    """Every word inside an inline code span of the reference's prose and tables."""
    text = re.sub(r"^```.*?^```", "", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {word for span in re.findall(r"`([^`\n]+)`", text) for word in re.findall(r"[A-Za-z_]\w*", span)}


def mapping_calls() -> set[tuple[str, int]]:
    """(file, line) of every `….mapping(...)` call in the language package."""
    calls = set()
    for path in LANGUAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "mapping":
                calls.add((str(path), node.lineno))
    return calls


@pytest.fixture
def loader_keys(monkeypatch, tmp_path):
    """The keys each `reader.mapping` call allows, by its (file, line), as the reference's whole
    scenarios and the shipped scenarios load."""
    seen: dict[tuple[str, int], set[str]] = {}
    original = reader_module.Reader.mapping

    def recording(self, raw, path, required=(), optional=(), what="a mapping"):
        required, optional = tuple(required), tuple(optional)
        caller = sys._getframe(1)
        keys = seen.setdefault((caller.f_code.co_filename, caller.f_lineno), set())
        if path == "contracts":  # the contracts' own names
            pass
        elif caller.f_code.co_name == "_initial":  # `by` and the attribute's own values
            keys.add("by")
        else:
            keys.update(map(str, required + optional))
        return original(self, raw, path, required, optional, what)

    monkeypatch.setattr(reader_module.Reader, "mapping", recording)
    for i, block in enumerate(whole_scenarios()):
        path = tmp_path / f"example_{i}.yaml"
        path.write_text(block, encoding="utf-8")
        load_scenario(path)
    for path in sorted((ROOT / "scenarios").rglob("*.yaml")):
        load_scenario(path)
    return seen


def test_every_whole_scenario_example_in_the_reference_validates(tmp_path):
    blocks = whole_scenarios()
    assert blocks, "the reference should show at least one whole scenario"
    for i, block in enumerate(blocks):
        path = tmp_path / f"example_{i}.yaml"
        path.write_text(block, encoding="utf-8")
        load_scenario(path)  # raises ScenarioError naming the problem


def test_every_mapping_the_loader_reads_is_reached_by_an_example(loader_keys):
    missed = sorted(mapping_calls() - set(loader_keys))
    assert not missed, ("no example in docs/scenario-language.md or scenarios/ reaches these reader.mapping "
                        f"calls, so their keys are not checked against the reference: {missed}")


def test_every_key_the_loader_accepts_is_in_the_reference(loader_keys):
    keys = set().union(*loader_keys.values())
    for forms in (TIME_FORMS, PARAMETER_FORMS):
        keys |= set(forms) | {arg for sets in forms.values() for form in sets for arg in form}
    for metric in METRICS.values():
        keys |= {metric.metric, *metric.required_keys, *metric.optional_keys, *metric.terms}
    keys |= {*FLOW_KINDS, *SETTLEMENTS, *GUARANTEED, *LANGUAGES, "in", "not_in", "random", "lhs",
             "calendar", "rolling"}
    missing = sorted(keys - documented_words())
    assert not missing, f"keys the loader accepts that docs/scenario-language.md never names in `code`: {missing}"
