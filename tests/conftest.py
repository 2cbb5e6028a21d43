"""Fixtures the whole suite shares, and the rule that every test says its kind. Plain helpers are
in support.py."""
from __future__ import annotations

import textwrap

import pytest

from simulator.language.loading import load_scenario


@pytest.fixture
def scenario_from(tmp_path):
    """`scenario_from(text, name="scenario.yaml")`: the scenario loaded from YAML text, written
    (dedented) to `name` in the test's tmp_path."""
    def load(text: str, name: str = "scenario.yaml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return load_scenario(path)
    return load


KINDS = ("exact", "theory", "property", "golden", "end_to_end")  # described in pyproject.toml


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Fail the run unless every test is of exactly one kind, so that `-m KIND` runs each kind alone.

    A test module says its kind once, `pytestmark = pytest.mark.exact`; a module whose tests of
    two kinds share its fixtures marks each test instead.
    """
    wrong = []
    for item in items:
        kinds = sorted({mark.name for mark in item.iter_markers() if mark.name in KINDS})
        if len(kinds) != 1:
            wrong.append(f"{item.nodeid}: {' and '.join(kinds) or 'no kind'}")
    if wrong:
        raise pytest.UsageError(f"each test needs exactly one kind of {', '.join(KINDS)}:\n" + "\n".join(wrong))
