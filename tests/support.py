"""Plain helpers the tests share: paths, tolerances from the Monte Carlo standard error, spells
and contracts built by hand, fingerprints and pictures.

Fixtures are in conftest.py. A test module imports helpers from here, never from another test
module (tests/test_layout.py checks it).
"""
from __future__ import annotations

import hashlib
import io
import math
from pathlib import Path

import matplotlib.image
import numpy as np

from simulator.engine.model import simulate_replication
from simulator.engine.trajectories import Trajectories
from simulator.language.loading import load_scenario
from simulator.language.outcomes import METRICS, Outcome
from simulator.language.scenario import Condition, Contract, Investor

ROOT = Path(__file__).resolve().parents[1]  # the repository
SCENARIOS = ROOT / "scenarios"  # the scenarios we ship
BASE_SCENARIO = ROOT / "tests" / "data" / "base.yaml"  # valid, with every kind of thing in it

# --- Tolerances from the Monte Carlo standard error -----------------------------------------------

Z = 4.0  # a false alarm about once in 16,000 seeds for one comparison


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


# --- Spells and contracts by hand -----------------------------------------------------------------

INF = math.inf


def build(horizon: float, tracks: dict, youths: list[dict], attributes: dict | None = None,
          arm: str = "arm") -> Trajectories:
    """Trajectories from a readable description.

    `tracks`: {track: [states]}; `attributes`: {attribute: [values]}; each youth is a dict with
    `arrival`, optional `departure` (default: never), optional `attributes` {name: value}, and per
    track a path [(state, time), ...]: the first step is the state at arrival (not an entry), each
    later one a move at that time (an entry). A third element overrides the entry flag.
    """
    attributes = attributes or {}
    spells = []
    for y, youth in enumerate(youths):
        stop = min(youth.get("departure", INF), horizon)
        for k, name in enumerate(tracks):
            path = youth[name]
            for i, step in enumerate(path):
                state, start = step[0], float(step[1])
                entered = step[2] if len(step) > 2 else i > 0
                end = min(float(path[i + 1][1]), stop) if i + 1 < len(path) else stop
                if start > stop:
                    break
                spells.append((y, k, tracks[name].index(state), start, end, entered))
    codes = [[list(values).index(youth.get("attributes", {})[a]) for a, values in attributes.items()]
             for youth in youths]
    return Trajectories.from_spells(
        arm=arm, horizon=float(horizon), tracks=tuple(tracks),
        states=tuple(tuple(s) for s in tracks.values()), attributes=tuple(attributes),
        attribute_values=tuple(tuple(v) for v in attributes.values()),
        arrival=np.array([float(y["arrival"]) for y in youths]),
        departure=np.array([float(y.get("departure", INF)) for y in youths]),
        youth_attributes=np.array(codes, dtype=np.int16).reshape(len(youths), len(attributes)),
        spells=spells, waits=[], resources=())


def when(**states) -> Condition:
    return Condition({k: frozenset([v] if isinstance(v, str) else v) for k, v in states.items()})


def in_job(*periods, arrival=0.0, departure=math.inf):
    """A youth in a job over the given [start, end) periods, otherwise not (for `build`)."""
    path = [("none", arrival)]
    for a, b in periods:
        path += [("job", a), ("none", b)]
    if path[1][1] == arrival:
        path = [("job", arrival)] + path[2:]
    return {"arrival": arrival, "departure": departure, "activity": path}


def outcome(name, metric, condition, price=1000.0, inside=True, **fields) -> Outcome:
    """An outcome of the registry's `metric`, built as the loader builds one."""
    return METRICS[metric](name=name, price=price, condition=condition, inside=inside, **fields)


def contract(outcomes, window=(0, 36), settlement="yearly", principal=100000.0, payers=None,
             **terms) -> Contract:
    """Contract `sib` of arm `hf`, the whole principal disbursed at 0."""
    return Contract("sib", "hf", terms.pop("youths", Condition()), payers or {"municipality.social": 1.0},
                    Investor(principal, ((0.0, principal),)), float(window[0]), float(window[1]),
                    settlement, tuple(outcomes), **terms)


def closed_form(amount, a, b, rate):
    """amount × ∫_a^b (1 + r)^(−t/12) dt, with δ = ln(1 + r)/12."""
    delta = math.log(1 + rate) / 12
    return amount * ((1 + rate) ** (-a / 12) - (1 + rate) ** (-b / 12)) / delta


# --- Fingerprints and pictures --------------------------------------------------------------------


def spell_fingerprint(paths_and_runs: list[tuple[str, int]]) -> str:
    """SHA-256 of every recorded array of the first replications of each scenario."""
    digest = hashlib.sha256()
    for path, runs in paths_and_runs:
        scenario = load_scenario(path)
        for replication in range(runs):
            _digest_arrays(digest, simulate_replication(scenario, 7, replication, runs))
    return digest.hexdigest()


def _digest_arrays(digest, replication) -> None:
    """Add every recorded array of every arm of a replication, by name, to `digest`."""
    for trajectories in replication.trajectories.values():
        for name in sorted(vars(trajectories)):
            value = getattr(trajectories, name)
            if isinstance(value, np.ndarray):
                digest.update(name.encode())
                digest.update(np.ascontiguousarray(value).tobytes())


def forecast_fingerprint(path: str, until: float, runs: int) -> str:
    """SHA-256 of every recorded array of a forecast's first replications: replication 0 of
    the scenario's first arm, observed to `until`, continued (`simulate_continued`)."""
    from simulator.engine.model import simulate_continued
    from simulator.forecast import observed_from

    scenario = load_scenario(path)
    arm = next(iter(scenario.arms))
    observed = observed_from(simulate_replication(scenario, 5, 0, 1).trajectories[arm], until)
    digest = hashlib.sha256()
    for replication in simulate_continued(scenario, observed, 7, range(runs), runs):
        _digest_arrays(digest, replication)
    return digest.hexdigest()


PNG = b"\x89PNG\r\n\x1a\n"


def assert_png_with_content(data: bytes, what: str) -> None:
    """A PNG signature, and pixels that are not all one colour."""
    assert data[:8] == PNG, f"{what} is not a PNG"
    pixels = matplotlib.image.imread(io.BytesIO(data), format="png")[..., :3]
    assert pixels.std() > 0.01, f"{what} is a single colour"


# A small scenario with money and a contract, run whole by the runner and folder tests.
SMALL_RUN = """
    name: small
    horizon: 24
    start: 2022-01
    parameters:
      effect: {dist: {pert: {min: 1.2, mode: 2, max: 3}}, label: effect, source: test}
      price: {dist: {uniform: {min: 20000, max: 40000}}, label: an outcome price drawn per replication, source: test}
    attributes: {profile: {high: 0.3, low: 0.7}}
    intake: {poisson: {rate: 2, from: 0, until: 12}}
    exit: {time: {exponential: {mean: 120}}}
    tracks:
      housing:
        states: [shelter, housed]
        initial: {shelter: 1.0}
        transitions:
          shelter->housed:
            time: {exponential: {mean: 10}}
            modifiers: [{when: {support: active}, hazard_ratio: $effect}]
          housed->shelter: {time: {weibull: {shape: 0.9, median: 30}}}
      support:
        states: [none, active]
        initial: {none: 1.0}
        holds: {active: team}
        transitions:
          none->active:
            time: {fixed: 0}
            modifiers: [{when: {profile: low}, hazard_ratio: 0}]
    resources: {team: {capacity: 4}}
    arms:
      usual: {}
      support:
        patch:
          tracks: {support: {transitions: {none->active: {time: {fixed: 0}, modifiers: []}}}}
    economics:
      discount_rate: 0.035
      departments: [municipality.social, fund.development]
    flows:
      shelter: {per_month_in: {housing: shelter}, amount: 30000, pays: municipality.social}
    contracts:
      deal:
        arm: support
        payers: {municipality.social: 0.6, fund.development: 0.4}
        investor: {principal: 300000}
        window: {from: 0, until: 24}
        outcomes:
          housed_6m: {achieved: {in: {housing: housed}, for_months: 6}, price: $price}
        cap: 500000
        outcome_fund: {reserve: 100000}
    """

# Deterministic: 10 youths arrive at month 0 and stay in a shelter; in the programme every one
# moves into a home at month 12 (a fixed clock). No discounting. Over the 24 months the social
# department saves 10 × 12 shelter months and pays 10 × 12 housed months at `price`, so
#     payer_net = 120 × (shelter_cost − price),
# which is linear in both, and `team_cost` (paid by a fund) does not enter it at all.
LINEAR_CONTRACT = """
    name: Linear contract
    horizon: 24
    start: 2022-01
    parameters:
      shelter_cost: {dist: {uniform: {min: 20000, max: 30000}}, label: Shelter cost per month}
      price: {dist: {uniform: {min: 12000, max: 36000}}, label: Price per month housed}
      team_cost: {dist: {uniform: {min: 1000, max: 3000}}, label: Team cost per month}
    intake: {cohort: {count: 10, at: 0}}
    tracks:
      housing:
        states: [shelter, housed]
        initial: {shelter: 1.0}
        transitions:
          shelter->housed: {time: {fixed: 12}, modifiers: [{when: {}, hazard_ratio: 0}]}
    arms:
      usual: {}
      programme:
        patch:
          tracks: {housing: {transitions: {shelter->housed: {time: {fixed: 12}, modifiers: []}}}}
          flows:
            team: {fixed: {per_month: $team_cost, from: 0, until: 24}, pays: fund.development}
    economics:
      currency: DKK
      discount_rate: 0
      departments: [municipality.social, fund.development]
    flows:
      shelter_stay: {per_month_in: {housing: shelter}, amount: $shelter_cost, pays: municipality.social}
    contracts:
      outcomes:
        arm: programme
        payer: municipality.social
        investor: {principal: 1000000, disbursed: [{at: 0, amount: 1000000}]}
        window: {from: 0, until: 24}
        settlement: yearly
        outcomes:
          housed_months: {months_in: {housing: housed}, price: $price}
    """


RESULT_FILES = ("summary.json", "occupancy.csv", "replications.csv", "money.csv", "contracts.csv")
