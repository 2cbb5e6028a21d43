"""The resolved scenario: frozen dataclasses, the only form of a scenario that code after loading sees.

Numbers that the YAML wrote as `$name` stay `Ref`s here; `bind` replaces them with one
replication's draws, so one loaded scenario serves every replication.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping, get_args

from simulator.language.distributions import ParameterDistribution, TimeDistribution, time_distribution
from simulator.language.labels import Label, with_label

if TYPE_CHECKING:
    from simulator.language.outcomes import Outcome

Months = float
Settlement = Literal["yearly", "monthly", "at_end"]
SETTLEMENTS: tuple[str, ...] = get_args(Settlement)


@dataclass(frozen=True, slots=True)
class Ref:
    """A `$name`: a parameter's value, known once a replication has drawn it."""

    name: str


Number = float | Ref


def plain(value: Number | None, what: str) -> float:
    """A bound number as a float; a ValueError naming `what` if it is still a `$name` or missing."""
    if isinstance(value, Ref):
        raise ValueError(f"{what} is still ${value.name}: bind it with the arm's parameter values first")
    if value is None:
        raise ValueError(f"{what} is missing")
    return float(value)


@dataclass(frozen=True, slots=True)
class TimeSpec:
    """A `time:` as written (kind and arguments); `distribution()` once the arguments are bound."""

    kind: str
    args: Mapping[str, Number]

    def distribution(self) -> TimeDistribution:
        return time_distribution(self.kind, self.args)


@dataclass(frozen=True, slots=True)
class Condition:
    """Track states and attribute values that must all hold (a set means: any of them)."""

    states: Mapping[str, frozenset[str]] = field(default_factory=dict)
    attributes: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def canonical_text(self) -> str:
        """The condition as text that does not depend on the order it was written in."""
        parts = [f"{k}:{','.join(sorted(v))}" for k, v in sorted(self.states.items())]
        parts += [f"{k}={','.join(sorted(v))}" for k, v in sorted(self.attributes.items())]
        return ";".join(parts)


@dataclass(frozen=True, slots=True)
class Modifier:
    """While `when` holds, the clock runs at `hazard_ratio ** strength` times its rate: `strength`
    (in [0, 1]) is the share of a trial's effect, on the log-hazard scale, that carries over."""

    when: Condition
    hazard_ratio: Number
    strength: Number = 1.0


@dataclass(frozen=True, slots=True)
class Transition:
    source: str
    target: str
    time: TimeSpec
    modifiers: tuple[Modifier, ...] = ()


@dataclass(frozen=True, slots=True)
class Jump:
    """On entering a state, move `track` to `target` with `probability` if it is in `sources`."""

    track: str
    sources: frozenset[str]
    target: str
    probability: Number


@dataclass(frozen=True, slots=True)
class Initial:
    """Shares of a track's states at arrival, one table per value of `by` (or one table, key None)."""

    by: str | None
    shares: Mapping[str | None, Mapping[str, Number]]


@dataclass(frozen=True, slots=True)
class Track:
    name: str
    states: tuple[str, ...]
    initial: Initial
    holds: Mapping[str, str]
    transitions: tuple[Transition, ...]
    on_enter: Mapping[str, tuple[Jump, ...]]
    label: Label = None  # type: ignore[assignment]  # None: the name's own (`with_label`)

    def __post_init__(self) -> None:
        with_label(self)


@dataclass(frozen=True, slots=True)
class Resource:
    name: str
    capacity: Number
    label: Label = None  # type: ignore[assignment]  # None: the name's own (`with_label`)

    def __post_init__(self) -> None:
        with_label(self)


@dataclass(frozen=True, slots=True)
class Attribute:
    """A categorical trait drawn at arrival; `shares` is None when every intake stream fixes it."""

    name: str
    values: tuple[str, ...]
    shares: tuple[Number, ...] | None


@dataclass(frozen=True, slots=True)
class Poisson:
    rate_per_month: Number
    start: Number
    until: Number


@dataclass(frozen=True, slots=True)
class Schedule:
    """Arrivals at given months (`cohort` is a schedule with one entry)."""

    arrivals: tuple[tuple[Number, Number], ...]  # (at, count)


@dataclass(frozen=True, slots=True)
class IntakeStream:
    arrivals: Poisson | Schedule
    maximum: Number | None
    attributes: Mapping[str, str]


DAYS_PER_MONTH = 365.25 / 12  # a limit given in days, in the model's months of a twelfth of a year


@dataclass(frozen=True, slots=True)
class MonthsPerYear:
    """At most so many months of a `per_month_in` flow per youth and year (spec §1.6, §4.3).

    `limits` are (in force from, months), the first in force from the start: a rule that changes
    at a date. A year is a calendar year, or with `rolling` twelve months from the first month the
    youth is in the flow's condition (then from the first month in it after that year ends).
    """

    limits: tuple[tuple[Number, Number], ...]
    rolling: bool = False


@dataclass(frozen=True, slots=True)
class Flow:
    """Money: `kind` is per_month_in, per_entry, per_youth or fixed.

    `shares` is the signed share of `amount` that each department bears: `pays` is {d: 1},
    `split` the given shares, `transfer` {from: share, to: -share}. For `fixed`, `amount` is the
    amount per month and `start`/`until` its period. `scale` (in [0, 1]) is the share of the
    amount that counts, e.g. the cashable share of a shelter month's cost.
    """

    name: str
    kind: str
    condition: Condition | None
    amount: Number
    shares: Mapping[str, Number]
    start: Number | None = None
    until: Number | None = None
    max_months_per_year: MonthsPerYear | None = None
    label: Label = None  # type: ignore[assignment]  # None: the name's own (`with_label`)
    scale: Number = 1.0

    def __post_init__(self) -> None:
        with_label(self)


@dataclass(frozen=True, slots=True)
class Investor:
    """Who puts in the principal, and when. `provided_by` (department → share) books the
    investor's cash flows in those departments' positions; empty: the investor is outside the
    public accounts."""

    principal: Number
    disbursements: tuple[tuple[Number, Number], ...]  # (at month, amount)
    provided_by: Mapping[str, Number] = field(default_factory=dict)


GUARANTEED = ("investor_loss", "outcome_fund_overrun")  # the shortfalls a guarantee can cover


@dataclass(frozen=True, slots=True)
class Guarantee:
    """A body (`by`, a department) that covers `covers` up to `up_to`, paid at window.until: the
    investor's loss (principal − received) goes to the investor, the outcome fund's overrun
    (draws − reserve) to the contract's municipal payers."""

    by: str
    covers: str
    up_to: Number


@dataclass(frozen=True, slots=True)
class Contract:
    name: str
    arm: str
    youths: Condition
    payers: Mapping[str, Number]
    investor: Investor
    window_start: Number
    window_until: Number
    settlement: Settlement
    outcomes: tuple[Outcome, ...]  # one class per metric: simulator.language.outcomes
    versus_baseline: bool = False
    cap: Number | None = None
    max_per_youth: Number | None = None
    max_multiple: Number | None = None
    outcome_fund_reserve: Number | None = None
    guarantees: tuple[Guarantee, ...] = ()
    label: Label = None  # type: ignore[assignment]  # None: the name's own (`with_label`)

    def __post_init__(self) -> None:
        with_label(self)


@dataclass(frozen=True, slots=True)
class Economics:
    currency: str
    annual_discount_rate: Number
    departments: tuple[str, ...]
    department_labels: Mapping[str, Label] = field(default_factory=dict)  # those given, `outside`'s too
    # Parties outside the public accounts (a private foundation): they may guarantee a contract,
    # and what they pay is in no department's position and not in the public total.
    outside: tuple[str, ...] = ()

    def label(self, department: str) -> Label:
        return self.department_labels.get(department) or Label(department)


@dataclass(frozen=True, slots=True)
class Parameter:
    """A named number: fixed (`value`) or drawn once per replication (`distribution`)."""

    name: str
    value: float | None
    distribution: ParameterDistribution | None
    label: Label = None  # type: ignore[assignment]  # None: the name's own (`with_label`)
    source: str = ""
    unit: str = ""

    def __post_init__(self) -> None:
        with_label(self)

    @property
    def uncertain(self) -> bool:
        return self.distribution is not None


MEASURES = ("share_in", "share_of_time_in", "entered_within", "stayed_in")  # what a target measures (spec §4.5)


@dataclass(frozen=True, slots=True)
class Target:
    """A measured quantity of the model with its observation (spec §4.5): what calibration fits
    (`hold_out`: only compared with, to validate).

    `measure` is one of MEASURES, over `condition` (its tracks' states, and the `youths`
    attribute filter) with `months` after each youth's arrival. The observation is `count` of
    `of` youths, or a `value` with its standard error `se`.
    """

    name: str
    arm: str
    measure: str
    condition: Condition
    months: float
    count: float | None = None
    of: float | None = None
    value: float | None = None
    se: float | None = None
    source: str = ""
    hold_out: bool = False
    label: Label = None  # type: ignore[assignment]  # None: the name's own (`with_label`)

    def __post_init__(self) -> None:
        with_label(self)

    @property
    def observed(self) -> float:
        """The observed share (count / of, or value)."""
        return self.count / self.of if self.of is not None else self.value  # type: ignore[operator,return-value]


@dataclass(frozen=True, slots=True)
class Calibration:
    """The `calibrate` section: which parameters `simulator calibrate` updates (their `dist` is the
    prior) and the sizes of its importance sampler (IMIS, docs/calibration.md)."""

    parameters: tuple[str, ...]
    replications: int = 4  # replications pooled to measure the targets at one parameter set
    prior_draws: int = 0  # parameter sets drawn from the prior first; 0: 1000 per parameter
    batch: int = 0  # parameter sets added each round; 0: 100 per parameter
    rounds: int = 30  # at most this many rounds after the prior draws
    resample: int = 1000  # stop when a resample of this size would hold 1 - 1/e distinct sets

    @property
    def initial(self) -> int:
        return self.prior_draws or 1000 * len(self.parameters)

    @property
    def step(self) -> int:
        return self.batch or 100 * len(self.parameters)


@dataclass(frozen=True, slots=True)
class Model:
    """What an arm simulates: the part of a scenario that a `patch` may change."""

    tracks: tuple[Track, ...]
    resources: Mapping[str, Resource]
    flows: tuple[Flow, ...]
    exit: TimeSpec | None
    parameters: Mapping[str, Parameter]

    def track(self, name: str) -> Track:
        return next(track for track in self.tracks if track.name == name)


@dataclass(frozen=True, slots=True)
class Arm:
    """An arm and its model; `own_parameters` are those its patch redefines (drawn for it alone)."""

    name: str
    label: Label
    model: Model
    own_parameters: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    file: str
    horizon: Months
    start: tuple[int, int]  # (year, month) of t = 0
    baseline: str
    sampling: str  # "random" or "lhs"
    attributes: tuple[Attribute, ...]
    intake: tuple[IntakeStream, ...]
    economics: Economics
    arms: Mapping[str, Arm]
    contracts: Mapping[str, Contract]
    files: Mapping[str, str]  # path -> sha256 of every scenario file read
    resolved: Mapping[str, Any]  # the merged scenario as plain data, written to the manifest
    targets: Mapping[str, Target] = field(default_factory=dict)  # spec §4.5
    calibration: Calibration | None = None  # how `simulator calibrate` runs; None: it has no targets

    def parameters(self) -> dict[str, Parameter]:
        """Every parameter of every arm (an arm's own version under the same name wins last)."""
        merged: dict[str, Parameter] = {}
        for arm in self.arms.values():
            merged.update(arm.model.parameters)
        return merged


def bind(obj: Any, values: Mapping[str, float]) -> Any:
    """`obj` with every `Ref` replaced by its value: one replication's concrete terms.

    What holds no Ref comes back as the same object: most of a model has none, and every
    replication binds every arm's model. (`binder` does the walk; keep it when binding the same
    object for many replications.)
    """
    return binder(obj)(values)


def binder(obj: Any) -> Callable[[Mapping[str, float]], Any]:
    """`bind` for many sets of values: the walk through `obj` done once, then `binder(obj)(values)`
    for each set. A record binds the same flows and contracts every replication, and
    most of them hold no `$name` (they come back as the same object) or only a few."""
    bound = _binder(obj)
    return (lambda values: obj) if bound is None else bound


def holds_refs(obj: Any) -> bool:
    """Whether `obj` holds a `$name` anywhere: whether binding it can change it."""
    return _binder(obj) is not None


def _binder(obj: Any) -> Callable[[Mapping[str, float]], Any] | None:
    """What `binder` returns, or None when `obj` holds no Ref (bind gives it back as it is)."""
    kind = type(obj)
    if kind is Ref:
        return lambda values: values[obj.name]
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _FIELDS[kind] = _fields_to_bind(kind)
    if fields is _AS_IS:
        return None
    if fields is _TUPLE or fields is _MAPPING:
        keys = range(len(obj)) if fields is _TUPLE else obj.keys()
        items = {key: _binder(obj[key]) for key in keys}
        if all(item is None for item in items.values()):
            return None
        parts = [(key, obj[key], item) for key, item in items.items()]
        if fields is _TUPLE:
            return lambda values: tuple(item if bound is None else bound(values) for _, item, bound in parts)
        return lambda values: {key: item if bound is None else bound(values) for key, item, bound in parts}
    changes = [(name, bound) for name in fields if (bound := _binder(getattr(obj, name))) is not None]
    if not changes:
        return None
    return lambda values: dataclasses.replace(obj, **{name: bound(values) for name, bound in changes})


_AS_IS, _TUPLE, _MAPPING = ("<as is>",), ("<tuple>",), ("<mapping>",)
_FIELDS: dict[type, tuple[str, ...]] = {tuple: _TUPLE}  # per type: the fields `bind` looks into


def _fields_to_bind(kind: type) -> tuple[str, ...]:
    if issubclass(kind, Mapping):
        return _MAPPING
    if dataclasses.is_dataclass(kind) and not issubclass(
            kind, (Parameter, ParameterDistribution, TimeDistribution, Label)):
        return tuple(f.name for f in dataclasses.fields(kind))
    return _AS_IS  # numbers, strings, frozensets, distributions: nothing to bind inside
