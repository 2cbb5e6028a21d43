"""`run --posterior`: each replication takes one whole row of posterior.csv, in proportion to its
weight, while the parameters the file does not name are drawn from their priors as before."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulator.api import run

pytestmark = pytest.mark.theory

SCENARIO = """
    name: posterior draws
    horizon: 2
    parameters:
      a: {dist: {uniform: {min: 0, max: 10}}}
      b: {dist: {uniform: {min: 0, max: 100}}}
      c: {dist: {uniform: {min: 0, max: 1}}}
    intake: {cohort: {count: 1, at: 0}}
    tracks:
      t:
        states: [x, y]
        initial: {x: 1}
        transitions: {x->y: {time: {exponential: {mean: $a}}}}
    arms: {only: {}}
    """
ROWS = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]])  # b = 10 a: perfectly correlated
WEIGHTS = np.array([0.2, 0.3, 0.5])


def test_replications_take_whole_rows_by_weight_and_other_parameters_from_their_prior(scenario_from, tmp_path):
    """3,000 replications: the rows' counts are multinomial with the weights (chi-square at level
    1e-3: a correct picker fails once in a thousand seeds; a weight off by 0.05 fails almost
    always), b = 10 a in every replication (the joint draw is kept whole), and c, which the file
    does not name, stays uniform on [0, 1] (KS at 1e-3)."""
    posterior = tmp_path / "posterior.csv"
    posterior.write_text("a,b,weight\n" + "".join(f"{a},{b},{w}\n" for (a, b), w in zip(ROWS, WEIGHTS)))
    runs = 3000
    results = run(scenario_from(SCENARIO), tmp_path / "out", runs=runs, seed=5, workers=1, posterior=posterior)
    draws = results.replications
    assert np.array_equal(draws["b"], 10 * draws["a"])
    counts = np.array([np.sum(draws["a"] == a) for a in ROWS[:, 0]])
    assert counts.sum() == runs
    assert stats.chisquare(counts, runs * WEIGHTS).pvalue > 1e-3, counts
    assert stats.kstest(draws["c"], "uniform").pvalue > 1e-3
