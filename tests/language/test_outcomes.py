"""Outcome metrics, one row of a table per metric of the registry (exact tests).

Each metric is read from YAML, written as canonical and human text, and measured on one small
spell table made by hand below, whose units are worked out by hand in each row. A metric added
to the registry without its row here fails `test_every_metric_of_the_registry_has_a_row`.
"""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import numpy as np
import pytest

from simulator.engine.trajectories import Trajectories
from simulator.language.describe import Show
from simulator.language.loading import load_scenario
from simulator.language.outcomes import METRICS, Outcome
from simulator.language.scenario import Condition

pytestmark = pytest.mark.exact

JOB = Condition({"activity": frozenset({"job"})})

# One track, activity: none or job; horizon 24.
#   youth 0: arrives at 0, stays;     none [0, 3.5), job [3.5, 10) entered, none [10, 24)
#   youth 1: arrives at 2, leaves 14: job [2, 5) held at arrival, none [5, 6), job [6, 14) entered
#   youth 2: arrives at 12, stays;    none [12, 24)
SPELLS = [(0, 0, 0, 0.0, 3.5, False), (0, 0, 1, 3.5, 10.0, True), (0, 0, 0, 10.0, 24.0, True),
          (1, 0, 1, 2.0, 5.0, False), (1, 0, 0, 5.0, 6.0, True), (1, 0, 1, 6.0, 14.0, True),
          (2, 0, 0, 12.0, 24.0, False)]


def spell_table() -> Trajectories:
    return Trajectories.from_spells(
        spells=SPELLS, waits=[], arm="arm", horizon=24.0, tracks=("activity",), states=(("none", "job"),),
        attributes=(), attribute_values=(), arrival=np.array([0.0, 2.0, 12.0]),
        departure=np.array([math.inf, 14.0, math.inf]), youth_attributes=np.zeros((3, 0), dtype=np.int16),
        resources=())


@dataclass(frozen=True)
class Row:
    metric: str
    yaml: str  # the outcome as a contract writes it
    expected: Outcome  # what the loader builds from it
    canonical: str
    human: str  # its line in `simulator validate`
    unit: str
    max_units_per_youth: float | None
    measured: list[tuple[int, int, float]]  # (youth, month bin, units), worked out from SPELLS


ROWS = [
    Row("achieved", "{achieved: {in: {activity: job}, for_months: 6}, price: 100}",
        METRICS["achieved"](name="it", price=100.0, condition=JOB, for_months=6.0),
        "achieved|in|activity:job|for_months=6.0|checkpoints=|every=-|at_least=-|at_most=-",
        "a continuous stay of 6 months in activity job, once per youth; 100 DKK each", "events", 1.0,
        # Youth 0's stay from 3.5 reaches 6 months at 9.5; youth 1's from 6 at 12 (the one from 2
        # lasts 3 months only).
        [(0, 9, 1.0), (1, 12, 1.0)]),
    Row("months_in", "{months_in: {activity: job}, price: 100, max_months: 4}",
        METRICS["months_in"](name="it", price=100.0, condition=JOB, max_months=4.0),
        "months_in|in|activity:job|for_months=-|checkpoints=|every=-|at_least=-|at_most=-",
        "each month in activity job; 100 DKK a month; at most 4 months per youth", "months", 4.0,
        # Youth 0: half of month 3, then months 4 … 9; youth 1: months 2 … 4 and 6 … 13.
        [(0, 3, 0.5), *((0, m, 1.0) for m in range(4, 10)), *((1, m, 1.0) for m in (2, 3, 4, *range(6, 14)))]),
    Row("entered", "{entered: {activity: job}, price: 100}",
        METRICS["entered"](name="it", price=100.0, condition=JOB),
        "entered|in|activity:job|for_months=-|checkpoints=|every=-|at_least=-|at_most=-",
        "entering activity job (not being there at arrival), once per youth; 100 DKK each", "events", 1.0,
        # Youth 0 at 3.5, youth 1 at 6; youth 1's job at arrival is no entry.
        [(0, 3, 1.0), (1, 6, 1.0)]),
    Row("status_at", "{status_at: {not_in: {activity: job}, months_after_arrival: [3, 12]}, price: 100}",
        METRICS["status_at"](name="it", price=100.0, condition=JOB, inside=False, checkpoints=(3.0, 12.0)),
        "status_at|not_in|activity:job|for_months=-|checkpoints=3.0,12.0|every=-|at_least=-|at_most=-",
        ("at 3 and 12 months after arrival, each time the youth is present and out of activity job; "
         "100 DKK each"), "events", None,
        # Out of a job at: youth 0 at 3 and 12; youth 1 at 5, and gone at 14; youth 2 at 15 and at
        # 24, the horizon itself (the last bin).
        [(0, 3, 1.0), (0, 12, 1.0), (1, 5, 1.0), (2, 15, 1.0), (2, 23, 1.0)]),
    Row("per_period", "{per_period: {in: {activity: job}, every: 6, at_least: 3}, price: 100, max_periods: 1}",
        METRICS["per_period"](name="it", price=100.0, condition=JOB, every=6.0, at_least=3.0, max_periods=1.0),
        "per_period|in|activity:job|for_months=-|checkpoints=|every=6.0|at_least=3.0|at_most=-",
        ("per whole period of 6 months after arrival with at least 3 months in activity job; 100 DKK each; "
         "at most 1 period per youth"), "events", 1.0,
        # Months in a job per 6-month period after arrival: youth 0 2.5, 4, 0, 0 (periods ending
        # at 6, 12, 18, 24); youth 1 5 and 6 (ending at 8 and 14, when it leaves); youth 2 0, 0.
        [(0, 12, 1.0), (1, 8, 1.0), (1, 14, 1.0)]),
]

# The forms measured on calendar months for the whole group (no `start` here: months since t = 0).
CALENDAR_ROWS = [
    Row("status_at", "{status_at: {not_in: {activity: job}, dates: [3, 12, 20]}, price: 100}",
        METRICS["status_at"](name="it", price=100.0, condition=JOB, inside=False, dates=(3.0, 12.0, 20.0)),
        "status_at|not_in|activity:job|for_months=-|checkpoints=|every=-|at_least=-|at_most=-|dates=3.0,12.0,20.0",
        "on month 3, month 12 and month 20, each youth then present and out of activity job; 100 DKK each",
        "events", None,
        # At 3: youth 0 out of a job, youth 1 in one, youth 2 not yet arrived (absent). At 12: youth
        # 0 and youth 2 (arriving that instant) out of one. At 20: youth 1 gone; youths 0 and 2 out.
        [(0, 3, 1.0), (0, 12, 1.0), (0, 20, 1.0), (2, 12, 1.0), (2, 20, 1.0)]),
    Row("per_period", "{per_period: {in: {activity: job}, every: 6, from: 1, at_least: 3}, price: 100}",
        METRICS["per_period"](name="it", price=100.0, condition=JOB, every=6.0, at_least=3.0, from_month=1.0),
        "per_period|in|activity:job|for_months=-|checkpoints=|every=6.0|at_least=3.0|at_most=-|from_month=1.0",
        ("per period of 6 months on the calendar from month 1, each youth present for all of it, with at "
         "least 3 months in activity job; 100 DKK each"), "events", None,
        # Periods [1, 7), [7, 13), [13, 19) ([19, 25) passes the horizon). Youth 0: 3.5, 3, 0 months
        # in a job. Youth 1 arrives at 2, within the first period: not measured for it; 6 months in
        # [7, 13); gone before 19. Youth 2 arrives at 12: measured from [13, 19) only, 0 months.
        [(0, 7, 1.0), (0, 13, 1.0), (1, 13, 1.0)]),
]

SCENARIO = """\
    name: one outcome
    horizon: 24
    intake: {cohort: 3}
    tracks:
      activity:
        states: [none, job]
        initial: {none: 1.0}
        transitions:
          none->job: {time: {exponential: {mean: 6}}}
    arms: {usual: {}}
    economics: {departments: [municipality.social]}
    contracts:
      deal:
        arm: usual
        payer: municipality.social
        investor: {principal: 1000}
        outcomes:
          it: OUTCOME
    """


def test_every_metric_of_the_registry_has_a_row():
    assert [row.metric for row in ROWS] == list(METRICS)
    assert all(cls.metric == name for name, cls in METRICS.items())


@pytest.mark.parametrize("row", ROWS + CALENDAR_ROWS,
                         ids=[row.metric for row in ROWS] + [f"{row.metric} on the calendar" for row in CALENDAR_ROWS])
def test_a_metric_reads_writes_and_measures_itself(tmp_path, row):
    path = tmp_path / "scenario.yaml"
    path.write_text(textwrap.dedent(SCENARIO).replace("OUTCOME", row.yaml), encoding="utf-8")
    scenario = load_scenario(path)
    (outcome,) = scenario.contracts["deal"].outcomes
    assert type(outcome) is METRICS[row.metric] and outcome == row.expected
    assert outcome.canonical_text() == row.canonical
    assert outcome.describe(Show(scenario)) == row.human
    assert (outcome.unit, outcome.max_units_per_youth) == (row.unit, row.max_units_per_youth)
    youth, month, units = outcome.measure(spell_table(), 24)
    assert list(zip(youth.tolist(), month.tolist(), units.tolist())) == row.measured
