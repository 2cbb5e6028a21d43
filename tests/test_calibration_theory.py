"""Calibration against exact answers: a posterior known on a grid, and simulation-based
calibration (Talts et al. 2018).

The model: youths who wait in one state and leave it after an exponential time of mean μ, with
a uniform prior on μ; the target is the share who left within `MONTHS` months, observed as a
count. The model's share is p(μ) = 1 − exp(−MONTHS/μ), so the exact posterior is
prior(μ) × Binomial(count | of, p(μ)) on a grid.

What the sampler converges to is not quite that: each parameter set is weighted by the
likelihood of its *simulated* share p̂ (a plug-in), so as the sample grows the weights converge
to prior × E[L(p̂)], where p̂ = Binomial(youths, p) / youths. That posterior is also exact on a
grid, and it is what the Monte Carlo tolerance is measured against; how far it lies from the
exact posterior is the price of simulating `YOUTHS` youths per set, computed below, not tuned.
"""
from __future__ import annotations

import textwrap

import numpy as np
import pytest
from scipy import stats

from simulator.calibration import CalibrateOptions, calibrate, imis, log_likelihood
from simulator.language.scenario import Calibration, Condition, Target

pytestmark = pytest.mark.theory

LOW, HIGH = 2.0, 20.0  # the uniform prior on μ, months
MONTHS = 6.0
COUNT, OF = 40, 100  # observed: 40 of 100 left within 6 months
YOUTHS = 3000  # simulated per parameter set
Z = 4.0  # a false alarm about once in 16,000 seeds per comparison


def share(mu):
    return 1 - np.exp(-MONTHS / np.asarray(mu))


def grid_posterior(count: int, of: int, youths: int | None) -> tuple[float, float]:
    """Mean and sd of μ's posterior on a fine grid: exact (youths None), or under the plug-in
    likelihood E[L(p̂)] with p̂ = Binomial(youths, p) / youths."""
    mu = np.linspace(LOW, HIGH, 4001)
    p = share(mu)
    if youths is None:
        likelihood = stats.binom.pmf(count, of, p)
    else:
        k = np.arange(youths + 1)
        likelihood = stats.binom.pmf(k[None, :], youths, p[:, None]) @ stats.binom.pmf(count, of, k / youths)
    weights = likelihood / likelihood.sum()  # uniform prior: the grid's weights are the likelihood's
    mean = float(np.sum(weights * mu))
    return mean, float(np.sqrt(np.sum(weights * (mu - mean) ** 2)))


SCENARIO = f"""
    name: one exponential wait
    horizon: {MONTHS}
    parameters:
      mu: {{dist: {{uniform: {{min: {LOW}, max: {HIGH}}}}}}}
    intake: {{cohort: {{count: {YOUTHS}, at: 0}}}}
    tracks:
      wait:
        states: [waiting, left]
        initial: {{waiting: 1}}
        transitions:
          waiting->left: {{time: {{exponential: {{mean: $mu}}}}}}
    arms: {{only: {{}}}}
    targets:
      left_within_6_months:
        entered_within: {{wait: [left]}}
        months: {MONTHS}
        observed: {{count: {COUNT}, of: {OF}}}
        source: a made-up study
    calibrate: {{replications: 1, prior_draws: 300, batch: 80, resample: 300, rounds: 10}}
    """


def test_the_calibrated_posterior_matches_the_exact_posterior_on_a_grid(scenario_from, tmp_path):
    """Through the engine and the process pool. The posterior's mean has a Monte Carlo standard
    error of about sd/√ESS and its sd of about sd/√(2 ESS) (Kong 1992: the effective sample size
    stands in for n); Z of those is the tolerance. With ESS ≈ 350 that is ≈ 0.21 sd for the mean
    and 0.15 sd for the sd: a sampler off by a fifth of a standard deviation fails.

    The plug-in's price, from the two grids: 3,000 simulated youths against 100 observed widen
    the posterior by 1.7 % and move its mean by 0.009 sd, well inside the tolerance, so the
    exact posterior is checked with the same tolerance plus that computed gap.
    """
    result = calibrate(scenario_from(SCENARIO), tmp_path, CalibrateOptions(seed=3, workers=2), langs=())
    posterior = result["parameters"]["mu"]["posterior"]
    ess = result["effective_sample_size"]
    assert result["stopped"] == "converged" and ess > 200, result["schedule"][-1]
    plug_mean, plug_sd = grid_posterior(COUNT, OF, YOUTHS)
    exact_mean, exact_sd = grid_posterior(COUNT, OF, None)
    assert abs(plug_sd / exact_sd - 1) < 0.03 and abs(plug_mean - exact_mean) < 0.05 * exact_sd  # the price
    for mean, sd, what in [(plug_mean, plug_sd, "plug-in"), (exact_mean, exact_sd, "exact")]:
        gap = abs(plug_mean - exact_mean), abs(plug_sd - exact_sd)
        assert abs(posterior["mean"] - mean) <= Z * sd / np.sqrt(ess) + gap[0], (what, posterior, mean)
        assert abs(posterior["sd"] - sd) <= Z * sd / np.sqrt(2 * ess) + gap[1], (what, posterior, sd)


def test_simulation_based_calibration_ranks_are_uniform():
    """Talts et al. 2018: draw μ* from the prior, data from the model at μ*, calibrate, and take
    the posterior probability below μ* (its rank among the weighted draws, as a share). Under a
    correct posterior that share is uniform on [0, 1]. A chi-square test on 20 bins over 1,000
    repetitions fails wrongly once in 1,000 and (simulated for normal posteriors) almost always
    catches a posterior whose sd is 20 % too small or 25 % too large; the plug-in's 1.7 % is far
    below what it can see.

    The sampler and the likelihood are the ones `simulator calibrate` uses; the simulator is a
    binomial draw of the share who left among YOUTHS youths, which is the distribution of the
    engine's measure for this model (each youth leaves within 6 months with probability p(μ),
    independently: the engine's own measure is checked exactly in test_calibration.py), so 1,000
    calibrations take seconds instead of an hour.
    """
    target = Target("left", "only", "entered_within", Condition({"wait": frozenset({"left"})}), MONTHS,
                    count=0, of=OF)
    settings = Calibration(("mu",), replications=1, prior_draws=300, batch=60, rounds=8, resample=300)
    rng = np.random.default_rng(2018)
    ranks = []
    for repetition in range(1000):
        truth = rng.uniform(LOW, HIGH)
        observed = Target(**{**{f: getattr(target, f) for f in ("name", "arm", "measure", "condition", "months", "of")},
                             "count": float(rng.binomial(OF, share(truth)))})
        simulate = np.random.default_rng([2018, repetition])

        def evaluate(z, first, observed=observed, simulate=simulate):
            mu = LOW + (HIGH - LOW) * stats.norm.cdf(z[:, 0])
            simulated = simulate.binomial(YOUTHS, share(mu)) / YOUTHS
            return log_likelihood(observed, simulated)

        sample, _, _ = imis(evaluate, 1, settings, seed=repetition)
        mu = LOW + (HIGH - LOW) * stats.norm.cdf(sample.z[:, 0])
        weights = np.exp(sample.log_weights)
        ranks.append(float(np.sum(weights[mu < truth])))
    counts = np.histogram(ranks, bins=20, range=(0, 1))[0]
    assert stats.chisquare(counts).pvalue > 1e-3, counts
