"""`describe`: the readable summary of a scenario, with medians and intervals from closed forms
(exact tests), and every scenario we ship loaded and described."""
from __future__ import annotations

import math

import pytest
from scipy import stats

from simulator.language.describe import describe
from simulator.language.errors import ScenarioError
from simulator.language.loading import load_scenario
from tests.support import BASE_SCENARIO, SCENARIOS

pytestmark = pytest.mark.exact


# --- describe -----------------------------------------------------------------------------------


def test_describe_mentions_tracks_medians_intervals_flows_and_contracts():
    """The catalogue base has every kind of thing; the numbers are checked against closed forms."""
    scenario = load_scenario(BASE_SCENARIO)
    text = describe(scenario)
    for track in ("housing", "activity", "health", "support"):
        assert f"  {track}: " in text
    # medians: exponential mean 3 → 3 ln 2; probability 0.25 within 12 → 12 ln 2 / −ln 0.75
    assert f"exponential mean 3, median {3 * math.log(2):.3g} months" in text
    assert f"median {12 * math.log(2) / -math.log(0.75):.3g} months" in text
    # 90 % interval of pert(2, 4, 8): a beta(1 + 4·2/6, 1 + 4·4/6) on [2, 8]
    pert = stats.beta(1 + 4 * 2 / 6, 1 + 4 * 4 / 6, loc=2, scale=6)
    low, high = pert.interval(0.90)
    assert f"hf_hr: median {pert.median():.4g}, [{low:.4g}, {high:.4g}]" in text
    low, high = stats.norm(1, 0.5).interval(0.90)
    assert f"effect_shift: median 1, [{low:.4g}, {high:.4g}]" in text
    for flow in ("shelter_stay", "shelter_reimbursement", "shelter_reimbursement_after_reform",
                 "income_tax", "psychiatric_admission", "welcome_pack", "team_salaries"):
        assert f"  {flow}: " in text
    assert "Contract sif: arm housing_first" in text
    for outcome in ("housed_12m: achieved", "job_months: months_in", "first_job: entered",
                    "off_shelter: status_at", "attached: per_period"):
        assert outcome in text


# --- the scenarios we ship ------------------------------------------------------------------------

SHIPPED = sorted(SCENARIOS.rglob("*.yaml")) if SCENARIOS.is_dir() else []


@pytest.mark.parametrize("path", SHIPPED or [None], ids=[str(p.relative_to(SCENARIOS)) for p in SHIPPED] or ["none"])
def test_every_shipped_scenario_loads_and_describes(path):
    if path is None:
        pytest.skip("no scenarios/*.yaml yet")
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        pytest.fail(f"{path} does not validate:\n" + "\n".join(str(issue) for issue in error.issues))
    text = describe(scenario)
    assert scenario.name in text
    for arm in scenario.arms.values():
        for track in arm.model.tracks:
            assert track.name in text
