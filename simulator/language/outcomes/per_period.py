"""`per_period`: whole periods, after each youth's arrival or on the calendar for the whole group,
with a number of months in (or out of) the states."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from simulator.language.describe import join_words
from simulator.language.outcomes.base import (Measured, Occasions, Outcome, Unit, calendar_month, event_bin,
                                              read_calendar_months, read_states)
from simulator.language.reader import join
from simulator.language.scenario import Number, plain

if TYPE_CHECKING:
    from simulator.engine.trajectories import Trajectories
    from simulator.language.describe import Show
    from simulator.language.reader import Reader, Scope


@dataclass(frozen=True, slots=True, kw_only=True)
class PerPeriod(Outcome):
    """1 at the end of each `every`-month period that the youth spends whole in the population,
    with months in (or out of) the states within [at_least, at_most]; at most `max_periods` paid
    per youth. The periods run from each youth's arrival, or on the calendar for the whole group:
    with `from`, [from + k·every, from + (k + 1)·every); with `dates`, the `every` months before
    each date (a contract that measures "the preceding half-year" on fixed dates). A youth who
    arrives or leaves within a period is not measured for it (a half-year is judged whole, as
    the published indicators count it)."""

    every: Number
    at_least: Number | None = None
    at_most: Number | None = None
    max_periods: Number | None = None
    from_month: float | None = None  # months since t = 0
    dates: tuple[float, ...] = ()  # months since t = 0 at which a period ends

    metric: ClassVar[str] = "per_period"
    unit: ClassVar[Unit] = "events"
    required_keys: ClassVar[tuple[str, ...]] = ("every",)
    optional_keys: ClassVar[tuple[str, ...]] = ("at_least", "at_most", "from", "dates")
    terms: ClassVar[tuple[str, ...]] = ("max_periods",)
    measures: ClassVar[tuple[str, ...]] = ("every", "at_least", "at_most", "from_month", "dates")

    @classmethod
    def read(cls, name: str, price: Number | None, raw: dict, path: str, reader: Reader,
             scope: Scope) -> PerPeriod | None:
        here = join(path, cls.metric)
        spec = raw[cls.metric]
        states = read_states(spec, here, reader, scope, cls.required_keys, cls.optional_keys)
        if states is None:
            return None
        every = reader.number(spec["every"], join(here, "every"), 0.0, low_open=True)
        bounds = {}
        for key in ("at_least", "at_most"):
            if key in spec:
                bounds[key] = reader.number(spec[key], join(here, key), 0.0)
                if bounds[key] is None:
                    return None
        if not bounds:
            reader.issue(here, "at_least and/or at_most", "neither")
            return None
        from_month, dates = None, ()
        if "from" in spec and "dates" in spec:
            reader.issue(here, "one of from or dates (calendar months)", "both")
            return None
        if "dates" in spec:
            dates = read_calendar_months(spec["dates"], join(here, "dates"), reader)
            if dates is None:
                return None
        if "from" in spec:
            from_month = calendar_month(spec["from"], join(here, "from"), reader)
            if from_month is None:
                return None
        max_periods = None
        if "max_periods" in raw:
            max_periods = reader.number(raw["max_periods"], join(path, "max_periods"), 0, integer=True)
            if max_periods is None:
                return None
        condition, inside = states
        if condition is None or price is None or every is None:
            return None
        return cls(name=name, price=price, condition=condition, inside=inside, every=every,
                   max_periods=max_periods, from_month=from_month, dates=dates, **bounds)

    def counts(self, show: Show) -> str:
        bounds = [f"{word} {show.number(value)}" for word, value in (("at least", self.at_least),
                                                                     ("at most", self.at_most)) if value is not None]
        if self.dates:
            periods = (f"per period of {show.count(self.every, 'month')} ending on "
                       f"{join_words(show.month(m) for m in self.dates)}, each youth present for all of it,")
        elif self.from_month is None:
            periods = f"per whole period of {show.count(self.every, 'month')} after arrival"
        else:
            periods = (f"per period of {show.count(self.every, 'month')} on the calendar from "
                       f"{show.month(self.from_month)}, each youth present for all of it,")
        return f"{periods} with {' and '.join(bounds)} months {show.where(self.condition, self.inside)}"

    def limits(self, show: Show) -> list[str]:
        if self.max_periods is None:
            return []
        return [f"at most {show.count(self.max_periods, 'period')} per youth"]

    @property
    def max_units_per_youth(self) -> Number | None:
        return self.max_periods

    @property
    def calendar_months(self) -> tuple[float, ...]:
        return self.dates if self.from_month is None else (self.from_month,)

    def occasions(self, trajectories: Trajectories, n_months: int) -> Occasions:
        """Each youth present for the whole of each calendar period that ends by the horizon, and
        whether the youth's months in (or out of) the states meet the bounds."""
        every = plain(self.every, f"outcomes.{self.name}.every")
        if self.dates:
            end = np.array([m for m in self.dates if m <= trajectories.horizon], dtype=float)
            begin = end - every
        else:
            assert self.from_month is not None
            periods = int(np.floor((trajectories.horizon - self.from_month) / every))
            begin = self.from_month + every * np.arange(max(periods, 0), dtype=float)
            end = begin + every
        arrival, leaving = trajectories.presence()
        youth, occasion = np.nonzero((arrival[:, None] <= begin[None, :]) & (end[None, :] <= leaving[:, None]))
        return youth, occasion, event_bin(end[occasion], n_months), self._within_bounds(
            trajectories, youth, begin[occasion], end[occasion])

    def _within_bounds(self, trajectories: Trajectories, youth: np.ndarray, begin: np.ndarray,
                       end: np.ndarray) -> np.ndarray:
        """Bool: the months in (or out of) the states within [begin, end) meet the bounds."""
        stays = trajectories.stays(self.condition, inside=self.inside)
        both = stays.time_before(np.concatenate([youth, youth]), np.concatenate([end, begin]))  # one search
        months = both[:len(youth)] - both[len(youth):]
        ok = np.ones(len(youth), dtype=bool)
        if self.at_least is not None:
            ok &= months >= plain(self.at_least, f"outcomes.{self.name}.at_least")
        if self.at_most is not None:
            ok &= months <= plain(self.at_most, f"outcomes.{self.name}.at_most")
        return ok

    def measure(self, trajectories: Trajectories, n_months: int) -> Measured:
        if self.from_month is not None or self.dates:
            youth, _, month, ok = self.occasions(trajectories, n_months)
            return youth[ok], month[ok], np.ones(int(ok.sum()))
        every = plain(self.every, f"outcomes.{self.name}.every")
        arrival, leaving = trajectories.presence()
        if trajectories.youths == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        periods = int(np.max(np.floor((leaving - arrival) / every))) + 1
        j = np.arange(1, periods + 1, dtype=float)
        ends = arrival[:, None] + every * j[None, :]
        begins = arrival[:, None] + every * (j[None, :] - 1.0)
        youth, column = np.nonzero(ends <= leaving[:, None])
        end, begin = ends[youth, column], begins[youth, column]
        ok = self._within_bounds(trajectories, youth, begin, end)
        return youth[ok], event_bin(end[ok], n_months), np.ones(int(ok.sum()))
