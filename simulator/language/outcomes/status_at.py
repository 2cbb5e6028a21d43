"""`status_at`: in (or out of) the states at given months after arrival."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from simulator.language.describe import join_words
from simulator.language.errors import shown
from simulator.language.outcomes.base import Measured, Outcome, Unit, event_bin, read_states
from simulator.language.reader import join
from simulator.language.scenario import Number, plain

if TYPE_CHECKING:
    from simulator.engine.trajectories import Trajectories
    from simulator.language.describe import Show
    from simulator.language.reader import Reader, Scope


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusAt(Outcome):
    """1 at each checkpoint (months after the youth's arrival) at which the youth is present and
    in (or out of) the states."""

    checkpoints: tuple[Number, ...]

    metric: ClassVar[str] = "status_at"
    unit: ClassVar[Unit] = "events"
    required_keys: ClassVar[tuple[str, ...]] = ("months_after_arrival",)
    measures: ClassVar[tuple[str, ...]] = ("checkpoints",)

    @classmethod
    def read(cls, name: str, price: Number | None, raw: dict, path: str, reader: Reader,
             scope: Scope) -> StatusAt | None:
        here = join(path, cls.metric)
        states = read_states(raw[cls.metric], here, reader, scope, cls.required_keys)
        if states is None:
            return None
        points, where = raw[cls.metric]["months_after_arrival"], join(here, "months_after_arrival")
        if not isinstance(points, list) or not points:
            reader.issue(where, "a list of months", shown(points))
            return None
        checkpoints = [reader.number(point, join(where, i), 0.0) for i, point in enumerate(points)]
        condition, inside = states
        if condition is None or price is None or None in checkpoints:
            return None
        return cls(name=name, price=price, condition=condition, inside=inside, checkpoints=tuple(checkpoints))

    def counts(self, show: Show) -> str:
        return (f"at {join_words(show.number(c) for c in self.checkpoints)} months after arrival, each "
                f"time the youth is present and {show.where(self.condition, self.inside)}")

    def measure(self, trajectories: Trajectories, n_months: int) -> Measured:
        stays = trajectories.stays(self.condition, inside=self.inside)
        checkpoints = np.array([plain(c, f"outcomes.{self.name}.months_after_arrival") for c in self.checkpoints])
        youth = np.repeat(np.arange(trajectories.youths), len(checkpoints))
        time = trajectories.arrival[youth] + np.tile(checkpoints, trajectories.youths)
        present = (time < trajectories.departure[youth]) & (time <= trajectories.horizon)
        youth, time = youth[present], time[present]
        holds = stays.covers(youth, time, trajectories.horizon)
        return youth[holds], event_bin(time[holds], n_months), np.ones(int(holds.sum()))
