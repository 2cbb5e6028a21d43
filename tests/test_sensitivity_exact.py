"""The switching value: where a target that is linear between the points crosses zero."""
from __future__ import annotations

import pytest

from simulator.sensitivity import crossing

pytestmark = pytest.mark.exact


def test_crossing_interpolates_the_first_sign_change():
    """Exact: y is linear between the points."""
    assert crossing([0.0, 1.0, 2.0], [2.0, 1.0, -1.0]) == 1.5
    assert crossing([0.0, 1.0, 2.0], [-3.0, 0.0, 3.0]) == 1.0
    assert crossing([0.0, 1.0, 2.0], [1.0, 2.0, 3.0]) is None
    assert crossing([0.0, 1.0], [1.0, 0.0]) == 1.0
