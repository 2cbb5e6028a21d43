"""Exact expected share of days housed for housing-first-vs-shelter.yaml.

The scenario's housing track uses only exponential clocks whose hazard ratios depend on a
track without transitions (`programme`), a cohort arrives at t = 0 and nobody leaves. For each
arm the housing track is then a continuous-time Markov chain with generator Q, and the expected
share of time in `housed` over [0, T] is

    share = (1/T) ∫_0^T p0 · expm(Q t) · 1_housed dt.

This script reads the rates from the YAML file (parameters, `$name` references and each arm's
`patch` merged as the scenario language says), builds Q by hand, and computes the integral in
two ways: numerically (scipy.integrate.quad_vec over scipy.linalg.expm) and in closed form from
the augmented matrix exponential expm([[Q, I], [0, 0]] T), whose top-right block is
∫_0^T expm(Q s) ds (Van Loan 1978). The two must agree.

Usage (from anywhere):

    python calibrate.py                   # print the shares of the file as it stands
    python calibrate.py --check           # ... and exit 1 unless they round to the targets
    python calibrate.py --solve           # find the two calibrated numbers

`--solve` fits `months_to_home_usual` so that the baseline arm gives 0.31 and then
`hf_access_hr` so that the Housing First arm gives 0.65, holding every other number in the
file fixed, and prints values to copy into the YAML (rounded to 4 significant figures, then
checked again).

This is a check of the scenario's numbers, not part of the simulator: it understands only
what this scenario uses (exponential clocks given by `mean` or `rate`, constant modifiers,
fixed parameters) and says so when it meets anything else.
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.integrate import quad_vec
from scipy.linalg import expm
from scipy.optimize import brentq

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "housing-first-vs-shelter.yaml"

# At Home/Chez Soi youth subgroup, days stably housed over 24 months (Kozloff et al. 2016).
TARGETS = {"shelter_as_usual": 0.31, "housing_first": 0.65}
TRACK = "housing"
HOUSED = ("housed",)
CALIBRATED = {"shelter_as_usual": "months_to_home_usual", "housing_first": "hf_access_hr"}


class NotExact(ValueError):
    """The scenario uses something that would make the Markov computation inexact."""


def deep_merge(base: Any, patch: Any) -> Any:
    """Mappings merge key by key, a list or a scalar is replaced whole (spec §1.1)."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = deep_merge(base[key], value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(patch)


def parameter_values(raw: dict[str, Any]) -> dict[str, float]:
    """Fixed parameters: a plain number or the long form {value: X, label, source, unit}."""
    values = {}
    for name, spec in (raw or {}).items():
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            values[name] = float(spec)
        elif isinstance(spec, dict) and "value" in spec and "dist" not in spec:
            values[name] = float(spec["value"])
        else:
            raise NotExact(f"parameters.{name}: expected a fixed number, found {spec!r}")
    return values


def number(value: Any, params: dict[str, float], where: str) -> float:
    """A number, or `$name` looked up among the parameters."""
    if isinstance(value, str) and value.startswith("$"):
        name = value[1:]
        if name not in params:
            raise NotExact(f"{where}: ${name} is not a declared parameter")
        return params[name]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise NotExact(f"{where}: expected a number or $name, found {value!r}")


def arm_scenario(scenario: dict[str, Any], arm: str) -> dict[str, Any]:
    """The scenario with the arm's patch merged in."""
    patch = (scenario["arms"][arm] or {}).get("patch") or {}
    return deep_merge(scenario, patch)


def constant_states(tracks: dict[str, Any]) -> dict[str, str]:
    """Tracks without transitions whose `initial` is a single state: their state never changes."""
    constant = {}
    for name, track in tracks.items():
        if name == TRACK or track.get("transitions"):
            continue
        initial = {s: p for s, p in track["initial"].items() if p}
        if len(initial) == 1 and math.isclose(next(iter(initial.values())), 1.0):
            constant[name] = next(iter(initial))
    return constant


def condition_holds(when: dict[str, Any], constant: dict[str, str], where: str) -> bool:
    for track, states in when.items():
        if track not in constant:
            raise NotExact(f"{where}: a modifier on `{track}` is not constant in time")
        wanted = states if isinstance(states, list) else [states]
        if constant[track] not in wanted:
            return False
    return True


def generator(scenario: dict[str, Any], params: dict[str, float]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(states, p0, Q) of the housing track of an already patched scenario."""
    if scenario.get("exit"):
        raise NotExact("exit: youths leaving would make the share depend on the exit clock")
    track = scenario["tracks"][TRACK]
    states = list(track["states"])
    index = {s: i for i, s in enumerate(states)}
    if "by" in track["initial"]:
        raise NotExact(f"tracks.{TRACK}.initial: expected one distribution, found one per attribute")
    p0 = np.array([float(track["initial"].get(s, 0.0)) for s in states])
    if not math.isclose(p0.sum(), 1.0, abs_tol=1e-9):
        raise NotExact(f"tracks.{TRACK}.initial: sums to {p0.sum()}, expected 1")
    if track.get("on_enter") or any(t.get("on_enter") for t in scenario["tracks"].values()):
        raise NotExact("on_enter: jumps would couple tracks")
    constant = constant_states(scenario["tracks"])
    q = np.zeros((len(states), len(states)))
    for key, transition in (track.get("transitions") or {}).items():
        where = f"tracks.{TRACK}.transitions.{key}"
        source, target = (part.strip() for part in key.split("->"))
        time = transition["time"]
        if list(time) != ["exponential"]:
            raise NotExact(f"{where}.time: expected exponential, found {list(time)}")
        args = time["exponential"]
        if "rate" in args:
            rate = number(args["rate"], params, f"{where}.time.exponential.rate")
        else:
            rate = 1.0 / number(args["mean"], params, f"{where}.time.exponential.mean")
        for i, modifier in enumerate(transition.get("modifiers") or []):
            mwhere = f"{where}.modifiers[{i}]"
            if condition_holds(modifier["when"], constant, mwhere):
                rate *= number(modifier["hazard_ratio"], params, f"{mwhere}.hazard_ratio")
        q[index[source], index[target]] += rate
    np.fill_diagonal(q, -q.sum(axis=1))
    return states, p0, q


def share_housed(states: list[str], p0: np.ndarray, q: np.ndarray, horizon: float) -> tuple[float, float, float]:
    """Expected share of [0, horizon] spent in HOUSED.

    Returns (numerical integral, closed form, trapezoid rule on whole months). The third is
    what the simulator's occupancy.csv, which reports occupancy at whole months only, should
    converge to; it differs from the exact share by the trapezoid rule's error.
    """
    housed = np.array([s in HOUSED for s in states], dtype=float)
    integral, _ = quad_vec(lambda t: p0 @ expm(q * t), 0.0, horizon, epsabs=1e-12, epsrel=1e-12)
    numeric = float(integral @ housed) / horizon
    n = len(states)
    augmented = np.zeros((2 * n, 2 * n))
    augmented[:n, :n] = q
    augmented[:n, n:] = np.eye(n)
    exact = float(p0 @ expm(augmented * horizon)[:n, n:] @ housed) / horizon
    months = np.arange(0.0, math.floor(horizon) + 1)
    occupancy = np.array([p0 @ expm(q * t) @ housed for t in months])
    trapezoid = float(np.sum((occupancy[1:] + occupancy[:-1]) / 2 * np.diff(months))) / horizon
    return numeric, exact, trapezoid


def shares(scenario: dict[str, Any], overrides: dict[str, float] | None = None) -> dict[str, tuple[float, float, float]]:
    """Share housed per arm, with some parameter values replaced (for solving)."""
    horizon = float(scenario["horizon"])
    result = {}
    for arm in scenario["arms"]:
        patched = arm_scenario(scenario, arm)
        params = parameter_values(patched.get("parameters"))
        params.update(overrides or {})
        result[arm] = share_housed(*generator(patched, params), horizon)
    return result


def solve(scenario: dict[str, Any]) -> dict[str, float]:
    """Fit each arm's calibrated number to its target, baseline first (the HR depends on it)."""
    fitted: dict[str, float] = {}
    brackets = {"months_to_home_usual": (1.0, 500.0), "hf_access_hr": (1.0, 200.0)}
    for arm, name in CALIBRATED.items():
        def gap(x: float, arm: str = arm, name: str = name) -> float:
            return shares(scenario, {**fitted, name: x})[arm][1] - TARGETS[arm]
        fitted[name] = brentq(gap, *brackets[name], xtol=1e-12)
    return fitted


def round_sig(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def report(result: dict[str, tuple[float, float, float]]) -> bool:
    print(f"{'arm':<18} {'target':>6}  {'share (quad)':>12}  {'share (exact)':>13}  "
          f"{'whole months (trapezoid)':>24}")
    ok = True
    for arm, (numeric, exact, trapezoid) in result.items():
        target = TARGETS.get(arm, float("nan"))
        print(f"{arm:<18} {target:>6.3f}  {numeric:>12.6f}  {exact:>13.6f}  {trapezoid:>24.6f}")
        ok &= round(numeric, 3) == round(target, 3) and abs(numeric - exact) < 1e-9
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", type=Path, default=SCENARIO)
    parser.add_argument("--solve", action="store_true", help="fit the calibrated numbers")
    parser.add_argument("--check", action="store_true", help="exit 1 unless the targets are met")
    args = parser.parse_args(argv)
    scenario = yaml.safe_load(args.scenario.read_text(encoding="utf-8"))
    try:
        if args.solve:
            fitted = solve(scenario)
            rounded = {name: round_sig(value) for name, value in fitted.items()}
            for name, value in fitted.items():
                print(f"{name}: {value:.10g}  ->  write {rounded[name]}")
            print("\nwith the rounded values:")
            ok = report(shares(scenario, rounded))
        else:
            ok = report(shares(scenario))
    except NotExact as problem:
        print(f"{args.scenario.name}: {problem}", file=sys.stderr)
        return 2
    if args.check and not ok:
        print("the shares do not round to the targets", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
