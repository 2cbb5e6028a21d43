"""YAML → merged plain data (`extends`, `patch`) → `Scenario`, collecting every problem on the way.

Two steps, each easy to test: `read_scenario` (`simulator.language.files`) parses the files and
merges them into plain dicts, `build_scenario` turns the merged data into frozen dataclasses,
one section at a time (`simulator.language.sections`). Both append `Issue`s to a shared
`Problems` instead of stopping at the first, and `load_scenario` raises one `ScenarioError` at
the end. Every builder gets the path to the field it reads, so a message can say exactly where
(`simulator.language.reader`).
"""
from __future__ import annotations

import os
import re
from typing import Any, Mapping

from simulator.language.errors import ScenarioError, shown
from simulator.language.files import json_copy, read_scenario
from simulator.language.reader import Problems, Reader, Source, join
from simulator.language.scenario import Contract, Scenario
from simulator.language.sections.contracts import build_contract
from simulator.language.sections.flows import build_economics
from simulator.language.sections.intake import build_attributes, build_intake, check_attributes_fixed
from simulator.language.sections.model import build_arms, build_model
from simulator.language.sections.parameters import build_parameters
from simulator.language.sections.targets import build_calibration, build_targets

TOP_LEVEL = (
    "name", "description", "extends", "horizon", "start", "baseline", "parameters", "sampling",
    "attributes", "intake", "tracks", "exit", "resources", "arms", "economics", "flows", "contracts",
    "targets", "calibrate",
)


def load_scenario(path: str | os.PathLike) -> Scenario:
    """The scenario in `path`, fully resolved; raises `ScenarioError` listing every problem."""
    problems = Problems()
    raw = read_scenario(path, problems)
    if problems.issues:
        raise ScenarioError(problems.issues)
    scenario = build_scenario(raw, problems)
    if problems.issues:
        raise ScenarioError(problems.issues)
    return scenario


def load_resolved(resolved: Mapping[str, Any], files: Mapping[str, str], name: str) -> Scenario:
    """A scenario from its merged plain data, as a results folder's manifest keeps it."""
    problems = Problems()
    raw = json_copy(resolved)
    raw["__files__"] = dict(files) or {name: ""}
    scenario = build_scenario(raw, problems)
    if problems.issues:
        raise ScenarioError(problems.issues)
    return scenario


class ContractBuilder:
    """Builds a loaded scenario's contracts again from plain data, through the loader's checks.

    This is how `simulator sweep` makes its designs: each varied term is written into the
    contract's mapping and the contract is built as if it had been in the file, so a bad value
    gets the same issue, with the same path, as it would there.
    """

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        # The top-level parameters, which a contract's `$name` refers to (no issues: they loaded).
        reader = Reader(Problems(), {}, scenario.start)
        self.parameters = build_parameters(scenario.resolved.get("parameters", {}), "parameters", reader)

    def build(self, name: str, raw: Mapping[str, Any], file: str) -> Contract:
        """Contract `name` as `raw` writes it; raises `ScenarioError` naming `file` (where the
        values came from) and the path of each bad field."""
        problems = Problems(sources=[Source(file, {})])
        reader, scenario = Reader(problems, self.parameters, self.scenario.start), self.scenario
        contract = build_contract(name, raw, join("contracts", name), reader, scenario.arms, tuple(scenario.arms),
                                  scenario.attributes, scenario.economics, scenario.horizon)
        if problems.issues or contract is None:
            raise ScenarioError(problems.issues)
        return contract


def build_scenario(raw: dict[str, Any], problems: Problems) -> Scenario:
    """The typed scenario; problems are added to `problems` (the result is only valid without them)."""
    files = raw.pop("__files__", {})
    file = next(iter(files), "<scenario>")
    reader = Reader(problems, {}, None)
    reader.mapping(raw, "", required=("name", "horizon", "intake", "tracks", "arms"),
                   optional=TOP_LEVEL, what="a mapping of scenario fields")
    name = reader.text(raw.get("name"), "name") if "name" in raw else ""
    description = raw.get("description", "")
    if not isinstance(description, str):
        reader.issue("description", "a text", shown(description))
    horizon = reader.number(raw.get("horizon"), "horizon", 0.0, low_open=True,
                            allow_ref=False) if "horizon" in raw else None
    start = _start(raw.get("start"), reader)
    reader.start = start
    parameters = build_parameters(raw.get("parameters", {}), "parameters", reader)
    reader.parameters = parameters
    sampling = "random"
    if "sampling" in raw:
        sampling = reader.one_of(raw["sampling"], "sampling", ("random", "lhs"), "a sampling method")
    economics = build_economics(raw.get("economics", {}), reader)
    attributes = build_attributes(raw.get("attributes", {}), reader)
    intake = build_intake(raw.get("intake"), reader, attributes) if "intake" in raw else ()
    arms_raw = raw.get("arms")
    base_model = build_model(raw, reader, attributes, economics) if "tracks" in raw else None
    arms = build_arms(arms_raw, raw, reader, attributes, economics, base_model) if "arms" in raw else {}
    # Names are checked against the arms declared: an arm that failed to build is reported once.
    declared_arms = tuple(map(str, arms_raw)) if isinstance(arms_raw, dict) else tuple(arms)
    baseline = next(iter(arms), "")
    if "baseline" in raw:
        baseline = reader.one_of(raw["baseline"], "baseline", declared_arms, "an arm") or ""
    contracts = {}
    if "contracts" in raw and reader.mapping(raw["contracts"], "contracts", optional=raw["contracts"]
                                             if isinstance(raw["contracts"], dict) else ()):
        for contract_name, contract_raw in raw["contracts"].items():
            contract = build_contract(contract_name, contract_raw, join("contracts", contract_name),
                                      reader, arms, declared_arms, attributes, economics, horizon)
            if contract is not None:
                contracts[contract_name] = contract
    targets = build_targets(raw["targets"], reader, arms, declared_arms, baseline, attributes,
                            horizon) if "targets" in raw else {}
    calibration = build_calibration(raw.get("calibrate"), reader, parameters, arms) \
        if targets or "calibrate" in raw else None
    check_attributes_fixed(attributes, intake, reader)
    resolved = {key: value for key, value in raw.items()}
    return Scenario(
        name=name or "", description=description if isinstance(description, str) else "",
        file=file, horizon=horizon or 0.0, start=start, baseline=baseline,
        sampling=sampling or "random", attributes=attributes, intake=intake,
        economics=economics, arms=arms, contracts=contracts, files=files, resolved=resolved,
        targets=targets, calibration=calibration,
    )


def _start(raw: Any, reader: Reader) -> tuple[int, int] | None:
    if raw is None:
        return None
    if hasattr(raw, "year") and hasattr(raw, "month"):  # YAML read 2021-07-01 as a date
        return (raw.year, raw.month)
    match = re.fullmatch(r"(\d{4})-(\d{2})", raw) if isinstance(raw, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12:
        reader.issue("start", "a calendar month YYYY-MM", shown(raw))
        return None
    return (int(match.group(1)), int(match.group(2)))
