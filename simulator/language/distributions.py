"""Distributions of the scenario language, each carrying its own theory (spec §1.1, §1.2).

Two families:

- time-to-event distributions (`time:` of a transition or `exit`), used by the engine's clock
  through the cumulative hazard H0(t) = -ln S(t) and its inverse (spec §1.3);
- parameter distributions (`dist:` of a parameter), used through the quantile function `ppf`,
  so that plain and Latin hypercube sampling share one code path.

`time_distribution` and `parameter_distribution` turn the user's forms (e.g. `weibull {shape,
median}`) into canonical parameters and raise `InvalidArgument` naming the argument at fault.
The canonical fields are named `scale`, `mu`, `low`, ... rather than `median` or `mean`, which
would shadow the methods of those names.
This module knows nothing of `$name` references or scenario paths (the loader adds those) and
makes no random generator: `sample` takes one (see `seeding.py`).
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np
from numpy.typing import NDArray
from scipy import special

if TYPE_CHECKING:
    from simulator.language.scenario import Months

UNIFORM_EDGE = 2.0**-53  # draws use u in [UNIFORM_EDGE, 1 - UNIFORM_EDGE]; the loader checks both ends
FloatOrArray = float | NDArray[np.float64]

_LN2 = math.log(2)
_LOG_MAX = math.log(np.finfo(float).max)  # exp() of anything larger overflows


class InvalidArgument(ValueError):
    """A distribution's arguments are wrong; says which argument, what was expected and what was found.

    `argument` is None when the problem is not one argument but the kind or the set of
    arguments. `expected` reads after "expected " ("a positive number"); `found` is the repr of
    the offending value, truncated (see `_shown`).
    """

    def __init__(self, argument: str | None, expected: str, found: str) -> None:
        super().__init__(argument, expected, found)  # kept in args, so the error pickles across workers
        self.argument = argument
        self.expected = expected
        self.found = found

    def __str__(self) -> str:
        where = f"{self.argument}: " if self.argument is not None else ""
        return f"{where}expected {self.expected}, found {self.found}"


def _shown(value: object, width: int = 60) -> str:
    """The repr a user sees after "found", cut to `width` characters."""
    if isinstance(value, np.generic):
        value = value.item()  # -0.8, not np.float64(-0.8)
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


# --- Time-to-event distributions ------------------------------------------------------------------


def _is_scalar(x: object) -> TypeGuard[float]:
    """The engine's hot path: plain floats go through `math`, which is ~5x faster than numpy on scalars."""
    return isinstance(x, (int, float))


def _exp(x: FloatOrArray) -> FloatOrArray:
    """exp that gives inf instead of OverflowError or a warning: a time beyond float range is 'never'."""
    if _is_scalar(x):
        return math.exp(x) if x < _LOG_MAX else math.inf
    with np.errstate(over="ignore"):
        return np.exp(x)


def _log(x: FloatOrArray) -> FloatOrArray:
    """log with log 0 = -inf instead of ValueError or a warning."""
    if _is_scalar(x):
        return math.log(x) if x > 0 else -math.inf
    with np.errstate(divide="ignore"):
        return np.log(x)


class TimeDistribution(ABC):
    """Time T in months from entering a state to a transition.

    The engine's clock needs only the baseline cumulative hazard H0(t) = -ln S(t) and its
    inverse: a transition with hazard budget E ~ Exp(1) and constant hazard ratio k fires after
    `inverse_cumulative_hazard(E / k)` months (spec §1.3). Methods take t >= 0 (or h >= 0) as
    a float, the engine's fast path, or as a numpy array.
    """

    __slots__ = ()

    @abstractmethod
    def cumulative_hazard(self, t: FloatOrArray) -> FloatOrArray:
        """H0(t) = -ln S(t); inf once the event is certain."""

    @abstractmethod
    def inverse_cumulative_hazard(self, h: FloatOrArray) -> FloatOrArray:
        """The time t with H0(t) = h, accurate far into the tail; inf beyond float range."""

    @abstractmethod
    def mean(self) -> float:
        """E[T] in months; inf where it does not exist."""

    def log_hazard(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        """ln h0(t), the log of the baseline hazard at t > 0 months: the likelihood of a move
        observed at t (a forecast's parameter update). Not defined for `fixed`, a point mass."""
        raise NotImplementedError(type(self).__name__)

    def survival(self, t: FloatOrArray) -> FloatOrArray:
        """S(t) = P(T > t)."""
        h = self.cumulative_hazard(t)
        return math.exp(-h) if _is_scalar(h) else np.exp(-h)

    def cdf(self, t: FloatOrArray) -> FloatOrArray:
        """P(T <= t), as 1 - e^-H without the cancellation for small t."""
        h = self.cumulative_hazard(t)
        return -math.expm1(-h) if _is_scalar(h) else -np.expm1(-h)

    def median(self) -> float:
        """The t with S(t) = 1/2, i.e. H0(t) = ln 2."""
        return float(self.inverse_cumulative_hazard(_LN2))

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...] | None = None) -> FloatOrArray:
        """Draws of T by inversion of the hazard budget, exactly as the engine draws a sojourn."""
        return self.inverse_cumulative_hazard(rng.standard_exponential(size))


@dataclass(frozen=True, slots=True)
class Exponential(TimeDistribution):
    """Constant hazard `rate` per month: the memoryless clock."""

    rate: float

    def cumulative_hazard(self, t: FloatOrArray) -> FloatOrArray:
        return self.rate * t

    def inverse_cumulative_hazard(self, h: FloatOrArray) -> FloatOrArray:
        return h / self.rate

    def log_hazard(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.full(np.shape(t), math.log(self.rate))

    def mean(self) -> float:
        return 1 / self.rate


@dataclass(frozen=True, slots=True)
class Weibull(TimeDistribution):
    """H0(t) = (t / scale)^shape: hazard falls over time when shape < 1 and rises when shape > 1."""

    shape: float
    scale: Months

    def cumulative_hazard(self, t: FloatOrArray) -> FloatOrArray:
        return (t / self.scale) ** self.shape

    def inverse_cumulative_hazard(self, h: FloatOrArray) -> FloatOrArray:
        return self.scale * h ** (1 / self.shape)

    def log_hazard(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        with np.errstate(divide="ignore"):  # h0(0) is 0 or inf by the shape
            return math.log(self.shape / self.scale) + (self.shape - 1) * np.log(np.asarray(t) / self.scale)

    def mean(self) -> float:
        return self.scale * float(_exp(math.lgamma(1 + 1 / self.shape)))


@dataclass(frozen=True, slots=True)
class LogNormal(TimeDistribution):
    """ln T ~ Normal(ln scale, sigma); `scale` is the median in months."""

    scale: Months
    sigma: float

    def cumulative_hazard(self, t: FloatOrArray) -> FloatOrArray:
        # log_ndtr keeps its digits in both tails, where -log(sf) would round to 0 or inf.
        return -special.log_ndtr(-_log(t / self.scale) / self.sigma)

    def inverse_cumulative_hazard(self, h: FloatOrArray) -> FloatOrArray:
        # S = e^-h; ndtri_exp takes ln S, so it never underflows, even for h in the hundreds.
        return self.scale * _exp(-self.sigma * special.ndtri_exp(-h))

    def log_hazard(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        # ln f - ln S: f(t) = φ(z) / (σ t), S = Φ(-z), z = ln(t / scale) / σ.
        with np.errstate(divide="ignore"):
            z = np.log(np.asarray(t) / self.scale) / self.sigma
        return -0.5 * z * z - 0.5 * math.log(2 * math.pi) - np.log(self.sigma * np.asarray(t)) - special.log_ndtr(-z)

    def mean(self) -> float:
        return self.scale * float(_exp(self.sigma**2 / 2))


@dataclass(frozen=True, slots=True)
class Gamma(TimeDistribution):
    """Gamma with `shape` and `scale` (mean = shape * scale months)."""

    shape: float
    scale: Months

    def cumulative_hazard(self, t: FloatOrArray) -> FloatOrArray:
        # -ln S from P = 1 - S while P is small, else from S, so that neither tail loses digits.
        x = t / self.scale
        p = special.gammainc(self.shape, x)
        if _is_scalar(t):
            return -math.log1p(-p) if p < 0.5 else -_log(special.gammaincc(self.shape, x))
        with np.errstate(divide="ignore"):
            return np.where(p < 0.5, -np.log1p(-p), -np.log(special.gammaincc(self.shape, x)))

    def inverse_cumulative_hazard(self, h: FloatOrArray) -> FloatOrArray:
        # Invert whichever of P = 1 - e^-h and S = e^-h is smaller, for the same reason.
        a = self.shape
        if _is_scalar(h):
            x = special.gammaincinv(a, -math.expm1(-h)) if h < _LN2 else special.gammainccinv(a, math.exp(-h))
        else:
            x = np.where(h < _LN2, special.gammaincinv(a, -np.expm1(-h)), special.gammainccinv(a, np.exp(-h)))
        return self.scale * x

    def log_hazard(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        from scipy import stats  # ln f - ln S, each in log space

        t = np.asarray(t)
        return stats.gamma.logpdf(t, self.shape, scale=self.scale) - stats.gamma.logsf(t, self.shape, scale=self.scale)

    def mean(self) -> float:
        return self.shape * self.scale


@dataclass(frozen=True, slots=True)
class LogLogistic(TimeDistribution):
    """S(t) = 1 / (1 + (t / scale)^shape); `scale` is the median in months."""

    shape: float
    scale: Months

    def cumulative_hazard(self, t: FloatOrArray) -> FloatOrArray:
        log1p = math.log1p if _is_scalar(t) else np.log1p
        return log1p((t / self.scale) ** self.shape)

    def inverse_cumulative_hazard(self, h: FloatOrArray) -> FloatOrArray:
        # scale * (e^h - 1)^(1/shape), written so that e^h cannot overflow for a far-tail h.
        expm1 = math.expm1 if _is_scalar(h) else np.expm1
        return self.scale * _exp(h / self.shape) * (-expm1(-h)) ** (1 / self.shape)

    def log_hazard(self, t: NDArray[np.float64]) -> NDArray[np.float64]:
        # h0 = (shape / scale) (t / scale)^(shape-1) / (1 + (t / scale)^shape)
        with np.errstate(divide="ignore"):
            x = np.log(np.asarray(t) / self.scale)
        return math.log(self.shape / self.scale) + (self.shape - 1) * x - np.logaddexp(0.0, self.shape * x)

    def mean(self) -> float:
        if self.shape <= 1:
            return math.inf
        angle = math.pi / self.shape
        return self.scale * angle / math.sin(angle)


@dataclass(frozen=True, slots=True)
class Fixed(TimeDistribution):
    """Exactly `months` after entering the state (0 = immediately).

    A point mass: H0 jumps from 0 to inf at `months`, so a hazard ratio can only pause it
    (HR = 0), never speed it up (spec §1.3).
    """

    months: Months

    def cumulative_hazard(self, t: FloatOrArray) -> FloatOrArray:
        if _is_scalar(t):
            return 0.0 if t < self.months else math.inf
        return np.where(t < self.months, 0.0, np.inf)

    def inverse_cumulative_hazard(self, h: FloatOrArray) -> FloatOrArray:
        if _is_scalar(h):
            return self.months
        return np.full(np.shape(h), self.months)

    def mean(self) -> float:
        return self.months


TIME_FORMS: dict[str, tuple[frozenset[str], ...]] = {
    "exponential": (frozenset({"mean"}), frozenset({"rate"})),
    "probability": (frozenset({"p", "within"}),),
    "weibull": (frozenset({"shape", "scale"}), frozenset({"shape", "median"})),
    "lognormal": (frozenset({"median", "sigma"}),),
    "gamma": (frozenset({"shape", "mean"}),),
    "loglogistic": (frozenset({"shape", "median"}),),
    "fixed": (frozenset({"months"}),),
}


def time_distribution(kind: str, args: Mapping[str, float]) -> TimeDistribution:
    """Build a time-to-event distribution from its user form (spec §1.2).

    Raises
    ------
    InvalidArgument
        Unknown kind; unknown, missing or ambiguous arguments; a value that is not a finite
        number in range.
    """
    _check_form(kind, args, TIME_FORMS, "a time distribution")
    if kind == "exponential":
        return Exponential(1 / _positive(args, "mean") if "mean" in args else _positive(args, "rate"))
    if kind == "probability":
        p = _number(args, "p", lambda x: 0 < x < 1, "a probability between 0 and 1, exclusive")
        return Exponential(-math.log1p(-p) / _positive(args, "within"))  # P(T <= within) = p
    if kind == "weibull":
        shape = _positive(args, "shape")
        if "scale" in args:
            return Weibull(shape, _positive(args, "scale"))
        return Weibull(shape, _positive(args, "median") / _LN2 ** (1 / shape))  # S(median) = 1/2
    if kind == "lognormal":
        return LogNormal(_positive(args, "median"), _positive(args, "sigma"))
    if kind == "gamma":
        shape = _positive(args, "shape")
        return Gamma(shape, _positive(args, "mean") / shape)
    if kind == "loglogistic":
        return LogLogistic(_positive(args, "shape"), _positive(args, "median"))
    return Fixed(_number(args, "months", lambda x: x >= 0, "a number of months >= 0"))


# --- Parameter distributions ----------------------------------------------------------------------


class ParameterDistribution(ABC):
    """Uncertainty about a parameter, drawn once per replication (spec §1.1).

    Every draw goes through `ppf(u)`: the sampler picks u (plain or Latin hypercube, see
    `sampling.py`) and the distribution turns it into a value.
    """

    __slots__ = ()

    @abstractmethod
    def ppf(self, u: FloatOrArray) -> FloatOrArray:
        """Quantile function: the smallest value with P(X <= value) >= u."""

    @abstractmethod
    def mean(self) -> float:
        """E[X]."""

    @abstractmethod
    def support(self) -> tuple[float, float]:
        """The lowest and highest possible values (may be infinite)."""

    def median(self) -> float:
        return float(self.ppf(0.5))

    def interval(self, level: float = 0.90) -> tuple[float, float]:
        """Central interval holding `level` of the probability."""
        if not 0 < level < 1:
            raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")
        return float(self.ppf((1 - level) / 2)), float(self.ppf((1 + level) / 2))

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...] | None = None) -> FloatOrArray:
        return self.ppf(rng.random(size))


@dataclass(frozen=True, slots=True)
class _ScipyParameter(ParameterDistribution):
    """A parameter distribution that scipy.stats knows.

    scipy.stats is imported only for `mean`: it takes most of a second to import, and loading
    a scenario (every command, `validate` among them) needs none of it.
    """

    @abstractmethod
    def _frozen(self, stats: Any) -> Any:
        """The equivalent frozen distribution of `stats` (scipy.stats)."""

    # Each subclass's `ppf` is scipy's own quantile arithmetic (`_ppf(u) * scale + loc`, equal to
    # the last bit) without its argument checks, which cost ~100 µs a call: every replication
    # draws every parameter. Its `support` is scipy's too (`a * scale + loc`, `b * scale + loc`).

    def mean(self) -> float:
        from scipy import stats

        return float(self._frozen(stats).mean())


@dataclass(frozen=True, slots=True)
class UniformParameter(_ScipyParameter):
    """Uniform on [low, high] (the user's min and max)."""

    low: float
    high: float

    def _frozen(self, stats: Any) -> Any:
        return stats.uniform(loc=self.low, scale=self.high - self.low)

    def support(self) -> tuple[float, float]:
        return self.low, (self.high - self.low) + self.low

    def ppf(self, u: FloatOrArray) -> FloatOrArray:
        return np.asarray(u, dtype=float)[()] * (self.high - self.low) + self.low


@dataclass(frozen=True, slots=True)
class TriangularParameter(_ScipyParameter):
    """Triangular on [low, high] peaking at mode."""

    low: float
    mode: float
    high: float

    def _frozen(self, stats: Any) -> Any:
        width = self.high - self.low
        return stats.triang((self.mode - self.low) / width, loc=self.low, scale=width)

    def support(self) -> tuple[float, float]:
        return self.low, (self.high - self.low) + self.low

    def ppf(self, u: FloatOrArray) -> FloatOrArray:
        width = self.high - self.low
        c = (self.mode - self.low) / width
        return np.where(u < c, np.sqrt(c * u), 1 - np.sqrt((1 - c) * (1 - u)))[()] * width + self.low


@dataclass(frozen=True, slots=True)
class PertParameter(_ScipyParameter):
    """Beta-PERT with lambda = 4: a beta on [low, high] with mean (low + 4 mode + high) / 6."""

    low: float
    mode: float
    high: float

    def _shapes(self) -> tuple[float, float]:
        """The beta's alpha and beta."""
        width = self.high - self.low
        return 1 + 4 * (self.mode - self.low) / width, 1 + 4 * (self.high - self.mode) / width

    def _frozen(self, stats: Any) -> Any:
        return stats.beta(*self._shapes(), loc=self.low, scale=self.high - self.low)

    def support(self) -> tuple[float, float]:
        return self.low, (self.high - self.low) + self.low

    def ppf(self, u: FloatOrArray) -> FloatOrArray:
        return special.betaincinv(*self._shapes(), u) * (self.high - self.low) + self.low


@dataclass(frozen=True, slots=True)
class NormalParameter(_ScipyParameter):
    """Normal with mean mu and standard deviation sigma."""

    mu: float
    sigma: float

    def _frozen(self, stats: Any) -> Any:
        return stats.norm(self.mu, self.sigma)

    def support(self) -> tuple[float, float]:
        return -math.inf, math.inf

    def ppf(self, u: FloatOrArray) -> FloatOrArray:
        return special.ndtri(u) * self.sigma + self.mu


@dataclass(frozen=True, slots=True)
class LogNormalParameter(_ScipyParameter):
    """ln X ~ Normal(ln scale, sigma); `scale` is the median."""

    scale: float
    sigma: float

    def _frozen(self, stats: Any) -> Any:
        return stats.lognorm(self.sigma, scale=self.scale)

    def support(self) -> tuple[float, float]:
        return 0.0, math.inf

    def ppf(self, u: FloatOrArray) -> FloatOrArray:
        return np.exp(self.sigma * special.ndtri(u)) * self.scale


@dataclass(frozen=True, slots=True)
class BetaParameter(_ScipyParameter):
    """Beta(a, b) on [0, 1]; `beta {mean, sd}` is converted to a and b."""

    a: float
    b: float

    def _frozen(self, stats: Any) -> Any:
        return stats.beta(self.a, self.b)

    def support(self) -> tuple[float, float]:
        return 0.0, 1.0

    def ppf(self, u: FloatOrArray) -> FloatOrArray:
        return special.betaincinv(self.a, self.b, u)


@dataclass(frozen=True, slots=True)
class GammaParameter(_ScipyParameter):
    """Gamma with `shape` and `scale`; `gamma {mean, sd}` gives shape (mean/sd)^2, scale sd^2/mean."""

    shape: float
    scale: float

    def _frozen(self, stats: Any) -> Any:
        return stats.gamma(self.shape, scale=self.scale)

    def support(self) -> tuple[float, float]:
        return 0.0, math.inf

    def ppf(self, u: FloatOrArray) -> FloatOrArray:
        return special.gammaincinv(self.shape, u) * self.scale


@dataclass(frozen=True, slots=True)
class ChoiceParameter(ParameterDistribution):
    """One of `values` (ascending, so that ppf is a quantile function) with probabilities `p`."""

    values: tuple[float, ...]
    p: tuple[float, ...]

    def ppf(self, u: FloatOrArray) -> FloatOrArray:
        # The first value whose cumulative probability reaches u; the clip absorbs rounding in sum(p).
        index = np.searchsorted(np.cumsum(self.p), u)
        return np.asarray(self.values)[np.minimum(index, len(self.values) - 1)]

    def mean(self) -> float:
        return math.fsum(v * q for v, q in zip(self.values, self.p))

    def support(self) -> tuple[float, float]:
        return self.values[0], self.values[-1]


PARAMETER_FORMS: dict[str, tuple[frozenset[str], ...]] = {
    "uniform": (frozenset({"min", "max"}),),
    "triangular": (frozenset({"min", "mode", "max"}),),
    "pert": (frozenset({"min", "mode", "max"}),),
    "normal": (frozenset({"mean", "sd"}),),
    "lognormal": (frozenset({"median", "sigma"}),),
    "beta": (frozenset({"mean", "sd"}), frozenset({"a", "b"})),
    "gamma": (frozenset({"mean", "sd"}),),
    "choice": (frozenset({"values"}), frozenset({"values", "p"})),
}


def parameter_distribution(kind: str, args: Mapping[str, Any]) -> ParameterDistribution:
    """Build a parameter distribution from its user form (spec §1.1).

    Raises
    ------
    InvalidArgument
        Unknown kind; unknown, missing or ambiguous arguments; a value out of range.
    """
    _check_form(kind, args, PARAMETER_FORMS, "a parameter distribution")
    if kind == "uniform":
        return UniformParameter(*_range(args))
    if kind in ("triangular", "pert"):
        low, high = _range(args)
        mode = _number(args, "mode", lambda x: low <= x <= high,
                       f"a number from min to max ({low:g} to {high:g})")
        return (TriangularParameter if kind == "triangular" else PertParameter)(low, mode, high)
    if kind == "normal":
        return NormalParameter(_number(args, "mean"), _positive(args, "sd"))
    if kind == "lognormal":
        return LogNormalParameter(_positive(args, "median"), _positive(args, "sigma"))
    if kind == "beta":
        return _beta(args)
    if kind == "gamma":
        mean, sd = _positive(args, "mean"), _positive(args, "sd")
        return GammaParameter(shape=(mean / sd) ** 2, scale=sd**2 / mean)
    return _choice(args)


def _beta(args: Mapping[str, Any]) -> BetaParameter:
    if "a" in args:
        return BetaParameter(_positive(args, "a"), _positive(args, "b"))
    mean = _number(args, "mean", lambda x: 0 < x < 1, "a number between 0 and 1, exclusive")
    variance = mean * (1 - mean)  # the largest variance a beta with this mean can approach
    sd = _number(args, "sd", lambda x: 0 < x and x * x < variance,
                 f"a positive number below sqrt(mean * (1 - mean)) = {math.sqrt(variance):.4g}")
    c = variance / sd**2 - 1
    return BetaParameter(mean * c, (1 - mean) * c)


def _choice(args: Mapping[str, Any]) -> ChoiceParameter:
    values = args["values"]
    if not _is_list(values) or not values:
        raise InvalidArgument("values", "a non-empty list of numbers", _shown(values))
    for value in values:
        if not _is_number(value):
            raise InvalidArgument("values", "a list of numbers", _shown(value))
    n = len(values)
    p = args.get("p", [1 / n] * n)
    if not _is_list(p) or len(p) != n:
        raise InvalidArgument("p", f"a list of {n} probabilities, one per value", _shown(p))
    for q in p:
        if not _is_number(q) or not 0 <= q <= 1:
            raise InvalidArgument("p", "a list of probabilities between 0 and 1", _shown(q))
    total = math.fsum(p)
    if abs(total - 1) > 1e-9:
        raise InvalidArgument("p", f"probabilities that sum to 1 (these sum to {total:.10g})", _shown(p))
    pairs = sorted((float(v), q / total) for v, q in zip(values, p) if q > 0)  # p = 0: never drawn
    return ChoiceParameter(tuple(v for v, _ in pairs), tuple(q for _, q in pairs))


# --- Argument checks shared by both families ------------------------------------------------------


def _check_form(kind: str, args: Mapping[str, Any], forms: Mapping[str, tuple[frozenset[str], ...]],
                what: str) -> None:
    """`kind` is known and the names in `args` are exactly one of its accepted sets."""
    if kind not in forms:
        raise InvalidArgument(None, f"{what}: one of {', '.join(forms)}", _shown(kind))
    if not isinstance(args, Mapping):
        raise InvalidArgument(None, "a mapping of argument names to values", _shown(args))
    accepted = forms[kind]
    known = frozenset().union(*accepted)
    for name in args:
        if name not in known:
            raise InvalidArgument(str(name), f"one of {', '.join(sorted(known))}", _shown(name))
    if frozenset(args) not in accepted:
        sets = " or ".join("{" + ", ".join(sorted(form)) + "}" for form in accepted)
        raise InvalidArgument(None, f"arguments {sets}", _shown(dict(args)))


def _is_number(x: object) -> bool:
    """A finite real number; bool is not a number here, although Python says it is."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def _is_list(x: object) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


def _number(args: Mapping[str, Any], name: str, ok: Callable[[float], bool] = lambda x: True,
            expected: str = "a finite number") -> float:
    value = args[name]
    if not _is_number(value) or not ok(value):
        raise InvalidArgument(name, expected, _shown(value))
    return float(value)


def _positive(args: Mapping[str, Any], name: str) -> float:
    return _number(args, name, lambda x: x > 0, "a positive number")


def _range(args: Mapping[str, Any]) -> tuple[float, float]:
    low = _number(args, "min")
    return low, _number(args, "max", lambda x: x > low, f"a number greater than min ({low:g})")
