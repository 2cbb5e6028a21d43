"""`achieved`: a continuous stay in (or out of) the states that lasts `for_months`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from simulator.language.outcomes.base import Measured, Outcome, Unit, event_bin, read_states
from simulator.language.reader import join
from simulator.language.scenario import Number, plain

if TYPE_CHECKING:
    from simulator.engine.trajectories import Trajectories
    from simulator.language.describe import Show
    from simulator.language.reader import Reader, Scope


@dataclass(frozen=True, slots=True, kw_only=True)
class Achieved(Outcome):
    """1 at the instant a continuous stay reaches `for_months`; paid once per youth."""

    for_months: Number

    metric: ClassVar[str] = "achieved"
    unit: ClassVar[Unit] = "events"
    required_keys: ClassVar[tuple[str, ...]] = ("for_months",)
    measures: ClassVar[tuple[str, ...]] = ("for_months",)

    @classmethod
    def read(cls, name: str, price: Number | None, raw: dict, path: str, reader: Reader,
             scope: Scope) -> Achieved | None:
        here = join(path, cls.metric)
        states = read_states(raw[cls.metric], here, reader, scope, cls.required_keys)
        if states is None:
            return None
        for_months = reader.number(raw[cls.metric]["for_months"], join(here, "for_months"), 0.0)
        condition, inside = states
        if condition is None or price is None or for_months is None:
            return None
        return cls(name=name, price=price, condition=condition, inside=inside, for_months=for_months)

    def counts(self, show: Show) -> str:
        return (f"a continuous stay of {show.count(self.for_months, 'month')} "
                f"{show.where(self.condition, self.inside)}, once per youth")

    @property
    def max_units_per_youth(self) -> Number | None:
        return 1.0

    def measure(self, trajectories: Trajectories, n_months: int) -> Measured:
        stays = trajectories.stays(self.condition, inside=self.inside)
        reached = stays.start + plain(self.for_months, f"outcomes.{self.name}.for_months")
        ok = reached <= stays.end  # every stay that lasts long enough; once per youth at pricing
        return stays.youth[ok], event_bin(reached[ok], n_months), np.ones(int(ok.sum()))
