"""Statistics over replications: each mean with its Monte Carlo standard error, sd and percentiles."""
from __future__ import annotations

import warnings
from typing import Callable

import numpy as np

BLOCK_BYTES = 32 * 2**20  # float64 values in one block of columns; the result files peak at about 4 times that


def statistics(values: np.ndarray, axis: int = 0) -> dict[str, np.ndarray]:
    """Mean with its Monte Carlo standard error, sd and the 5th, 50th and 95th percentiles."""
    values = np.asarray(values, dtype=float)
    n = np.sum(~np.isnan(values), axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column is NaN, not news
        mean = np.nanmean(values, axis=axis) if values.size else np.nan
        sd = np.nanstd(values, axis=axis, ddof=1) if values.shape[axis] > 1 else np.zeros_like(mean)
        se = sd / np.sqrt(n)
        p05, p50, p95 = _percentiles(np.moveaxis(values, axis, 0)) if values.size else (np.nan,) * 3
    return {"mean": mean, "se": se, "sd": sd, "p05": p05, "p50": p50, "p95": p95}


def _percentiles(values: np.ndarray) -> np.ndarray:
    """The 5th, 50th and 95th percentiles over the first axis, ignoring NaN (missing) values.

    `np.nanpercentile` loops in Python over every column that has a NaN; columns without one
    (most: the NaNs are whole rows of states an arm does not have) take the vectorised path.
    """
    missing = np.isnan(values)
    if not missing.any():
        return np.percentile(values, [5, 50, 95], axis=0)
    columns = values.reshape(len(values), -1)
    missing = missing.reshape(columns.shape)
    result = np.full((3, columns.shape[1]), np.nan)
    complete, some = ~missing.any(axis=0), ~missing.all(axis=0)
    result[:, complete] = np.percentile(columns[:, complete], [5, 50, 95], axis=0)
    some &= ~complete
    result[:, some] = np.nanpercentile(columns[:, some], [5, 50, 95], axis=0)
    return result.reshape(3, *values.shape[1:])


def statistics_by_blocks(runs: int, shape: tuple[int, ...], block: Callable[[slice], np.ndarray]
                         ) -> dict[str, np.ndarray]:
    """`statistics` of a (runs, *shape) array, given a block of its columns at a time, so that
    memory holds about BLOCK_BYTES of it however many the runs: `block(columns)` gives the
    (runs, width) values of those columns of the array flattened to (runs, columns).

    Bit for bit what `statistics` gives on the whole array: numpy sums each column of a block of
    two or more columns down the runs in order, as it does in the whole; it sums a lone column
    pairwise instead, so a block is one column only when the array is. Percentiles are order
    statistics of a column, whatever else is in its block.
    """
    columns = int(np.prod(shape, dtype=np.int64))
    parts = [statistics(block(part)) for part in column_blocks(runs, columns)]
    return {key: np.concatenate([np.atleast_1d(part[key]) for part in parts]).reshape(shape)
            for key in parts[0]}


def column_blocks(runs: int, columns: int) -> list[slice]:
    """`columns` cut into about equal blocks of at most BLOCK_BYTES of float64 over `runs` rows,
    none of a single column unless there is one (see `statistics_by_blocks`)."""
    if columns <= 2:
        return [slice(0, columns)]
    count = min(-(-columns // max(2, BLOCK_BYTES // (8 * max(runs, 1)))), columns // 2)
    size, extra = divmod(columns, count)
    edges = np.cumsum([0] + [size + (i < extra) for i in range(count)])
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def rows_per_block(columns: int) -> int:
    """How many rows of `columns` float64 make a block of BLOCK_BYTES (at least one)."""
    return max(1, BLOCK_BYTES // (8 * max(columns, 1)))
