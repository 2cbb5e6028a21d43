"""Named random streams (seeding.rng_for): reproducible across processes and independent of each
other."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from simulator.engine.sampling import parameter_uniform
from simulator.engine.seeding import rng_for
from tests.support import ROOT

pytestmark = pytest.mark.exact


def test_same_key_gives_the_same_stream_in_a_fresh_process():
    """Strings are hashed with blake2b, not hash(), so a different PYTHONHASHSEED changes nothing."""
    code = ("import json; from simulator.engine.seeding import rng_for; "
            "from simulator.engine.sampling import parameter_uniform; "
            "print(json.dumps([rng_for(7, 3, 'param', 'hf_housing_hr').random(3).tolist(), "
            "parameter_uniform(7, 12, 40, ('hf_housing_hr', 'housing_first'), True)]))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    output = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            check=True).stdout
    here = [rng_for(7, 3, "param", "hf_housing_hr").random(3).tolist(),
            parameter_uniform(7, 12, 40, ("hf_housing_hr", "housing_first"), True)]
    assert json.loads(output) == here


def test_seed_zero_is_a_seed_and_differs_from_seed_one():
    assert rng_for(0, 1, "param", "x").random() != rng_for(1, 1, "param", "x").random()
    assert parameter_uniform(0, 0, 10, ("x",), lhs=False) != parameter_uniform(1, 0, 10, ("x",), lhs=False)
    assert parameter_uniform(0, 0, 10, ("x",), lhs=True) != parameter_uniform(1, 0, 10, ("x",), lhs=True)


def test_different_keys_give_different_streams():
    keys = [(1, "param", "a"), (1, "param", "b"), (2, "param", "a"), (1, "param", "a", "arm"),
            ("param", 1, "a"), (1, "youth", 0, "housing"), (1, "youth", 0, "health"),
            (1, "youth", 1, "housing")]
    draws = [rng_for(5, *key).random() for key in keys]
    assert len(set(draws)) == len(keys)


def test_numpy_integers_name_the_same_stream_as_python_integers():
    assert rng_for(np.int64(3), np.int32(2), "x").random() == rng_for(3, 2, "x").random()


@pytest.mark.parametrize(("seed", "key", "error"), [
    (-1, (), ValueError),
    (None, (), TypeError),  # None would mean fresh OS entropy: an irreproducible run
    (1.5, (), TypeError),
    (0, (-1,), ValueError),
    (0, (1.0,), TypeError),
])
def test_bad_seeds_and_keys_are_rejected(seed, key, error):
    with pytest.raises(error):
        rng_for(seed, *key)
