"""`entered`: a transition or jump into the states."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from simulator.language.describe import conditions
from simulator.language.outcomes.base import Measured, Outcome, Unit, event_bin
from simulator.language.reader import join
from simulator.language.scenario import Number

if TYPE_CHECKING:
    from simulator.engine.trajectories import Trajectories
    from simulator.language.describe import Show
    from simulator.language.reader import Reader, Scope


@dataclass(frozen=True, slots=True, kw_only=True)
class Entered(Outcome):
    """1 at every entry into the states (holding them at arrival is not one); paid once per youth."""

    metric: ClassVar[str] = "entered"
    unit: ClassVar[Unit] = "events"

    @classmethod
    def read(cls, name: str, price: Number | None, raw: dict, path: str, reader: Reader,
             scope: Scope) -> Entered | None:
        condition = scope.condition(raw[cls.metric], join(path, cls.metric))
        if condition is None or price is None:
            return None
        return cls(name=name, price=price, condition=condition)

    def counts(self, show: Show) -> str:
        return f"entering {conditions(self.condition)} (not being there at arrival), once per youth"

    @property
    def max_units_per_youth(self) -> Number | None:
        return 1.0

    def measure(self, trajectories: Trajectories, n_months: int) -> Measured:
        stays = trajectories.stays(self.condition, inside=self.inside)
        entered = stays.entered
        return stays.youth[entered], event_bin(stays.start[entered], n_months), np.ones(int(entered.sum()))
