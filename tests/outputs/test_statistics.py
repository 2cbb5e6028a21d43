"""Summary statistics of the per-replication records."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from simulator.outputs.statistics import statistics

pytestmark = pytest.mark.exact


@pytest.mark.parametrize("shape", [(1000,), (999, 7), (400, 5, 73), (3, 4), (1, 3)])
@pytest.mark.parametrize("missing", ["none", "rows", "columns"])
def test_percentiles_are_numpys_nanpercentile_exactly(shape, missing):
    """The fast path for complete columns must not change a single bit of the percentiles."""
    values = np.random.default_rng(len(shape)).normal(size=shape) * 1000
    if missing == "rows":
        values[::7] = np.nan
    elif missing == "columns" and len(shape) > 1:
        values[:, 0] = np.nan  # a state one arm does not have
        values[::7, -1] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanpercentile(values, [5, 50, 95], axis=0)
    stats = statistics(values)
    for name, reference in zip(("p05", "p50", "p95"), expected):
        np.testing.assert_array_equal(stats[name], reference)
