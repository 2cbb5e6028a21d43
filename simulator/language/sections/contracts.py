"""The `contracts` section: who is paid for which outcomes of which arm, and on what terms."""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from simulator.language.errors import shown
from simulator.language.outcomes import METRICS, Outcome
from simulator.language.outcomes.base import Level
from simulator.language.reader import Reader, Scope, join, number_text
from simulator.language.scenario import (GUARANTEED, SETTLEMENTS, Arm, Attribute, Contract, Economics, Guarantee,
                                         Investor, Number)


def build_contract(name: str, raw: Any, path: str, reader: Reader, arms: Mapping[str, Arm],
                   declared_arms: tuple[str, ...], attributes: tuple[Attribute, ...],
                   economics: Economics, horizon: float | None) -> Contract | None:
    optional = ("arm", "youths", "payers", "payer", "investor", "window", "settlement", "outcomes",
                "versus_baseline", "cap", "max_per_youth", "max_multiple", "outcome_fund", "guarantee",
                "label")
    if reader.mapping(raw, path, required=("arm", "outcomes", "investor"), optional=optional) is None:
        return None
    arm_name = reader.one_of(raw["arm"], join(path, "arm"), declared_arms, "an arm")
    attribute_scope = Scope({}, {a.name: a.values for a in attributes}, reader)
    youths = attribute_scope.condition(raw.get("youths", {}), join(path, "youths"), attributes_only=True)
    payers: dict[str, Number] | None = None
    if ("payers" in raw) == ("payer" in raw):
        reader.issue(path, "exactly one of payers or payer", "both" if "payers" in raw else "neither")
    elif "payer" in raw:
        department = reader.one_of(raw["payer"], join(path, "payer"), economics.departments, "a department")
        payers = None if department is None else {department: 1.0}
    else:
        payers = reader.shares(raw["payers"], join(path, "payers"), economics.departments, "departments")
    investor = _investor(raw["investor"], join(path, "investor"), reader, economics)
    window_start, window_until = 0.0, horizon
    if "window" in raw:
        spec = reader.mapping(raw["window"], join(path, "window"), optional=("from", "until"))
        if spec is not None:
            window_start = reader.number(spec.get("from", 0), join(path, "window.from"), 0.0,
                                         integer=True, allow_ref=False)
            window_until = reader.number(spec.get("until", horizon), join(path, "window.until"),
                                         0.0, horizon, low_open=True, integer=True, allow_ref=False)
            if None not in (window_start, window_until) and window_until <= window_start:
                reader.issue(join(path, "window.until"),
                             f"a month after window.from ({number_text(window_start)})", shown(spec.get("until")))
    settlement = reader.one_of(raw.get("settlement", "yearly"), join(path, "settlement"),
                               SETTLEMENTS, "a settlement")
    outcomes = []
    arm = arms.get(arm_name) if arm_name else None
    if not isinstance(raw["outcomes"], dict) or not raw["outcomes"]:
        reader.issue(join(path, "outcomes"), "a mapping of outcome names to metrics", shown(raw["outcomes"]))
    elif arm is not None:
        scope = Scope({t.name: t.states for t in arm.model.tracks},
                      {a.name: a.values for a in attributes}, reader)
        for outcome_name, spec in raw["outcomes"].items():
            outcome = _outcome(str(outcome_name), spec, join(join(path, "outcomes"), str(outcome_name)),
                               reader, scope)
            if outcome is not None:
                outcomes.append(outcome)
    versus = reader.flag(raw.get("versus_baseline", False), join(path, "versus_baseline"))
    for outcome in outcomes:
        here = join(join(path, "outcomes"), outcome.name)
        if versus and outcome.above is not None:
            reader.issue(join(here, "above"), "no reference level in a contract versus_baseline (the "
                         "baseline arm is its reference)", "above with versus_baseline: true")
            return None
        late = [m for m in outcome.calendar_months if horizon is not None and not m < horizon]
        if late:
            reader.issue(join(here, outcome.metric), f"calendar months before the horizon (month "
                         f"{number_text(horizon)})", f"month {number_text(late[0])}")
            return None
    optional_numbers = {}
    for key in ("cap", "max_per_youth", "max_multiple"):
        optional_numbers[key] = (reader.number(raw[key], join(path, key), 0.0)
                                 if raw.get(key) is not None else None)
    reserve = None
    if "outcome_fund" in raw:
        spec = reader.mapping(raw["outcome_fund"], join(path, "outcome_fund"), required=("reserve",))
        if spec is not None:
            reserve = reader.number(spec["reserve"], join(path, "outcome_fund.reserve"), 0.0)
    guarantees = _guarantees(raw.get("guarantee", []), join(path, "guarantee"), reader, economics)
    label = reader.label(raw.get("label"), join(path, "label"), name)
    if guarantees and reserve is None and any(g.covers == "outcome_fund_overrun" for g in guarantees):
        reader.issue(join(path, "guarantee"), "an outcome_fund with a reserve for a guarantee of its overrun",
                     "no outcome_fund")
        return None
    if None in (arm_name, youths, payers, investor, window_start, window_until, settlement, versus, guarantees,
                label):
        return None
    if not isinstance(raw["outcomes"], dict) or len(outcomes) != len(raw["outcomes"]):
        return None
    return Contract(name, arm_name, youths, payers, investor, window_start, window_until, settlement,
                    tuple(outcomes), versus, optional_numbers["cap"], optional_numbers["max_per_youth"],
                    optional_numbers["max_multiple"], reserve, guarantees, label)


def _guarantees(raw: Any, path: str, reader: Reader, economics: Economics) -> tuple[Guarantee, ...] | None:
    """`guarantee`: one {by, covers, up_to} or a list of them."""
    items = raw if isinstance(raw, list) else [raw]
    guarantees = []
    for i, item in enumerate(items):
        here = join(path, i) if isinstance(raw, list) else path
        if reader.mapping(item, here, required=("by", "covers", "up_to")) is None:
            return None
        by = reader.one_of(item["by"], join(here, "by"), economics.departments + economics.outside,
                           "a department or a party in economics.outside")
        covers = reader.one_of(item["covers"], join(here, "covers"), GUARANTEED, "a shortfall")
        up_to = reader.number(item["up_to"], join(here, "up_to"), 0.0)
        if None in (by, covers, up_to):
            return None
        guarantees.append(Guarantee(by, covers, up_to))
    return tuple(guarantees)


def _investor(raw: Any, path: str, reader: Reader, economics: Economics) -> Investor | None:
    if reader.mapping(raw, path, required=("principal",), optional=("disbursed", "provided_by")) is None:
        return None
    provided_by: Mapping[str, Number] | None = {}
    if "provided_by" in raw:
        provided_by = reader.shares(raw["provided_by"], join(path, "provided_by"), economics.departments,
                                    "departments")
        if provided_by is None:
            return None
    principal = reader.number(raw["principal"], join(path, "principal"), 0.0, low_open=True)
    if principal is None:
        return None
    spec = raw.get("disbursed", [{"at": 0, "amount": raw["principal"]}])
    if not isinstance(spec, list) or not spec:
        reader.issue(join(path, "disbursed"), "a list of {at, amount}", shown(spec))
        return None
    disbursements = []
    for i, item in enumerate(spec):
        here = join(join(path, "disbursed"), i)
        if reader.mapping(item, here, required=("at", "amount")) is None:
            return None
        at = reader.number(item["at"], join(here, "at"), 0.0)
        amount = reader.number(item["amount"], join(here, "amount"), 0.0, low_open=True)
        if None in (at, amount):
            return None
        disbursements.append((at, amount))
    amounts = [amount for _, amount in disbursements]
    if isinstance(principal, float) and all(isinstance(a, float) for a in amounts):
        if abs(sum(amounts) - principal) > 1e-6 * principal:
            reader.issue(join(path, "disbursed"), f"disbursements that add up to the principal "
                         f"({number_text(principal)})", f"a sum of {number_text(sum(amounts))}")
            return None
    return Investor(principal, tuple(disbursements), provided_by)


def _outcome(name: str, raw: Any, path: str, reader: Reader, scope: Scope) -> Outcome | None:
    """One outcome: exactly one metric (a key of the registry) with its own fields, a price, and
    the terms of payment that its metric takes."""
    terms = tuple(dict.fromkeys(term for metric in METRICS.values() for term in metric.terms))
    if reader.mapping(raw, path, optional=(*METRICS, "price", *terms, "above", "label")) is None:
        return None
    chosen = reader.exactly_one(raw, path, tuple(METRICS))
    if chosen is None:
        return None
    if "price" not in raw:
        reader.issue(join(path, "price"), "a value for `price` (required)", "nothing")
        return None
    price = reader.number(raw["price"], join(path, "price"), 0.0)
    label = reader.label(raw.get("label"), join(path, "label"), name)
    metric = METRICS[chosen]
    for term in terms:
        if term in raw and term not in metric.terms:
            owners = " or ".join(m.metric for m in METRICS.values() if term in m.terms)
            reader.issue(join(path, term), f"{term} only with {owners}", shown(raw[term]))
            return None
    outcome = metric.read(name, price, raw, path, reader, scope)
    if outcome is None or label is None:
        return None
    above = None
    if "above" in raw:
        above = _level(raw["above"], join(path, "above"), reader, outcome)
        if above is None:
            return None
    return dataclasses.replace(outcome, label=label, above=above)


def _level(raw: Any, path: str, reader: Reader, outcome: Outcome) -> Level | None:
    """`above: {share: S}` (of the youths measured on each calendar occasion) or `above: {count: N}`
    (units in each settlement)."""
    if reader.mapping(raw, path, optional=("share", "count")) is None:
        return None
    kind = reader.exactly_one(raw, path, ("share", "count"))
    if kind is None:
        return None
    if kind == "share" and not outcome.calendar_months:
        reader.issue(join(path, "share"), "a count, or measurements on calendar dates for a share of the "
                     "group (status_at `dates`, per_period `from`)", shown(raw["share"]))
        return None
    value = reader.number(raw[kind], join(path, kind), 0.0, 1.0 if kind == "share" else None, allow_ref=False)
    return None if value is None else Level(kind, value)
