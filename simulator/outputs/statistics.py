"""Statistics over replications: each mean with its Monte Carlo standard error, sd and percentiles."""
from __future__ import annotations

import warnings

import numpy as np


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
