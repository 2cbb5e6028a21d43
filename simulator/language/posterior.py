"""posterior.csv as `simulator run --posterior` reads it: weighted joint draws of some parameters.

One column per parameter (named as in `parameters`) and an optional `weight` column (without
it, every row weighs the same). A bad file is one `ScenarioError` naming the file, the line and
the column: a name that is not an uncertain parameter of the scenario, or that an arm redefines
(a posterior gives every arm the same draw), a value that is not a number or lies outside the
prior's support (the prior says it cannot be), a weight that is negative or not finite.
"""
from __future__ import annotations

import csv
import hashlib
import math
import os
from typing import NamedTuple

import numpy as np

from simulator.language.errors import Issue, ScenarioError, shown
from simulator.language.scenario import Scenario

WEIGHT = "weight"


class Posterior(NamedTuple):
    names: tuple[str, ...]
    values: np.ndarray  # (draws, parameters)
    weights: np.ndarray  # (draws,)
    sha256: str


def read_posterior(path: str | os.PathLike, scenario: Scenario) -> Posterior:
    """The draws in `path`, checked against the scenario; raises ScenarioError on the first problem."""
    file = str(path)
    try:
        data = open(path, "rb").read()
    except OSError as error:
        raise ScenarioError([Issue(file, "", "a posterior.csv written by simulator calibrate",
                                   (error.strerror or str(error)).lower())]) from None
    try:
        rows = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    except (UnicodeDecodeError, csv.Error) as error:
        raise ScenarioError([Issue(file, "", "a UTF-8 csv file", str(error))]) from None
    if not rows or not any(rows[0]):
        raise ScenarioError([Issue(file, "", "a header of parameter names (and `weight`)", "an empty file")])
    header = [name.strip() for name in rows[0]]
    parameters = scenario.parameters()
    problems = []
    for column, name in enumerate(header, start=1):
        parameter = parameters.get(name)
        if name == WEIGHT:
            continue
        if parameter is None or not parameter.uncertain:
            problems.append(Issue(file, name, "a column per uncertain parameter of the scenario (one with `dist`) "
                                  "or `weight`", "fixed parameter " + shown(name) if parameter else
                                  "no parameter named " + shown(name), line=1, column=column))
        elif any(name in arm.own_parameters for arm in scenario.arms.values()):
            problems.append(Issue(file, name, "a parameter that no arm redefines (every arm takes the same draw)",
                                  f"{name}, redefined by an arm", line=1, column=column))
    if len(set(header)) != len(header):
        problems.append(Issue(file, "", "each column once", "a repeated column", line=1))
    names = tuple(name for name in header if name != WEIGHT)
    if not names and not problems:
        problems.append(Issue(file, "", "a column per calibrated parameter", "only `weight`", line=1))
    if len(rows) < 2 and not problems:
        problems.append(Issue(file, "", "one or more rows of draws", "none", line=2))
    if problems:
        raise ScenarioError(problems[:1])
    values = np.empty((len(rows) - 1, len(names)))
    weights = np.ones(len(rows) - 1)
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise ScenarioError([Issue(file, "", f"{len(header)} cells as in the header", f"{len(row)}", line=line)])
        j = 0
        for column, (name, cell) in enumerate(zip(header, row), start=1):
            number = _number(cell)
            if name == WEIGHT:
                if number is None or number < 0:
                    raise ScenarioError([Issue(file, name, "a finite weight >= 0", shown(cell), line, column)])
                weights[line - 2] = number
                continue
            low, high = parameters[name].distribution.support()
            if number is None or not low <= number <= high:
                raise ScenarioError([Issue(file, name, f"a number within the prior's support, {low:g} to {high:g}",
                                           shown(cell), line, column)])
            values[line - 2, j] = number
            j += 1
    if weights.sum() <= 0:
        raise ScenarioError([Issue(file, WEIGHT, "weights that are not all 0", "all 0", line=2)])
    return Posterior(names, values, weights, hashlib.sha256(data).hexdigest())


def _number(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
