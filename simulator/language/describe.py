"""A readable account of a resolved scenario: what `simulator validate` prints."""
from __future__ import annotations

from simulator.language.scenario import Condition, Flow, Model, Ref, Scenario, TimeSpec, bind


def describe(scenario: Scenario) -> str:
    """Tracks, transitions with median sojourns, arms, parameters, resources, flows, contracts."""
    baseline = scenario.arms[scenario.baseline].model
    nominal = nominal_values(scenario)
    lines = [f"{scenario.name}  ({scenario.file})",
             f"  horizon {scenario.horizon:g} months"
             + (f" from {scenario.start[0]}-{scenario.start[1]:02d}" if scenario.start else "")
             + f"; sampling {scenario.sampling}; baseline arm {scenario.baseline}"]
    lines += ["", "Intake"]
    for stream in scenario.intake:
        lines.append(f"  {_show(stream.arrivals)}"
                     + (f", at most {_number(stream.maximum)}" if stream.maximum is not None else "")
                     + (f", {dict(stream.attributes)}" if stream.attributes else ""))
    if scenario.attributes:
        lines += ["", "Attributes"]
        for attribute in scenario.attributes:
            shares = ("fixed by intake" if attribute.shares is None else
                      ", ".join(f"{v} {_number(s)}" for v, s in zip(attribute.values, attribute.shares)))
            lines.append(f"  {attribute.name}: {shares}")
    lines += ["", f"Tracks (arm {scenario.baseline})"]
    lines += _tracks(baseline, nominal[scenario.baseline])
    for name, arm in scenario.arms.items():
        changes = _changes(baseline, arm.model)
        lines += ["", f"Arm {name}: {arm.label.get()}"]
        lines += [f"  changes {change}" for change in changes] or ["  as the baseline"]
        changed = {t.name for t in arm.model.tracks if f"track {t.name}" in changes}
        if changed and name != scenario.baseline:
            lines += ["  " + line for line in _tracks(arm.model, nominal[name], changed)]
    parameters = scenario.parameters()
    if parameters:
        lines += ["", "Parameters (90 % interval)"]
        for parameter in parameters.values():
            if parameter.distribution is None:
                value = f"{parameter.value:g}"
            else:
                low, high = parameter.distribution.interval(0.90)
                value = f"median {parameter.distribution.median():.4g}, [{low:.4g}, {high:.4g}]"
            label = f"  - {parameter.label.given()}" if parameter.label.texts else ""
            lines.append(f"  {parameter.name}: {value}{label}")
    resources = {**baseline.resources, **{k: v for arm in scenario.arms.values()
                                         for k, v in arm.model.resources.items()}}
    if resources:
        lines += ["", "Resources"]
        lines += [f"  {r.name}: capacity {_number(r.capacity)}" for r in resources.values()]
    flows = {flow.name: flow for arm in scenario.arms.values() for flow in arm.model.flows}
    if flows:
        lines += ["", f"Flows ({scenario.economics.currency}, discounted at "
                      f"{_number(scenario.economics.annual_discount_rate)} a year)"]
        lines += [f"  {_flow(flow)}" for flow in flows.values()]
    for contract in scenario.contracts.values():
        lines += ["", f"Contract {contract.name}: arm {contract.arm}, window "
                      f"[{_number(contract.window_start)}, {_number(contract.window_until)}) months, "
                      f"settled {contract.settlement}"]
        lines.append(f"  investor principal {_number(contract.investor.principal)}; payers "
                     + ", ".join(f"{d} {_number(s)}" for d, s in contract.payers.items()))
        limits = [f"{key} {_number(value)}" for key, value in (
            ("cap", contract.cap), ("max_per_youth", contract.max_per_youth),
            ("max_multiple", contract.max_multiple), ("outcome fund", contract.outcome_fund_reserve))
            if value is not None]
        if limits:
            lines.append("  " + ", ".join(limits))
        for outcome in contract.outcomes:
            lines.append(f"  {outcome.name}: {outcome.describe()}, price {_number(outcome.price)}")
    return "\n".join(lines)


def nominal_values(scenario: Scenario) -> dict[str, dict[str, float]]:
    """Each arm's parameters at their fixed values or medians: the point estimate."""
    return {name: {p.name: (p.value if p.distribution is None else p.distribution.median())
                   for p in arm.model.parameters.values()}
            for name, arm in scenario.arms.items()}


def _tracks(model: Model, values: dict[str, float], only: set[str] | None = None) -> list[str]:
    lines = []
    for track in model.tracks:
        if only is not None and track.name not in only:
            continue
        holds = "".join(f", {s} holds {r}" for s, r in track.holds.items())
        lines.append(f"  {track.name}: {', '.join(track.states)}{holds}")
        for transition in track.transitions:
            median = bind(transition.time, values).distribution().median()
            modifiers = "".join(f"; ×{_number(m.hazard_ratio)} when {describe_condition(m.when)}"
                                for m in transition.modifiers)
            lines.append(f"    {transition.source} -> {transition.target}: {_time(transition.time)}, "
                         f"median {median:.3g} months{modifiers}")
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


def _number(value) -> str:
    return f"${value.name}" if isinstance(value, Ref) else f"{value:g}"


def _time(time: TimeSpec) -> str:
    return f"{time.kind} " + ", ".join(f"{k} {_number(v)}" for k, v in time.args.items())


def describe_condition(condition: Condition) -> str:
    """A condition for people: `housing=housed|hf_flat & group=vulnerable`."""
    parts = [f"{k}={'|'.join(sorted(v))}" for k, v in {**condition.states, **condition.attributes}.items()]
    return " & ".join(parts) if parts else "any"


def _show(arrivals) -> str:
    if hasattr(arrivals, "rate_per_month"):
        return (f"Poisson {_number(arrivals.rate_per_month)} a month over "
                f"[{_number(arrivals.start)}, {_number(arrivals.until)})")
    return "schedule " + ", ".join(f"{_number(c)} at {_number(a)}" for a, c in arrivals.arrivals)


def _flow(flow: Flow) -> str:
    who = ", ".join(f"{d} {_number(s)}" for d, s in flow.shares.items())
    when = "" if flow.condition is None else f" {describe_condition(flow.condition)}"
    period = ""
    if flow.start is not None or flow.until is not None:
        period = f" in [{_number(flow.start) if flow.start is not None else '0'}, " \
                 f"{_number(flow.until) if flow.until is not None else 'end'})"
    limit = f", at most {_number(flow.max_months_per_year)} months a year" \
        if flow.max_months_per_year is not None else ""
    return f"{flow.name}: {flow.kind}{when} {_number(flow.amount)}{period}{limit} -> {who}"
