"""A readable account of a resolved scenario: what `simulator validate` prints.

Every term a contract was given is shown in words, with labels where the scenario gives them
(`Label (id)`), each `$name` resolved to its value (or median and 90 % interval) beside the
name, and numbers with thousands separators and never in exponent notation: the user checks
here that the file says what they meant before running it.
"""
from __future__ import annotations

import math
from typing import Iterable, Mapping

from simulator.language.labels import Label
from simulator.language.scenario import (DAYS_PER_MONTH, Condition, Contract, Flow, Investor, Model, Number, Parameter, Ref,
                                         Scenario, TimeSpec, bind)


def describe(scenario: Scenario, lang: str = "en") -> str:
    """Tracks, transitions with median sojourns, arms, parameters, resources, departments, flows and
    contracts with every term; labels in `lang` (the sentences are English)."""
    show = Show(scenario, lang)
    baseline = scenario.arms[scenario.baseline].model
    nominal = nominal_values(scenario)
    lines = [f"{scenario.name}  ({scenario.file})",
             f"  horizon {show.number(scenario.horizon)} months"
             + (f" from {show.calendar(0)} to {show.calendar(scenario.horizon)}" if scenario.start else "")
             + f"; sampling {scenario.sampling}; baseline arm {show.arm(scenario.baseline)}"]
    lines += ["", "Intake"]
    for stream in scenario.intake:
        lines.append(f"  {_arrivals(stream.arrivals, show)}"
                     + (f", at most {show.number(stream.maximum)}" if stream.maximum is not None else "")
                     + "".join(f"; {k} {v}" for k, v in stream.attributes.items()))
    if scenario.attributes:
        lines += ["", "Attributes"]
        for attribute in scenario.attributes:
            shares = ("fixed by intake" if attribute.shares is None else
                      ", ".join(f"{v} {show.number(s)}" for v, s in zip(attribute.values, attribute.shares)))
            lines.append(f"  {attribute.name}: {shares}")
    lines += ["", f"Tracks (arm {show.arm(scenario.baseline)})"]
    lines += _tracks(baseline, nominal[scenario.baseline], show)
    lines += ["", "Arms"]
    for name, arm in scenario.arms.items():
        changes = _changes(baseline, arm.model)
        if name == scenario.baseline:
            lines.append(f"  {show.arm(name)}: the baseline")
        else:
            lines.append(f"  {show.arm(name)}: " + ("changes " + ", ".join(changes) if changes else "as the baseline"))
        changed = {t.name for t in arm.model.tracks if f"track {t.name}" in changes}
        if changed and name != scenario.baseline:
            lines += ["  " + line for line in _tracks(arm.model, nominal[name], show, changed)]
    parameters = scenario.parameters()
    if parameters:
        lines += ["", "Parameters (fixed, or the median and 90 % interval of a draw)"]
        for parameter in parameters.values():
            unit = f" {parameter.unit}" if parameter.unit else ""
            lines.append(f"  {show.label(parameter.label)}: {show.value(parameter)}{unit}")
    resources = {**baseline.resources, **{k: v for arm in scenario.arms.values()
                                         for k, v in arm.model.resources.items()}}
    if resources:
        lines += ["", "Resources"]
        lines += [f"  {show.label(r.label)}: capacity {show.number(r.capacity)}" for r in resources.values()]
    economics = scenario.economics
    if economics.departments:
        lines += ["", "Departments"]
        lines += [f"  {show.department(d)}" for d in economics.departments]
    flows = {flow.name: (flow, arm) for arm in scenario.arms.values() for flow in arm.model.flows}
    if flows:
        lines += ["", f"Flows ({economics.currency}; positive: a cost to the department; discounted at "
                      f"{show.percent(economics.annual_discount_rate)} a year)"]
        for flow, arm in flows.values():
            lines.append(f"  {_flow(flow, show.for_parameters(arm.model.parameters))}")
    for contract in scenario.contracts.values():
        lines += ["", f"Contract {show.label(contract.label)}"]
        lines += [f"  {line}" for line in _contract(contract, scenario, show)]
    return "\n".join(lines)


class Show:
    """How `validate` writes numbers, money, months, labels and conditions.

    `$name`s are resolved against `parameters` (the scenario's own, not an arm's patch), shown
    as the value with the name beside it.
    """

    def __init__(self, scenario: Scenario, lang: str = "en",
                 parameters: Mapping[str, Parameter] | None = None):
        self.scenario, self.lang = scenario, lang
        self.currency = scenario.economics.currency
        self.parameters = top_level_parameters(scenario) if parameters is None else parameters

    def for_parameters(self, parameters: Mapping[str, Parameter]) -> Show:
        """The same, resolving `$name`s against an arm's parameters (a flow its patch wrote)."""
        return Show(self.scenario, self.lang, parameters)

    def number(self, value: Number, unit: str = "") -> str:
        """`0.2`, `2,433,334`, or a `$name` as `14.42 ($months_to_home)`; `unit` after the number."""
        if isinstance(value, Ref):
            parameter = self.parameters.get(value.name)
            if parameter is None:
                return f"${value.name}"
            return f"{self.value(parameter, unit)} (${value.name})"
        return figure(value) + (f" {unit}" if unit else "")

    def count(self, value: Number, noun: str) -> str:
        """`6 months`, `1 month`, `8 periods`: a number of things (`noun` in the singular)."""
        return self.number(value, noun if value == 1 else noun + "s")

    def money(self, value: Number, each: str = "") -> str:
        """`65,000 DKK`; `each` after the currency: `65,000 DKK each ($price)`."""
        return self.number(value, f"{self.currency} {each}".strip())

    def value(self, parameter: Parameter, unit: str = "") -> str:
        """A parameter's value, or the median and 90 % interval of its draws."""
        after = f" {unit}" if unit else ""
        if parameter.distribution is None:
            return figure(parameter.value) + after
        low, high = parameter.distribution.interval(0.90)
        return (f"median {figure(parameter.distribution.median(), 4)}{after}, 90 % from "
                f"{figure(low, 4)} to {figure(high, 4)}")

    def percent(self, share: Number) -> str:
        return self.number(share) if isinstance(share, Ref) else f"{figure(100 * share)} %"

    def calendar(self, month: float) -> str:
        """Months since t = 0 as a calendar month `YYYY-MM` (whole months; needs `start`)."""
        year, first = self.scenario.start
        count = 12 * year + first - 1 + math.floor(month)
        return f"{count // 12}-{count % 12 + 1:02d}"

    def month(self, month: Number) -> str:
        """`month 12 (2022-12)`: a month since t = 0, with its calendar month when `start` is given."""
        if isinstance(month, Ref) or not self.scenario.start:
            return f"month {self.number(month)}"
        return f"month {figure(month)} ({self.calendar(month)})"

    def label(self, label: Label) -> str:
        """`Text (id)` when a label was given, else the id."""
        text = label.given(self.lang)
        return f"{text} ({label.id})" if text and text != label.id else label.id

    def department(self, department: str) -> str:
        return self.label(self.scenario.economics.label(department))

    def arm(self, arm: str) -> str:
        known = self.scenario.arms.get(arm)
        return self.label(known.label) if known else arm

    def shares(self, shares: Mapping[str, Number]) -> str:
        return ", ".join(f"{self.department(d)} {self.percent(s)}" for d, s in shares.items())

    def where(self, condition: Condition, inside: bool = True) -> str:
        """`in housing shelter or street`, `out of …`."""
        return ("in " if inside else "out of ") + conditions(condition)


def conditions(condition: Condition) -> str:
    """A condition in words: `housing housed or hf_flat and group vulnerable`."""
    parts = [f"{k} {_either(sorted(v))}" for k, v in {**condition.states, **condition.attributes}.items()]
    return " and ".join(parts) if parts else "any state"


def _either(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def figure(value: float, significant: int | None = None) -> str:
    """A number for people: thousands separators, no exponent, no trailing zeros; rounded to
    `significant` digits if given (exact terms are shown as written)."""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if significant and value:
        value = round(value, significant - 1 - math.floor(math.log10(abs(value))))
    whole_digits = len(str(int(abs(value))))
    text = f"{value:,.{max(0, 12 - whole_digits)}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def top_level_parameters(scenario: Scenario) -> dict[str, Parameter]:
    """The parameters a contract's `$name` refers to: the scenario's own, not an arm's version."""
    parameters: dict[str, Parameter] = {}
    for arm in scenario.arms.values():
        for name, parameter in arm.model.parameters.items():
            if name not in arm.own_parameters:
                parameters.setdefault(name, parameter)
    return parameters


def nominal_values(scenario: Scenario) -> dict[str, dict[str, float]]:
    """Each arm's parameters at their fixed values or medians: the point estimate."""
    return {name: {p.name: (p.value if p.distribution is None else p.distribution.median())
                   for p in arm.model.parameters.values()}
            for name, arm in scenario.arms.items()}


# --- contracts ------------------------------------------------------------------------------------


def _contract(contract: Contract, scenario: Scenario, show: Show) -> list[str]:
    """Whose outcomes, when, who pays, the investor, every limit, and each outcome with its terms."""
    youths = f" with {conditions(contract.youths)}" if contract.youths.attributes else ""
    lines = [f"for the youths of arm {show.arm(contract.arm)}{youths}",
             f"window from {show.month(contract.window_start)} until {show.month(contract.window_until)}, "
             + _settlement(contract, show)]
    lines.append(f"paid for each outcome's count above that of the baseline arm, {show.arm(scenario.baseline)}, "
                 "for the same youths, per settlement (versus_baseline: true)" if contract.versus_baseline else
                 "paid for each outcome as counted, not compared with the baseline arm (versus_baseline: false)")
    lines.append(f"payers: {show.shares(contract.payers)}")
    lines.append(_investor(contract.investor, show))
    limits = []
    if contract.cap is not None:
        limits.append(f"at most {show.money(contract.cap)} paid in all (cap)")
    if contract.max_multiple is not None:
        paid = ""
        if not isinstance(contract.max_multiple, Ref) and not isinstance(contract.investor.principal, Ref):
            paid = f" = {show.money(contract.max_multiple * contract.investor.principal)}"
        limits.append(f"the investor receives at most {show.number(contract.max_multiple)} × the principal"
                      f"{paid} (max_multiple)")
    if contract.max_per_youth is not None:
        limits.append(f"at most {show.money(contract.max_per_youth)} for one youth's outcomes (max_per_youth)")
    lines.append("limits: " + ("; ".join(limits) if limits else "none"))
    if contract.outcome_fund_reserve is not None:
        lines.append(f"outcome fund: reserve {show.money(contract.outcome_fund_reserve)}")
    for guarantee in contract.guarantees:
        covered = "the investor's loss" if guarantee.covers == "investor_loss" else "the outcome fund's overrun"
        lines.append(f"guarantee: {show.department(guarantee.by)} covers {covered} up to "
                     f"{show.money(guarantee.up_to)}")
    lines.append("outcomes:")
    lines += [f"  {show.label(outcome.label)}: {outcome.describe(show)}" for outcome in contract.outcomes]
    return lines


def _settlement(contract: Contract, show: Show) -> str:
    if contract.settlement == "yearly":
        return f"settled at the end of each contract year counted from {show.month(contract.window_start)}"
    if contract.settlement == "monthly":
        return "settled each month"
    return f"settled once, at {show.month(contract.window_until)}"


def _investor(investor: Investor, show: Show) -> str:
    tranches = ", ".join(f"{show.money(amount)} at {show.month(at)}" for at, amount in investor.disbursements)
    who = (f"provided by {show.shares(investor.provided_by)}" if investor.provided_by
           else "from outside the public accounts")
    return f"investor: principal {show.money(investor.principal)}, disbursed {tranches}; {who}"


# --- tracks, arms and flows -------------------------------------------------------------------------


def _tracks(model: Model, values: dict[str, float], show: Show, only: set[str] | None = None) -> list[str]:
    lines = []
    for track in model.tracks:
        if only is not None and track.name not in only:
            continue
        holds = "".join(f", {s} holds {r}" for s, r in track.holds.items())
        lines.append(f"  {show.label(track.label)}: {', '.join(track.states)}{holds}")
        for transition in track.transitions:
            median = bind(transition.time, values).distribution().median()
            modifiers = "".join(f"; ×{_plain(m.hazard_ratio)}{_strength(m.strength)} when "
                                f"{describe_condition(m.when)}" for m in transition.modifiers)
            lines.append(f"    {transition.source} -> {transition.target}: {_time(transition.time)}, "
                         f"median {figure(median, 3)} months{modifiers}")
    return lines


def _changes(base: Model, arm: Model) -> list[str]:
    changes = []
    base_tracks = {t.name: t for t in base.tracks}
    for track in arm.tracks:
        if base_tracks.get(track.name) != track:
            changes.append(f"track {track.name}")
    base_flows = {f.name: f for f in base.flows}
    for flow in arm.flows:
        if base_flows.get(flow.name) != flow:
            changes.append(f"flow {flow.name}")
    for name, resource in arm.resources.items():
        if base.resources.get(name) != resource:
            changes.append(f"resource {name}")
    if arm.exit != base.exit:
        changes.append("exit")
    for name, parameter in arm.parameters.items():
        if base.parameters.get(name) != parameter:
            changes.append(f"parameter {name}")
    return changes


def _plain(value: Number) -> str:
    """A number as written: `$name` or the figure (the tracks show medians beside their times)."""
    return f"${value.name}" if isinstance(value, Ref) else figure(value)


def _strength(strength) -> str:
    """A modifier's strength as an exponent (`^$trial_effect_share`); nothing for the full effect."""
    return "" if strength == 1.0 else f"^{_plain(strength)}"


def _time(time: TimeSpec) -> str:
    return f"{time.kind} " + ", ".join(f"{k} {_plain(v)}" for k, v in time.args.items())


def describe_condition(condition: Condition) -> str:
    """A condition, short: `housing=housed|hf_flat & group=vulnerable`."""
    parts = [f"{k}={'|'.join(sorted(v))}" for k, v in {**condition.states, **condition.attributes}.items()]
    return " & ".join(parts) if parts else "any"


def _arrivals(arrivals, show: Show) -> str:
    if hasattr(arrivals, "rate_per_month"):
        return (f"Poisson, {show.number(arrivals.rate_per_month)} a month from {show.month(arrivals.start)} "
                f"until {show.month(arrivals.until)}")
    return "schedule: " + ", ".join(f"{show.number(c)} at {show.month(a)}" for a, c in arrivals.arrivals)


def _flow(flow: Flow, show: Show) -> str:
    when = "a month"  # fixed
    if flow.condition is not None:
        condition = conditions(flow.condition)
        when = {"per_month_in": f"a month in {condition}", "per_entry": f"at each entry into {condition}",
                "per_youth": f"once per youth in {condition} at arrival"}[flow.kind]
    period = []
    if flow.start is not None and not (flow.kind == "fixed" and flow.start == 0):
        period.append(f"from {show.month(flow.start)}")
    if flow.until is not None:
        period.append(f"until {show.month(flow.until)}")
    if flow.max_months_per_year is not None:
        rule = flow.max_months_per_year
        year = "rolling year from the first month in it" if rule.rolling else "calendar year"
        limits = [(f"{show.number(months)} months" if float(months).is_integer()
                   else f"{show.number(round(months * DAYS_PER_MONTH, 1))} days")
                  + (f" from {show.month(since)}" if i else "") for i, (since, months) in enumerate(rule.limits)]
        period.append(f"at most {', then '.join(limits)} per youth per {year}")
    scale = "" if flow.scale == 1.0 else f" × {show.number(flow.scale)} (the share that counts)"
    return (f"{show.label(flow.label)}: {show.money(flow.amount)}{scale} {when}"
            + "".join(f", {part}" for part in period) + f"; {_who(flow.shares, show)}")


def _who(shares: Mapping[str, Number], show: Show) -> str:
    """`paid by X`, `split X 57 %, Y 43 %`, or `50 % moved from X to Y` (a transfer)."""
    items = list(shares.items())
    if len(items) == 1:
        (department, share), = items
        return f"paid by {show.department(department)}" + ("" if share == 1 else f" {show.percent(share)}")
    negative = [d for d, s in items if not isinstance(s, Ref) and s < 0]
    if len(items) == 2 and len(negative) == 1:
        (payer, share), = [(d, s) for d, s in items if d not in negative]
        return f"{show.percent(share)} moved from {show.department(payer)} to {show.department(negative[0])}"
    return "split " + show.shares(shares)


def join_words(items: Iterable[str]) -> str:
    """`12, 18, 24 and 36`."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
