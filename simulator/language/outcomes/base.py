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
- `measure`: its units per youth and month bin, computed from one arm's spell table.

The language does not import the engine: `measure` uses the methods of the `Trajectories` and
`Stays` (simulator.engine.trajectories) it is given.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from simulator.language.labels import Label, with_label
from simulator.language.reader import join
from simulator.language.scenario import Condition, Number, Ref

if TYPE_CHECKING:
    from simulator.engine.trajectories import Trajectories
    from simulator.language.describe import Show
    from simulator.language.reader import Reader, Scope

Unit = Literal["events", "months"]
Measured = tuple[np.ndarray, np.ndarray, np.ndarray]  # (youth, month bin, units), one row per event or piece

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

    def canonical_text(self) -> str:
        """What the outcome measures for every youth, whoever the contract is for."""
        listed = {**_LISTED, **{name: getattr(self, name) for name in self.measures}}
        return "|".join([self.metric, "in" if self.inside else "not_in", self.condition.canonical_text(),
                         *(f"{name}={_text(value)}" for name, value in listed.items())])

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
        return "; ".join([self.counts(show), show.money(self.price, each), *self.limits(show)])


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
