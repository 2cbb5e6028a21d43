"""Value of information against closed forms: synthetic stored runs through `simulator.voi.evppi`.

The incremental net benefit of every run is NB = b θ + ε with θ ~ N(m, s²) the uncertain
parameter and ε the run's own chance (which youths come, when they move), so E[NB | θ] = b θ is
normal with mean μ = b m and standard deviation σ = |b| s, and resolving θ is worth

    EVPPI(θ) = E[max(b θ, 0)] − max(μ, 0) = σ φ(μ/σ) + μ Φ(μ/σ) − max(μ, 0),

which is also the EVPI of the parameters (ε cannot be resolved by any study). A parameter η that
does not enter NB is worth nothing. Each estimate is checked against its closed form within 4
combined standard errors: the smooth's (the estimate's `se`) and the Monte Carlo error of the
runs' own θ draws (the spread of max(b θ, 0) over √runs), both known for each case.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from simulator.voi import evppi, expected_gain

pytestmark = pytest.mark.theory

RUNS = 1000


def closed_form(mu: float, sigma: float) -> float:
    return sigma * norm.pdf(mu / sigma) + mu * norm.cdf(mu / sigma) - max(mu, 0.0)


def runs(seed: int, m: float, s: float, b: float, noise: float):
    rng = np.random.default_rng(seed)
    theta = rng.normal(m, s, RUNS)
    others = rng.normal(0.0, 1.0, (RUNS, 2))  # enter nothing
    return theta, others, b * theta + rng.normal(0.0, noise, RUNS)


def sampling_error(b: float, theta: np.ndarray) -> float:
    """The Monte Carlo standard error of mean max(b θ, 0) − max(mean b θ, 0) from these draws."""
    return float(np.std(np.maximum(b * theta, 0.0)) / np.sqrt(len(theta)))


@pytest.mark.parametrize("seed, m, s, b, noise", [
    (1, -0.2, 1.0, 100_000.0, 50_000.0),   # adopting loses on average, often wins: a large EVPI
    (2, 0.5, 1.0, 200_000.0, 400_000.0),   # adopting wins on average; the runs' chance dominates
    (3, 1.5, 0.5, 80_000.0, 20_000.0),     # adopting nearly always wins: a small EVPI
])
def test_evppi_of_a_linear_net_benefit_matches_the_closed_form(seed, m, s, b, noise):
    theta, others, nb = runs(seed, m, s, b, noise)
    exact = closed_form(b * m, abs(b) * s)
    estimate, se, smooth = evppi(theta[:, None], nb, np.random.default_rng(seed))
    assert abs(estimate - exact) <= 4 * np.hypot(se, sampling_error(b, theta)), (estimate, exact, se)
    assert smooth.residuals_ok

    # a parameter that does not enter the net benefit: about nothing, within its own spread
    nothing, nothing_se, _ = evppi(others[:, :1], nb, np.random.default_rng(seed))
    assert nothing <= 4 * nothing_se + 0.02 * exact

    # all parameters together (a Gaussian process over three) ≈ the EVPI, which is EVPPI(θ) here
    everything, everything_se, _ = evppi(np.column_stack([theta, others]), nb, np.random.default_rng(seed))
    assert abs(everything - exact) <= 4 * np.hypot(everything_se, sampling_error(b, theta)), (everything, exact)


def test_with_no_chance_in_the_runs_the_evppi_of_all_is_the_runs_own_evpi():
    """NB = b θ exactly: E[max(NB, 0)] − max(E NB, 0) over the runs is the EVPI the smooth must find."""
    theta, others, _ = runs(4, 0.0, 1.0, 50_000.0, 0.0)
    nb = 50_000.0 * theta
    direct = float(expected_gain(nb))
    estimate, se, _ = evppi(np.column_stack([theta, others]), nb, np.random.default_rng(4))
    assert estimate == pytest.approx(direct, rel=0.01)
    assert direct == pytest.approx(closed_form(0.0, 50_000.0), rel=4 * 0.6 / np.sqrt(RUNS))


def test_the_expected_gain_by_hand():
    """g = (−3, 1, 2): mean max(g, 0) = 1, max(mean g, 0) = 0; g = (1, 2): nothing to gain."""
    assert expected_gain(np.array([-3.0, 1.0, 2.0])) == pytest.approx(1.0)
    assert expected_gain(np.array([[1.0, 2.0], [-1.0, -2.0]])).tolist() == [0.0, 0.0]
