"""The `targets` and `calibrate` sections (spec §4.5): what the model is fitted to, and how.

A target names a quantity of the model (the share of youths in some states at a month after
arrival, the share of time in them over the first months, the share who enter them within
some months, or the share of those who entered them who are in them some months later), in an arm and for some youths, with an observation and its source. Every name
is checked against the arm it measures, so a target can never measure something the model
does not have.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from simulator.language.errors import shown
from simulator.language.reader import Reader, Scope, join
from simulator.language.scenario import MEASURES, Arm, Attribute, Calibration, Condition, Parameter, Target

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
MONTHS_KEY = {"share_in": "months_after_arrival", "share_of_time_in": "months", "entered_within": "months",
              "stayed_in": "months_after_entry"}
SIZES = {"replications": 1, "prior_draws": 10, "batch": 2, "rounds": 0, "resample": 10}  # key: minimum


def build_targets(raw: Any, reader: Reader, arms: Mapping[str, Arm], declared_arms: tuple[str, ...],
                  baseline: str, attributes: tuple[Attribute, ...], horizon: float | None) -> dict[str, Target]:
    if not isinstance(raw, dict):
        reader.issue("targets", "a mapping of target names to targets", shown(raw))
        return {}
    attribute_scope = Scope({}, {a.name: a.values for a in attributes}, reader)
    targets = {}
    for name, spec in raw.items():
        path = join("targets", str(name))
        if not isinstance(name, str) or not re.fullmatch(NAME, name):
            reader.issue(path, "a target name of letters, digits and _", shown(name))
            continue
        target = _target(name, spec, path, reader, arms, declared_arms, baseline, attribute_scope, horizon)
        if target is not None:
            targets[name] = target
    return targets


def _target(name: str, spec: Any, path: str, reader: Reader, arms: Mapping[str, Arm],
            declared_arms: tuple[str, ...], baseline: str, attribute_scope: Scope,
            horizon: float | None) -> Target | None:
    fields = reader.mapping(spec, path, required=("observed", "source"),
                            optional=("label", "arm", "youths", *MEASURES, *dict.fromkeys(MONTHS_KEY.values()),
                                      "hold_out"), what="a target: {MEASURE: {TRACK: [STATES]}, months, "
                                                         "observed, source}")
    if fields is None:
        return None
    measure = reader.exactly_one(spec, path, MEASURES)
    arm_name = reader.one_of(spec["arm"], join(path, "arm"), declared_arms, "an arm") \
        if "arm" in spec else baseline
    label = reader.label(spec.get("label"), join(path, "label"), name)
    source = reader.text(spec["source"], join(path, "source"))
    hold_out = reader.flag(spec["hold_out"], join(path, "hold_out")) if "hold_out" in spec else False
    youths = attribute_scope.condition(spec.get("youths", {}), join(path, "youths"), attributes_only=True)
    observed = _observed(spec["observed"], join(path, "observed"), reader)
    condition = months = None
    if measure is not None:
        key = MONTHS_KEY[measure]
        other = next((k for k in dict.fromkeys(MONTHS_KEY.values()) if k != key and k in spec), None)
        if other is not None:
            reader.issue(join(path, other), f"`{key}` with {measure}", f"`{other}`")
        elif key not in spec:
            reader.issue(join(path, key), f"a value for `{key}` (required with {measure})", "nothing")
        else:
            months = reader.number(spec[key], join(path, key), 0.0, horizon, low_open=measure != "share_in",
                                   allow_ref=False)
        arm = arms.get(arm_name or "")
        if arm is not None:
            scope = Scope({t.name: t.states for t in arm.model.tracks}, {}, reader)
            states = scope.condition(spec[measure], join(path, measure))
            if states is not None and not states.states:
                reader.issue(join(path, measure), "one or more tracks with their states", "none")
            elif states is not None and youths is not None:
                condition = Condition(states.states, youths.attributes)
    if None in (arm_name, label, source, hold_out, observed, condition, months):
        return None
    return Target(name, arm_name, measure, condition, months, **observed, source=source,  # type: ignore[arg-type]
                  hold_out=hold_out, label=label)


def _observed(raw: Any, path: str, reader: Reader) -> dict[str, float] | None:
    """`{count: X, of: N}` (X of N youths) or `{value: V, se: S}` (a share and its standard error)."""
    if not isinstance(raw, dict) or set(raw) not in ({"count", "of"}, {"value", "se"}):
        reader.issue(path, "{count: X, of: N} or {value: V, se: S}", shown(raw))
        return None
    if "count" in raw:
        count = reader.number(raw["count"], join(path, "count"), 0.0, integer=True, allow_ref=False)
        of = reader.number(raw["of"], join(path, "of"), 1.0, integer=True, allow_ref=False)
        if count is None or of is None:
            return None
        if count > of:
            reader.issue(join(path, "count"), f"a count no larger than `of` ({of:g})", shown(raw["count"]))
            return None
        return {"count": count, "of": of}
    value = reader.number(raw["value"], join(path, "value"), 0.0, 1.0, allow_ref=False)
    se = reader.number(raw["se"], join(path, "se"), 0.0, low_open=True, allow_ref=False)
    return None if value is None or se is None else {"value": value, "se": se}


def build_calibration(raw: Any, reader: Reader, parameters: Mapping[str, Parameter],
                      arms: Mapping[str, Arm]) -> Calibration | None:
    """The `calibrate` section (default: every uncertain parameter, the sampler's default sizes).

    A calibrated parameter must be continuous (the sampler moves in the space of its quantiles)
    and shared by every arm (a posterior gives one joint draw to every arm).
    """
    raw = {} if raw is None else raw
    fields = reader.mapping(raw, "calibrate", optional=("parameters", *SIZES),
                            what="a mapping with `parameters` (a list of names) and the sampler's sizes")
    if fields is None:
        return None
    uncertain = [name for name, p in parameters.items() if p.uncertain]
    if "parameters" in raw:
        chosen = raw["parameters"]
        if not isinstance(chosen, list) or not chosen:
            reader.issue("calibrate.parameters", "a list of one or more uncertain parameters", shown(chosen))
            return None
        names = [reader.one_of(n, join("calibrate.parameters", i), uncertain, "an uncertain parameter")
                 for i, n in enumerate(chosen)]
        if None in names:
            return None
        paths = {name: join("calibrate.parameters", i) for i, name in enumerate(names)}
    else:
        if not uncertain:
            reader.issue("calibrate.parameters", "an uncertain parameter (one with `dist`) to calibrate",
                         "none in `parameters`")
            return None
        names, paths = uncertain, {name: "calibrate.parameters" for name in uncertain}
    ok = True
    for name in names:
        if getattr(parameters[name].distribution, "values", None) is not None:
            reader.issue(paths[name], "a continuous parameter (a choice cannot be calibrated)", name)
            ok = False
        redefining = [arm.name for arm in arms.values() if name in arm.own_parameters]
        if redefining:
            reader.issue(paths[name], "a parameter that no arm redefines (a posterior gives every arm one "
                         "draw)", f"{name}, redefined by arm {redefining[0]}")
            ok = False
    sizes = {}
    for key, minimum in SIZES.items():
        if key in raw:
            value = reader.number(raw[key], join("calibrate", key), float(minimum), integer=True, allow_ref=False)
            ok = ok and value is not None
            sizes[key] = int(value or 0)
    return Calibration(tuple(dict.fromkeys(names)), **sizes) if ok else None
