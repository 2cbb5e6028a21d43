"""`months_in`: the months spent in the states."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from simulator.language.outcomes.base import Measured, Outcome, Unit
from simulator.language.reader import join
from simulator.language.scenario import Number

if TYPE_CHECKING:
    from simulator.engine.trajectories import Trajectories
    from simulator.language.describe import Show
    from simulator.language.reader import Reader, Scope


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthsIn(Outcome):
    """Months in the states, in each month bin; at most `max_months` paid per youth."""

    max_months: Number | None = None

    metric: ClassVar[str] = "months_in"
    unit: ClassVar[Unit] = "months"
    terms: ClassVar[tuple[str, ...]] = ("max_months",)

    @classmethod
    def read(cls, name: str, price: Number | None, raw: dict, path: str, reader: Reader,
             scope: Scope) -> MonthsIn | None:
        condition = scope.condition(raw[cls.metric], join(path, cls.metric))
        max_months = None
        if "max_months" in raw:
            max_months = reader.number(raw["max_months"], join(path, "max_months"), 0.0)
            if max_months is None:
                return None
        if condition is None or price is None:
            return None
        return cls(name=name, price=price, condition=condition, max_months=max_months)

    def counts(self, show: Show) -> str:
        return f"each month {show.where(self.condition, self.inside)}"

    def limits(self, show: Show) -> list[str]:
        if self.max_months is None:
            return []
        return [f"at most {show.count(self.max_months, 'month')} per youth"]

    @property
    def max_units_per_youth(self) -> Number | None:
        return self.max_months

    def measure(self, trajectories: Trajectories, n_months: int) -> Measured:
        month, start, end, youth = trajectories.stays(self.condition, inside=self.inside).split_by_month()
        keep = month < n_months
        return youth[keep], month[keep], (end - start)[keep]
