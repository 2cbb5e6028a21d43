"""`status_at`: in (or out of) the states at given months after arrival, or on calendar dates."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from simulator.language.describe import join_words
from simulator.language.errors import shown
from simulator.language.outcomes.base import (Measured, Occasions, Outcome, Unit, event_bin, read_calendar_months,
                                              read_states)
from simulator.language.reader import join
from simulator.language.scenario import Number, plain

if TYPE_CHECKING:
    from simulator.engine.trajectories import Trajectories
    from simulator.language.describe import Show
    from simulator.language.reader import Reader, Scope


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusAt(Outcome):
    """1 at each checkpoint at which the youth is present and in (or out of) the states: months
    after the youth's arrival (`checkpoints`), or calendar months for the whole group (`dates`,
    months since t = 0), as contracts that count the group on fixed dates are written."""

    checkpoints: tuple[Number, ...] = ()
    dates: tuple[float, ...] = ()

    metric: ClassVar[str] = "status_at"
    unit: ClassVar[Unit] = "events"
    optional_keys: ClassVar[tuple[str, ...]] = ("months_after_arrival", "dates")
    measures: ClassVar[tuple[str, ...]] = ("checkpoints", "dates")

    @classmethod
    def read(cls, name: str, price: Number | None, raw: dict, path: str, reader: Reader,
             scope: Scope) -> StatusAt | None:
        here = join(path, cls.metric)
        spec = raw[cls.metric]
        states = read_states(spec, here, reader, scope, optional=cls.optional_keys)
        if states is None:
            return None
        if "months_after_arrival" in spec and "dates" in spec:
            reader.issue(here, "one of months_after_arrival or dates (calendar months)", "both")
            return None
        if "dates" in spec:
            dates = read_calendar_months(spec["dates"], join(here, "dates"), reader)
            condition, inside = states
            if condition is None or price is None or dates is None:
                return None
            return cls(name=name, price=price, condition=condition, inside=inside, dates=dates)
        if "months_after_arrival" not in spec:
            reader.issue(join(here, "months_after_arrival"),
                         "a value for `months_after_arrival` (required) or `dates` (calendar months)", "nothing")
            return None
        points, where = spec["months_after_arrival"], join(here, "months_after_arrival")
        if not isinstance(points, list) or not points:
            reader.issue(where, "a list of months", shown(points))
            return None
        checkpoints = [reader.number(point, join(where, i), 0.0) for i, point in enumerate(points)]
        condition, inside = states
        if condition is None or price is None or None in checkpoints:
            return None
        return cls(name=name, price=price, condition=condition, inside=inside, checkpoints=tuple(checkpoints))

    @property
    def calendar_months(self) -> tuple[float, ...]:
        return self.dates

    def counts(self, show: Show) -> str:
        if self.dates:
            return (f"on {join_words(show.month(m) for m in self.dates)}, each youth then present and "
                    f"{show.where(self.condition, self.inside)}")
        return (f"at {join_words(show.number(c) for c in self.checkpoints)} months after arrival, each "
                f"time the youth is present and {show.where(self.condition, self.inside)}")

    def occasions(self, trajectories: Trajectories, n_months: int) -> Occasions:
        """Each youth present on each date (arrived at or before it, not yet gone), and whether
        the youth is then in (or out of) the states."""
        dates = np.array(self.dates, dtype=float)
        youth = np.repeat(np.arange(trajectories.youths), len(dates))
        occasion = np.tile(np.arange(len(dates)), trajectories.youths)
        time = dates[occasion]
        present = ((trajectories.arrival[youth] <= time) & (time < trajectories.departure[youth])
                   & (time <= trajectories.horizon))
        youth, occasion, time = youth[present], occasion[present], time[present]
        holds = trajectories.stays(self.condition, inside=self.inside).covers(youth, time, trajectories.horizon)
        return youth, occasion, event_bin(time, n_months), holds

    def measure(self, trajectories: Trajectories, n_months: int) -> Measured:
        if self.dates:
            youth, _, month, holds = self.occasions(trajectories, n_months)
            return youth[holds], month[holds], np.ones(int(holds.sum()))
        stays = trajectories.stays(self.condition, inside=self.inside)
        checkpoints = np.array([plain(c, f"outcomes.{self.name}.months_after_arrival") for c in self.checkpoints])
        youth = np.repeat(np.arange(trajectories.youths), len(checkpoints))
        time = trajectories.arrival[youth] + np.tile(checkpoints, trajectories.youths)
        present = (time < trajectories.departure[youth]) & (time <= trajectories.horizon)
        youth, time = youth[present], time[present]
        holds = stays.covers(youth, time, trajectories.horizon)
        return youth[holds], event_bin(time[holds], n_months), np.ones(int(holds.sum()))

