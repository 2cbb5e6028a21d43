"""Outcome units: what each youth earns for each outcome of a contract, per month bin.

A pure function of one arm's `Trajectories` (no SimPy, no random numbers, no money): the units
depend only on what the outcomes measure (their metric, states, `for_months`, checkpoints,
periods, thresholds) and on the contract's `youths`, so one count serves every design that
changes only prices and terms of payment (`simulator.money.pricing`). `definitions` records
what was measured, and `check_units` refuses units counted for something else.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray

from simulator.money.flows import split_by_month
from simulator.language.scenario import Condition, Contract, Outcome, Ref
from simulator.engine.trajectories import Stays, Trajectories

Months = float


@dataclass(frozen=True)
class OutcomeUnits:
    """Units earned per (outcome, youth, month bin) over the whole horizon: a sparse table.

    Rows are sorted by (outcome, youth, month), one row per non-zero cell. Units are 1 per
    event (`achieved`, `entered`, `status_at`, `per_period`) and months for `months_in`. Every
    occurrence is kept (each stay that reaches `for_months`, each entry): "once per youth" and the
    `max_months`/`max_periods` caps are applied by `price`, within the contract's window.
    `definitions` records what each outcome measured, so that `price` can refuse terms whose
    metrics differ from the ones these units were counted for.
    """

    contract: str
    arm: str
    outcomes: tuple[str, ...]
    definitions: tuple[str, ...]
    n_months: int
    n_youths: int
    outcome: NDArray[np.int16]
    youth: NDArray[np.int32]
    month: NDArray[np.int32]
    units: NDArray[np.float64]

    def totals(self) -> NDArray[np.float64]:
        """Units per outcome over the whole horizon (no window, no caps)."""
        return np.bincount(self.outcome, weights=self.units, minlength=len(self.outcomes))


def outcome_units(contract: Contract, trajectories: Trajectories, n_months: int,
                  memo: dict | None = None) -> OutcomeUnits:
    """Units earned by the youths matching `contract.youths`, per outcome, youth and month bin.

    An event at time t falls in bin floor(t); an event at the horizon itself (a period or a stay
    ending there, a checkpoint there) falls in the last bin. `memo` (one per `trajectories`)
    keeps what each outcome measured for every youth, for contracts that measure the same.

    References: spec §1.7.
    """
    if n_months != math.ceil(trajectories.horizon):
        raise ValueError(f"n_months must be the number of month bins of the horizon, "
                         f"ceil({trajectories.horizon:g}) = {math.ceil(trajectories.horizon)}; found {n_months}")
    chosen = trajectories.youths_matching(contract.youths.attributes)
    n_youths = trajectories.youths
    memo = {} if memo is None else memo
    keys, amounts = [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
    for index, outcome in enumerate(contract.outcomes):
        measure = _measure_text(outcome)
        if measure not in memo:
            stays = trajectories.stays(outcome.condition, inside=outcome.inside)
            memo[measure] = _METRICS[outcome.metric](outcome, stays, trajectories, n_months)
        youth, month, units = memo[measure]
        keep = chosen[youth] & (units > 0)
        keys.append((index * n_youths + youth[keep].astype(np.int64)) * n_months + month[keep])
        amounts.append(units[keep])
    cells, where = np.unique(np.concatenate(keys), return_inverse=True)
    units = np.bincount(where, weights=np.concatenate(amounts), minlength=len(cells)).astype(float)
    return OutcomeUnits(
        contract=contract.name, arm=trajectories.arm,
        outcomes=tuple(o.name for o in contract.outcomes), definitions=definitions(contract),
        n_months=n_months, n_youths=n_youths,
        outcome=(cells // max(n_youths * n_months, 1)).astype(np.int16),
        youth=((cells // n_months) % max(n_youths, 1)).astype(np.int32),
        month=(cells % n_months).astype(np.int32), units=units)


def _event_bin(time: np.ndarray, n_months: int) -> np.ndarray:
    return np.minimum(np.floor(time), n_months - 1).astype(np.int64)


def _achieved(outcome: Outcome, stays: Stays, trajectories: Trajectories, n_months: int):
    """1 when a continuous stay reaches `for_months` (every such stay; once per youth at pricing)."""
    reached = stays.start + _plain(outcome.for_months, f"outcomes.{outcome.name}.for_months")
    ok = reached <= stays.end
    return stays.youth[ok], _event_bin(reached[ok], n_months), np.ones(int(ok.sum()))


def _months_in(outcome: Outcome, stays: Stays, trajectories: Trajectories, n_months: int):
    """Months spent in the states, per month bin."""
    month, a, b, youth = split_by_month(stays.start, stays.end, stays.youth)
    keep = month < n_months
    return youth[keep], month[keep], (b - a)[keep]


def _entered(outcome: Outcome, stays: Stays, trajectories: Trajectories, n_months: int):
    """1 at every entry (a transition or jump into the states; once per youth at pricing)."""
    return stays.youth[stays.entered], _event_bin(stays.start[stays.entered], n_months), \
        np.ones(int(stays.entered.sum()))


def _status_at(outcome: Outcome, stays: Stays, trajectories: Trajectories, n_months: int):
    """1 at each checkpoint (months after arrival) at which the youth is present and in/out."""
    checkpoints = np.array([_plain(c, f"outcomes.{outcome.name}.months_after_arrival")
                            for c in outcome.checkpoints], dtype=float)
    youth = np.repeat(np.arange(trajectories.youths), len(checkpoints))
    time = trajectories.arrival[youth] + np.tile(checkpoints, trajectories.youths)
    present = (time < trajectories.departure[youth]) & (time <= trajectories.horizon)
    youth, time = youth[present], time[present]
    holds = stays.covers(youth, time, trajectories.horizon)
    return youth[holds], _event_bin(time[holds], n_months), np.ones(int(holds.sum()))


def _per_period(outcome: Outcome, stays: Stays, trajectories: Trajectories, n_months: int):
    """1 at the end of each `every`-month period after arrival, spent whole in the population,
    whose months in (or out of) the states are within [at_least, at_most]."""
    every = _plain(outcome.every, f"outcomes.{outcome.name}.every")
    arrival, leaving = trajectories.presence()
    if trajectories.youths == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    periods = int(np.max(np.floor((leaving - arrival) / every))) + 1
    j = np.arange(1, periods + 1, dtype=float)
    ends = arrival[:, None] + every * j[None, :]
    begins = arrival[:, None] + every * (j[None, :] - 1.0)
    youth, column = np.nonzero(ends <= leaving[:, None])
    end, begin = ends[youth, column], begins[youth, column]
    both = stays.time_before(np.concatenate([youth, youth]), np.concatenate([end, begin]))  # one search
    months = both[:len(youth)] - both[len(youth):]
    ok = np.ones(len(youth), dtype=bool)
    if outcome.at_least is not None:
        ok &= months >= _plain(outcome.at_least, f"outcomes.{outcome.name}.at_least")
    if outcome.at_most is not None:
        ok &= months <= _plain(outcome.at_most, f"outcomes.{outcome.name}.at_most")
    return youth[ok], _event_bin(end[ok], n_months), np.ones(int(ok.sum()))


_METRICS = {"achieved": _achieved, "months_in": _months_in, "entered": _entered,
            "status_at": _status_at, "per_period": _per_period}


def definitions(contract: Contract) -> tuple[str, ...]:
    """What each outcome measures, as canonical text (prices and caps left out)."""
    youths = _condition_text(contract.youths)
    return tuple(f"{o.name}|{_measure_text(o)}|youths={youths}" for o in contract.outcomes)


def _measure_text(o: Outcome) -> str:
    """What an outcome measures for every youth, whoever the contract is for."""
    return "|".join([
        o.metric, "in" if o.inside else "not_in", _condition_text(o.condition),
        f"for_months={_text(o.for_months)}", "checkpoints=" + ",".join(_text(c) for c in o.checkpoints),
        f"every={_text(o.every)}", f"at_least={_text(o.at_least)}", f"at_most={_text(o.at_most)}"])


def _condition_text(condition: Condition) -> str:
    parts = [f"{k}:{','.join(sorted(v))}" for k, v in sorted(condition.states.items())]
    parts += [f"{k}={','.join(sorted(v))}" for k, v in sorted(condition.attributes.items())]
    return ";".join(parts)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, Ref):
        return "$" + value.name
    return repr(float(value))


@dataclass(frozen=True)
class StackedUnits:
    """The outcome units of R replications of one arm in one table: their `OutcomeUnits` rows
    with a replication column (0 … R − 1), sorted by (replication, outcome, youth, month).

    The row orders and groups that the per-youth cuts need are worked out once, and the units
    counted for the last window and per-youth caps asked for are kept: the designs of a sweep
    mostly share them and change prices and caps on the total.
    """

    outcomes: tuple[str, ...]
    definitions: tuple[str, ...]
    n_months: int
    replications: int
    replication: NDArray[np.int64]
    outcome: NDArray[np.int64]
    youth: NDArray[np.int64]
    month: NDArray[np.int64]
    units: NDArray[np.float64]
    _counted: dict = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def of(cls, units: Sequence[OutcomeUnits]) -> "StackedUnits":
        """Replications' units, counted for the same outcomes and horizon, stacked in this order."""
        first = units[0]
        if any(u.definitions != first.definitions or u.n_months != first.n_months for u in units):
            raise ValueError("units to stack must be counted for the same outcomes and horizon")
        column = lambda name: np.concatenate([getattr(u, name) for u in units])
        return cls(first.outcomes, first.definitions, first.n_months, len(units),
                   np.repeat(np.arange(len(units)), [len(u.units) for u in units]),
                   column("outcome").astype(np.int64), column("youth").astype(np.int64),
                   column("month").astype(np.int64), column("units").astype(float))

    def take(self, replications: NDArray[np.int64]) -> "StackedUnits":
        """The units of some replications (in increasing order), numbered 0 … len − 1 again."""
        number = np.full(self.replications, -1)
        number[replications] = np.arange(len(replications))
        keep = number[self.replication] >= 0
        return StackedUnits(self.outcomes, self.definitions, self.n_months, len(replications),
                            number[self.replication[keep]], self.outcome[keep], self.youth[keep],
                            self.month[keep], self.units[keep])

    @cached_property
    def position(self) -> NDArray[np.int64]:
        """Each row's place within its replication's rows."""
        return np.arange(len(self.units)) - np.searchsorted(self.replication, self.replication)

    @cached_property
    def first_of_youth_outcome(self) -> NDArray[np.bool_]:
        """Rows that start a (replication, outcome, youth) group."""
        return _starts(self.replication, self.outcome, self.youth)

    @cached_property
    def by_youth(self) -> NDArray[np.int64]:
        """The rows in the order `max_per_youth` cuts them: by replication, youth, month, outcome."""
        return np.lexsort((self.outcome, self.month, self.youth, self.replication))

    @cached_property
    def first_of_youth(self) -> NDArray[np.bool_]:
        """In the order `by_youth`, the rows that start a (replication, youth) group."""
        return _starts(self.replication[self.by_youth], self.youth[self.by_youth])


def check_units(contract: Contract, units: OutcomeUnits | StackedUnits, n_months: int, what: str) -> None:
    """Refuse units counted for other metrics or another horizon than the contract's."""
    if units.n_months != n_months:
        raise ValueError(f"contract {contract.name}: {what} cover {units.n_months} months, not {n_months}")
    expected = definitions(contract)
    if units.definitions != expected:
        changed = [o.name for o, a, b in zip(contract.outcomes, expected, units.definitions) if a != b]
        raise ValueError(f"contract {contract.name}: {what} were counted for other outcome definitions "
                         f"({', '.join(changed) or 'different outcomes'}); recompute them with outcome_units")


def _starts(*columns: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Rows where any of the (sorted) columns changes: the first row of each group."""
    first = np.zeros(len(columns[0]), dtype=bool)
    first[:1] = True
    for column in columns:
        first[1:] |= column[1:] != column[:-1]
    return first


def _plain(value: Any, what: str) -> float:
    if isinstance(value, Ref):
        raise ValueError(f"{what} is still ${value.name}: bind the contract with the arm's parameter values")
    if value is None:
        raise ValueError(f"{what} is missing")
    return float(value)
