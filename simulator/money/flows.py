"""Department money from trajectories: what each flow costs each department in each month.

Pure functions of one arm's `Trajectories` and its bound flows (spec §1.6): no SimPy, no random
numbers. Money is counted when it occurs, exactly in continuous time: a `per_month_in` flow
accrues over the intervals in which its condition holds, a `per_entry` flow at each entry, a
`per_youth` flow at arrival, a `fixed` flow at a constant rate over its period. Each month bin
[m, m + 1) gets its nominal amount and its amount discounted continuously to t = 0.

This module does not aggregate over replications and does not know about contracts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from numpy.typing import NDArray

from simulator.money.finance import discount_factor, present_value_of_rate
from simulator.language.scenario import Condition, Economics, Flow, Months, MonthsPerYear, plain
from simulator.engine.trajectories import (Trajectories, condition_key, split_by_month, split_periodic,
                                          sum_before_in_group)


@dataclass(frozen=True)
class DepartmentCosts:
    """Cost per department per month bin; positive = cost, negative = revenue.

    `nominal[d, m]` and `discounted[d, m]` (to t = 0) are the money falling in [m, m + 1) for
    department `departments[d]`, m = 0 … ceil(horizon) − 1.
    """

    departments: tuple[str, ...]
    nominal: NDArray[np.float64]  # (n_departments, n_months)
    discounted: NDArray[np.float64]  # (n_departments, n_months)

    @property
    def n_months(self) -> int:
        return self.nominal.shape[1]

    def index(self, department: str) -> int:
        if department not in self.departments:
            raise ValueError(f"no department {department!r} (departments: {', '.join(self.departments)})")
        return self.departments.index(department)

    def total(self, discounted: bool = True) -> NDArray[np.float64]:
        """Per department, over the whole horizon."""
        return (self.discounted if discounted else self.nominal).sum(axis=1)

    def by_year(self, discounted: bool = True) -> NDArray[np.float64]:
        """(n_departments, n_years): contract year k covers months [12(k−1), 12k)."""
        return contract_years(self.discounted if discounted else self.nominal)


def contract_years(by_month: NDArray[np.float64]) -> NDArray[np.float64]:
    """Sum the last axis (months) into contract years of 12 months; a short last year is kept."""
    by_month = np.asarray(by_month, dtype=float)
    n_months = by_month.shape[-1]
    n_years = max(1, math.ceil(n_months / 12))
    padded = np.zeros(by_month.shape[:-1] + (12 * n_years,))
    padded[..., :n_months] = by_month
    return padded.reshape(by_month.shape[:-1] + (n_years, 12)).sum(axis=-1)


def levels(departments: Sequence[str]) -> tuple[tuple[str, ...], NDArray[np.int64]]:
    """The levels in order of first appearance, and each department's level index."""
    names: list[str] = []
    index = []
    for department in departments:
        level = department.split(".", 1)[0]
        if level not in names:
            names.append(level)
        index.append(names.index(level))
    return tuple(names), np.array(index, dtype=np.int64)


def evaluate_flows(trajectories: Trajectories, flows: Sequence[Flow], economics: Economics,
                   start: tuple[int, int] | None, horizon: Months) -> DepartmentCosts:
    """Every flow's money per department and month bin, nominal and discounted to t = 0.

    `flows` and `economics` must be bound (`scenario.bind` with the arm's parameter values);
    `start` is the scenario's (year, month) of t = 0, needed by `max_months_per_year`.

    References: spec §1.6.
    """
    return evaluate_flows_by_group(trajectories, flows, economics, start, horizon)[0]


def evaluate_flows_by_group(trajectories: Trajectories, flows: Sequence[Flow], economics: Economics,
                            start: tuple[int, int] | None, horizon: Months,
                            group: NDArray[np.int64] | None = None, n_groups: int = 0
                            ) -> tuple[DepartmentCosts, tuple[DepartmentCosts, ...]]:
    """`evaluate_flows`, and the same money counted for each group of youths alone (`group`: each
    youth's group, 0 … n_groups − 1, or −1 for none): what a contract's savings are made of.
    A group's money leaves out the `fixed` flows, which belong to no youth (spec §4.2). Each
    piece of money is worked out once; the whole arm's sums are those `evaluate_flows` makes.
    """
    rate = plain(economics.annual_discount_rate, "economics.discount_rate")
    departments = tuple(economics.departments)
    n_months = math.ceil(horizon)
    # Flows that pay for the same thing (the same kind, condition, period and yearly limit, as a
    # benefit and its supplement) share one count of their quantities.
    accruing: list[tuple] = []
    events: list[tuple] = []
    counted: dict[tuple, int] = {}  # what a flow pays for -> its row among those counted
    source: list[int] = []  # each flow's row among those counted
    for flow in flows:
        window = _window(flow, horizon)
        key = (flow.kind, condition_key(flow.condition or Condition()), window, flow.max_months_per_year)
        if key not in counted:
            counted[key] = len(counted)
            kind, who, *when = _flow_quantity(flow, window, trajectories, start)
            (accruing if kind == "accrual" else events).append((counted[key], who, *when))
        source.append(counted[key])
    per_flow = [quantity[..., source, :] for quantity in _by_flow_and_month(
        accruing, events, len(counted), n_months, rate, None if group is None else (group, n_groups))]
    weights = np.zeros((len(departments), len(flows)))  # department × flow: amount × share
    for row, flow in enumerate(flows):
        amount = plain(flow.amount, f"flows.{flow.name}.amount") * plain(flow.scale, f"flows.{flow.name}.scale")
        for department, share in flow.shares.items():
            if department not in departments:
                raise ValueError(f"flows.{flow.name}: department {department!r} is not in economics.departments")
            weights[departments.index(department), row] += amount * plain(share, f"flows.{flow.name} share of {department}")
    # The whole arm first, then each group: all of them in one pass over the weights.
    nominal, discounted = _by_department(weights, np.concatenate([per_flow[0][None], per_flow[2]]),
                                         np.concatenate([per_flow[1][None], per_flow[3]]))
    costs = [DepartmentCosts(departments, n, d) for n, d in zip(nominal, discounted)]
    return costs[0], tuple(costs[1:])


def _by_department(weights: NDArray[np.float64], per_flow_nominal: NDArray[np.float64],
                   per_flow_discounted: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Money per department, (…, departments, months) from (…, flows, months): each flow's
    quantities times its amount and each department's share, added flow by flow in the
    scenario's order."""
    # Flows first, so that each flow's and each department's months are one contiguous block.
    per_flow_nominal, per_flow_discounted = (np.ascontiguousarray(np.moveaxis(quantity, -2, 0))
                                             for quantity in (per_flow_nominal, per_flow_discounted))
    nominal, discounted = np.zeros((2, len(weights)) + per_flow_nominal.shape[1:])
    department, row = np.nonzero(weights)
    for d, r, weight in zip(department.tolist(), row.tolist(), weights[department, row].tolist()):
        nominal[d] += weight * per_flow_nominal[r]
        discounted[d] += weight * per_flow_discounted[r]
    return np.moveaxis(nominal, 0, -2), np.moveaxis(discounted, 0, -2)


def _window(flow: Flow, horizon: Months) -> tuple[float, float]:
    """The period [low, high) in which a flow pays, within the horizon."""
    low = max(0.0, plain(flow.start, f"flows.{flow.name}.from")) if flow.start is not None else 0.0
    high = horizon if flow.until is None else min(horizon, plain(flow.until, f"flows.{flow.name}.until"))
    return low, high


def _flow_quantity(flow: Flow, window: tuple[float, float], trajectories: Trajectories,
                   start: tuple[int, int] | None) -> tuple:
    """What a flow pays for in its `window`, per unit of `amount`: ("accrual", youths, starts,
    ends) of the intervals in which it accrues at one a month, or ("events", youths, times) of
    the events it pays for once; a `fixed` flow's youth is −1 (it belongs to none)."""
    low, high = window
    if flow.kind == "fixed":
        none = np.full(1, -1)
        return ("accrual", none, np.array([low]), np.array([high])) if high > low else \
            ("events", none[:0], np.zeros(0))
    if flow.kind not in ("per_month_in", "per_entry", "per_youth"):
        raise ValueError(f"flows.{flow.name}: unknown kind {flow.kind!r}")
    condition = flow.condition if flow.condition is not None else Condition()
    stays = trajectories.stays(condition)
    if flow.kind == "per_month_in":
        a = np.clip(stays.start, low, high)
        b = np.clip(stays.end, low, high)
        keep = b > a
        youth, a, b = stays.youth[keep], a[keep], b[keep]
        if flow.max_months_per_year is not None:
            rule = flow.max_months_per_year
            if start is None and not rule.rolling:
                raise ValueError(f"flows.{flow.name}: max_months_per_year needs the scenario's `start`")
            youth, a, b = first_months_per_year(youth, a, b, rule, 1 if start is None else start[1])
        return "accrual", youth, a, b
    if flow.kind == "per_entry":
        youth, times = stays.youth[stays.entered], stays.start[stays.entered]
    else:  # per_youth: at arrival, for the youths in the condition at that instant
        at_arrival = stays.start == trajectories.arrival[stays.youth]
        youth = np.unique(stays.youth[at_arrival])
        times = trajectories.arrival[youth]
    inside = (times >= low) & (times < high)
    return "events", youth[inside], times[inside]


def _by_flow_and_month(accruing: list[tuple], events: list[tuple], n_flows: int, n_months: int,
                       annual_rate: float, groups: tuple[NDArray[np.int64], int] | None = None) -> tuple:
    """(n_flows, n_months) quantities, nominal and discounted: months accrued at rate 1 over the
    intervals (closed form per piece) plus events counted. All flows at once, as a handful of
    array operations rather than a handful per flow; each bin sums its pieces in the same order
    as a flow computed alone. With `groups` (each youth's group, and their number), also
    (n_groups, n_flows, n_months) of each group's youths alone, from the same pieces."""
    size = n_flows * n_months
    group_of, n_groups = groups if groups is not None else (np.zeros(0, dtype=np.int64), 0)
    nominal, discounted = np.zeros(size), np.zeros(size)
    group_nominal, group_discounted = np.zeros(n_groups * size), np.zeros(n_groups * size)

    group_of = np.append(group_of, -1)  # a `fixed` flow's youth, −1, is in no group

    def group_of_youths(youths):  # read only with groups
        return group_of[youths] if n_groups else youths

    def add(bins, group, amount, present_value):
        nominal[:] += np.bincount(bins, weights=amount, minlength=size)
        discounted[:] += np.bincount(bins, weights=present_value, minlength=size)
        if n_groups:
            mine = np.flatnonzero(group >= 0)
            if len(mine) < len(group):
                group, bins, amount, present_value = group[mine], bins[mine], amount[mine], present_value[mine]
            cells = group * size + bins
            group_nominal[:] += np.bincount(cells, weights=amount, minlength=n_groups * size)
            group_discounted[:] += np.bincount(cells, weights=present_value, minlength=n_groups * size)

    if accruing:
        first_bin = np.concatenate([np.full(len(a), row * n_months) for row, _, a, _ in accruing])
        month, a, b, first_bin, group = split_by_month(
            np.concatenate([a for _, _, a, _ in accruing]), np.concatenate([b for _, _, _, b in accruing]),
            first_bin, group_of_youths(np.concatenate([who for _, who, _, _ in accruing])))
        keep = np.flatnonzero(month < n_months)
        if len(keep) < len(month):
            month, a, b, first_bin, group = month[keep], a[keep], b[keep], first_bin[keep], group[keep]
        add(first_bin + month, group, b - a, present_value_of_rate(1.0, a, b, annual_rate))
    if events:
        rows = np.concatenate([np.full(len(t), row) for row, _, t in events])
        times = np.concatenate([t for _, _, t in events])
        youths = np.concatenate([who for _, who, _ in events])
        month = np.floor(times).astype(np.int64)
        keep = (month >= 0) & (month < n_months)
        times = times[keep]
        add(rows[keep] * n_months + month[keep], group_of_youths(youths[keep]), np.ones(len(times)),
            discount_factor(times, annual_rate))
    shape = (n_groups, n_flows, n_months)
    return (nominal.reshape(n_flows, n_months), discounted.reshape(n_flows, n_months),
            group_nominal.reshape(shape), group_discounted.reshape(shape))


def first_months_per_year(youth: np.ndarray, start: np.ndarray, end: np.ndarray, rule: MonthsPerYear,
                          start_month: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keep, per youth and year, only the first months of the intervals that the limit in force
    allows: a piece keeps what its limit (the one in force when it starts) leaves after the months
    the youth was in the condition earlier that year.

    Intervals must be sorted by (youth, start) and disjoint per youth. A calendar year begins on
    1 January, at t = 12j + 1 − start_month (start_month, 1–12, the calendar month of t = 0); a
    rolling year at the youth's first month in the condition, the next at its first month in it
    after that year's twelve months. Returns the kept pieces (youth, start, end), in order.
    """
    changes = np.array([float(since) for since, _ in rule.limits[1:]])
    limits = np.array([float(months) for _, months in rule.limits])
    if rule.rolling:
        youth, start, end, year = _rolling_years(youth, start, end)
    else:
        year, start, end, youth = split_periodic(start, end, 12.0, float(1 - start_month), youth)
    youth, start, end, year = _cut_at(changes, youth, start, end, year)
    length = end - start
    if len(length) == 0:
        return youth, start, end
    first = np.concatenate([[True], (youth[1:] != youth[:-1]) | (year[1:] != year[:-1])])
    used = sum_before_in_group(length, first)  # months already in the condition this youth and year
    limit = limits[np.searchsorted(changes, start, side="right")]
    kept = np.clip(limit - used, 0.0, length)
    keep = kept > 0
    return youth[keep], start[keep], np.where(kept == length, end, start + kept)[keep]


def _rolling_years(youth: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, ...]:
    """The intervals cut where a youth's rolling year ends, with each piece's year number: a year
    runs twelve months from the first month in the condition not in an earlier year."""
    pieces: list[tuple[int, float, float, int]] = []
    youth_now, year_start, year = -1, 0.0, -1
    for y, a, b in zip(youth.tolist(), start.tolist(), end.tolist()):
        if y != youth_now:
            youth_now, year_start, year = y, a, year + 1
        while True:
            if a >= year_start + 12.0:
                year_start, year = a, year + 1
            if b <= year_start + 12.0:
                pieces.append((y, a, b, year))
                break
            pieces.append((y, a, year_start + 12.0, year))
            a, year_start, year = year_start + 12.0, year_start + 12.0, year + 1
    if not pieces:
        return youth, start, end, np.zeros(0, dtype=np.int64)
    y, a, b, k = (np.array(column) for column in zip(*pieces))
    return y.astype(youth.dtype), a.astype(float), b.astype(float), k.astype(np.int64)


def _cut_at(times: np.ndarray, youth: np.ndarray, start: np.ndarray, end: np.ndarray, year: np.ndarray
            ) -> tuple[np.ndarray, ...]:
    """The pieces cut at the given times (a limit that changes there), still in order."""
    for t in times:
        inside = (start < t) & (end > t)
        if inside.any():
            rows = np.repeat(np.arange(len(start)), np.where(inside, 2, 1))
            second = np.zeros(len(rows), dtype=bool)
            second[1:] = rows[1:] == rows[:-1]
            first_half = inside[rows] & ~second
            start = np.where(second, t, start[rows])
            end = np.where(first_half, t, end[rows])
            youth, year = youth[rows], year[rows]
    return youth, start, end, year
