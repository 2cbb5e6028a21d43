"""Random streams: `rng_for` is the only place in the package where a Generator is made.

A stream is named by a key such as `(replication, "param", name)` rather than by the order in
which streams were requested. Adding a parameter or a track therefore changes no other draw,
and any process can recompute any replication alone (parallel workers, `--resume`). There is
no global generator and no module state.
"""

from __future__ import annotations

import hashlib
import operator

import numpy as np


def rng_for(seed: int, *key: int | str) -> np.random.Generator:
    """Independent stream for (seed, *key); the same key gives the same stream in any process.

    Parameters
    ----------
    seed
        The run's root seed, an integer >= 0 (0 is a seed like any other).
    key
        The stream's name: integers >= 0 (replication, youth index) and strings.
    """
    seed = operator.index(seed)  # None would silently mean fresh OS entropy
    if seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed}")
    words = tuple(_word(part) for part in key)
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=words))


def _word(part: int | str) -> int:
    """A key part as a SeedSequence word; strings via blake2b, because hash() is salted per process."""
    if isinstance(part, str):
        return int.from_bytes(hashlib.blake2b(part.encode(), digest_size=4).digest(), "little")
    number = operator.index(part)
    if number < 0:
        raise ValueError(f"stream key integers must be >= 0, got {number}")
    return number
