"""Summary statistics of the per-replication records."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from simulator.outputs import statistics as statistics_module
from simulator.outputs.statistics import statistics, statistics_by_blocks

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


@pytest.mark.parametrize("shape", [(20000, 7), (300, 2, 73), (300, 3), (300, 1), (300,)])
@pytest.mark.parametrize("budget", [1, 8 * 300 * 5, 2**30])
def test_statistics_a_block_of_columns_at_a_time_are_those_of_the_whole_bit_for_bit(shape, budget, monkeypatch):
    """The results are computed from disk a block of columns at a time: any cut gives the same bits
    (more than 8,192 rows included, where numpy's summation changes its grouping)."""
    values = np.random.default_rng(3).normal(size=shape) * 1e6
    values[::11] = np.nan
    if len(shape) > 1:
        values[:, 0] = np.nan
    monkeypatch.setattr(statistics_module, "BLOCK_BYTES", budget)
    flat = values.reshape(len(values), -1)
    blocks = statistics_module.column_blocks(len(values), flat.shape[1])
    assert [i for part in blocks for i in range(flat.shape[1])[part]] == list(range(flat.shape[1]))
    assert all(part.stop - part.start >= 2 for part in blocks) or flat.shape[1] == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        whole = statistics(values)
        by_blocks = statistics_by_blocks(len(values), shape[1:], lambda columns: np.ascontiguousarray(flat[:, columns]))
    for key, value in whole.items():
        np.testing.assert_array_equal(by_blocks[key], value, err_msg=key)
