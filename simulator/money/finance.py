"""Money over time: continuous discounting, settlement dates, and the investor's IRR.

Pure arithmetic on months and amounts; it knows nothing about youths, flows or contracts.
Money at month t is worth (1 + r)^(−t/12) at t = 0 (r the annual discount rate), i.e. it is
discounted continuously with the force of interest δ = ln(1 + r) / 12 per month (spec §1.6).
"""
from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from simulator.language.scenario import SETTLEMENTS, Settlement


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


# The IRR is searched as x = ln(1 + r) on this grid, i.e. r in [−99.99999 %, +100,000 %].
_GRID = np.linspace(math.log(1e-7), math.log(1001.0), 257)
_XTOL, _RTOL, _MAX_STEPS = 1e-15, 4 * np.finfo(float).eps, 200


def irr(times_in_months: ArrayLike, amounts: ArrayLike) -> float:
    """Annual internal rate of return r: Σ amount·(1 + r)^(−t/12) = 0.

    - Nothing received (no positive amount): −1.0 (−100 %), as the spec counts it.
    - Nothing paid out (no negative amount): +inf.
    - Otherwise the root is found by looking for sign changes of the NPV on a grid of
      x = ln(1 + r) over r ∈ [−99.99999 %, +100,000 %] and refining each inside its grid cell;
      when the cash flows change sign more than once and several roots exist, the one closest
      to r = 0 is returned. If the NPV keeps one sign on the whole grid, the IRR lies beyond
      it: −1.0 if the NPV is negative there (almost nothing came back), +inf if positive.
    """
    t = np.asarray(times_in_months, dtype=float).ravel()
    a = np.asarray(amounts, dtype=float).ravel()
    if t.shape != a.shape:
        raise ValueError(f"irr: {t.size} times but {a.size} amounts")
    return float(irr_by_row(t, a[None, :])[0])


def irr_by_row(times_in_months: ArrayLike, amounts: ArrayLike) -> NDArray[np.float64]:
    """`irr` of each row of `amounts` (n_rows, n_times), all paid at `times_in_months`.

    Each row's answer depends on that row alone, so pricing many replications at once gives
    each the IRR it gets alone.
    """
    t = np.asarray(times_in_months, dtype=float).ravel()
    a = np.asarray(amounts, dtype=float)
    if a.ndim != 2 or a.shape[1] != t.size:
        raise ValueError(f"irr: {t.size} times but amounts of shape {a.shape}")
    received, paid = np.any(a > 0, axis=1), np.any(a < 0, axis=1)
    result = np.where(received, math.inf, -1.0)
    solve = np.flatnonzero(received & paid)
    if len(solve) == 0:
        return result
    a = a[solve]
    years = (t - t.mean()) / 12.0  # centring keeps exp() finite over the whole grid
    discount = np.exp(-np.outer(_GRID, years))  # (grid, times): the NPV at x_k is Σ a·discount[k]
    exact_row, exact_at, row, at, value_low, value_high = _sign_changes(a, years, discount)
    roots = np.concatenate([_GRID[exact_at],
                            _root_between(a[row], years, _GRID[at], _GRID[at + 1], value_low, value_high)])
    rows = np.concatenate([exact_row, row])
    rates = np.expm1(roots)
    # Rows without a root: the NPV keeps one sign over the whole grid.
    result[solve] = np.where(np.einsum("rn,n->r", a, discount[0]) < 0, -1.0, math.inf)
    order = np.lexsort((np.abs(rates), rows))  # per row, the rate closest to 0 first
    first = order[np.concatenate([[True], rows[order][1:] != rows[order][:-1]])] if len(order) else order
    result[solve[rows[first]]] = rates[first]
    return result


def _sign_changes(amounts: NDArray[np.float64], years: NDArray[np.float64],
                  discount: NDArray[np.float64]) -> tuple[NDArray, ...]:
    """Where each row's NPV is zero on the grid (rows, points), and the grid cells
    [x_k, x_k+1] over which it changes sign (rows, k, NPV at x_k, NPV at x_k+1).

    When all the money a row pays out goes before any comes back, its cash flows change sign
    once and its NPV has one root at most (Descartes' rule of signs): its cell is found by
    bisecting the grid. Other rows are scanned over the whole grid.
    """
    def npv_on_grid(rows: NDArray[np.int64], k: NDArray[np.int64]) -> NDArray[np.float64]:
        return np.einsum("rn,rn->r", amounts[rows], discount[k])

    paid_last = np.max(np.where(amounts < 0, years, -np.inf), axis=1)
    received_first = np.min(np.where(amounts > 0, years, np.inf), axis=1)
    once = np.flatnonzero(paid_last <= received_first)
    low, high = np.zeros(len(once), dtype=np.int64), np.full(len(once), len(_GRID) - 1)
    value_low, value_high = npv_on_grid(once, low), npv_on_grid(once, high)
    root = np.sign(value_low) * np.sign(value_high) <= 0  # a zero at an end is found as a root
    once, low, high, value_low, value_high = once[root], low[root], high[root], value_low[root], value_high[root]
    for _ in range(int(np.ceil(np.log2(len(_GRID) - 1)))):
        middle = (low + high) // 2
        value = npv_on_grid(once, middle)
        left = np.sign(value) == np.sign(value_low)
        low, high = np.where(left, middle, low), np.where(left, high, middle)
        value_low, value_high = np.where(left, value, value_low), np.where(left, value_high, value)
    others = np.flatnonzero(paid_last > received_first)
    values = np.einsum("rn,kn->rk", amounts[others], discount)
    exact_row, exact_at = np.nonzero(values == 0.0)
    sign = np.sign(values)
    row, at = np.nonzero(sign[:, :-1] * sign[:, 1:] < 0)
    return (others[exact_row], exact_at, np.concatenate([once, others[row]]), np.concatenate([low, at]),
            np.concatenate([value_low, values[row, at]]), np.concatenate([value_high, values[row, at + 1]]))


def _root_between(amounts: NDArray[np.float64], years: NDArray[np.float64], low: NDArray[np.float64],
                  high: NDArray[np.float64], value_low: NDArray[np.float64],
                  value_high: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per row, x in [low, high] where the NPV, of opposite signs at the ends, is zero: Newton
    steps from the secant's root, bisecting when a step would leave the bracket, which shrinks
    at every step. A row stops (and keeps its x) once its Newton step or its bracket is within
    1e-15 + 4 eps·|x|: machine precision."""
    sign_low = np.sign(value_low)
    x = low + (high - low) * (value_low / (value_low - value_high))
    active = np.ones(len(x), dtype=bool)
    for _ in range(_MAX_STEPS):
        if not active.any():
            break
        discount = np.exp(-x[:, None] * years[None, :])
        value = np.einsum("rn,rn->r", amounts, discount)
        slope = -np.einsum("rn,rn,n->r", amounts, discount, years)
        left = np.sign(value) == sign_low
        low, high = np.where(active & left, x, low), np.where(active & ~left, x, high)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = x - value / slope
        tolerance = _XTOL + _RTOL * np.abs(x)
        converged = (value == 0.0) | (np.abs(newton - x) <= tolerance)
        inside = (newton > low) & (newton < high)
        step = np.where(value == 0.0, x, np.where(converged | inside, newton, (low + high) / 2))
        x = np.where(active, step, x)
        active &= ~(converged | (high - low <= tolerance))
    return x


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
    raise ValueError(f"settlement must be one of {', '.join(SETTLEMENTS)}; found {settlement!r}")


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
