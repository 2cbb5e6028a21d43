"""`describe`: the readable summary of a scenario, with medians and intervals from closed forms
(exact tests), and every scenario we ship loaded and described."""
from __future__ import annotations

import math
import re

import pytest
from scipy import stats

from simulator.language.describe import Show, describe, figure
from simulator.language.errors import ScenarioError
from simulator.language.loading import load_scenario
from simulator.language.outcomes import METRICS
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
    assert f"Housing First effect (hf_hr): median {pert.median():.4g}, 90 % from {low:.4g} to {high:.4g}" in text
    low, high = stats.norm(1, 0.5).interval(0.90)
    assert f"effect_shift: median 1, 90 % from {low:.4g} to {high:.4g}" in text
    for flow in ("shelter_stay", "shelter_reimbursement", "shelter_reimbursement_after_reform",
                 "income_tax", "psychiatric_admission", "welcome_pack", "team_salaries"):
        assert f"  {flow}: " in text
    assert "Contract sif\n  for the youths of arm Housing First (housing_first) with group employment" in text
    for outcome in ("housed_12m: a continuous stay of 12 months", "job_months: each month in",
                    "first_job: entering activity job", "off_shelter: at 12, 24 and 36 months after arrival",
                    "attached: per whole period of 6 months"):
        assert outcome in text


def test_contract_terms_are_shown_in_words_with_money_resolved_and_calendar_months():
    """Every term of the base's contract, and a flow's `$name` with its value (2021-07 + 27 = 2023-10)."""
    text = describe(load_scenario(BASE_SCENARIO))
    for line in (
        "  window from month 0 (2021-07) until month 72 (2027-07), settled at the end of each contract year "
        "counted from month 0 (2021-07)",
        "  paid for each outcome as counted, not compared with the baseline arm (versus_baseline: false)",
        "  payers: municipality.social 50 %, fund.development 50 %",
        "  investor: principal 23,000,000 DKK, disbursed 23,000,000 DKK at month 0 (2021-07); "
        "from outside the public accounts",
        "  limits: at most 30,000,000 DKK paid in all (cap); the investor receives at most 1 × the principal "
        "= 23,000,000 DKK (max_multiple); at most 250,000 DKK for one youth's outcomes (max_per_youth)",
        "  outcome fund: reserve 5,000,000 DKK",
        "  shelter_reimbursement: 27,000 DKK ($shelter_cost) a month in housing shelter, until month 27 "
        "(2023-10); 50 % moved from state.benefits to municipality.social",
    ):
        assert line + "\n" in text, line


# Each metric of the registry with every key it takes, and what `validate` must print for each:
# distinctive values, a `$name` price (fixed and drawn) and every term of payment.
EVERY_TERM = {
    "achieved": ("{achieved: {not_in: {housing: [shelter, street]}, for_months: 7.5}, price: $fixed_price}",
                 ["a continuous stay of 7.5 months out of housing shelter or street, once per youth",
                  "1,234,567 DKK each ($fixed_price)"]),
    "months_in": ("{months_in: {activity: job}, price: 2500000, max_months: 17}",
                  ["each month in activity job", "2,500,000 DKK a month", "at most 17 months per youth"]),
    "entered": ("{entered: {housing: [housed, hf_flat]}, price: $drawn_price}",
                ["entering housing hf_flat or housed (not being there at arrival), once per youth",
                 "median 2,000,000 DKK each, 90 % from 1,100,000 to 2,900,000 ($drawn_price)"]),
    "status_at": ("{status_at: {in: {activity: job}, months_after_arrival: [6, 13.5, 40]}, price: 10000}",
                  ["at 6, 13.5 and 40 months after arrival, each time the youth is present and in activity job",
                   "10,000 DKK each"]),
    "per_period": ("{per_period: {every: 4, in: {housing: [shelter, street]}, at_least: 0.05, at_most: 0.25}, "
                   "price: 9000, max_periods: 11}",
                   ["per whole period of 4 months after arrival with at least 0.05 and at most 0.25 months "
                    "in housing shelter or street", "9,000 DKK each", "at most 11 periods per youth"]),
}

# The other forms of a metric (keys that exclude the first row's) and the reference levels.
OTHER_FORMS = {
    "status_at on dates": ("{status_at: {not_in: {housing: shelter}, dates: [2022-08, 2023-02, 2025-08]}, price: 5000, "
                           "above: {share: 0.4}}",
                           ["on month 13 (2022-08), month 19 (2023-02) and month 49 (2025-08), each youth then "
                            "present and out of housing shelter", "5,000 DKK each",
                            "paid only above 40 % of the contract's youths measured each time"]),
    "per_period on the calendar": ("{per_period: {every: 6, from: 2022-02, not_in: {housing: shelter}, "
                                   "at_most: 0.2}, price: 7000, above: {count: 3}}",
                                   ["per period of 6 months on the calendar from month 7 (2022-02), each youth "
                                    "present for all of it, with at most 0.2 months out of housing shelter",
                                    "7,000 DKK each", "paid only above 3 events in each settlement"]),
    "per_period before dates": ("{per_period: {every: 6, dates: [2022-08, 2023-02], in: {activity: job}, "
                                "at_least: 1.5}, price: 3000, above: {share: 0.25}}",
                                ["per period of 6 months ending on month 13 (2022-08) and month 19 (2023-02), "
                                 "each youth present for all of it, with at least 1.5 months in activity job",
                                 "3,000 DKK each", "paid only above 25 % of the contract's youths measured each time"]),
    "months_in above a count": ("{months_in: {housing: housed}, price: 100, above: {count: 1}}",
                                ["each month in housing housed", "100 DKK a month",
                                 "paid only above 1 month in each settlement"]),
}


def test_every_metric_of_the_registry_has_a_row_that_gives_every_key_it_takes():
    assert set(EVERY_TERM) == set(METRICS)
    for metric, (yaml, _) in EVERY_TERM.items():
        rows = yaml + "".join(other for name, (other, _) in OTHER_FORMS.items() if name.startswith(metric + " "))
        for key in (*METRICS[metric].required_keys, *METRICS[metric].optional_keys, *METRICS[metric].terms):
            assert f"{key}:" in rows, f"{metric}: no row gives {key}"


@pytest.mark.parametrize("metric", list(EVERY_TERM) + list(OTHER_FORMS))
def test_validate_shows_every_term_an_outcome_was_given(scenario_from, metric):
    yaml, shown = {**EVERY_TERM, **OTHER_FORMS}[metric]
    text = BASE_SCENARIO.read_text(encoding="utf-8")
    text = text.replace("  effect_shift:", "  fixed_price: 1234567\n  drawn_price: {dist: {uniform: "
                        "{min: 1000000, max: 3000000}}, label: {en: A drawn price, da: En trukket pris}}\n"
                        "  effect_shift:")
    start, end = text.index("    outcomes:\n"), text.index("    versus_baseline:")
    text = text[:start] + f"    outcomes:\n      it: {yaml}\n" + text[end:]
    scenario = scenario_from(text)
    (outcome,) = scenario.contracts["sif"].outcomes
    line = f"    it: {outcome.describe(Show(scenario))}"
    assert line + "\n" in describe(scenario) + "\n"
    assert line == "    it: " + "; ".join(shown)
    assert not E_NOTATION.search(describe(scenario))


E_NOTATION = re.compile(r"\d[eE][+-]?\d")


@pytest.mark.parametrize("value, text", [
    (2e6, "2,000,000"), (9125000, "9,125,000"), (2433334, "2,433,334"), (0.2, "0.2"), (1.25, "1.25"),
    (0.035, "0.035"), (-4664.4, "-4,664.4"), (1e12, "1,000,000,000,000"), (0.0, "0"), (1 / 3, "0.33333333333"),
])
def test_figures_have_thousands_separators_and_never_an_exponent(value, text):
    assert figure(value) == text


def test_figures_rounded_to_significant_digits():
    assert figure(10789.56, 4) == "10,790" and figure(0.22551, 4) == "0.2255" and figure(33834.2, 4) == "33,830"


def test_labels_are_shown_in_the_chosen_language_beside_their_ids():
    scenario = load_scenario(SCENARIOS / "aarhus.yaml")
    english, danish = describe(scenario), describe(scenario, "da")
    assert "Contract Intervention 1: Housing First + Job First, employment group (employment_outcomes)" in english
    assert "Contract Indsats 1: Housing First + Job First, beskæftigelsesgruppen (employment_outcomes)" in danish
    assert "  Aarhus Municipality: social services (municipality.social)\n" in english
    assert "  Region Midtjylland: psykiatrien (region.psychiatry)\n" in danish
    assert "    Half-year without shelter, street or transitional flat (no_shelter_half_year): per period of 6 " \
           "months ending on month 12 (2022-08), month 18 (2023-02), month 24 (2023-08), month 36 (2024-08) and " \
           "month 48 (2025-08), each youth present for all of it, with at most 0.2 months in housing shelter, " \
           "street or transitional; 140,000 DKK each ($price_no_shelter_employment); paid only above 45 % of the " \
           "contract's youths measured each time\n" in english
    assert "  Forsorgshjem som hidtil (shelter_as_usual): the baseline" in danish
    assert "investor: principal 7,300,000 DKK, disbursed 2,433,334 DKK at month 0 (2021-08), 2,433,333 DKK at " \
           "month 12 (2022-08), 2,433,333 DKK at month 24 (2023-08); provided by Social Investment Fund (DSI): the " \
           "investment (fund.investment) 50 %, Aarhus Municipality: Council for Social Investments " \
           "(municipality.investment_council) 50 %" in english
    for text in (english, danish):
        assert not E_NOTATION.search(text)


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
