"""The loader: YAML → `extends` → deep merge → per-arm `patch` → `$name` → typed model (exact tests).

Everything here is deterministic: no simulation, no tolerance except the spec's own (shares sum
to 1 within 1e-9). The error catalogue, run through the command line, is in tests/test_cli_errors.py;
random broken files are in tests/test_cli_errors_property.py.
"""
from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from simulator.language.errors import ScenarioError
from simulator.language.loading import load_resolved, load_scenario
from simulator.language.scenario import MonthsPerYear, Ref, bind, binder, holds_refs

pytestmark = pytest.mark.exact

SMALL = """\
name: small
horizon: 24
start: 2021-07
intake: {cohort: 10}
tracks:
  housing:
    states: [street, shelter, housed]
    initial: {street: 0.5, shelter: 0.5}
    transitions:
      street->shelter: {time: {exponential: {mean: 2}}}
      shelter->housed:
        time: {weibull: {shape: 0.8, median: 12}}
        modifiers: [{when: {health: crisis}, hazard_ratio: 0.5}]
      housed->street: {time: {exponential: {mean: 40}}}
  health:
    states: [stable, crisis]
    initial: {stable: 1.0}
    transitions:
      stable->crisis: {time: {exponential: {mean: 24}}}
arms: {usual: {}}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def transition(scenario, source: str, target: str, arm: str | None = None, track: str = "housing"):
    model = scenario.arms[arm or scenario.baseline].model
    return next(t for t in model.track(track).transitions if (t.source, t.target) == (source, target))


def problems(error: ScenarioError) -> list[str]:
    return [str(issue) for issue in error.issues]


def refs_in(obj) -> list[Ref]:
    """Every `Ref` left anywhere in a bound or unbound scenario object."""
    if isinstance(obj, Ref):
        return [obj]
    if isinstance(obj, (str, bytes, int, float, bool, type(None), frozenset)):
        return []
    if isinstance(obj, dict):
        return [r for value in obj.values() for r in refs_in(value)]
    if isinstance(obj, (tuple, list)):
        return [r for item in obj for r in refs_in(item)]
    if dataclasses.is_dataclass(obj):
        return [r for f in dataclasses.fields(obj) for r in refs_in(getattr(obj, f.name))]
    return []


# --- extends ------------------------------------------------------------------------------------


def test_a_three_file_extends_chain_merges_with_the_extending_file_winning(tmp_path):
    write(tmp_path, "grand.yaml", SMALL)
    write(tmp_path, "parent.yaml", """\
        extends: grand.yaml
        name: parent
        horizon: 36
        """)
    child = write(tmp_path, "child.yaml", """\
        extends: parent.yaml
        name: child
        tracks:
          housing:
            transitions:
              shelter->housed: {time: {weibull: {median: 6}}}
        """)
    scenario = load_scenario(child)
    assert scenario.name == "child"  # the child wins over parent and grandparent
    assert scenario.horizon == 36  # from the parent
    changed = transition(scenario, "shelter", "housed")
    assert changed.time.kind == "weibull"
    assert dict(changed.time.args) == {"shape": 0.8, "median": 6.0}  # shape kept from the grandparent
    assert len(changed.modifiers) == 1 and changed.modifiers[0].hazard_ratio == 0.5  # kept
    # every other transition, and the other track, exactly as in the grandparent
    grand = load_scenario(tmp_path / "grand.yaml")
    for source, target in [("street", "shelter"), ("housed", "street")]:
        assert transition(scenario, source, target) == transition(grand, source, target)
    assert scenario.arms["usual"].model.track("health") == grand.arms["usual"].model.track("health")
    assert len(scenario.files) == 3 and all(len(digest) == 64 for digest in scenario.files.values())


def test_extends_paths_are_relative_to_the_extending_file_also_from_a_subfolder(tmp_path, monkeypatch):
    write(tmp_path, "base/parts/core.yaml", SMALL)
    write(tmp_path, "base/common.yaml", """\
        extends: parts/core.yaml
        horizon: 48
        """)
    child = write(tmp_path, "variants/deep/child.yaml", """\
        extends: ../../base/common.yaml
        name: from a subfolder
        """)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the working folder plays no part
    scenario = load_scenario(child)
    assert (scenario.name, scenario.horizon) == ("from a subfolder", 48)
    assert len(scenario.files) == 3
    monkeypatch.chdir(tmp_path / "variants")  # and a relative path on the command line works too
    assert load_scenario(Path("deep/child.yaml")).horizon == 48


def test_an_extends_cycle_is_reported_with_the_file_and_the_chain(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\n" + SMALL)
    write(tmp_path, "b.yaml", "horizon: 12\nextends: a.yaml\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "a.yaml")
    (issue,) = caught.value.issues
    assert issue.file.endswith("b.yaml") and issue.path == "extends"
    assert (issue.line, issue.column) == (2, 1)  # where b.yaml writes `extends`
    assert issue.expected == "no cycle of extends"
    assert issue.found == "a.yaml -> b.yaml -> a.yaml"


def test_a_missing_extends_file_is_reported_where_extends_is_written(tmp_path):
    path = write(tmp_path, "child.yaml", "name: child\nextends: nowhere.yaml\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (issue,) = caught.value.issues
    assert (issue.file, issue.path, issue.line) == (str(path), "extends", 2)
    assert "no such file" in issue.found


# --- patches and arms ---------------------------------------------------------------------------

PATCHED = SMALL.replace("arms: {usual: {}}\n", """\
parameters:
  cost: 100
arms:
  usual: {}
  faster:
    label: Faster housing
    patch:
      parameters: {cost: 250}
      tracks:
        housing:
          transitions:
            shelter->housed: {time: {weibull: {median: 3}}}
""")


def test_a_patch_changes_one_transition_of_its_arm_and_nothing_else(scenario_from):
    scenario = scenario_from(PATCHED)
    assert transition(scenario, "shelter", "housed", "faster").time.args["median"] == 3.0
    assert transition(scenario, "shelter", "housed", "faster").time.args["shape"] == 0.8
    assert transition(scenario, "shelter", "housed", "usual").time.args["median"] == 12.0
    for source, target in [("street", "shelter"), ("housed", "street")]:
        assert transition(scenario, source, target, "faster") == transition(scenario, source, target, "usual")
    assert scenario.arms["faster"].label.get("en") == "Faster housing"


def test_the_baseline_arm_is_the_scenario_without_any_patch(scenario_from):
    patched = scenario_from(PATCHED, "patched.yaml")
    without_arm = SMALL.replace("arms: {usual: {}}\n", "parameters: {cost: 100}\narms: {usual: {}}\n")
    plain = scenario_from(without_arm, "plain.yaml")
    assert patched.baseline == "usual"  # the first arm, when `baseline` is not given
    assert patched.arms["usual"].model == plain.arms["usual"].model
    assert patched.arms["usual"].own_parameters == frozenset()


def test_an_arm_that_redefines_a_parameter_owns_it(scenario_from):
    scenario = scenario_from(PATCHED)
    assert scenario.arms["faster"].own_parameters == frozenset({"cost"})
    assert scenario.arms["faster"].model.parameters["cost"].value == 250
    assert scenario.arms["usual"].model.parameters["cost"].value == 100


# --- $name references ----------------------------------------------------------------------------


def test_dollar_names_become_refs_and_bind_replaces_every_one(scenario_from):
    scenario = scenario_from(SMALL.replace("{exponential: {mean: 2}}", "{exponential: {mean: $wait}}")
                             .replace("hazard_ratio: 0.5", "hazard_ratio: $effect")
                             .replace("arms: {usual: {}}\n", """\
parameters:
  wait: {dist: {lognormal: {median: 2, sigma: 0.3}}, label: months on the street}
  effect: {value: 0.5, source: an assumption}
arms: {usual: {}}
"""))
    assert transition(scenario, "street", "shelter").time.args["mean"] == Ref("wait")
    assert transition(scenario, "shelter", "housed").modifiers[0].hazard_ratio == Ref("effect")
    model = scenario.arms["usual"].model
    assert set(refs_in(model)) == {Ref("wait"), Ref("effect")}
    bound = bind(model, {"wait": 2.5, "effect": 0.4})
    assert refs_in(bound) == []
    assert bound.track("housing").transitions[0].time.args["mean"] == 2.5
    assert bound.track("housing").transitions[1].modifiers[0].hazard_ratio == 0.4
    assert bound.track("housing").transitions[0].time.distribution().mean() == pytest.approx(2.5)
    assert refs_in(model) != [], "bind returns a new object and leaves the loaded scenario as it was"


def test_binder_binds_as_bind_does_and_keeps_what_holds_no_name():
    """`binder` walks an object once for many replications' values: the same objects as `bind`,
    and what holds no `$name` given back as itself (what the record relies on to reuse it)."""
    scenario = load_scenario(Path(__file__).parents[2] / "scenarios" / "aarhus.yaml")
    values = {name: 1.0 + i / 7 for i, name in enumerate(scenario.parameters())}
    objects = [scenario.economics, *scenario.contracts.values(),
               *(arm.model.flows for arm in scenario.arms.values()), *(arm.model for arm in scenario.arms.values())]
    for obj in objects:
        assert binder(obj)(values) == bind(obj, values)
        assert refs_in(binder(obj)(values)) == []
        assert holds_refs(obj) == bool(refs_in(obj))
    assert not refs_in(scenario.economics)  # a fixed discount rate
    assert binder(scenario.economics)(values) is scenario.economics
    condition = next(iter(scenario.contracts.values())).outcomes[0].condition
    assert binder(condition)(values) is condition


# --- labels (spec §4.1) ---------------------------------------------------------------------------

LABELLED = SMALL.replace("arms: {usual: {}}\n", """\
parameters:
  cost: {value: 100, label: {en: Cost of a night, da: Pris for en nat}}
  plain: {value: 1, label: A plain text}
  bare: 2
arms:
  usual: {label: {da: Som nu}}
  better: {label: Better}
economics:
  departments:
    municipality.social: {label: {en: Social services, da: Socialforvaltningen}}
    state.benefits:
flows:
  nights:
    per_month_in: {housing: shelter}
    amount: $cost
    pays: municipality.social
    label: {en: Shelter nights}
contracts:
  sib:
    label: {en: Social impact bond, da: Social effektobligation}
    arm: better
    payer: municipality.social
    investor: {principal: 1000}
    outcomes:
      housed: {entered: {housing: housed}, price: 10, label: {da: Fået en bolig}}
      crises: {entered: {health: crisis}, price: 5}
""")


def test_a_label_is_a_text_or_a_mapping_by_language_with_fallbacks_to_the_other_then_the_id(scenario_from):
    scenario = scenario_from(LABELLED)
    parameters = scenario.parameters()
    assert [parameters["cost"].label.get(lang) for lang in ("en", "da")] == ["Cost of a night", "Pris for en nat"]
    assert [parameters["plain"].label.get(lang) for lang in ("en", "da")] == ["A plain text", "A plain text"]
    assert [parameters["bare"].label.get(lang) for lang in ("en", "da")] == ["bare", "bare"]
    assert parameters["bare"].label.given("da") == "" and parameters["plain"].label.given("da") == "A plain text"
    assert scenario.arms["usual"].label.get("en") == "Som nu"  # the other language
    assert scenario.arms["better"].label.get("da") == "Better"
    economics = scenario.economics
    assert economics.departments == ("municipality.social", "state.benefits")
    assert economics.label("municipality.social").get("da") == "Socialforvaltningen"
    assert economics.label("state.benefits").get("da") == "state.benefits"
    assert scenario.arms["better"].model.flows[0].label.get("da") == "Shelter nights"
    contract = scenario.contracts["sib"]
    assert contract.label.get("da") == "Social effektobligation"
    assert [outcome.label.get("en") for outcome in contract.outcomes] == ["Fået en bolig", "crises"]


def test_labels_survive_the_manifest_and_a_list_of_departments_has_no_labels(scenario_from):
    """`load_resolved` rebuilds a scenario from the manifest's plain data, labels and all."""
    scenario = scenario_from(LABELLED)
    again = load_resolved(scenario.resolved, scenario.files, scenario.file)
    assert again.contracts["sib"].label == scenario.contracts["sib"].label
    assert again.economics.department_labels == scenario.economics.department_labels
    listed = scenario_from(FLOWS)
    assert listed.economics.department_labels == {}
    assert listed.economics.label("state.benefits").get("da") == "state.benefits"


# --- flows: calendar months ---------------------------------------------------------------------

FLOWS = SMALL.replace("arms: {usual: {}}\n", """\
arms: {usual: {}}
economics: {departments: [municipality.social, state.benefits]}
flows:
  before_reform:
    per_month_in: {housing: shelter}
    until: 2023-10
    amount: 1000
    pays: municipality.social
  after_reform:
    per_month_in: {housing: shelter}
    from: 2022-01
    max_months_per_year: 4
    amount: 1000
    transfer: {from: state.benefits, to: municipality.social, share: 0.5}
  programme:
    fixed: {per_month: 5000, from: 2021-01, until: 2022-07}
    pays: municipality.social
""")


def test_calendar_months_in_flows_count_from_start(scenario_from):
    """12·(year − start year) + (month − start month), start = 2021-07 (docs/architecture.md)."""
    scenario = scenario_from(FLOWS)
    flows = {flow.name: flow for flow in scenario.arms["usual"].model.flows}
    assert flows["before_reform"].until == 27.0  # 2023-10
    assert flows["after_reform"].start == 6.0  # 2022-01
    assert flows["after_reform"].max_months_per_year == MonthsPerYear(((0.0, 4.0),))
    assert dict(flows["after_reform"].shares) == {"state.benefits": 0.5, "municipality.social": -0.5}
    assert (flows["programme"].start, flows["programme"].until) == (-6.0, 12.0)  # before start: negative


def test_a_calendar_month_without_start_is_an_error(scenario_from):
    with pytest.raises(ScenarioError) as caught:
        scenario_from(FLOWS.replace("start: 2021-07\n", ""))
    paths = {issue.path for issue in caught.value.issues}
    assert {"flows.before_reform.until", "flows.after_reform.from",
            "flows.after_reform.max_months_per_year", "flows.programme.fixed.from"} <= paths


def test_month_13_is_not_a_calendar_month(scenario_from):
    with pytest.raises(ScenarioError) as caught:
        scenario_from(FLOWS.replace("until: 2023-10", "until: 2023-13"))
    assert [issue.path for issue in caught.value.issues] == ["flows.before_reform.until"]


# --- numbers and shares -------------------------------------------------------------------------


def test_initial_must_sum_to_1_within_1e_9(scenario_from):
    """Spec §1.1: a rounding error in the sum is not a mistake; a missing share is."""
    scenario = scenario_from(SMALL.replace("{street: 0.5, shelter: 0.5}",
                                           "{street: 0.7, shelter: 0.2, housed: 0.1}"))
    assert sum(scenario.arms["usual"].model.track("housing").initial.shares[None].values()) != 1.0
    scenario_from(SMALL.replace("shelter: 0.5}", "shelter: 0.4999999995}"))  # 5e-10 short
    with pytest.raises(ScenarioError) as caught:
        scenario_from(SMALL.replace("shelter: 0.5}", "shelter: 0.499999998}"))  # 2e-9 short
    assert [issue.path for issue in caught.value.issues] == ["tracks.housing.initial"]


REFERENCED = SMALL.replace("{exponential: {mean: 40}}", "{exponential: {mean: $stay}}").replace(
    "arms: {usual: {}}\n", """\
parameters:
  stay: {dist: {DIST}}
  places: {dist: {PLACES}}
resources: {flats: {capacity: $places}}
arms: {usual: {}}
""")


@pytest.mark.parametrize("dist", ["lognormal: {median: 40, sigma: 0.5}", "gamma: {mean: 40, sd: 10}",
                                  "uniform: {min: 0, max: 80}", "pert: {min: 10, mode: 40, max: 90}"])
def test_a_parameter_that_is_always_positive_may_be_a_mean(scenario_from, dist):
    """A lognormal or gamma never draws its support's end 0, nor anything infinite."""
    text = REFERENCED.replace("{DIST}", "{" + dist + "}").replace("{PLACES}", "{choice: {values: [10, 20]}}")
    scenario = scenario_from(text)
    assert transition(scenario, "housed", "street").time.args["mean"] == Ref("stay")


def test_a_normal_that_can_go_below_zero_may_not_be_a_mean(scenario_from):
    text = (REFERENCED.replace("{DIST}", "{normal: {mean: 40, sd: 10}}")
            .replace("{PLACES}", "{choice: {values: [10, 20]}}"))
    with pytest.raises(ScenarioError) as caught:
        scenario_from(text)
    (issue,) = caught.value.issues
    assert issue.path == "tracks.housing.transitions.housed->street.time.exponential.mean"
    assert issue.expected == "a positive number" and "$stay" in issue.found


def test_a_whole_number_may_refer_to_a_choice_but_not_to_a_continuous_parameter(scenario_from):
    """A capacity of 27.4 places means nothing, even when the range's ends are whole numbers."""
    text = REFERENCED.replace("{DIST}", "{lognormal: {median: 40, sigma: 0.5}}")
    with pytest.raises(ScenarioError) as caught:
        scenario_from(text.replace("{PLACES}", "{pert: {min: 10, mode: 20, max: 30}}"))
    (issue,) = caught.value.issues
    assert issue.path == "resources.flats.capacity" and "continuous" in issue.found
    with pytest.raises(ScenarioError):
        scenario_from(text.replace("{PLACES}", "{choice: {values: [10, 20.5]}}"))


def test_exponent_notation_is_a_number(scenario_from):
    """YAML 1.1 (PyYAML's default) reads 3e7 as text; users mean a number, as YAML 1.2 says."""
    scenario = scenario_from(SMALL.replace("{exponential: {mean: 40}}", "{exponential: {mean: 4e1}}"))
    assert transition(scenario, "housed", "street").time.args["mean"] == 40.0


def test_every_problem_is_collected_before_raising(tmp_path, scenario_from):
    text = (SMALL.replace("horizon: 24", "horizon: -1")
            .replace("{exponential: {mean: 2}}", "{exponential: {mean: -2}}")
            .replace("arms: {usual: {}}", "arms: {usual: {}}\nbaseline: nobody"))
    with pytest.raises(ScenarioError) as caught:
        scenario_from(text)
    assert [issue.path for issue in caught.value.issues] == [
        "horizon", "tracks.housing.transitions.street->shelter.time.exponential.mean", "baseline"]
    for line in problems(caught.value):
        assert line.startswith(str(tmp_path / "scenario.yaml") + ":") and "expected" in line and "found" in line


def test_an_unknown_key_gets_a_did_you_mean_hint(scenario_from):
    with pytest.raises(ScenarioError) as caught:
        scenario_from(SMALL.replace("transitions:\n      street", "transitons:\n      street"))
    (issue,) = caught.value.issues
    assert issue.path == "tracks.housing.transitons"
    assert "did you mean 'transitions'?" in issue.expected
    assert issue.line == 9


def test_an_empty_file_is_reported_as_such(tmp_path, scenario_from):
    with pytest.raises(ScenarioError) as caught:
        scenario_from("# only a comment\n")
    assert problems(caught.value) == [f"{tmp_path / 'scenario.yaml'}: expected a mapping of scenario fields, "
                                      "found an empty file"]


def test_max_months_per_year_reads_days_rolling_years_and_dated_limits(scenario_from):
    """`days` are months of a twelfth of a year (120 days = 120 / 30.4375 months); `from` takes a
    calendar month; a plain number is months per calendar year, as before."""
    scenario = scenario_from("""
        name: reimbursement rules
        horizon: 60
        start: 2024-01
        intake: {cohort: 1}
        tracks:
          housing: {states: [shelter, housed], initial: {shelter: 1.0}}
        arms: {usual: {}}
        economics: {departments: [municipality.social, state.benefits]}
        flows:
          reform:
            per_month_in: {housing: shelter}
            amount: 1000
            transfer: {from: state.benefits, to: municipality.social, share: 0.5}
            max_months_per_year:
              year: rolling
              limits: [{days: 120}, {from: 2026-04, days: 90}]
          before:
            per_month_in: {housing: shelter}
            amount: 1000
            pays: municipality.social
            max_months_per_year: 4
        """)
    reform, before = scenario.arms["usual"].model.flows
    assert reform.max_months_per_year == MonthsPerYear(((0.0, 120 / 30.4375), (27.0, 90 / 30.4375)), rolling=True)
    assert before.max_months_per_year == MonthsPerYear(((0.0, 4.0),), rolling=False)
