"""Per-parameter uniforms (sampling.parameter_uniform): independent of each other, and Latin
hypercube when asked."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.engine.sampling import JointDraws, parameter_uniform

pytestmark = pytest.mark.exact


@pytest.mark.parametrize("lhs", [False, True], ids=["random", "lhs"])
def test_adding_a_parameter_changes_no_other_draws(lhs):
    runs = 30
    alone = [parameter_uniform(11, r, runs, ("a",), lhs) for r in range(runs)]
    together = [(parameter_uniform(11, r, runs, ("a",), lhs), parameter_uniform(11, r, runs, ("b",), lhs))
                for r in range(runs)]
    assert [a for a, _ in together] == alone
    assert [b for _, b in together] != alone


def test_an_arm_that_redefines_a_parameter_gets_its_own_draws():
    assert parameter_uniform(11, 4, 10, ("a",), False) != parameter_uniform(11, 4, 10, ("a", "arm"), False)


@pytest.mark.parametrize("runs", [1, 7, 200])
@pytest.mark.parametrize("key", [("hf_housing_hr",), ("hf_housing_hr", "housing_first"), ("team_places",)])
def test_lhs_puts_one_replication_in_each_stratum(runs, key):
    u = np.array([parameter_uniform(3, r, runs, key, lhs=True) for r in range(runs)])
    assert np.all((0 <= u) & (u < 1))
    assert sorted(np.floor(u * runs).astype(int)) == list(range(runs))


def test_lhs_strata_are_ordered_independently_per_parameter():
    runs = 50
    strata = {name: [int(parameter_uniform(3, r, runs, (name,), True) * runs) for r in range(runs)]
              for name in ("a", "b")}
    assert strata["a"] != strata["b"]


def test_lhs_uses_the_same_within_stratum_draw_as_plain_sampling():
    """The LHS value is the plain uniform moved into its stratum: (stratum + u) / runs."""
    runs = 20
    for r in range(runs):
        plain = parameter_uniform(9, r, runs, ("x",), lhs=False)
        lhs = parameter_uniform(9, r, runs, ("x",), lhs=True)
        assert lhs * runs - int(lhs * runs) == pytest.approx(plain, abs=1e-12)


@pytest.mark.parametrize("replication", [-1, 10])
def test_replication_must_lie_in_range(replication):
    with pytest.raises(ValueError):
        parameter_uniform(0, replication, 10, ("x",), lhs=True)


def test_key_must_be_a_tuple_not_a_bare_name():
    with pytest.raises(TypeError):
        parameter_uniform(0, 0, 10, "hf_housing_hr", lhs=False)


def test_joint_draws_take_whole_rows_and_only_rows_with_weight():
    joint = JointDraws(("a", "b"), np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]), np.array([0.0, 2.0, 0.0]))
    assert {tuple(joint.pick(5, r).values()) for r in range(50)} == {(2.0, 20.0)}


def test_a_joint_draw_depends_only_on_seed_and_replication():
    joint = JointDraws(("a",), np.arange(10.0)[:, None], np.ones(10))
    forwards = [joint.row(3, r) for r in range(40)]
    assert [joint.row(3, r) for r in reversed(range(40))] == forwards[::-1]
    assert forwards != [joint.row(4, r) for r in range(40)]


@pytest.mark.parametrize("weights", [[], [1.0, -1.0], [0.0, 0.0], [1.0, float("nan")]])
def test_joint_draws_refuse_weights_that_pick_nothing(weights):
    with pytest.raises(ValueError):
        JointDraws(("a",), np.zeros((len(weights), 1)), np.array(weights))
