"""Outcome metrics: one class each (see `base.py` for what a class carries), and their registry.

To add a metric: write its module beside these, add its class to `METRICS` below, and test it
in tests/language/test_outcomes.py. The loader, `simulator validate`, outcome units and pricing read it
from here.
"""
from simulator.language.outcomes.achieved import Achieved
from simulator.language.outcomes.base import Outcome
from simulator.language.outcomes.entered import Entered
from simulator.language.outcomes.months_in import MonthsIn
from simulator.language.outcomes.per_period import PerPeriod
from simulator.language.outcomes.status_at import StatusAt

# The metrics by their YAML key, in the order messages list them.
METRICS: dict[str, type[Outcome]] = {metric.metric: metric for metric in (
    Achieved,
    MonthsIn,
    Entered,
    StatusAt,
    PerPeriod,
)}

__all__ = ["METRICS", "Achieved", "Entered", "MonthsIn", "Outcome", "PerPeriod", "StatusAt"]
