"""The interval search that flows and contracts are computed from, against brute force on random
keys and queries with ties."""
from __future__ import annotations

import numpy as np
import pytest

from simulator.engine.trajectories import _last_at_or_before

pytestmark = pytest.mark.property


def test_last_at_or_before_is_the_last_key_not_after_each_query():
    rng = np.random.default_rng(11)
    for _ in range(50):
        n, m = rng.integers(0, 40), rng.integers(0, 40)
        key_youth = np.sort(rng.integers(0, 6, n))
        key_time = rng.choice([0.0, 0.5, 1.0, 2.5, 1e-300, 3.0], n)  # ties on purpose
        order = np.lexsort((key_time, key_youth))
        key_youth, key_time = key_youth[order], key_time[order]
        youth, time = rng.integers(0, 7, m), rng.choice([0.0, 0.5, 1.0, 2.0, 2.5, 4.0], m)
        expected = [max([i for i in range(n) if (key_youth[i], key_time[i]) <= (y, t)], default=-1)
                    for y, t in zip(youth, time)]
        np.testing.assert_array_equal(_last_at_or_before(key_youth, key_time, youth, time), expected)
