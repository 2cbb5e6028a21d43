"""Fixtures the whole suite shares. Plain helpers are in support.py."""
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
