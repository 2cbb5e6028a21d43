"""The youths: the `attributes` section and the `intake` streams that bring youths in."""
from __future__ import annotations

from typing import Any

from simulator.language.errors import shown
from simulator.language.reader import Reader, join, number_text
from simulator.language.scenario import Attribute, IntakeStream, Poisson, Schedule


def build_attributes(raw: Any, reader: Reader) -> tuple[Attribute, ...]:
    if not isinstance(raw, dict):
        reader.issue("attributes", "a mapping of attribute names to value shares or lists", shown(raw))
        return ()
    result = []
    for name, spec in raw.items():
        here = join("attributes", str(name))
        if isinstance(spec, list) and spec and all(isinstance(v, str) for v in spec):
            if len(set(spec)) != len(spec):
                reader.issue(here, "each value once", shown(spec))
                continue
            result.append(Attribute(str(name), tuple(spec), None))
        elif isinstance(spec, dict) and spec:
            shares = reader.shares(spec, here, tuple(map(str, spec)), "values")
            if shares is not None:
                result.append(Attribute(str(name), tuple(shares), tuple(shares.values())))
        else:
            reader.issue(here, "a mapping of values to shares, or a list of values", shown(spec))
    return tuple(result)


def build_intake(raw: Any, reader: Reader, attributes: tuple[Attribute, ...]) -> tuple[IntakeStream, ...]:
    if isinstance(raw, dict):
        stream = _intake_stream(raw, "intake", reader, attributes)
        return (stream,) if stream else ()
    if not isinstance(raw, list) or not raw:
        reader.issue("intake", "one intake stream (poisson, cohort or schedule) or a list of them",
                     shown(raw))
        return ()
    streams = [_intake_stream(item, join("intake", i), reader, attributes) for i, item in enumerate(raw)]
    return tuple(stream for stream in streams if stream is not None)


def _intake_stream(raw: Any, path: str, reader: Reader,
                   attributes: tuple[Attribute, ...]) -> IntakeStream | None:
    kinds = ("poisson", "cohort", "schedule")
    if reader.mapping(raw, path, optional=kinds + ("max", "attributes")) is None:
        return None
    kind = reader.exactly_one(raw, path, kinds)
    if kind is None:
        return None
    here = join(path, kind)
    arrivals: Poisson | Schedule | None = None
    if kind == "poisson":
        spec = reader.mapping(raw[kind], here, required=("rate",), optional=("from", "until"))
        if spec is not None:
            rate = reader.number(spec["rate"], join(here, "rate"), 0.0, low_open=True)
            start = reader.month(spec.get("from", 0), join(here, "from"))
            until = reader.month(spec["until"], join(here, "until")) if "until" in spec else None
            if "until" not in spec:
                reader.issue(join(here, "until"), "the month intake ends (required)", "nothing")
            elif isinstance(start, float) and isinstance(until, float) and until <= start:  # not $names
                reader.issue(join(here, "until"), f"a month after `from` ({number_text(start)})",
                             shown(spec["until"]))
            if None not in (rate, start, until):
                arrivals = Poisson(rate, start, until)
    elif kind == "cohort":
        spec = raw[kind]
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            spec = {"count": spec}
        if reader.mapping(spec, here, required=("count",), optional=("at",),
                          what="a count, or {count, at}") is not None:
            count = reader.number(spec["count"], join(here, "count"), 0, integer=True)
            at = reader.month(spec.get("at", 0), join(here, "at"))
            if None not in (count, at):
                arrivals = Schedule(((at, count),))
    else:
        spec = raw[kind]
        if not isinstance(spec, list) or not spec:
            reader.issue(here, "a list of {at, count}", shown(spec))
        else:
            entries = []
            for i, item in enumerate(spec):
                if reader.mapping(item, join(here, i), required=("at", "count")) is None:
                    continue
                at = reader.month(item["at"], join(join(here, i), "at"))
                count = reader.number(item["count"], join(join(here, i), "count"), 0, integer=True)
                if None not in (at, count):
                    entries.append((at, count))
            if len(entries) == len(spec):
                arrivals = Schedule(tuple(entries))
    maximum = None
    if "max" in raw:
        maximum = reader.number(raw["max"], join(path, "max"), 0, integer=True)
    fixed: dict[str, str] = {}
    if "attributes" in raw:
        spec = raw["attributes"]
        by_name = {a.name: a for a in attributes}
        if not isinstance(spec, dict):
            reader.issue(join(path, "attributes"), "a mapping of attribute names to values", shown(spec))
        else:
            for name, value in spec.items():
                here = join(join(path, "attributes"), str(name))
                attribute_name = reader.one_of(name, here, tuple(by_name), "a declared attribute")
                if attribute_name is not None:
                    chosen_value = reader.one_of(value, here, by_name[attribute_name].values,
                                                 f"a value of {attribute_name}")
                    if chosen_value is not None:
                        fixed[attribute_name] = chosen_value
    if arrivals is None:
        return None
    return IntakeStream(arrivals, maximum, fixed)


def check_attributes_fixed(attributes, intake, reader: Reader) -> None:
    """An attribute declared as a plain list has no shares: every stream must fix it."""
    for attribute in attributes:
        if attribute.shares is None:
            for i, stream in enumerate(intake):
                if attribute.name not in stream.attributes:
                    path = join("intake", i) if len(intake) > 1 else "intake"
                    reader.issue(join(path, "attributes"),
                                 f"a value for `{attribute.name}` (declared as a plain list, so every "
                                 "intake stream must fix it)", "nothing")
