"""Reading scenario files: the deep merge that `extends` and `patch` use (exact tests).

`extends` chains themselves are tested through `load_scenario` in test_loading.py.
"""
from __future__ import annotations

import copy

import pytest

from simulator.language.files import deep_merge

pytestmark = pytest.mark.exact


# --- deep_merge -------------------------------------------------------------------------------


def test_deep_merge_merges_mappings_key_by_key_and_replaces_lists_and_scalars():
    base = {"a": {"x": 1, "y": [1, 2], "z": {"deep": 1, "keep": 2}}, "b": 2, "c": [1, 2, 3], "e": "text"}
    over = {"a": {"y": [3], "z": {"deep": 9}}, "b": {"now": "a mapping"}, "c": 5, "d": None}
    before = copy.deepcopy((base, over))
    assert deep_merge(base, over) == {
        "a": {"x": 1, "y": [3], "z": {"deep": 9, "keep": 2}},  # mappings merged at every depth
        "b": {"now": "a mapping"},  # a scalar replaced by a mapping
        "c": 5,  # a list replaced whole, here by a scalar
        "d": None,  # a new key added
        "e": "text",  # an untouched key kept
    }
    assert (base, over) == before, "deep_merge must not change its arguments"


def test_deep_merge_replaces_a_list_whole_even_when_it_is_shorter():
    assert deep_merge({"states": ["a", "b", "c"]}, {"states": ["a"]}) == {"states": ["a"]}


def test_deep_merge_replaces_initial_whole_and_a_time_of_another_kind():
    """docs/scenario-language.md, Merging: the two exceptions to key-by-key merging."""
    base = {"initial": {"none": 1.0}, "time": {"weibull": {"shape": 0.8, "median": 30}}}
    assert deep_merge(base, {"initial": {"referred": 1.0}})["initial"] == {"referred": 1.0}
    assert deep_merge(base, {"time": {"exponential": {"mean": 3}}})["time"] == {"exponential": {"mean": 3}}
    assert deep_merge(base, {"time": {"weibull": {"median": 8}}})["time"] == {
        "weibull": {"shape": 0.8, "median": 8}}  # the same kind merges its arguments


def test_deep_merge_lets_a_value_replace_a_dist_and_back_keeping_the_label():
    drawn = {"dist": {"pert": {"min": 0.2, "mode": 0.6, "max": 1.0}}, "label": "After support", "source": "a"}
    assert deep_merge(drawn, {"value": 1.0, "source": "b"}) == {"label": "After support", "source": "b", "value": 1.0}
    fixed = {"value": 1.0, "label": "After support"}
    assert deep_merge(fixed, {"dist": {"uniform": {"min": 0, "max": 1}}}) == {
        "label": "After support", "dist": {"uniform": {"min": 0, "max": 1}}}
