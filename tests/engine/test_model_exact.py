"""The engine against runs computed by hand: fixed clocks, a pause, a resource and a certain jump;
and common random numbers, which keep an arm's spells when another arm is edited."""
from __future__ import annotations

import numpy as np
import pytest

from simulator.engine.model import simulate_replication

pytestmark = pytest.mark.exact


def test_a_deterministic_scenario_gives_the_hand_computed_trajectories(scenario_from):
    """Fixed clocks, a pause (HR = 0), a resource with one unit and a certain jump, computed by hand."""
    scenario = scenario_from("""
        name: by hand
        horizon: 20
        intake: {schedule: [{at: 0, count: 1}, {at: 1, count: 1}]}
        tracks:
          support:
            states: [none, active, ended]
            initial: {none: 1.0}
            transitions:
              none->active: {time: {fixed: 2}}
          housing:
            states: [shelter, flat, street]
            initial: {shelter: 1.0}
            holds: {flat: flats}
            transitions:
              shelter->flat:
                time: {fixed: {months: 1}}
                modifiers: [{when: {support: none}, hazard_ratio: 0}]
              flat->street: {time: {fixed: 5}}
          health:
            states: [stable, crisis]
            initial: {stable: 1.0}
            transitions:
              stable->crisis: {time: {fixed: 9}}
            on_enter:
              crisis: [{track: support, from: active, to: ended, probability: 1.0}]
        resources: {flats: {capacity: 1}}
        arms: {only: {}}
        """)
    t = simulate_replication(scenario, 0, 0, 1).trajectories["only"]
    def spells(youth, track):
        k = t.tracks.index(track)
        rows = (t.spell_youth == youth) & (t.spell_track == k)
        return [(t.states[k][s], a, b) for s, a, b in
                zip(t.spell_state[rows], t.spell_start[rows], t.spell_end[rows])]
    # Youth 0 arrives at 0: support at 2, the shelter clock runs from 2 and fires at 3; flat 3..8.
    assert spells(0, "support") == [("none", 0, 2), ("active", 2, 9), ("ended", 9, 20)]
    assert spells(0, "housing") == [("shelter", 0, 3), ("flat", 3, 8), ("street", 8, 20)]
    # Youth 1 arrives at 1: support at 3, wants the flat at 4, waits for youth 0 to leave at 8.
    assert spells(1, "support") == [("none", 1, 3), ("active", 3, 10), ("ended", 10, 20)]
    assert spells(1, "housing") == [("shelter", 1, 8), ("flat", 8, 13), ("street", 13, 20)]
    assert spells(1, "health") == [("stable", 1, 10), ("crisis", 10, 20)]
    assert list(t.wait_requested) == [3, 4] and list(t.wait_granted) == [3, 8]


def test_a_unit_granted_while_waiting_is_taken_and_freed_when_the_youth_leaves(scenario_from):
    """Capacity 1; each youth leaves the population 8 months after arrival, computed by hand."""
    scenario = scenario_from("""
        name: handover
        horizon: 20
        intake: {schedule: [{at: 0, count: 1}, {at: 1, count: 1}, {at: 2, count: 1}]}
        exit: {time: {fixed: 8}}
        tracks:
          place:
            states: [waiting, served, done]
            initial: {waiting: 1.0}
            holds: {served: unit}
            transitions:
              waiting->served: {time: {fixed: 0}}
              served->done: {time: {fixed: 5}}
        resources: {unit: {capacity: 1}}
        arms: {only: {}}
        """)
    t = simulate_replication(scenario, 0, 0, 1).trajectories["only"]
    spells = [(int(y), t.states[0][s], a, b) for y, s, a, b in
              zip(t.spell_youth, t.spell_state, t.spell_start, t.spell_end)]
    # Youth 0 gets the unit at once: its zero-length wait stays in the table as a spell.
    assert spells == [(0, "waiting", 0, 0), (0, "served", 0, 5), (0, "done", 5, 8),
                      (1, "waiting", 1, 5), (1, "served", 5, 9),
                      (2, "waiting", 2, 9), (2, "served", 9, 10)]
    assert list(t.departure) == [8, 9, 10]


def test_the_baseline_arm_does_not_change_when_another_arm_is_edited(scenario_from):
    text = """
        name: crn
        horizon: 24
        intake: {{poisson: {{rate: 3, from: 0, until: 12}}}}
        exit: {{time: {{exponential: {{mean: 30}}}}}}
        tracks:
          housing:
            states: [street, housed]
            initial: {{street: 0.5, housed: 0.5}}
            transitions:
              street->housed: {{time: {{exponential: {{mean: 8}}}}}}
              housed->street: {{time: {{weibull: {{shape: 1.5, median: 12}}}}}}
        arms:
          usual: {{}}
          better:
            patch:
              tracks: {{housing: {{transitions: {{street->housed: {{time: {{exponential: {{mean: {mean}}}}}}}}}}}}}
        """
    first = simulate_replication(scenario_from(text.format(mean=6), "a.yaml"), 4, 0, 1)
    second = simulate_replication(scenario_from(text.format(mean=2), "b.yaml"), 4, 0, 1)
    a, b = first.trajectories["usual"], second.trajectories["usual"]
    for name in ("arrival", "departure", "spell_youth", "spell_state", "spell_start", "spell_end"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(first.trajectories["better"].spell_end, second.trajectories["better"].spell_end)


def test_simulate_yields_the_same_replications_as_one_by_one(scenario_from):
    from simulator.engine.model import simulate

    scenario = scenario_from("""
        name: api
        horizon: 12
        intake: {poisson: {rate: 3, from: 0, until: 6}}
        tracks:
          housing:
            states: [street, housed]
            initial: {street: 1.0}
            transitions: {street->housed: {time: {exponential: {mean: 5}}}}
        arms: {only: {}}
        """)
    together = list(simulate(scenario, 5, [2, 0], 3))
    assert [r.replication for r in together] == [2, 0]
    for result in together:
        alone = simulate_replication(scenario, 5, result.replication, 3).trajectories["only"]
        np.testing.assert_array_equal(result.trajectories["only"].spell_end, alone.spell_end)


def test_a_modifier_with_strength_runs_at_the_ratio_to_that_power(scenario_from):
    """hazard_ratio 4 at strength 0.5 is the clock of hazard_ratio 2 (4 ** 0.5 = 2 exactly in
    binary): the same spells to the last bit; at strength 0 the modifier does nothing."""
    def spells(ratio: str):
        scenario = scenario_from(f"""
            name: strength
            horizon: 60
            intake: {{schedule: [{{at: 0, count: 40}}]}}
            tracks:
              support:
                states: [none, active]
                initial: {{none: 0.5, active: 0.5}}
              housing:
                states: [street, housed]
                initial: {{street: 1.0}}
                transitions:
                  street->housed:
                    time: {{exponential: {{mean: 12}}}}
                    modifiers: [{{when: {{support: active}}, {ratio}}}]
                  housed->street: {{time: {{exponential: {{mean: 20}}}}}}
            arms: {{only: {{}}}}
            """)
        t = simulate_replication(scenario, 3, 0, 1).trajectories["only"]
        return t.spell_start.tolist(), t.spell_end.tolist(), t.spell_state.tolist()
    assert spells("hazard_ratio: 4, strength: 0.5") == spells("hazard_ratio: 2")
    assert spells("hazard_ratio: 4, strength: 0") == spells("hazard_ratio: 1")
    assert spells("hazard_ratio: 4, strength: 0.5") != spells("hazard_ratio: 4")
