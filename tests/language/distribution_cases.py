"""Each distribution as a user writes it, beside the same distribution in scipy: the cases that
test_distributions.py checks exactly and test_distributions_theory.py samples."""
from __future__ import annotations

import math

from scipy import stats

from simulator.language.distributions import time_distribution

# (kind, args as a user writes them, the same distribution in scipy)
TIME_CASES = [
    ("exponential", {"mean": 30}, stats.expon(scale=30)),
    ("exponential", {"rate": 0.1}, stats.expon(scale=10)),
    ("probability", {"p": 0.25, "within": 12}, stats.expon(scale=12 / -math.log(0.75))),
    ("weibull", {"shape": 0.8, "scale": 40}, stats.weibull_min(0.8, scale=40)),
    ("weibull", {"shape": 2.5, "median": 40}, stats.weibull_min(2.5, scale=40 / math.log(2) ** (1 / 2.5))),
    ("lognormal", {"median": 2, "sigma": 0.8}, stats.lognorm(0.8, scale=2)),
    ("gamma", {"shape": 2.5, "mean": 12}, stats.gamma(2.5, scale=12 / 2.5)),
    ("gamma", {"shape": 0.5, "mean": 6}, stats.gamma(0.5, scale=12)),
    ("loglogistic", {"shape": 3, "median": 10}, stats.fisk(3, scale=10)),
    ("loglogistic", {"shape": 0.9, "median": 10}, stats.fisk(0.9, scale=10)),
]
TIME_IDS = [f"{kind}-{'-'.join(map(str, args.values()))}" for kind, args, _ in TIME_CASES]
CONTINUOUS_TIMES = [(time_distribution(kind, args), ref) for kind, args, ref in TIME_CASES]


# (kind, args as a user writes them, the same distribution in scipy)
PARAMETER_CASES = [
    ("uniform", {"min": 2, "max": 8}, stats.uniform(2, 6)),
    ("triangular", {"min": 1, "mode": 2, "max": 5}, stats.triang(0.25, loc=1, scale=4)),
    ("pert", {"min": 2, "mode": 4, "max": 8}, stats.beta(1 + 4 * 2 / 6, 1 + 4 * 4 / 6, loc=2, scale=6)),
    ("normal", {"mean": 10, "sd": 2}, stats.norm(10, 2)),
    ("lognormal", {"median": 3, "sigma": 0.5}, stats.lognorm(0.5, scale=3)),
    ("beta", {"a": 2, "b": 5}, stats.beta(2, 5)),
    ("gamma", {"mean": 4, "sd": 2}, stats.gamma(4, scale=1)),
]
PARAMETER_IDS = [kind + ("-ab" if "a" in args else "") for kind, args, _ in PARAMETER_CASES]
