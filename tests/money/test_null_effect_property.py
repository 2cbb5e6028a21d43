"""Null-effect payments on random runs: a programme arm identical to the baseline is paid exactly
its null-effect payments, in every replication."""
from __future__ import annotations

import csv

import numpy as np
import pytest

from simulator import api
from tests.support import SMALL_RUN

pytestmark = pytest.mark.property

# SMALL_RUN's contract moved to an arm without a patch: by common random numbers its youths live
# exactly the baseline arm's lives.
IDENTICAL_ARM = SMALL_RUN.replace("      usual: {}\n", "      usual: {}\n      same: {}\n").replace(
    "        arm: support\n", "        arm: same\n")
# The same with outcomes measured on calendar dates above reference levels (a share of the group
# on each date, a count per settlement), which must hold for the baseline's group as well.
LEVELS = IDENTICAL_ARM.replace(
    "          housed_6m: {achieved: {in: {housing: housed}, for_months: 6}, price: $price}\n",
    "          housed: {status_at: {in: {housing: housed}, dates: [2022-07, 2023-01, 2023-07]}, price: $price,\n"
    "                   above: {share: 0.25}}\n"
    "          settled: {per_period: {every: 6, from: 2022-03, in: {housing: shelter}, at_most: 1}, price: 20000,\n"
    "                    above: {count: 1}}\n")


@pytest.mark.parametrize("text", [IDENTICAL_ARM, LEVELS], ids=["achieved", "calendar dates above levels"])
def test_an_arm_identical_to_the_baseline_is_paid_its_null_effect_payments(scenario_from, tmp_path, text):
    scenario = scenario_from(text)
    assert scenario.contracts["deal"].arm == "same" and not scenario.contracts["deal"].versus_baseline
    results = api.run(scenario, tmp_path / "out", runs=12, workers=1)
    rows = list(csv.DictReader(open(results.file("replications.csv"), encoding="utf-8")))
    paid = np.array([float(row["deal@payments_discounted"]) for row in rows])
    null = np.array([float(row["deal@null_effect_payments"]) for row in rows])
    assert (paid > 0).sum() >= 6, "the check needs runs that pay"
    np.testing.assert_array_equal(null, paid)
    shares = [row["deal@deadweight_share"] for row, p in zip(rows, paid) if p > 0]
    assert set(shares) == {"1"}
    contract = results.summary["contracts"]["deal"]
    assert contract["null_effect_payments"] == contract["payments_discounted"]
