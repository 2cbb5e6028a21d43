"""The forecast against exact theory: the updated parameter against its grid posterior, and the
forecast's 90 % intervals against many synthetic truths drawn from the prior (coverage), which
narrow as the cut-off moves later.

The scenario is tests/data/forecast.yaml: one uncertain parameter, `programme_mean` ~ U(3, 15),
the mean months from shelter to a home in the programme arm (hazard ratio 0.5 for group b);
the contract pays 1,000 DKK per housed month, not versus the baseline.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.engine.model import simulate_replication
from simulator.forecast import observed_from, update_parameters
from simulator.language.loading import load_scenario
from simulator.outputs import metrics
from simulator.runner import simulate_chunk
from tests.support import ROOT

pytestmark = pytest.mark.theory

SCENARIO = ROOT / "tests" / "data" / "forecast.yaml"
LOW, HIGH = 3.0, 15.0  # the prior of programme_mean
PAYMENTS = next(m.column for m in metrics.recorded() if m.key == "payments_nominal")


def test_with_many_observed_youths_the_parameter_concentrates_on_its_grid_posterior(tmp_path):
    """About 480 youths observed for 24 months, from programme_mean = 6. The likelihood of
    programme_mean is that of an exponential rate r = 1/m: n ln r - r E, with n the moves from
    shelter to a home and E the months in a shelter (halved for group b), worked out here from
    the histories; on a grid over the uniform prior it gives the exact posterior. The importance
    sampler's mean must lie within 4 posterior sd / √ESS of it (its Monte Carlo error), the
    posterior within 4 sd of the truth, and 5 times narrower than the prior."""
    text = SCENARIO.read_text(encoding="utf-8").replace("poisson: {rate: 2, from: 0, until: 24}\n  max: 40",
                                                        "poisson: {rate: 20, from: 0, until: 24}")
    (tmp_path / "big.yaml").write_text(text, encoding="utf-8")
    scenario = load_scenario(tmp_path / "big.yaml")
    truth = simulate_replication(scenario, 21, 0, 1, overrides={"programme_mean": 6.0})
    observed = observed_from(truth.trajectories["programme"], 24.0)
    assert len(observed.youths) > 400
    moves, exposure = 0, 0.0
    for youth in observed.youths:
        ratio = 0.5 if youth.attributes["group"] == "b" else 1.0
        spells = youth.spells["housing"]
        for i, spell in enumerate(spells):
            if spell.state == "shelter":
                exposure += ratio * (spell.end - spell.start)
                moves += i + 1 < len(spells)
    grid = np.linspace(LOW, HIGH, 200_001)
    log_posterior = -moves * np.log(grid) - exposure / grid
    posterior = np.exp(log_posterior - log_posterior.max())
    posterior /= posterior.sum()
    mean = float(np.sum(grid * posterior))
    sd = math.sqrt(float(np.sum((grid - mean) ** 2 * posterior)))

    update = update_parameters(scenario, observed, seed=5, draws=20_000)
    assert update.joint is not None and update.joint.names == ("programme_mean",)
    weights = update.joint.weights / update.joint.weights.sum()
    estimate = float(np.sum(weights * update.joint.values[:, 0]))
    assert abs(estimate - mean) <= 4 * sd / math.sqrt(update.effective_sample_size), (estimate, mean, sd)
    assert abs(mean - 6.0) <= 4 * sd
    assert sd < (HIGH - LOW) / math.sqrt(12) / 5


TRUTHS = 120  # synthetic truths for the coverage
RUNS = 80  # forecast replications per truth
DRAWS = 1000  # prior draws weighed per truth


def _forecast_interval(scenario, truth_seed: int, cut_off: float) -> tuple[float, float, float]:
    """A truth drawn from the prior and simulated to the horizon, observed to `cut_off`, and the
    forecast's 90 % interval of its contract's nominal payments: (truth, p05, p95)."""
    value = LOW + (HIGH - LOW) * np.random.default_rng(truth_seed).random()
    truth = simulate_replication(scenario, 1000 + truth_seed, 0, 1, overrides={"programme_mean": value})
    paid = simulate_chunk(scenario, 1000 + truth_seed, [0], 1, (("programme_mean", value),))["contract0_metrics"]
    observed = observed_from(truth.trajectories["programme"], cut_off)
    update = update_parameters(scenario, observed, seed=truth_seed, draws=DRAWS)
    records = simulate_chunk(scenario, truth_seed, list(range(RUNS)), RUNS, joint=update.joint, observed=observed)
    p05, p95 = np.quantile(records["contract0_metrics"][:, PAYMENTS], [0.05, 0.95])
    return float(paid[0, PAYMENTS]), float(p05), float(p95)


@pytest.mark.slow  # about a minute in plain Python
def test_the_90_percent_intervals_cover_the_truth_and_narrow_as_the_cut_off_moves_later():
    """Coverage over 120 truths at a cut-off of 12 months. The 5 % and 95 % quantiles of 80
    forecasts (linear interpolation) are the order statistics X(4.95) and X(76.05), which hold a
    further exchangeable draw with probability (76.05 - 4.95) / 81 = 0.878; the share covering
    is binomial: sd √(0.878 · 0.122 / 120) = 0.030, and the test allows
    3.5 sd (0.105) either side: it fails for a forecast that covers fewer than 77 % of truths
    (e.g. one that ignores the observed histories' parameter information or restarts the clocks).
    The first 20 truths at cut-offs 6, 18 and 30 months give mean widths that must fall."""
    scenario = load_scenario(SCENARIO)
    results = [_forecast_interval(scenario, seed, 12.0) for seed in range(TRUTHS)]
    covered = sum(low <= truth <= high for truth, low, high in results)
    expected = 71.1 / 81
    tolerance = 3.5 * math.sqrt(expected * (1 - expected) / TRUTHS)
    assert abs(covered / TRUTHS - expected) <= tolerance, (covered, TRUTHS, expected, tolerance)
    widths = [np.mean([high - low for _, low, high in (_forecast_interval(scenario, seed, cut) for seed in range(20))])
              for cut in (6.0, 18.0, 30.0)]
    assert widths[0] > widths[1] > widths[2], widths
