"""Money: the `economics` section (currency, discount rate, departments) and the `flows` that
charge departments for what youths do."""
from __future__ import annotations

import re
from typing import Any

from simulator.language.errors import shown
from simulator.language.labels import Label
from simulator.language.reader import Reader, Scope, join, number_text
from simulator.language.scenario import DAYS_PER_MONTH, Economics, Flow, MonthsPerYear, Number, Ref

FLOW_KINDS = ("per_month_in", "per_entry", "per_youth", "fixed")


def build_economics(raw: Any, reader: Reader) -> Economics:
    default = Economics("DKK", 0.0, ())
    fields = reader.mapping(raw, "economics", optional=("currency", "discount_rate", "departments", "outside"))
    if fields is None:
        return default
    currency = reader.text(raw.get("currency", "DKK"), "economics.currency") or "DKK"
    rate = reader.number(raw.get("discount_rate", 0.0), "economics.discount_rate", 0.0, 1.0)
    departments, labels = _departments(raw["departments"], reader) if "departments" in raw else ((), {})
    outside: tuple[str, ...] = ()
    if "outside" in raw:
        outside, outside_labels = _departments(raw["outside"], reader, "economics.outside")
        for party in outside:
            if party in departments:
                reader.issue(join("economics.outside", party), "a party that is not also a department",
                             f"{party!r}, a department")
        labels = {**labels, **outside_labels}
    return Economics(currency, rate if rate is not None else 0.0, departments, labels, outside)


def _departments(items: Any, reader: Reader, path: str = "economics.departments"
                 ) -> tuple[tuple[str, ...], dict[str, Label]]:
    """`economics.departments` (or `outside`): a list of ids, or a mapping `ID: {label: ...}`
    (ids with their labels)."""
    departments: tuple[str, ...] = ()
    labels: dict[str, Label] = {}
    if isinstance(items, dict) and items:
        for item, spec in items.items():
            here = join(path, str(item))
            if not _department_name(item, here, reader):
                continue
            departments += (item,)  # even when its label is wrong: flows naming it are fine
            if reader.mapping(spec or {}, here, optional=("label",), what="a mapping {label: ...}"):
                label = reader.label((spec or {}).get("label"), join(here, "label"), item)
                if label is not None:
                    labels[item] = label
        return departments, labels
    if not isinstance(items, list) or not items:
        reader.issue(path, "a list of department names, or a mapping of them to {label: ...}", shown(items))
        return departments, labels
    for i, item in enumerate(items):
        if not _department_name(item, join(path, i), reader):
            continue
        if item in departments:
            reader.issue(join(path, i), "each department once", f"{item!r} again")
        else:
            departments += (item,)
    return departments, labels


def _department_name(item: Any, path: str, reader: Reader) -> bool:
    if isinstance(item, str) and re.fullmatch(r"[A-Za-z_][\w]*(\.[\w]+)*", item):
        return True
    reader.issue(path, "a department name such as municipality.social", shown(item))
    return False



def build_flows(raw: Any, reader: Reader, scope: Scope, economics: Economics) -> tuple[Flow, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        reader.issue("flows", "a mapping of flow names to flows", shown(raw))
        return ()
    flows = []
    for name, spec in raw.items():
        flow = _flow(str(name), spec, join("flows", str(name)), reader, scope, economics)
        if flow is not None:
            flows.append(flow)
    return tuple(flows)


def _flow(name: str, raw: Any, path: str, reader: Reader, scope: Scope,
          economics: Economics) -> Flow | None:
    payments = ("pays", "split", "transfer")
    optional = FLOW_KINDS + payments + ("amount", "scale", "from", "until", "max_months_per_year", "label",
                                        "source")
    if reader.mapping(raw, path, optional=optional) is None:
        return None
    kind = reader.exactly_one(raw, path, FLOW_KINDS)
    if kind is None:
        return None
    condition, start, until = None, None, None
    if kind == "fixed":
        spec = reader.mapping(raw["fixed"], join(path, "fixed"), required=("per_month",),
                              optional=("from", "until"))
        if spec is None:
            return None
        amount = reader.number(spec["per_month"], join(path, "fixed.per_month"))
        start = reader.month(spec.get("from", 0), join(path, "fixed.from"))
        until = reader.month(spec["until"], join(path, "fixed.until")) if "until" in spec else None
        for key in ("amount", "from", "until", "max_months_per_year"):
            if key in raw:
                reader.issue(join(path, key), "no such field on a fixed flow (give per_month, from "
                             "and until inside `fixed`)", shown(raw[key]))
                return None
    else:
        condition = scope.condition(raw[kind], join(path, kind))
        if "amount" not in raw:
            reader.issue(join(path, "amount"), "a value for `amount` (required)", "nothing")
            return None
        amount = reader.number(raw["amount"], join(path, "amount"))
        if "from" in raw:
            start = reader.month(raw["from"], join(path, "from"))
        if "until" in raw:
            until = reader.month(raw["until"], join(path, "until"))
    maximum = None
    if "max_months_per_year" in raw:
        if kind != "per_month_in":
            reader.issue(join(path, "max_months_per_year"), "max_months_per_year only on a "
                         "per_month_in flow", shown(raw["max_months_per_year"]))
            return None
        maximum = _months_per_year(raw["max_months_per_year"], join(path, "max_months_per_year"), reader)
        if maximum is None:
            return None
    if isinstance(start, float) and isinstance(until, float) and until <= start:
        where = join(path, "fixed.until" if kind == "fixed" else "until")
        reader.issue(where, f"a month after `from` ({number_text(start)})", number_text(until))
        return None
    scale = reader.number(raw.get("scale", 1.0), join(path, "scale"), 0.0, 1.0)
    shares = _payment(raw, path, reader, economics, payments)
    label = reader.label(raw.get("label"), join(path, "label"), name)
    if None in (amount, scale, shares, label) or (kind != "fixed" and condition is None):
        return None
    return Flow(name, kind, condition, amount, shares, start, until, maximum, label, scale)


def _months_per_year(raw: Any, path: str, reader: Reader) -> MonthsPerYear | None:
    """`max_months_per_year`: a number (calendar years), or `{months | days, year: calendar |
    rolling}`, or `{year, limits: [{months | days, from}, ...]}` for a rule that changes at dates."""
    if not isinstance(raw, dict):
        raw = {"months": raw}
    if reader.mapping(raw, path, optional=("months", "days", "year", "limits")) is None:
        return None
    year = reader.one_of(raw.get("year", "calendar"), join(path, "year"), ("calendar", "rolling"), "a kind of year")
    if ("limits" in raw) == any(key in raw for key in ("months", "days")):
        reader.issue(path, "either months (or days) or a list of limits", shown(raw))
        return None
    if "limits" in raw:
        items, where = raw["limits"], join(path, "limits")
        if not isinstance(items, list) or not items:
            reader.issue(where, "a list of {months or days, from}", shown(items))
            return None
    else:
        items, where = [raw], None
    limits = []
    for i, item in enumerate(items):
        here = path if where is None else join(where, i)
        if where is not None and reader.mapping(item, here, optional=("months", "days", "from")) is None:
            return None
        unit = reader.exactly_one(item, here, ("months", "days"))
        if unit is None:
            return None
        amount = reader.number(item[unit], join(here, unit), 0.0, 12.0 if unit == "months" else 366.0,
                               allow_ref=False)
        since = reader.month(item.get("from", 0), join(here, "from")) if where is not None else 0.0
        if amount is None or since is None:
            return None
        if isinstance(since, Ref):
            reader.issue(join(here, "from"), "a month or YYYY-MM (not a parameter)", shown(item.get("from")))
            return None
        if i == 0 and since != 0:
            reader.issue(join(here, "from"), "no `from` on the first limit (it holds from the start)",
                         shown(item.get("from")))
            return None
        if limits and not since > limits[-1][0]:
            reader.issue(join(here, "from"), "a month after the previous limit's", shown(item.get("from")))
            return None
        limits.append((since, amount if unit == "months" else amount / DAYS_PER_MONTH))
    if year == "calendar" and reader.start is None:
        reader.issue(join(path, "year") if "year" in raw else path, "a scenario `start` (calendar years "
                     "need it) or `year: rolling`", "no start")
        return None
    if year is None:
        return None
    return MonthsPerYear(tuple(limits), rolling=year == "rolling")


def _payment(raw: dict, path: str, reader: Reader, economics: Economics,
             payments: tuple[str, ...]) -> dict[str, Number] | None:
    kind = reader.exactly_one(raw, path, payments)
    if kind is None:
        return None
    departments = economics.departments
    here = join(path, kind)
    if kind == "pays":
        department = reader.one_of(raw["pays"], here, departments, "a department in economics.departments")
        return None if department is None else {department: 1.0}
    if kind == "split":
        return reader.shares(raw["split"], here, departments, "departments")
    spec = reader.mapping(raw["transfer"], here, required=("from", "to"), optional=("share",))
    if spec is None:
        return None
    payer = reader.one_of(spec["from"], join(here, "from"), departments, "a department")
    payee = reader.one_of(spec["to"], join(here, "to"), departments, "a department")
    share = reader.number(spec.get("share", 1.0), join(here, "share"), 0.0, 1.0)
    if payer is not None and payer == payee:
        reader.issue(join(here, "to"), "a department other than `from`", shown(payee))
        return None
    if None in (payer, payee, share):
        return None
    if isinstance(share, Ref):
        reader.issue(join(here, "share"), "a plain number", shown(spec.get("share")))
        return None
    return {payer: share, payee: -share}
