"""Sobol indices of a function whose indices are known analytically."""
from __future__ import annotations

import numpy as np
import pytest

from simulator.language.distributions import parameter_distribution
from simulator.language.scenario import Parameter
from simulator.sensitivity import sobol

pytestmark = pytest.mark.theory


def test_sobol_indices_of_a_linear_function_match_theory():
    """Statistical, against theory: for Y = 3·X1 + 1·X2 + 0·X3 with X1, X2, X3 uniform of equal
    width, S1 = ST = (9, 1, 0) / 10. Each index must lie within twice SALib's own 95 % half-width
    (about 4 standard errors)."""
    pytest.importorskip("SALib", reason="the sobol extra is not installed")
    parameters = {name: Parameter(name, None, parameter_distribution("uniform", {"min": 0, "max": 1}))
                  for name in ("x1", "x2", "x3")}
    indices = sobol(parameters, lambda s: 3 * s["x1"] + s["x2"], samples=1024, seed=0)
    for index, expected in zip(indices, (0.9, 0.1, 0.0)):
        assert abs(index.S1 - expected) <= 2 * index.S1_conf + 1e-12, index
        assert abs(index.ST - expected) <= 2 * index.ST_conf + 1e-12, index
    assert np.argmax([i.S1 for i in indices]) == 0
