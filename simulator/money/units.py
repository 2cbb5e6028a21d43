"""Outcome units: what each youth earns for each outcome of a contract, per month bin.

A pure function of one arm's `Trajectories` (no SimPy, no random numbers, no money): each
outcome measures itself (`simulator.language.outcomes`); this module keeps the youths the
contract is for and stacks the outcomes in one sparse table. The units depend only on what the
outcomes measure and on the contract's `youths`, so one count serves every design that changes
only prices and terms of payment (`simulator.money.pricing`). `definitions` records what was
measured, and `check_units` refuses units counted for something else.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np
from numpy.typing import NDArray

from simulator.engine.trajectories import Trajectories
from simulator.language.outcomes.base import Occasions
from simulator.language.scenario import Contract, holds_refs


@dataclass(frozen=True)
class OutcomeUnits:
    """Units earned per (outcome, youth, month bin) over the whole horizon: a sparse table.

    Rows are sorted by (outcome, youth, month), one row per non-zero cell, in each outcome's
    `unit` (1 per event, or months). Every occurrence is kept (each stay that reaches
    `for_months`, each entry): each outcome's `max_units_per_youth` is applied by `price`,
    within the contract's window.
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


def outcome_units(contract: Contract, trajectories: Trajectories, n_months: int,
                  memo: dict | None = None) -> OutcomeUnits:
    """Units earned by the youths matching `contract.youths`, per outcome, youth and month bin.

    An event at time t falls in bin floor(t); an event at the horizon itself (a period or a stay
    ending there, a checkpoint there) falls in the last bin. `memo` (one per `trajectories`)
    keeps what each outcome measured for every youth, for contracts that measure the same.

    References: spec §1.7.
    """
    return Counting.of(contract).units(trajectories, n_months, memo)


@dataclass(frozen=True)
class Counting:
    """A contract's outcomes with what they measure as text (`canonical_text`, `definitions`):
    worked out once, it counts the units of every replication whose values leave what the
    outcomes measure as it is (`fixed`: no measuring term is a `$name`; prices may be)."""

    contract: Contract
    measured: tuple[str, ...]  # each outcome's canonical text: what it measured, in a memo
    definitions: tuple[str, ...]
    fixed: bool

    @classmethod
    def of(cls, contract: Contract) -> "Counting":
        return cls(contract, tuple(o.canonical_text() for o in contract.outcomes), definitions(contract),
                   not holds_refs(tuple(getattr(o, name) for o in contract.outcomes for name in o.measures)))

    def units(self, trajectories: Trajectories, n_months: int, memo: dict | None = None) -> OutcomeUnits:
        """`outcome_units` of the contract on one arm's trajectories."""
        if n_months != math.ceil(trajectories.horizon):
            raise ValueError(f"n_months must be the number of month bins of the horizon, "
                             f"ceil({trajectories.horizon:g}) = {math.ceil(trajectories.horizon)}; found {n_months}")
        contract = self.contract
        chosen = trajectories.youths_matching(contract.youths.attributes)
        n_youths = trajectories.youths
        memo = {} if memo is None else memo
        keys, amounts = [np.zeros(0, dtype=np.int64)], [np.zeros(0)]
        levels = {index: o.above.value for index, o in enumerate(contract.outcomes)
                  if o.above is not None and o.above.kind == "share"}  # outcome -> share of the group
        for index, (outcome, measured) in enumerate(zip(contract.outcomes, self.measured)):
            if index in levels:
                continue
            if measured not in memo:
                memo[measured] = outcome.measure(trajectories, n_months)
            youth, month, units = memo[measured]
            keep = chosen[youth] & (units > 0)
            keys.append((index * n_youths + youth[keep].astype(np.int64)) * n_months + month[keep])
            amounts.append(units[keep])
        if levels:  # every outcome paid above a share of the group at once
            shares = list(levels)
            youth, month, units, which = above_share(self._occasions(shares, trajectories, n_months, memo), chosen,
                                                     np.array(list(levels.values())))
            keep = units > 0
            keys.append((np.array(shares)[which[keep]] * n_youths + youth[keep].astype(np.int64)) * n_months
                        + month[keep])
            amounts.append(units[keep])
        cells, where = np.unique(np.concatenate(keys), return_inverse=True)
        units = np.bincount(where, weights=np.concatenate(amounts), minlength=len(cells)).astype(float)
        return OutcomeUnits(
            contract=contract.name, arm=trajectories.arm,
            outcomes=tuple(o.name for o in contract.outcomes), definitions=self.definitions,
            n_months=n_months, n_youths=n_youths,
            outcome=(cells // max(n_youths * n_months, 1)).astype(np.int16),
            youth=((cells // n_months) % max(n_youths, 1)).astype(np.int32),
            month=(cells % n_months).astype(np.int32), units=units)

    def _occasions(self, shares: list[int], trajectories: Trajectories, n_months: int, memo: dict
                   ) -> tuple[Occasions, NDArray[np.int64]]:
        """The occasions of the outcomes `shares` (their indices) one after the other, numbered
        on from one outcome to the next, with each occasion's outcome (0 … len(shares) − 1):
        contracts that measure the same outcomes share them through `memo`."""
        key = ("occasions", tuple(self.measured[i] for i in shares))
        if key not in memo:
            measured: dict[str, Occasions] = {}  # per canonical text
            for i in shares:
                if self.measured[i] not in measured:
                    measured[self.measured[i]] = self.contract.outcomes[i].occasions(trajectories, n_months)
            columns: list[tuple] = []
            counts: list[int] = []  # each outcome's occasions
            for i in shares:
                youth, occasion, month, holds = measured[self.measured[i]]
                columns.append((youth, occasion + sum(counts), month, holds))
                counts.append(int(occasion.max()) + 1 if len(occasion) else 0)
            memo[key] = (tuple(np.concatenate(column) for column in zip(*columns)),
                         np.repeat(np.arange(len(shares)), counts))
        return memo[key]


def above_share(occasions: tuple[Occasions, NDArray[np.int64]], chosen: NDArray[np.bool_], share: NDArray[np.float64]
                ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """Units above a reference level of a share of the contract's youths measured on each
    occasion: max(0, held − share × measured) per occasion, each youth who held earning an equal
    part of it (so the per-youth caps meet each youth's part). `occasions` are several
    outcomes' (numbered on from one to the next) with each occasion's outcome, `share` each
    outcome's level; returns (youth, month, units, outcome) of each youth's part."""
    (youth, occasion, month, holds), outcome = occasions
    youth, occasion, month, holds = (column[chosen[youth]] for column in (youth, occasion, month, holds))
    count = len(outcome)
    measured = np.bincount(occasion, minlength=count).astype(float)
    held = np.bincount(occasion, weights=holds.astype(float), minlength=count)
    above = np.maximum(held - share[outcome] * measured, 0.0)
    part = np.divide(above, held, out=np.zeros(count), where=held > 0)
    return youth[holds], month[holds], part[occasion[holds]], outcome[occasion[holds]]


def definitions(contract: Contract) -> tuple[str, ...]:
    """What each outcome measures, as canonical text (prices and caps left out); a reference level
    of a share of the group changes the units, so it is part of the definition."""
    youths = contract.youths.canonical_text()
    return tuple(f"{o.name}|{o.canonical_text()}|youths={youths}"
                 + (f"|above_share={o.above.value!r}" if o.above is not None and o.above.kind == "share" else "")
                 for o in contract.outcomes)


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
