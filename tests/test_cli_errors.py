"""A catalogue of broken scenarios, each checked through the real command line (spec §2).

Every case is the valid base scenario (tests/data/base.yaml: tracks with modifiers and on_enter
jumps, resources with holds, attributes, two intake streams, an arm with a patch, flows of every
kind, a contract with every metric kind) with one thing broken. Each runs
`python -m simulator validate FILE` in a subprocess, as a user would, and must:

- exit with status 2 and print no traceback;
- print each problem on one line, to stderr, as `FILE[:LINE:COL]: path.to.field: expected ..., found ...`;
- name the file, the exact path to the field and what was expected.

The subprocesses run concurrently (one per case, as many at a time as there are cores): each
costs about a second and a half, most of it importing scipy.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support import BASE_SCENARIO, ROOT

pytestmark = pytest.mark.end_to_end

BASE = BASE_SCENARIO.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Expect:
    """One problem the output must report: where (the field path) and what was expected."""

    path: str  # "" for a problem with the whole file (YAML syntax, not a mapping)
    expected: str  # a fragment of the text after "expected"
    file: str | None = None  # the file named, when not the case's own file
    where: str | None = None  # "LINE:COL" when the exact position is checked; "" = no position


@dataclass(frozen=True)
class Case:
    id: str
    edits: tuple[tuple[str, str], ...]  # (old, new): old must occur exactly once in the base
    expect: tuple[Expect, ...]
    text: str | None = None  # the whole file instead of edits of the base
    files: dict[str, str] = field(default_factory=dict)  # other files beside it (extends)

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        text = self.text
        if text is None:
            text = BASE
            for old, new in self.edits:
                assert text.count(old) == 1, f"{self.id}: {old!r} occurs {text.count(old)} times"
                text = text.replace(old, new)
        for name, content in self.files.items():
            (folder / name).write_text(content, encoding="utf-8")
        path = folder / "scenario.yaml"
        path.write_text(text, encoding="utf-8")
        return path


def case(id: str, old: str | tuple, new: str | None = None, *expect: Expect, **options) -> Case:
    edits = old if isinstance(old, tuple) else ((old, new),)
    return Case(id, edits, expect, **options)


TRANSITION = "tracks.housing.transitions"
CASES = [
    # --- keys ----------------------------------------------------------------------------------
    case("unknown_top_level_key", "horizon: 72\n", "horizon: 72\ndescripton: a typo\n",
         Expect("descripton", "did you mean 'description'?", where="4:1")),
    case("intake_kind_typo", "{poisson: {rate: 1.25", "{poison: {rate: 1.25",
         Expect("intake[0].poison", "did you mean 'poisson'?")),
    case("unknown_key_in_transition", "        modifiers:\n          - {when: {health: crisis}, hazard_ratio: 0.2}",
         "        modifers:\n          - {when: {health: crisis}, hazard_ratio: 0.2}",
         Expect(f"{TRANSITION}.shelter->housed.modifers", "did you mean 'modifiers'?")),
    case("missing_required_name", "name: catalogue base\n", "",
         Expect("name", "a value for `name` (required)", where="")),
    case("duplicate_key", "horizon: 72\n", "horizon: 72\nhorizon: 60\n",
         Expect("horizon", "each key once", where="4:1")),
    case("bool_where_a_number_is_expected", "{poisson: {rate: 1.25", "{poisson: {rate: yes",
         Expect("intake[0].poisson.rate", "a number > 0")),
    # --- tracks and transitions ----------------------------------------------------------------
    case("state_not_in_track", "street->shelter:", "street->shelterr:",
         Expect(f"{TRANSITION}.street->shelterr", "a state of this track as `to`")),
    case("transition_key_without_arrow", "street->shelter:", "street-shelter:",
         Expect(f"{TRANSITION}.street-shelter", "a transition key `from->to`")),
    case("negative_time_argument", "shape: 0.8", "shape: -0.8",
         Expect(f"{TRANSITION}.shelter->housed.time.weibull.shape", "a positive number", where="26:26")),
    case("zero_time_argument", "{exponential: {mean: 24}}", "{exponential: {mean: 0}}",
         Expect("tracks.health.transitions.stable->crisis.time.exponential.mean", "a positive number")),
    case("probability_outside_0_1", "p: 0.25", "p: 1.5",
         Expect("tracks.activity.transitions.none->job.time.probability.p", "between 0 and 1")),
    case("unknown_distribution_kind", "lognormal: {median: 40", "lognormall: {median: 40",
         Expect(f"{TRANSITION}.housed->street.time.lognormall", "did you mean 'lognormal'?")),
    case("undeclared_parameter", "amount: 45000", "amount: $admission_cost",
         Expect("flows.psychiatric_admission.amount", "a declared parameter")),
    case("parameter_support_allows_invalid_values", "{exponential: {mean: 3}}",
         "{exponential: {mean: $effect_shift}}",
         Expect(f"{TRANSITION}.street->shelter.time.exponential.mean", "a positive number")),
    case("initial_not_summing_to_1", "initial: {street: 0.5, shelter: 0.5}",
         "initial: {street: 0.5, shelter: 0.4}",
         Expect("tracks.housing.initial", "shares that sum to 1")),
    case("initial_by_undeclared_attribute", "by: profile", "by: profil",
         Expect("tracks.health.initial.by", "a declared attribute")),
    case("holds_undeclared_resource", "holds: {hf_flat: flats}", "holds: {hf_flat: flat}",
         Expect("tracks.housing.holds.hf_flat", "a declared resource")),
    case("jump_targets_a_holding_state", "to: street, probability: 0.1", "to: hf_flat, probability: 0.1",
         Expect("tracks.health.on_enter.crisis[0].to", "a state that holds no resource")),
    case("jump_to_the_same_track", "{track: housing, from: [housed, hf_flat], to: street, probability: 0.1}",
         "{track: health, from: [stable], to: crisis}",
         Expect("tracks.health.on_enter.crisis[0].track", "another track")),
    case("fixed_clock_with_nonzero_hazard_ratio", "- {when: {health: crisis}, hazard_ratio: 0}",
         "- {when: {health: crisis}, hazard_ratio: 0.5}",
         Expect("tracks.support.transitions.active->ended.modifiers[0].hazard_ratio",
                "0 (a fixed clock can only be paused)")),
    case("modifier_strength_above_1", "{when: {health: crisis}, hazard_ratio: 0.2}",
         "{when: {health: crisis}, hazard_ratio: 0.2, strength: 1.5}",
         Expect(f"{TRANSITION}.shelter->housed.modifiers[0].strength", "a number in [0, 1]")),
    case("modifier_strength_parameter_outside_0_1", "{when: {health: crisis}, hazard_ratio: 0.2}",
         "{when: {health: crisis}, hazard_ratio: 0.2, strength: $effect_shift}",
         Expect(f"{TRANSITION}.shelter->housed.modifiers[0].strength", "a number in [0, 1]")),
    case("flow_scale_below_0", "    amount: 45000\n", "    amount: 45000\n    scale: -0.5\n",
         Expect("flows.psychiatric_admission.scale", "a number in [0, 1]")),
    case("modifier_condition_with_unknown_state", "{when: {health: crisis}, hazard_ratio: 0.2}",
         "{when: {health: crises}, hazard_ratio: 0.2}",
         Expect(f"{TRANSITION}.shelter->housed.modifiers[0].when.health", "did you mean 'crisis'?")),
    # --- arms ----------------------------------------------------------------------------------
    case("baseline_names_unknown_arm", "baseline: usual", "baseline: usuall",
         Expect("baseline", "an arm: one of usual, housing_first")),
    case("patch_of_a_non_patchable_key", "    patch:\n", "    patch:\n      intake: {cohort: 5}\n",
         Expect("arms.housing_first.patch.intake", "one of tracks, resources, flows, parameters, exit")),
    case("error_inside_a_patch", "{loglogistic: {shape: 2, median: 1}}",
         "{loglogistic: {shape: 2, median: -1}}",
         Expect("arms.housing_first.patch.tracks.housing.transitions.shelter->hf_flat.time"
                ".loglogistic.median", "a positive number")),
    # --- flows ---------------------------------------------------------------------------------
    case("flow_with_two_kinds", "  shelter_stay:\n", "  shelter_stay:\n    per_entry: {health: crisis}\n",
         Expect("flows.shelter_stay", "exactly one of per_month_in, per_entry, per_youth, fixed")),
    case("flow_without_payer", "    pays: region.psychiatry\n", "",
         Expect("flows.psychiatric_admission", "exactly one of pays, split, transfer")),
    case("split_shares_not_summing_to_1", "municipality.tax: 0.4}", "municipality.tax: 0.5}",
         Expect("flows.income_tax.split", "shares that sum to 1")),
    case("transfer_to_the_same_department",
         "max_months_per_year: 4\n    amount: $shelter_cost\n"
         "    transfer: {from: state.benefits, to: municipality.social",
         "max_months_per_year: 4\n    amount: $shelter_cost\n    transfer: {from: state.benefits, to: state.benefits",
         Expect("flows.shelter_reimbursement_after_reform.transfer.to", "a department other than `from`")),
    case("undeclared_department", "pays: region.psychiatry", "pays: region.psychiatri",
         Expect("flows.psychiatric_admission.pays", "did you mean 'region.psychiatry'?")),
    case("calendar_month_without_start", "start: 2021-07\n", "",
         Expect("flows.shelter_reimbursement.until", "a calendar month needs `start`"),
         Expect("flows.shelter_reimbursement_after_reform.from", "a calendar month needs `start`")),
    case("max_months_per_year_on_per_entry", "    pays: region.psychiatry\n",
         "    pays: region.psychiatry\n    max_months_per_year: 2\n",
         Expect("flows.psychiatric_admission.max_months_per_year", "only on a per_month_in flow")),
    case("max_months_per_year_of_an_unknown_year", "    max_months_per_year: 4\n",
         "    max_months_per_year: {months: 4, year: rolled}\n",
         Expect("flows.shelter_reimbursement_after_reform.max_months_per_year.year", "did you mean 'rolling'?")),
    case("max_months_per_year_limits_out_of_order", "    max_months_per_year: 4\n",
         "    max_months_per_year:\n      year: rolling\n"
         "      limits: [{days: 120}, {from: 2026-04, days: 90}, {from: 2025-01, days: 60}]\n",
         Expect("flows.shelter_reimbursement_after_reform.max_months_per_year.limits[2].from", "a month after the previous")),
    case("max_months_per_year_with_days_and_months", "    max_months_per_year: 4\n",
         "    max_months_per_year: {months: 4, days: 120}\n",
         Expect("flows.shelter_reimbursement_after_reform.max_months_per_year", "exactly one of months, days")),
    # --- contracts -----------------------------------------------------------------------------
    case("contract_arm_unknown", "arm: housing_first", "arm: housing_frist",
         Expect("contracts.sif.arm", "did you mean 'housing_first'?")),
    case("payers_not_summing_to_1", "fund.development: 0.5}", "fund.development: 0.6}",
         Expect("contracts.sif.payers", "shares that sum to 1")),
    case("outcome_with_two_metrics", "        months_in: {activity: job}\n",
         "        months_in: {activity: job}\n        entered: {activity: job}\n",
         Expect("contracts.sif.outcomes.job_months", "exactly one of achieved, months_in")),
    case("status_at_without_checkpoints", "status_at: {months_after_arrival: [12, 24, 36], not_in:",
         "status_at: {not_in:",
         Expect("contracts.sif.outcomes.off_shelter.status_at.months_after_arrival", "(required)")),
    case("per_period_without_bounds", ", at_least: 1.5}", "}",
         Expect("contracts.sif.outcomes.attached.per_period", "at_least and/or at_most")),
    # calendar measurements and reference levels (base: start 2021-07, horizon 72 = 2027-07)
    case("per_period_with_from_and_dates", "per_period: {every: 6, in: {activity: job}",
         "per_period: {every: 6, from: 2022-02, dates: [2022-08], in: {activity: job}",
         Expect("contracts.sif.outcomes.attached.per_period", "one of from or dates")),
    case("status_at_with_both_forms", "status_at: {months_after_arrival: [12, 24, 36], not_in:",
         "status_at: {months_after_arrival: [12, 24, 36], dates: [2022-08], not_in:",
         Expect("contracts.sif.outcomes.off_shelter.status_at", "one of months_after_arrival or dates")),
    case("status_at_date_before_start", "status_at: {months_after_arrival: [12, 24, 36], not_in:",
         "status_at: {dates: [2022-08, 2021-06], not_in:",
         Expect("contracts.sif.outcomes.off_shelter.status_at.dates[1]", "on or after the scenario's start")),
    case("status_at_date_not_a_month", "status_at: {months_after_arrival: [12, 24, 36], not_in:",
         "status_at: {dates: [2022-13], not_in:",
         Expect("contracts.sif.outcomes.off_shelter.status_at.dates[0]", "a calendar month YYYY-MM")),
    case("status_at_dates_out_of_order", "status_at: {months_after_arrival: [12, 24, 36], not_in:",
         "status_at: {dates: [2023-02, 2022-08], not_in:",
         Expect("contracts.sif.outcomes.off_shelter.status_at.dates[1]", "increasing order")),
    case("status_at_date_at_the_horizon", "status_at: {months_after_arrival: [12, 24, 36], not_in:",
         "status_at: {dates: [2022-08, 2027-07], not_in:",
         Expect("contracts.sif.outcomes.off_shelter.status_at", "calendar months before the horizon (month 72)")),
    case("status_at_on_is_a_yaml_boolean", "status_at: {months_after_arrival: [12, 24, 36], not_in:",
         "status_at: {on: [2022-08], not_in:",
         Expect("contracts.sif.outcomes.off_shelter.status_at.True", "a known key")),
    case("per_period_from_before_start", "per_period: {every: 6,", "per_period: {every: 6, from: 2021-01,",
         Expect("contracts.sif.outcomes.attached.per_period.from", "on or after the scenario's start")),
    case("per_period_from_a_parameter", "per_period: {every: 6,", "per_period: {every: 6, from: $effect_shift,",
         Expect("contracts.sif.outcomes.attached.per_period.from", "(not a parameter)")),
    case("share_level_without_calendar_dates", "        max_periods: 6\n",
         "        max_periods: 6\n        above: {share: 0.4}\n",
         Expect("contracts.sif.outcomes.attached.above.share", "measurements on calendar dates")),
    case("level_with_both_kinds", "        max_periods: 6\n",
         "        max_periods: 6\n        above: {share: 0.4, count: 2}\n",
         Expect("contracts.sif.outcomes.attached.above", "exactly one of share, count")),
    case("level_kind_typo", "        max_periods: 6\n", "        max_periods: 6\n        above: {cuont: 2}\n",
         Expect("contracts.sif.outcomes.attached.above.cuont", "did you mean 'count'?")),
    case("share_level_above_1", (("per_period: {every: 6,", "per_period: {every: 6, from: 2022-01,"),
                                 ("        max_periods: 6\n", "        max_periods: 6\n        above: {share: 1.5}\n")),
         None, Expect("contracts.sif.outcomes.attached.above.share", "a number in [0, 1]")),
    case("level_in_a_contract_versus_the_baseline",
         (("versus_baseline: false", "versus_baseline: true"),
          ("        max_periods: 6\n", "        max_periods: 6\n        above: {count: 2}\n")),
         None, Expect("contracts.sif.outcomes.attached.above", "no reference level in a contract versus_baseline")),
    case("provided_by_not_summing_to_1", "disbursed: [{at: 0, amount: 23000000}]}",
         "disbursed: [{at: 0, amount: 23000000}], provided_by: {fund.development: 0.7}}",
         Expect("contracts.sif.investor.provided_by", "shares that sum to 1")),
    case("provided_by_unknown_department", "disbursed: [{at: 0, amount: 23000000}]}",
         "disbursed: [{at: 0, amount: 23000000}], provided_by: {fund.developmnt: 1}}",
         Expect("contracts.sif.investor.provided_by.fund.developmnt", "did you mean 'fund.development'?")),
    case("guarantee_by_an_unknown_party", "    settlement: yearly\n",
         "    settlement: yearly\n    guarantee: {by: foundation.bikuben, covers: investor_loss, up_to: 1000}\n",
         Expect("contracts.sif.guarantee.by", "a department or a party in economics.outside")),
    case("guarantee_of_an_unknown_shortfall", "    settlement: yearly\n",
         "    settlement: yearly\n    guarantee: {by: fund.development, covers: investor_lost, up_to: 1000}\n",
         Expect("contracts.sif.guarantee.covers", "did you mean 'investor_loss'?")),
    case("guarantee_with_a_negative_amount", "    settlement: yearly\n",
         "    settlement: yearly\n    guarantee: [{by: fund.development, covers: investor_loss, up_to: -1}]\n",
         Expect("contracts.sif.guarantee[0].up_to", "a number >= 0")),
    case("guarantee_of_an_overrun_without_a_fund",
         (("    settlement: yearly\n",
           "    settlement: yearly\n    guarantee: {by: fund.development, covers: outcome_fund_overrun, up_to: 9}\n"),
          ("    outcome_fund: {reserve: 5000000}", "")),
         None,
         Expect("contracts.sif.guarantee", "an outcome_fund with a reserve")),
    # --- whole files ---------------------------------------------------------------------------
    case("yaml_syntax_error", "horizon: 72\n", "horizon: 72: 3\n",
         Expect("", "valid YAML", where="3:12")),
    case("control_character", "horizon: 72\n", "horizon: 72\x07\n",
         Expect("", "valid YAML", where="3:12")),
    Case("empty_file", (), (Expect("", "a mapping of scenario fields"),), text=""),
    Case("list_at_top_level", (), (Expect("", "a mapping of scenario fields"),),
         text="- name: a list\n- horizon: 12\n"),
    case("extends_missing_file", "name: catalogue base\n", "extends: ../nowhere.yaml\nname: catalogue base\n",
         Expect("extends", "an existing scenario file", where="2:1")),
    case("extends_cycle", "name: catalogue base\n", "extends: other.yaml\nname: catalogue base\n",
         Expect("extends", "no cycle of extends", file="other.yaml", where="1:1"),
         files={"other.yaml": "extends: scenario.yaml\nhorizon: 12\n"}),
    # --- labels (a text, or a mapping of en / da to texts) ------------------------------------
    case("label_a_number", "label: Shelter as usual", "label: 3",
         Expect("arms.usual.label", "a text or a mapping of languages (en, da) to texts")),
    case("label_unknown_language", "label: Housing First effect", "label: {en: Housing First effect, dk: effekt}",
         Expect("parameters.hf_hr.label.dk", "a known key; one of en, da")),
    case("label_language_not_text", "label: Housing First\n", "label: {en: Housing First, da: [a, b]}\n",
         Expect("arms.housing_first.label.da", "a non-empty text")),
    case("label_of_an_outcome", "        price: 3000\n", "        price: 3000\n        label: {da: ''}\n",
         Expect("contracts.sif.outcomes.first_job.label.da", "a non-empty text")),
    case("label_of_a_contract", "    settlement: yearly\n", "    settlement: yearly\n    label: [Sif]\n",
         Expect("contracts.sif.label", "a text or a mapping of languages")),
    case("label_of_a_flow", "    pays: region.psychiatry", "    pays: region.psychiatry\n    label: {en: 1}",
         Expect("flows.psychiatric_admission.label.en", "a non-empty text")),
    case("label_of_a_department",
         (("departments: [municipality.social,", "departments: {municipality.social: {label: {fr: x}},"),
          ("state.tax, fund.development]", "state.tax, fund.development}")), None,
         Expect("economics.departments.municipality.social.label.fr", "a known key; one of en, da")),
    # --- several problems are all reported at once ---------------------------------------------
    case("three_errors_at_once",
         (("horizon: 72\n", "horizon: 72\nhorizn: 60\n"),
          ("pays: region.psychiatry", "pays: region.psychiatri"),
          ("fund.development: 0.5}", "fund.development: 0.6}")),
         None,
         Expect("horizn", "did you mean 'horizon'?"),
         Expect("flows.psychiatric_admission.pays", "did you mean 'region.psychiatry'?"),
         Expect("contracts.sif.payers", "shares that sum to 1")),
]


def validate(path: Path) -> subprocess.CompletedProcess:
    """`python -m simulator validate PATH`, exactly as a user runs it."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-m", "simulator", "validate", str(path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def results(request, tmp_path_factory):
    """Each selected case's file and finished process, run concurrently."""
    params = [getattr(getattr(item, "callspec", None), "params", {}) for item in request.session.items]
    selected = {p["broken"].id for p in params if isinstance(p.get("broken"), Case)}
    root = tmp_path_factory.mktemp("catalogue")
    paths = {c.id: c.write(root / c.id) for c in CASES if c.id in selected or not selected}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        done = dict(zip(paths, pool.map(validate, paths.values())))
    return {name: (paths[name], done[name]) for name in paths}


LINE = re.compile(r"^(?P<file>.+?)(?::(?P<where>\d+:\d+))?: (?:(?P<path>\S+): )?expected (?P<expected>.+), found .+$")


@pytest.mark.parametrize("broken", CASES, ids=[c.id for c in CASES])
def test_a_broken_scenario_is_reported_with_file_path_and_expectation(broken, results):
    path, process = results[broken.id]
    output = process.stdout + process.stderr
    assert "Traceback" not in output, output
    assert process.returncode == 2, f"exit status {process.returncode}\n{output}"
    lines = [line for line in process.stderr.splitlines() if line.strip()]
    problems = []
    for line in lines:
        match = LINE.match(line)
        assert match, f"not one problem on one line (FILE:LINE:COL: path: expected ..., found ...): {line!r}"
        problems.append(match)
    for expect in broken.expect:
        file = str(path.parent / expect.file) if expect.file else str(path)
        hits = [m for m in problems if m["file"] == file and (m["path"] or "") == expect.path
                and expect.expected in m["expected"]]
        assert hits, (f"no line names {file} and the field {expect.path or '(the file)'!r} with "
                      f"'expected ...{expect.expected}...'; got:\n" + "\n".join(lines))
        if expect.where is not None:
            assert (hits[0]["where"] or "") == expect.where, (
                f"position {hits[0]['where']}, expected {expect.where or 'none'}: {hits[0].string}")
        elif expect.path:
            assert hits[0]["where"], f"no line and column for a field written in the file: {hits[0].string}"
    assert process.stdout == "", "a rejected scenario should print its problems to stderr only"


def test_the_catalogue_is_large_enough_and_its_base_is_valid(tmp_path):
    """The catalogue means something only if its base passes: one more subprocess, exit 0."""
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    process = validate(path)
    assert process.returncode == 0, process.stderr
    assert "catalogue base" in process.stdout and process.stderr == ""
