"""The `parameters` section: named numbers, fixed or drawn once per replication, and the
`{kind: {arguments}}` form that parameter distributions share with `time`."""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping

from simulator.language.distributions import PARAMETER_FORMS, InvalidArgument, parameter_distribution
from simulator.language.errors import shown
from simulator.language.reader import Reader, join
from simulator.language.scenario import Parameter

NUMERIC_RANGE = "arguments within floating-point range (these overflow or underflow)"


def build_parameters(raw: Any, path: str, reader: Reader) -> dict[str, Parameter]:
    if not isinstance(raw, dict):
        reader.issue(path, "a mapping of parameter names to numbers or {dist: ...}", shown(raw))
        return {}
    result: dict[str, Parameter] = {}
    for name, spec in raw.items():
        here = join(path, str(name))
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            reader.issue(here, "a parameter name of letters, digits and _", shown(name))
            continue
        if not isinstance(spec, dict):
            value = reader.number(spec, here, allow_ref=False)
            if value is not None:
                result[name] = Parameter(name, value, None)
            continue
        fields = reader.mapping(spec, here, optional=("dist", "value", "label", "source", "unit"))
        if fields is None:
            continue
        labels: dict[str, Any] = {key: spec.get(key, "") for key in ("source", "unit")}
        for key, value in labels.items():
            if not isinstance(value, str):
                reader.issue(join(here, key), "a text", shown(value))
        labels["label"] = reader.label(spec.get("label"), join(here, "label"), name)
        if labels["label"] is None:
            continue
        if ("dist" in spec) == ("value" in spec):
            reader.issue(here, "exactly one of `dist` or `value`",
                         "both" if "dist" in spec else "neither")
            continue
        if "value" in spec:
            value = reader.number(spec["value"], join(here, "value"), allow_ref=False)
            if value is not None:
                result[name] = Parameter(name, value, None, **labels)
            continue
        distribution = _distribution(spec["dist"], join(here, "dist"), reader, PARAMETER_FORMS,
                                     parameter_distribution, "a parameter distribution")
        if distribution is not None:
            result[name] = Parameter(name, None, distribution, **labels)
    return result


def _distribution(raw: Any, path: str, reader: Reader, forms: Mapping, make: Callable,
                  what: str) -> Any:
    """`{kind: {args}}` with exactly one kind, built by `make`; InvalidArgument becomes an issue."""
    if not isinstance(raw, dict) or len(raw) != 1:
        reader.issue(path, f"{what}: one of " + ", ".join(forms) + " with its arguments", shown(raw))
        return None
    (kind, args), = raw.items()
    if kind not in forms:
        reader.unknown(join(path, str(kind)), kind, forms)
        return None
    if not isinstance(args, dict):
        reader.issue(join(path, kind), "a mapping of arguments, e.g. "
                     + form_example(forms[kind]), shown(args))
        return None
    try:
        return make(kind, args)
    except InvalidArgument as error:
        where = join(join(path, kind), error.argument) if error.argument else join(path, kind)
        reader.issue(where, error.expected, error.found)
        return None
    except ArithmeticError:  # e.g. gamma {mean: 1e-300, sd: 1e300}: sd²/mean overflows
        reader.issue(join(path, kind), NUMERIC_RANGE, shown(args))
        return None


def form_example(form_sets: Iterable[frozenset[str]]) -> str:
    return " or ".join("{" + ", ".join(sorted(form)) + "}" for form in form_sets)
