"""The interval searches that flows and contracts are computed from, against brute force."""
from __future__ import annotations

import numpy as np

from simulator.engine.trajectories import Stays, _last_at_or_before


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
