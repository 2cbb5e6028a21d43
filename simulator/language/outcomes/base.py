"""What every outcome metric has, and what each must say about itself.

An outcome metric is one class, in one module of this package, plus one line of the registry
in `__init__.py` (as Ciw adds a distribution in `ciw/dists/`). The class carries everything
about its metric:

- its fields: a frozen dataclass over `Outcome`'s name, price, states and label;
- `read`: its YAML form, checked through the loader's path-aware `Reader`;
- `unit`: what one unit is, an event or a month;
- `canonical_text`: what it measures, prices and caps left out; outcome units are counted,
  shared and checked under this text;
- `max_units_per_youth`: the cap per youth that pricing applies within the contract's window;
- `counts` and `limits`: what it counts and its caps per youth in words, every term it was given:
  its line in `simulator validate` (`describe`);
- `measure`: its units per youth and month bin, computed from one arm's spell table;
- a metric that measures the whole group on calendar dates also gives `occasions` (who was
  measured at each date or period, and who held), which a reference level of a share of the
  group needs.

The language does not import the engine: `measure` uses the methods of the `Trajectories` and
`Stays` (simulator.engine.trajectories) it is given.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from simulator.language.labels import Label, with_label
from simulator.language.errors import shown
from simulator.language.reader import join
from simulator.language.scenario import Condition, Number, Ref

if TYPE_CHECKING:
    from simulator.engine.trajectories import Trajectories
    from simulator.language.describe import Show
    from simulator.language.reader import Reader, Scope

Unit = Literal["events", "months"]
Measured = tuple[np.ndarray, np.ndarray, np.ndarray]  # (youth, month bin, units), one row per event or piece
# (youth, occasion, month bin, holds): one row per youth measured on each calendar occasion
Occasions = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True, slots=True)
class Level:
    """A reference level fixed in the contract: only what lies above it is paid.

    `share`: a share of the contract's youths measured on each calendar occasion (a date of
    `status_at: {on}`, a period of `per_period: {from}`); `count`: a number of units in each
    settlement.
    """

    kind: Literal["share", "count"]
    value: float

# The measuring fields that the canonical text lists for every metric, with what it shows when a
# metric has no such field: the texts stay those of the first version. Other fields follow.
_LISTED: dict[str, Any] = {"for_months": None, "checkpoints": (), "every": None, "at_least": None, "at_most": None}


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome(ABC):
    """One priced outcome of a contract: what it measures in which states, and its price per unit.

    `condition` is the states (and attribute values) the metric looks at; `inside` is False for
    `not_in`: the metric then looks at the time out of them.
    """

    name: str
    price: Number
    condition: Condition
    inside: bool = True
    label: Label = None  # type: ignore[assignment]  # None: the name's own (`with_label`)
    above: Level | None = None

    metric: ClassVar[str]  # its key in the YAML and in the registry
    unit: ClassVar[Unit]
    required_keys: ClassVar[tuple[str, ...]] = ()  # in its own mapping, besides in / not_in
    optional_keys: ClassVar[tuple[str, ...]] = ()
    terms: ClassVar[tuple[str, ...]] = ()  # beside `price`, at the outcome's level: terms of payment
    measures: ClassVar[tuple[str, ...]] = ()  # the fields, besides the states, that say what is measured

    def __post_init__(self) -> None:
        with_label(self)

    @classmethod
    @abstractmethod
    def read(cls, name: str, price: Number | None, raw: dict, path: str, reader: Reader,
             scope: Scope) -> Outcome | None:
        """The outcome written as `raw` at `path` (its price already read, None if it was wrong),
        or None after reporting what is wrong."""

    @abstractmethod
    def measure(self, trajectories: Trajectories, n_months: int) -> Measured:
        """Units earned, per youth and month bin [m, m + 1), over the whole horizon, by every
        youth of the arm: each occurrence (caps and the window are pricing's)."""

    @property
    def max_units_per_youth(self) -> Number | None:
        """Units a youth can be paid for (None: no cap); pricing cuts them in time order."""
        return None

    @property
    def calendar_months(self) -> tuple[float, ...]:
        """The calendar months (since t = 0) it measures the whole group on; () when it measures
        each youth from its own arrival. The contract checks them against the horizon."""
        return ()

    def occasions(self, trajectories: Trajectories, n_months: int) -> Occasions:
        """For a metric measured on calendar dates: each youth measured on each occasion, the
        occasion's month bin, and whether the youth earned a unit there."""
        raise NotImplementedError(f"{self.metric} is not measured on calendar dates")

    def canonical_text(self) -> str:
        """What the outcome measures for every youth, whoever the contract is for. A field that
        is not one of the first version's is listed only when given, so older texts stay as
        they were (stored units are checked under them)."""
        listed = {**_LISTED, **{name: getattr(self, name) for name in self.measures}}
        return "|".join([self.metric, "in" if self.inside else "not_in", self.condition.canonical_text(),
                         *(f"{name}={_text(value)}" for name, value in listed.items()
                           if name in _LISTED or value not in (None, ()))])

    @abstractmethod
    def counts(self, show: Show) -> str:
        """What one unit is, in words, with every measuring term: `per period of 6 months after
        arrival with at most 0.2 months in housing shelter or street`."""

    def limits(self, show: Show) -> list[str]:
        """Its caps per youth in words (`at most 8 periods per youth`), one item each."""
        return []

    def describe(self, show: Show) -> str:
        """The outcome for people, every term it was given: what it counts, its price, its caps."""
        each = "a month" if self.unit == "months" else "each"
        return "; ".join([self.counts(show), show.money(self.price, each), *self.limits(show),
                          *self.level(show)])

    def level(self, show: Show) -> list[str]:
        """Its reference level in words, if it has one."""
        if self.above is None:
            return []
        if self.above.kind == "share":
            return [f"paid only above {show.percent(self.above.value)} of the contract's youths measured "
                    f"each time"]
        return [f"paid only above {show.count(self.above.value, self.unit.rstrip('s'))} in each settlement"]


def read_states(spec: Any, path: str, reader: Reader, scope: Scope, required: tuple[str, ...] = (),
                optional: tuple[str, ...] = ()) -> tuple[Condition | None, bool] | None:
    """A metric's mapping that names its states as `in` or `not_in`: (condition, inside), the
    condition None if it is wrong; None if the mapping itself is wrong (reported)."""
    if reader.mapping(spec, path, required=required, optional=("in", "not_in") + optional) is None:
        return None
    if ("in" in spec) == ("not_in" in spec):
        reader.issue(path, "exactly one of in, not_in", "both" if "in" in spec else "neither")
        return None
    key = "in" if "in" in spec else "not_in"
    return scope.condition(spec[key], join(path, key)), key == "in"


def read_calendar_months(raw: object, path: str, reader: Reader) -> tuple[float, ...] | None:
    """A list of calendar months (`YYYY-MM`, or months since t = 0), none before `start`, in
    increasing order."""
    if not isinstance(raw, list) or not raw:
        reader.issue(path, "a list of calendar months YYYY-MM", shown(raw))
        return None
    months = [calendar_month(item, join(path, i), reader) for i, item in enumerate(raw)]
    if None in months:
        return None
    for i in range(1, len(months)):
        if not months[i] > months[i - 1]:
            reader.issue(join(path, i), "calendar months in increasing order", shown(raw[i]))
            return None
    return tuple(months)  # type: ignore[arg-type]


def calendar_month(raw: object, path: str, reader: Reader) -> float | None:
    """One calendar month: `YYYY-MM` or a number of months since t = 0, not before `start`."""
    month = reader.month(raw, path)
    if month is None:
        return None
    if not isinstance(month, float):
        reader.issue(path, "a calendar month YYYY-MM (not a parameter)", shown(raw))
        return None
    if month < 0:
        reader.issue(path, "a calendar month on or after the scenario's start", shown(raw))
        return None
    return month

def event_bin(time: np.ndarray, n_months: int) -> np.ndarray:
    """The month bin of events at `time`: floor(t), an event at the horizon itself in the last bin."""
    return np.minimum(np.floor(time), n_months - 1).astype(np.int64)


def _text(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(_text(item) for item in value)
    if value is None:
        return "-"
    if isinstance(value, Ref):
        return "$" + value.name
    return repr(float(value))
