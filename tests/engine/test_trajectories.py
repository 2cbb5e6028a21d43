"""Stays in a condition, and the interval searches that flows and contracts are computed from, on
spells built by hand (exact tests)."""
from __future__ import annotations

import numpy as np
import pytest

from simulator.engine.trajectories import Stays
from simulator.language.scenario import Condition
from tests.support import build, when

pytestmark = pytest.mark.exact


def intervals(traj, condition, inside=True):
    """(youth, start, end) of the maximal stays in the condition."""
    stays = traj.stays(condition, inside)
    return stays.youth, stays.start, stays.end


def entries(traj, condition, inside=True):
    """(youth, time) of every entry into the condition."""
    stays = traj.stays(condition, inside)
    return stays.youth[stays.entered], stays.start[stays.entered]


# --- Intervals in a condition ---------------------------------------------------------------------


def test_adjacent_spells_in_the_condition_merge_and_a_zero_length_visit_is_kept():
    traj = build(20, {"housing": ["street", "shelter", "housed", "hf_flat"]}, [
        {"arrival": 0, "housing": [("shelter", 0), ("housed", 3), ("hf_flat", 5), ("street", 9),
                                   ("housed", 12), ("street", 12), ("shelter", 15)]},
        {"arrival": 2, "departure": 11, "housing": [("housed", 2), ("street", 4)]},
    ])
    stays = traj.stays(when(housing=["housed", "hf_flat"]))
    assert stays.youth.tolist() == [0, 0, 1]
    assert stays.start.tolist() == [3, 12, 2]
    assert stays.end.tolist() == [9, 12, 4]
    assert stays.youth[stays.entered].tolist() == [0, 0]  # youth 1 was housed at arrival: not an entry
    assert stays.start[stays.entered].tolist() == [3, 12]
    # Out of the condition: presence minus the stays (youth 1 leaves at 11).
    out = traj.stays(when(housing=["housed", "hf_flat"]), inside=False)
    assert list(zip(out.youth.tolist(), out.start.tolist(), out.end.tolist())) == [
        (0, 0, 3), (0, 9, 12), (0, 12, 20), (1, 4, 11)]
    assert out.start[out.entered].tolist() == [9, 12, 4]


def test_several_tracks_intersect_and_attributes_filter_youths():
    traj = build(30, {"housing": ["shelter", "housed"], "activity": ["none", "job"]}, [
        {"arrival": 0, "attributes": {"profile": "high"},
         "housing": [("shelter", 0), ("housed", 4), ("shelter", 20)],
         "activity": [("job", 0), ("none", 2), ("job", 6), ("none", 10), ("job", 10, True), ("none", 25)]},
        {"arrival": 1, "attributes": {"profile": "low"},
         "housing": [("housed", 1)], "activity": [("job", 1)]},
    ], attributes={"profile": ["high", "low"]})
    both = Condition({"housing": frozenset({"housed"}), "activity": frozenset({"job"})})
    stays = traj.stays(both)
    # Youth 0: housed [4, 20) ∩ job [0,2) ∪ [6,10) ∪ [10,25): the re-entry at 10 is kept apart.
    assert list(zip(stays.youth.tolist(), stays.start.tolist(), stays.end.tolist())) == [
        (0, 6, 10), (0, 10, 20), (1, 1, 30)]
    assert stays.start[stays.entered].tolist() == [6, 10]  # youth 1 held both at arrival
    high = Condition(both.states, {"profile": frozenset({"high"})})
    assert traj.stays(high).youth.tolist() == [0, 0]
    only_low = Condition({}, {"profile": frozenset({"low"})})
    assert [a.tolist() for a in intervals(traj, only_low)] == [[1], [1], [30]]


def test_a_zero_length_visit_counts_across_tracks_where_the_other_track_holds():
    traj = build(10, {"support": ["referred", "active"], "health": ["stable", "crisis"]}, [
        # `referred` is left the instant it is held at arrival: a zero-length stay, not an entry.
        {"arrival": 0, "support": [("referred", 0), ("active", 0, True)],
         "health": [("stable", 0), ("crisis", 4), ("stable", 4), ("crisis", 7)]},
    ])
    crisis_while_active = Condition({"support": frozenset({"active"}), "health": frozenset({"crisis"})})
    youth, start, end = intervals(traj, crisis_while_active)
    assert start.tolist() == [4, 7] and end.tolist() == [4, 10]
    assert entries(traj, crisis_while_active)[1].tolist() == [4, 7]
    # Entered by a `fixed: 0` transition at arrival: an entry; the state held at arrival is not.
    assert entries(traj, when(support="active"))[1].tolist() == [0]
    assert entries(traj, when(support="referred"))[1].tolist() == []
    assert intervals(traj, when(support="referred"))[2].tolist() == [0]


# --- Interval searches ----------------------------------------------------------------------------


def test_time_before_and_covers_on_hand_built_stays():
    # Youth 0 in the states over [1, 3) and [4, 4] (zero length) and [5, 8); youth 2 over [0, 2).
    stays = Stays(np.array([0, 0, 0, 2], dtype=np.int32), np.array([1.0, 4.0, 5.0, 0.0]),
                  np.array([3.0, 4.0, 8.0, 2.0]), np.array([True, True, True, False]))
    youth = np.array([0, 0, 0, 0, 0, 1, 2, 2])
    time = np.array([0.5, 2.0, 3.5, 6.0, 9.0, 5.0, 1.0, 2.0])
    np.testing.assert_allclose(stays.time_before(youth, time), [0, 1, 2, 3, 5, 0, 1, 2])
    np.testing.assert_array_equal(stays.covers(youth, time),
                                  [False, True, False, True, False, False, True, False])
    assert stays.covers(np.array([0]), np.array([4.0]))[0]  # a zero-length stay covers its instant


# --- The spell table ------------------------------------------------------------------------------


def test_spells_are_sorted_by_youth_track_and_start_whatever_order_they_are_recorded_in():
    """The engine records a youth's spells on a track in the order they start (the quick sort);
    records in any other order are sorted as well, zero-length spells kept in recorded order."""
    from simulator.engine.trajectories import Trajectories

    spells = [(1, 0, 1, 5.0, 9.0, True), (0, 1, 0, 0.0, 9.0, False), (0, 0, 2, 4.0, 4.0, True),
              (0, 0, 1, 4.0, 9.0, True), (1, 0, 0, 2.0, 5.0, False), (0, 0, 0, 0.0, 4.0, False)]
    fields = dict(waits=[], arm="a", horizon=9.0, tracks=("housing", "activity"),
                  states=(("street", "shelter", "housed"), ("none",)), attributes=(), attribute_values=(),
                  arrival=np.array([0.0, 2.0]), departure=np.array([np.inf, np.inf]),
                  youth_attributes=np.zeros((2, 0), dtype=np.int16), resources=())
    expected = [(0, 0, 0, 0.0, 4.0), (0, 0, 2, 4.0, 4.0), (0, 0, 1, 4.0, 9.0), (0, 1, 0, 0.0, 9.0),
                (1, 0, 0, 2.0, 5.0), (1, 0, 1, 5.0, 9.0)]
    # As the engine records them: youths and tracks interleaved, each one's spells in start order.
    as_recorded = [(1, 0, 0, 2.0, 5.0, False), (0, 0, 0, 0.0, 4.0, False), (0, 0, 2, 4.0, 4.0, True),
                   (1, 0, 1, 5.0, 9.0, True), (0, 0, 1, 4.0, 9.0, True), (0, 1, 0, 0.0, 9.0, False)]
    for records in (spells, as_recorded):
        traj = Trajectories.from_spells(spells=records, **fields)
        table = list(zip(traj.spell_youth.tolist(), traj.spell_track.tolist(), traj.spell_state.tolist(),
                         traj.spell_start.tolist(), traj.spell_end.tolist()))
        assert table == expected
