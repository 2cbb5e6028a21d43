"""Parameter draws for a replication.

Each parameter's uniform comes from its own named stream, so every replication can be
computed alone (parallel workers, `--resume`) and adding a parameter changes no other
parameter's draws. A value is then `distribution.ppf(u)`.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from simulator.engine.seeding import rng_for
from simulator.language.distributions import UNIFORM_EDGE


def parameter_uniform(seed: int, replication: int, runs: int, key: tuple[str, ...], lhs: bool) -> float:
    """The uniform that places parameter `key` (its name, plus the arm name when an arm redefines it) in replication `replication`.

    Plain: u from the stream (seed, replication, "param", *key). Latin hypercube (`lhs`):
    [0, 1) is cut into `runs` equal strata, a permutation drawn once per parameter from
    (seed, "lhs", *key) gives each replication its own stratum, and the same u places it
    inside that stratum; over replications 0 .. runs-1 every stratum is used exactly once.
    """
    if isinstance(key, str):
        raise TypeError(f"key must be a tuple of names, got the string {key!r}")
    if not 0 <= replication < runs:
        raise ValueError(f"replication must lie in [0, {runs}), got {replication}")
    u = rng_for(seed, replication, "param", *key).random()
    if lhs:
        u = (_strata(seed, runs, key)[replication] + u) / runs
    # random() can return exactly 0 and (s + u) / runs can round to 1, where an unbounded
    # distribution's ppf is infinite: keep u where the loader checked the values (2^-53, 1 - 2^-53).
    return float(min(max(u, UNIFORM_EDGE), 1.0 - UNIFORM_EDGE))


@functools.lru_cache(maxsize=256)
def _strata(seed: int, runs: int, key: tuple[str, ...]) -> np.ndarray:
    """Stratum of each replication for one parameter; cached, as each replication needs one entry."""
    strata = rng_for(seed, "lhs", *key).permutation(runs)
    strata.flags.writeable = False  # shared through the cache
    return strata


@dataclasses.dataclass(frozen=True, eq=False)
class JointDraws:
    """Weighted joint draws of some parameters, such as a posterior: each replication takes one
    whole row, so the correlations between the parameters are kept.

    `values[i, j]` is parameter `names[j]` in draw i; `weights` are >= 0 with a positive sum (they
    need not be normalised). `sha256` names the file the draws came from, for the manifest.
    """

    names: tuple[str, ...]
    values: np.ndarray
    weights: np.ndarray
    sha256: str = ""
    cumulative: np.ndarray = dataclasses.field(init=False, repr=False)  # the weights' running share, to 1

    def __post_init__(self) -> None:
        values = np.array(self.values, dtype=float, ndmin=2)
        weights = np.array(self.weights, dtype=float)
        if values.shape != (len(weights), len(self.names)):
            raise ValueError(f"values must be {len(weights)} draws x {len(self.names)} parameters, got {values.shape}")
        if len(weights) == 0 or not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
            raise ValueError("weights must be finite, >= 0 and not all 0")
        values.flags.writeable = False
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "weights", weights)
        cumulative = np.cumsum(weights)
        object.__setattr__(self, "cumulative", cumulative / cumulative[-1])

    def row(self, seed: int, replication: int) -> int:
        """The draw replication `replication` takes: chosen by weight with a uniform from the
        stream (seed, replication, "posterior"), so it depends on nothing but (seed, replication)."""
        u = rng_for(seed, replication, "posterior").random()
        return int(min(np.searchsorted(self.cumulative, u, side="right"), len(self.cumulative) - 1))

    def pick(self, seed: int, replication: int) -> dict[str, float]:
        """The parameter values of replication `replication`."""
        row = self.values[self.row(seed, replication)]
        return {name: float(value) for name, value in zip(self.names, row)}


def draw_parameters(scenario, seed: int, replication: int, runs: int,
                    joint: JointDraws | None = None) -> dict[str, dict[str, float]]:
    """Each arm's parameter values in one replication.

    A parameter is drawn once and shared by every arm (common random numbers); one that an arm's
    patch redefines is drawn for that arm alone, from a stream keyed by the arm's name too.
    `joint` (a posterior) gives the parameters it names one weighted joint draw in every arm
    instead; the other parameters are drawn as without it, from the same streams.
    """
    lhs = scenario.sampling == "lhs"
    values: dict[str, dict[str, float]] = {}
    shared: dict[str, float] = {}  # the draws of parameters that no arm redefines, made once
    for arm in scenario.arms.values():
        drawn = {}
        for name, parameter in arm.model.parameters.items():
            if parameter.distribution is None:
                drawn[name] = float(parameter.value)
            elif name in arm.own_parameters:
                u = parameter_uniform(seed, replication, runs, (name, arm.name), lhs)
                drawn[name] = float(parameter.distribution.ppf(u))
            else:
                if name not in shared:
                    u = parameter_uniform(seed, replication, runs, (name,), lhs)
                    shared[name] = float(parameter.distribution.ppf(u))
                drawn[name] = shared[name]
        values[arm.name] = drawn
    if joint is not None:
        picked = joint.pick(seed, replication)
        for drawn in values.values():
            drawn.update((name, value) for name, value in picked.items() if name in drawn)
    return values
