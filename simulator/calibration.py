"""`simulator calibrate`: update uncertain parameters from the scenario's targets (spec §4.5).

The method is Incremental Mixture Importance Sampling (IMIS; Raftery & Bao 2010, the method of
darthpack), written here on numpy and scipy; docs/calibration.md says why. It works in the
space of the calibrated parameters' prior quantiles mapped to standard normals, z = Φ⁻¹(F(θ)),
where every prior is N(0, I) and the mixture's normal components need no truncation:

1. draw `prior_draws` parameter sets from the prior and measure the targets on each;
2. each round, centre a normal on the set of largest importance weight, with the weighted
   covariance of its `batch` nearest neighbours, and add `batch` sets drawn from it;
3. weight every set by likelihood × prior / mixture, and stop when a resample of `resample`
   sets would hold at least 1 − 1/e distinct ones (or after `rounds` rounds).

A parameter set is measured on `replications` simulated replications pooled (the targets are
shares, so pooled numerators over pooled denominators); the likelihood is binomial for a
`count` of `of` youths and normal for a `value` with its `se`. The model's share stands in
for its expectation (a plug-in likelihood): its simulation noise widens the posterior a little,
and calibration.json reports that noise beside each observation's own.

Parameter set i is simulated on replications i·K … i·K + K − 1 of the seed (K =
`replications`), and each round's proposals come from the stream (seed, "calibrate", round):
the posterior depends on the seed alone, never on the workers. Ctrl-C after the prior draws
stops after the rounds already measured, and those sets are weighted and written like a finished
calibration's (an importance sample is valid at any size), marked incomplete; before, there is
nothing to weight and nothing is written.
"""
from __future__ import annotations

import dataclasses
import math
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from simulator import __version__
from simulator.engine.model import simulate
from simulator.engine.seeding import rng_for
from simulator.engine.trajectories import Trajectories
from simulator.language.distributions import UNIFORM_EDGE
from simulator.language.errors import Issue, ScenarioError
from simulator.language.scenario import Calibration, Scenario, Target
from simulator.outputs.folder import CALIBRATION_JSON, POSTERIOR_CSV, write_csv, write_json
from simulator.parallel import Workers, collector_paused
from simulator.progress import progress

EDGE = 1e-12  # a simulated share of exactly 0 or 1 is read as this far inside, so no weight is log(0)
DISTINCT = 1 - math.exp(-1)  # IMIS stops when a resample would hold this share of distinct sets
PREDICTIVE_DRAWS = 4000  # resampled sets for the posterior predictive intervals


# --- What a target measures on one arm's trajectories ----------------------------------------------


def measure(target: Target, trajectories: Trajectories) -> tuple[float, float]:
    """(numerator, denominator) of the target's share in one replication.

    - share_in: youths in the states at `months` after arrival, of the youths present then
      (arrival + months within the horizon);
    - share_of_time_in: months in the states within the first `months` after arrival, of the
      months present in that window (cut at departure and at the horizon);
    - entered_within: youths who entered the states (by a transition or jump) within `months`
      of arrival, of the youths whose whole window lies within the horizon (a youth who left
      before entering counts as not entered, as a trial counts an intention to treat);
    - stayed_in: youths in the states `months` after they first entered them, of the youths who
      entered them and are present then (a retention: "kept their home a year after moving in").
    """
    t = trajectories
    youths = np.flatnonzero(t.youths_matching(target.condition.attributes))
    stays = t.stays(target.condition)
    if target.measure == "stayed_in":  # measured from each youth's first entry instead of arrival
        entries = np.flatnonzero(stays.entered & np.isin(stays.youth, youths))
        first = entries[np.unique(stays.youth[entries], return_index=True)[1]]  # stays: by youth, start
        youths, start = stays.youth[first], stays.start[first]
    else:
        start = t.arrival[youths].astype(float)
    at = start + target.months
    leaving = np.minimum(t.departure[youths], t.horizon)
    if target.measure in ("share_in", "stayed_in"):
        present = (at <= t.horizon) & ((t.departure[youths] > at) | (at >= t.horizon) & (leaving >= t.horizon))
        inside = stays.covers(youths[present], at[present], t.horizon)
        return float(inside.sum()), float(present.sum())
    if target.measure == "share_of_time_in":
        end = np.minimum(at, leaving)
        return float(stays.time_before(youths, end).sum()), float(np.maximum(end - start, 0.0).sum())
    window = at <= t.horizon
    entries = stays.entered & (stays.start <= t.arrival[stays.youth] + target.months)
    entered = np.zeros(t.youths, dtype=bool)
    entered[stays.youth[entries]] = True
    return float(entered[youths[window]].sum()), float(window.sum())


def measure_parameter_set(scenario: Scenario, targets: Sequence[Target], seed: int, index: int,
                          values: Mapping[str, float], replications: int) -> np.ndarray:
    """(targets, 2): each target's numerator and denominator over the parameter set's replications."""
    first = index * replications
    counts = np.zeros((len(targets), 2))
    for replication in simulate(scenario, seed, range(first, first + replications), first + replications,
                                dict(values)):
        for i, target in enumerate(targets):
            counts[i] += measure(target, replication.trajectories[target.arm])
    return counts


def _measure_chunk(shared: tuple[Scenario, tuple[Target, ...]], items: Sequence[tuple[int, Mapping[str, float]]],
                   seed: int, replications: int) -> list[np.ndarray]:
    """The counts of some parameter sets: the unit of work `parallel.Workers` hands out."""
    scenario, targets = shared
    with collector_paused():
        return [measure_parameter_set(scenario, targets, seed, index, values, replications)
                for index, values in items]


# --- Likelihood ------------------------------------------------------------------------------------


def log_likelihood(target: Target, share: np.ndarray) -> np.ndarray:
    """log P(observation | the model's share), up to a constant: binomial for `count` of `of`,
    normal for `value` with standard error `se`; −∞ where the share is NaN (nobody measured)."""
    share = np.asarray(share, dtype=float)
    if target.of is not None:
        p = np.clip(share, EDGE, 1 - EDGE)
        result = target.count * np.log(p) + (target.of - target.count) * np.log1p(-p)
    else:
        result = -0.5 * ((share - target.value) / target.se) ** 2
    return np.where(np.isnan(share), -np.inf, result)


def observed_interval(target: Target, level: float = 0.90) -> tuple[float, float]:
    """The observation's own interval: Jeffreys' for a count (Brown, Cai & DasGupta 2001), value ±
    z·se for a value (cut to [0, 1])."""
    from scipy import stats

    tail = (1 - level) / 2
    if target.of is not None:
        a, b = target.count + 0.5, target.of - target.count + 0.5
        return (0.0 if target.count == 0 else float(stats.beta.ppf(tail, a, b)),
                1.0 if target.count == target.of else float(stats.beta.ppf(1 - tail, a, b)))
    half = stats.norm.ppf(1 - tail) * target.se
    return max(0.0, target.value - half), min(1.0, target.value + half)


# --- IMIS --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Sample:
    """The parameter sets measured so far (in z space) and what IMIS knows of them."""

    z: np.ndarray  # (N, d)
    log_likelihood: np.ndarray  # (N,)
    initial: int  # how many came from the prior
    components: list[tuple[np.ndarray, np.ndarray]]  # (mean, covariance) of each round's normal
    log_weights: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))

    def reweight(self) -> np.ndarray:
        """Normalised importance weights: likelihood × prior / mixture (Raftery & Bao 2010, eq. 3)."""
        from scipy import stats
        from scipy.special import logsumexp

        n, batch = len(self.z), (len(self.z) - self.initial) // max(1, len(self.components))
        log_prior = stats.norm.logpdf(self.z).sum(axis=1)
        parts = [np.log(self.initial) + log_prior]
        parts += [np.log(batch) + stats.multivariate_normal.logpdf(self.z, mean, cov, allow_singular=True).reshape(n)
                  for mean, cov in self.components]
        log_mixture = logsumexp(np.vstack(parts), axis=0) - np.log(n)
        log_w = self.log_likelihood + log_prior - log_mixture
        if not np.isfinite(log_w).any():
            raise ScenarioError([Issue("targets", "", "parameter sets under which the targets are possible",
                                       "a likelihood of zero for every parameter set drawn")])
        self.log_weights = log_w - logsumexp(log_w[np.isfinite(log_w)])
        return np.exp(self.log_weights)

    def next_component(self, weights: np.ndarray, batch: int) -> tuple[np.ndarray, np.ndarray]:
        """A normal centred on the set of largest weight, with the covariance of its `batch` nearest
        neighbours weighted by (weight + 1/N)/2 (distances in z space, where the prior is N(0, I))."""
        centre = self.z[int(np.argmax(weights))]
        distance = np.sum((self.z - centre) ** 2, axis=1)
        near = np.argsort(distance, kind="stable")[:batch]
        v = (weights[near] + 1.0 / len(self.z)) / 2
        v /= v.sum()
        offsets = self.z[near] - centre
        covariance = (offsets * v[:, None]).T @ offsets + 1e-10 * np.eye(self.z.shape[1])
        return centre, covariance


def distinct_in_resample(weights: np.ndarray, size: int) -> float:
    """Expected number of distinct sets in a weighted resample of `size` (Raftery & Bao 2010, §2)."""
    return float(np.sum(-np.expm1(size * np.log1p(-np.minimum(weights, 1 - 1e-16)))))


def imis(evaluate: Callable[[np.ndarray, int], np.ndarray], dimensions: int, settings: Calibration,
         seed: int) -> tuple[Sample, list[dict], str]:
    """Run IMIS; `evaluate(z, first_index)` returns the log-likelihood of each row of z (the sets
    numbered first_index, first_index + 1, …). Returns the sample, a record of each stage and why
    it stopped ("converged", "rounds" or "interrupted")."""
    stages: list[dict] = []
    z = rng_for(seed, "calibrate", 0).standard_normal((settings.initial, dimensions))
    sample = Sample(z, evaluate(z, 0), settings.initial, [])  # interrupted here: nothing to weight yet
    weights = sample.reweight()
    stopped = "rounds"
    for stage in range(settings.rounds + 1):
        stages.append({"round": stage, "parameter_sets": len(sample.z),
                       "effective_sample_size": round_to(1.0 / np.sum(weights ** 2)),
                       "distinct_in_resample": round_to(distinct_in_resample(weights, settings.resample)),
                       "largest_weight": float(weights.max())})
        if stages[-1]["distinct_in_resample"] >= DISTINCT * settings.resample:
            stopped = "converged"
            break
        if stage == settings.rounds:
            break
        mean, covariance = sample.next_component(weights, settings.step)
        new = rng_for(seed, "calibrate", stage + 1).multivariate_normal(mean, covariance, settings.step,
                                                                         method="cholesky")
        try:
            log_like = evaluate(new, len(sample.z))
        except KeyboardInterrupt:
            stopped = "interrupted"
            break
        sample.z = np.vstack([sample.z, new])
        sample.log_likelihood = np.concatenate([sample.log_likelihood, log_like])
        sample.components.append((mean, covariance))
        weights = sample.reweight()
    return sample, stages, stopped


def round_to(value: float, digits: int = 2) -> float:
    return round(float(value), digits)


# --- The command -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CalibrateOptions:
    seed: int = 0
    workers: int | None = None
    scheduler: str | None = None
    progress: bool = False


def calibrate(scenario: Scenario, out: Path, options: CalibrateOptions, langs: Sequence[str] = ("en", "da")) -> dict:
    """Calibrate `scenario` to its targets and write posterior.csv, calibration.json and
    calibration.html (calibration.da.html in Danish) into `out`; returns calibration.json's data.

    Raises ScenarioError when the scenario has no calibration target.
    """
    settings = scenario.calibration
    fitted = [t for t in scenario.targets.values() if not t.hold_out]
    if settings is None or not fitted:
        raise ScenarioError([Issue(scenario.file, "targets", "at least one target without `hold_out: true` "
                                   "to calibrate to", "none")])
    names = settings.parameters
    distributions = [scenario.parameters()[name].distribution for name in names]
    targets = list(scenario.targets.values())
    scenario = dataclasses.replace(scenario, sampling="random")  # each set's replications stand alone
    shares: list[np.ndarray] = []  # (targets,) per parameter set, in set order
    measured: list[np.ndarray] = []  # (targets,) each share's denominator

    def values_of(z: np.ndarray) -> np.ndarray:
        u = np.clip(_normal_cdf(z), UNIFORM_EDGE, 1 - UNIFORM_EDGE)
        return np.column_stack([d.ppf(u[:, j]) for j, d in enumerate(distributions)])

    started = time.monotonic()
    most = settings.initial + settings.rounds * settings.step
    with progress(most, "parameter sets", "set", shown=options.progress) as advance, \
            Workers((scenario, tuple(targets)), options.workers, options.scheduler) as workers:
        def evaluate(z: np.ndarray, first: int) -> np.ndarray:
            values = values_of(z)
            items = [(first + i, dict(zip(names, map(float, row)))) for i, row in enumerate(values)]
            counts = _measure(workers, items, options.seed, settings.replications, advance)
            numerators, denominators = np.array(counts).transpose(2, 0, 1)  # each (sets, targets)
            never = np.flatnonzero(np.all(denominators == 0, axis=0)) if first == 0 else []
            if len(never):  # under every prior draw: the target cannot be measured in this model
                raise ScenarioError([Issue(scenario.file, f"targets.{targets[never[0]].name}", "a target that "
                                           "measures some youths", "no youth measured under any of the "
                                           "prior draws (is the window inside the horizon, and does any "
                                           "youth match and enter the states?)")])
            with np.errstate(invalid="ignore", divide="ignore"):
                batch = numerators / denominators  # NaN where a set measured nobody: its weight is 0
            shares.extend(batch)
            measured.extend(denominators)
            return np.sum([log_likelihood(t, batch[:, i]) for i, t in enumerate(targets) if not t.hold_out], axis=0)

        sample, stages, stopped = imis(evaluate, len(names), settings, options.seed)
    seconds = time.monotonic() - started
    weights = np.exp(sample.log_weights)
    values = values_of(sample.z)
    summary = _summary(scenario, settings, targets, names, values, weights, np.array(shares[:len(weights)]),
                       np.array(measured[:len(weights)]), stages, stopped, seconds, options)
    out.mkdir(parents=True, exist_ok=True)
    keep = weights > 0
    write_csv(out / POSTERIOR_CSV, [*names, "weight"],
              [[*map(repr, map(float, row)), repr(float(w))] for row, w in zip(values[keep], weights[keep])])
    write_json(out / CALIBRATION_JSON, summary)
    prior = values[:sample.initial]
    for lang in langs:
        from simulator.outputs.calibration_report import write_calibration_report  # matplotlib: only here

        write_calibration_report(out, scenario, summary, prior, values, weights, lang)
    return summary


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    from scipy.special import ndtr

    return ndtr(z)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles of a weighted sample: the smallest value whose cumulative weight reaches q."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    cumulative /= cumulative[-1]
    return values[order][np.minimum(np.searchsorted(cumulative, q), len(values) - 1)]


def _stat(values: np.ndarray, weights: np.ndarray) -> dict:
    mean = float(np.sum(weights * values) / np.sum(weights))
    sd = math.sqrt(float(np.sum(weights * (values - mean) ** 2) / np.sum(weights)))
    p05, p50, p95 = weighted_quantiles(values, weights, (0.05, 0.5, 0.95))
    return {"mean": mean, "sd": sd, "p05": float(p05), "p50": float(p50), "p95": float(p95)}


def _summary(scenario: Scenario, settings: Calibration, targets: Sequence[Target], names: Sequence[str],
             values: np.ndarray, weights: np.ndarray, shares: np.ndarray, measured: np.ndarray,
             stages: list[dict], stopped: str,
             seconds: float, options: CalibrateOptions) -> dict:
    """calibration.json: the method and its settings, the posterior and each target's check."""
    resolved = scenario.resolved.get("parameters", {})
    parameters = {}
    for j, name in enumerate(names):
        prior = scenario.parameters()[name].distribution
        low, high = prior.interval(0.90)
        parameters[name] = {"prior": resolved[name].get("dist"),
                            "prior_p05": low, "prior_p50": prior.median(), "prior_p95": high,
                            "posterior": _stat(values[:, j], weights)}
    rng = rng_for(options.seed, "calibrate", "predictive")
    picked = rng.choice(len(weights), size=PREDICTIVE_DRAWS, p=weights / weights.sum())
    checks = {}
    for i, target in enumerate(targets):
        model = shares[picked, i]
        model = model[np.isfinite(model)]  # a hold-out target a set could not measure says nothing of it
        replicated = (rng.binomial(int(target.of), model) / target.of if target.of is not None
                      else rng.normal(model, target.se))
        low, high = observed_interval(target)
        predictive = np.percentile(replicated, [5, 95]) if len(model) else np.full(2, np.nan)
        observed = ({"count": target.count, "of": target.of} if target.of is not None
                    else {"value": target.value, "se": target.se})
        # The plug-in's noise beside the observation's: a share of n independent youths has se
        # √(p(1 − p)/n); for a share of time n is the months measured over the window (youths who
        # stay the whole window), which bounds it from above, as a youth's own share varies less.
        finite = np.isfinite(shares[:, i])
        p = float(np.sum(weights[finite] * shares[finite, i]) / np.sum(weights[finite]))
        youths = float(np.sum(weights * measured[:, i])) / (target.months if target.measure == "share_of_time_in" else 1)
        observation_se = target.se if target.se is not None else math.sqrt(p * (1 - p) / target.of)
        checks[target.name] = {
            "arm": target.arm, "measure": target.measure, "months": target.months, "hold_out": target.hold_out,
            "observed": observed, "observed_share": target.observed, "observed_p05": low, "observed_p95": high,
            "model": _stat(shares[finite, i], weights[finite]),
            "predictive_p05": float(predictive[0]), "predictive_p95": float(predictive[1]),
            "observed_inside_predictive": bool(predictive[0] <= target.observed <= predictive[1]),
            "simulated_youths": round_to(youths, 1), "simulation_se": math.sqrt(p * (1 - p) / youths),
            "observation_se": observation_se,
            "source": target.source}
    ess = 1.0 / float(np.sum(weights ** 2))
    return {
        "scenario": scenario.name, "files": dict(scenario.files), "version": __version__, "seed": options.seed,
        "method": "IMIS (incremental mixture importance sampling; Raftery & Bao 2010)",
        "settings": {"parameters": list(names), "replications": settings.replications,
                     "prior_draws": settings.initial, "batch": settings.step, "rounds": settings.rounds,
                     "resample": settings.resample},
        "complete": stopped != "interrupted", "stopped": stopped,
        "effective_sample_size": round_to(ess), "parameter_sets": len(weights),
        "simulations": len(weights) * settings.replications, "seconds": round_to(seconds, 1),
        "schedule": stages,
        **({"scheduler": options.scheduler} if options.scheduler else {"workers": options.workers or os.cpu_count() or 1}),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "parameters": parameters, "targets": checks}


def _measure(workers: Workers, items: list, seed: int, replications: int,
             advance: Callable[[int], None]) -> list[np.ndarray]:
    """The counts of every parameter set in `items`, in set order whatever order the chunks finish in."""
    size = max(1, min(25, len(items) // (4 * workers.parallel)))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    results: dict[int, list[np.ndarray]] = {}
    for chunk, counts in workers.completed(_measure_chunk, chunks, seed, replications):
        results[chunk[0][0]] = counts
        advance(len(counts))
    return [count for first in sorted(results) for count in results[first]]
