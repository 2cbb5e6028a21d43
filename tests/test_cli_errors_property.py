"""Property test: no broken scenario gives a traceback (spec §2: bad input exits 2, one line a problem).

Hypothesis mutates the valid catalogue base (tests/data/base.yaml): it deletes a key or a list
item anywhere, replaces a value by one of the wrong type or range, renames a key, inserts
garbage text, or truncates the file, up to three times over. Whatever comes out,
`simulator validate` must return 0 or 2, raise nothing, print no traceback, and (when it
rejects the file) name the file on every line. `derandomize=True` keeps CI deterministic.
"""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli import main
from tests.support import BASE_SCENARIO

pytestmark = pytest.mark.property

BASE = yaml.safe_load(BASE_SCENARIO.read_text(encoding="utf-8"))


def _paths(node, prefix=()):
    """Every place in the data: a tuple of mapping keys and list indices from the root."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return []
    found = []
    for key, value in items:
        found.append(prefix + (key,))
        found += _paths(value, prefix + (key,))
    return found


PATHS = _paths(BASE)
KEY_PATHS = [path for path in PATHS if isinstance(path[-1], str)]

WRONG_VALUES = [
    None, [], [1, 2], ["shelter"], "", "x", "shelter", "$undeclared", "$shelter_cost", "$hf_hr",
    "$effect_shift", {}, {"a": 1}, {"exponential": {"mean": 1}}, 1e308, -1e308, 10**30, 1e-300, 5e-324,
    -1, -0.5,
    0, 0.5, 1, 2.5, True, False, float("nan"), float("inf"), -float("inf"), "nan", "NaN", ".nan",
    "inf", "-inf", "1e999", "2023-13", "2021-07", "0000-00", "9999-12", "->", "a->b", "none->none",
]
GARBAGE = [
    ": ]", "{", "}", "[", "- - :", "\t", "*alias", "&anchor", "!!python/object/apply:os.system ['x']",
    "%YAML 1.1", "'unterminated", '"unterminated', "key: [1, 2", "? complex", "\x00", "\ufeff",
    "<<: *nowhere", "!!binary abc", "---", "...", "@", "`", "|", ">", "- x", "a: b: c",
    "horizon: 72", "extends: base.yaml", "extends: nowhere.yaml", "name: [1", "  x: 1", "!tag x",
]


def _parent(data, path):
    node = data
    for key in path[:-1]:
        node = node[key]
    return node


@st.composite
def broken_scenarios(draw) -> str:
    """The base scenario's text after one to three random mutations."""
    data = copy.deepcopy(BASE)
    text_mutations = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["delete", "replace", "rename", "garbage", "truncate"]))
        if kind in ("delete", "replace", "rename"):
            path = draw(st.sampled_from(KEY_PATHS if kind == "rename" else PATHS))
            try:
                parent = _parent(data, path)
                parent[path[-1]]
            except (KeyError, IndexError, TypeError):
                continue  # an earlier mutation removed or replaced this place
            if kind == "delete":
                del parent[path[-1]]
            elif kind == "replace":
                parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(WRONG_VALUES)))
            else:
                new_key = draw(st.sampled_from([path[-1] + "x", path[-1][:-1], path[-1].upper(),
                                                "unknown", "", "by", "max", "patch", "price",
                                                "a->b", "$x", "two\nlines", 0, 1.5, True, None]))
                if new_key not in parent:
                    parent[new_key] = parent.pop(path[-1])
        else:
            text_mutations.append((kind, draw(st.floats(0, 1)), draw(st.sampled_from(GARBAGE))))
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None)
    for kind, where, garbage in text_mutations:
        if kind == "truncate":
            text = text[: int(where * len(text))]
        else:
            lines = text.splitlines(keepends=True)
            at = int(where * len(lines))
            lines.insert(at, garbage + "\n")
            text = "".join(lines)
    return text


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    """One file, rewritten for every example (a function-scoped tmp_path would be shared anyway)."""
    return tmp_path_factory.mktemp("properties") / "scenario.yaml"


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=broken_scenarios())
def test_a_broken_scenario_never_gives_a_traceback(text, capsys, scratch):
    path = scratch
    path.write_text(text, encoding="utf-8")
    capsys.readouterr()  # forget the previous example's output
    status = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert status in (0, 2), f"exit status {status}\n{err}"
    assert "Traceback" not in out + err
    if status == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines, "exit status 2 without a message"
        for line in lines:
            assert line.startswith(str(path)), f"a problem that names no file: {line}"
            assert "expected" in line, f"a problem that says nothing of what was expected: {line}"
    else:
        assert out.strip(), "a valid scenario, but validate printed nothing"


def test_the_unmutated_base_is_valid(capsys):
    """The property above means something only if the base itself passes."""
    assert main(["validate", str(BASE_SCENARIO)]) == 0
    assert "catalogue base" in capsys.readouterr().out

