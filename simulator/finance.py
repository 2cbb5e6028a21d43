"""Money over time: continuous discounting, settlement dates, and the investor's IRR.

Pure arithmetic on months and amounts; it knows nothing about youths, flows or contracts.
Money at month t is worth (1 + r)^(−t/12) at t = 0 (r the annual discount rate), i.e. it is
discounted continuously with the force of interest δ = ln(1 + r) / 12 per month (spec §1.6).
"""
from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

Months = float
Settlement = Literal["yearly", "monthly", "at_end"]


def force_of_interest(annual_rate: float) -> float:
    """δ per month such that exp(−δ t) = (1 + r)^(−t/12)."""
    if not annual_rate > -1.0:
        raise ValueError(f"annual discount rate must be above -1, found {annual_rate!r}")
    return math.log1p(annual_rate) / 12.0


def discount_factor(months: ArrayLike, annual_rate: float) -> NDArray[np.float64]:
    """(1 + r)^(−t/12) for every t in `months`."""
    return np.exp(-force_of_interest(annual_rate) * np.asarray(months, dtype=float))


def present_value_of_rate(rate_per_month: ArrayLike, start: ArrayLike, end: ArrayLike,
                          annual_rate: float) -> NDArray[np.float64]:
    """Value at t = 0 of money accruing at `rate_per_month` over [start, end) (closed form).

    ∫_a^b c·e^(−δt) dt = c·e^(−δa)·(1 − e^(−δ(b−a)))/δ, and c·(b − a) when δ = 0. Written with
    `expm1` so that short intervals and small rates keep full precision.
    """
    delta = force_of_interest(annual_rate)
    a = np.asarray(start, dtype=float)
    length = np.asarray(end, dtype=float) - a
    if delta == 0.0:
        return np.asarray(rate_per_month, dtype=float) * length
    return np.asarray(rate_per_month, dtype=float) * np.exp(-delta * a) * (-np.expm1(-delta * length)) / delta


def npv(times_in_months: ArrayLike, amounts: ArrayLike, annual_rate: float) -> float:
    """Net present value at t = 0 of `amounts` paid at `times_in_months`."""
    return float(np.sum(np.asarray(amounts, dtype=float) * discount_factor(times_in_months, annual_rate)))


# The IRR is searched as x = ln(1 + r) on this bracket, i.e. r in [−99.99999 %, +100,000 %].
_LOG_LOW, _LOG_HIGH, _GRID = math.log(1e-7), math.log(1001.0), 257


def irr(times_in_months: ArrayLike, amounts: ArrayLike) -> float:
    """Annual internal rate of return r: Σ amount·(1 + r)^(−t/12) = 0.

    - Nothing received (no positive amount): −1.0 (−100 %), as the spec counts it.
    - Nothing paid out (no negative amount): +inf.
    - Otherwise the root is found by scanning x = ln(1 + r) on a grid over
      r ∈ [−99.99999 %, +100,000 %] for sign changes and refining each with `brentq`; when the cash
      flows change sign more than once and several roots exist, the one closest to r = 0 is
      returned. If the NPV keeps one sign on the whole bracket, the IRR lies beyond it: −1.0 if
      the NPV is negative there (almost nothing came back), +inf if positive.
    """
    t = np.asarray(times_in_months, dtype=float).ravel()
    a = np.asarray(amounts, dtype=float).ravel()
    if t.shape != a.shape:
        raise ValueError(f"irr: {t.size} times but {a.size} amounts")
    keep = a != 0.0
    t, a = t[keep], a[keep]
    if not np.any(a > 0):
        return -1.0
    if not np.any(a < 0):
        return math.inf
    years = (t - t.mean()) / 12.0  # centring keeps exp() finite over the whole bracket

    def value(x: float) -> float:
        return float(np.sum(a * np.exp(-x * years)))

    grid = np.linspace(_LOG_LOW, _LOG_HIGH, _GRID)
    values = np.sum(a[None, :] * np.exp(-grid[:, None] * years[None, :]), axis=1)
    exact = np.flatnonzero(values == 0.0)
    changes = np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0)
    roots = [float(grid[i]) for i in exact]
    roots += [brentq(value, grid[i], grid[i + 1], xtol=1e-15, rtol=4 * np.finfo(float).eps,
                     maxiter=200) for i in changes]
    if not roots:
        return -1.0 if values[0] < 0 else math.inf
    rates = np.expm1(np.array(roots))
    return float(rates[np.argmin(np.abs(rates))])


# --- Settlement dates ----------------------------------------------------------------------------


def settlement_times(window_start: int, window_until: int, settlement: Settlement) -> NDArray[np.float64]:
    """Months at which earned payments are settled (spec §1.7).

    `yearly`: the end of each contract year counted from `window_start`, the last one at
    `window_until` (a shorter last year is settled at `window_until`); `monthly`: the end of
    each month of the window; `at_end`: `window_until`.
    """
    start, until = _whole_window(window_start, window_until)
    if settlement == "yearly":
        times = np.arange(start + 12, until, 12, dtype=float)
        return np.append(times, float(until))
    if settlement == "monthly":
        return np.arange(start + 1, until + 1, dtype=float)
    if settlement == "at_end":
        return np.array([float(until)])
    raise ValueError(f"settlement must be one of yearly, monthly, at_end; found {settlement!r}")


def settlement_of_month(window_start: int, window_until: int, settlement: Settlement) -> NDArray[np.int64]:
    """For each month bin of the window, [window_start, window_until), the index of its settlement."""
    start, until = _whole_window(window_start, window_until)
    times = settlement_times(start, until, settlement)
    months = np.arange(start, until, dtype=float)
    return np.searchsorted(times, months, side="right")


def _whole_window(window_start: float, window_until: float) -> tuple[int, int]:
    start, until = float(window_start), float(window_until)
    if start != math.floor(start) or until != math.floor(until):
        raise ValueError(f"a contract window must run over whole months, found [{start:g}, {until:g})")
    if until <= start:
        raise ValueError(f"window.until ({until:g}) must come after window.from ({start:g})")
    return int(start), int(until)
