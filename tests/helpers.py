"""Shared test helpers: scenarios from text, contracts by hand, and tolerances from the Monte Carlo
standard error."""
from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np

from simulator.language.loading import load_scenario
from simulator.language.outcomes import METRICS, Outcome
from simulator.language.scenario import Condition, Contract, Investor

Z = 4.0  # a false alarm about once in 16,000 seeds for one comparison


def scenario_from(tmp_path: Path, text: str, name: str = "scenario.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_scenario(path)


def assert_mean_close(x, expected: float, sd: float | None = None, z: float = Z, what: str = "mean"):
    """|mean − expected| ≤ z·sd/√n, with the analytic sd when known, else the sample's."""
    x = np.asarray(x, dtype=float)
    sd = float(np.std(x, ddof=1)) if sd is None else sd
    tolerance = z * sd / np.sqrt(len(x))
    assert abs(x.mean() - expected) <= tolerance, (
        f"{what} {x.mean():.5g}, expected {expected:.5g} ± {tolerance:.3g}")


def assert_proportion_close(successes: float, n: int, p: float, z: float = Z, what: str = "share"):
    tolerance = z * np.sqrt(p * (1 - p) / n)
    assert abs(successes / n - p) <= tolerance, (
        f"{what} {successes / n:.5g}, expected {p:.5g} ± {tolerance:.3g} (n = {n})")


def outcome(name, metric, condition, price=1000.0, inside=True, **fields) -> Outcome:
    """An outcome of the registry's `metric`, built as the loader builds one."""
    return METRICS[metric](name=name, price=price, condition=condition, inside=inside, **fields)


def contract(outcomes, window=(0, 36), settlement="yearly", principal=100000.0, payers=None,
             **terms) -> Contract:
    """Contract `sib` of arm `hf`, the whole principal disbursed at 0."""
    return Contract("sib", "hf", terms.pop("youths", Condition()), payers or {"municipality.social": 1.0},
                    Investor(principal, ((0.0, principal),)), float(window[0]), float(window[1]),
                    settlement, tuple(outcomes), **terms)


def in_job(*periods, arrival=0.0, departure=math.inf):
    """A youth in a job over the given [start, end) periods, otherwise not (for test_flows.build)."""
    path = [("none", arrival)]
    for a, b in periods:
        path += [("job", a), ("none", b)]
    if path[1][1] == arrival:
        path = [("job", arrival)] + path[2:]
    return {"arrival": arrival, "departure": departure, "activity": path}
