"""YAML → merged plain data (`extends`, `patch`) → `Scenario`, collecting every problem on the way.

Two steps, each easy to test: `read_scenario` parses the files and merges them into plain dicts,
`build_scenario` turns the merged data into frozen dataclasses. Both append `Issue`s to a shared
`Problems` instead of stopping at the first, and `load_scenario` raises one `ScenarioError` at the
end. Every builder gets the path to the field it reads, so a message can say exactly where.
"""
from __future__ import annotations

import difflib
import hashlib
import itertools
import math
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import yaml

from simulator.language.distributions import (
    PARAMETER_FORMS,
    TIME_FORMS,
    InvalidArgument,
    parameter_distribution,
    time_distribution,
)
from simulator.language.errors import Issue, ScenarioError, shown
from simulator.engine.sampling import UNIFORM_EDGE
from simulator.language.scenario import (
    Arm,
    Attribute,
    Condition,
    Contract,
    Economics,
    Flow,
    Initial,
    IntakeStream,
    Investor,
    Jump,
    Model,
    Modifier,
    Number,
    Outcome,
    Parameter,
    Poisson,
    Ref,
    Resource,
    Scenario,
    Schedule,
    TimeSpec,
    Track,
    Transition,
)

TOP_LEVEL = (
    "name", "description", "extends", "horizon", "start", "baseline", "parameters", "sampling",
    "attributes", "intake", "tracks", "exit", "resources", "arms", "economics", "flows", "contracts",
)
PATCHABLE = ("tracks", "resources", "flows", "parameters", "exit")
METRICS = ("achieved", "months_in", "entered", "status_at", "per_period")
FLOW_KINDS = ("per_month_in", "per_entry", "per_youth", "fixed")
SETTLEMENTS = ("yearly", "monthly", "at_end")
SHARE_TOLERANCE = 1e-9
NUMERIC_RANGE = "arguments within floating-point range (these overflow or underflow)"


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


def json_copy(data: Any) -> Any:
    """A deep copy of plain data (mappings, lists, scalars)."""
    if isinstance(data, Mapping):
        return {key: json_copy(value) for key, value in data.items()}
    if isinstance(data, list):
        return [json_copy(item) for item in data]
    return data


# --- Problems: where each field came from, and what is wrong with it ---------------------------


@dataclass
class Source:
    """One file read: its name as shown to the user, and the line and column of every field."""

    file: str
    positions: dict[str, tuple[int, int]]
    mappings: set[str] = field(default_factory=set)  # paths whose value is a mapping (merged, not replaced)


@dataclass
class Problems:
    """Collects issues; knows which file (and line) each field path came from."""

    issues: list[Issue] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)  # the extending file first
    patch_prefix: str = ""  # "arms.NAME.patch" while building an arm's patched model

    def add(self, path: str, expected: str, found: str) -> None:
        shown_path = self._patched(path) or path
        file, line, column = self._locate(shown_path)
        issue = Issue(file, shown_path, expected, found, line, column)
        if issue not in self.issues:
            self.issues.append(issue)

    def _patched(self, path: str) -> str | None:
        """The path inside the arm's `patch` if the patch wrote that field, a part of it, or its parent whole."""
        if not self.patch_prefix:
            return None
        candidate = f"{self.patch_prefix}.{path}" if path else self.patch_prefix
        for source in self.sources:
            if any(key == candidate or key.startswith((candidate + ".", candidate + "["))
                   for key in source.positions):
                return candidate  # the field itself, or something inside it
            for prefix in _prefixes(candidate):
                if len(prefix) <= len(self.patch_prefix):
                    break
                if prefix in source.positions:
                    return candidate if prefix not in source.mappings else None
        return None

    def _locate(self, path: str) -> tuple[str, int | None, int | None]:
        best: tuple[int, str, int | None, int | None] | None = None
        for source in self.sources:
            for prefix in _prefixes(path):
                if prefix in source.positions:
                    line, column = source.positions[prefix]
                    if best is None or len(prefix) > best[0]:
                        best = (len(prefix), source.file, line, column)
                    break
        if best is None:
            return (self.sources[0].file if self.sources else "<scenario>"), None, None
        return best[1], best[2], best[3]


def _prefixes(path: str) -> Iterable[str]:
    """`a.b[0].c`, `a.b[0]`, `a.b`, `a`: the path and every field above it, longest first."""
    while path:
        yield path
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


# --- Step 1: files → merged plain data ------------------------------------------------------------


def read_scenario(path: str | os.PathLike, problems: Problems) -> dict[str, Any]:
    """The scenario file merged over its `extends` chain (the extending file wins)."""
    files: dict[str, str] = {}
    data = _read_chain(Path(path), str(path), problems, files, stack=())
    if data is None:
        return {}
    data["__files__"] = files
    return data


def _read_chain(path: Path, shown_name: str, problems: Problems, files: dict[str, str],
                stack: tuple[Path, ...]) -> dict[str, Any] | None:
    real = path.resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.issues.append(Issue(shown_name, "", "a scenario file", "no such file"))
        return None
    except (OSError, UnicodeDecodeError) as error:
        problems.issues.append(Issue(shown_name, "", "a readable UTF-8 text file", str(error)))
        return None
    files[shown_name] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    data = _parse_yaml(text, shown_name, problems)
    if data is _NOT_YAML:
        return None
    if not isinstance(data, dict):
        found = "an empty file" if data is None else shown(data)
        problems.issues.append(Issue(shown_name, "", "a mapping of scenario fields", found))
        return None
    extends = data.pop("extends", None)
    if extends is None:
        return data
    # Problems with `extends` are reported where it is written: in this file, at its line.
    line, column = problems.sources[-1].positions.get("extends", (None, None))

    def extends_issue(expected: str, found: str) -> None:
        problems.issues.append(Issue(shown_name, "extends", expected, found, line, column))

    if not isinstance(extends, str) or not extends.strip():
        extends_issue("a path to another scenario file", shown(extends))
        return None
    base_path = path.parent / extends
    try:
        base_real = base_path.resolve()
    except (OSError, ValueError, RuntimeError):
        extends_issue("a path to another scenario file", shown(extends))
        return None
    if base_real in (*stack, real):
        chain = " -> ".join(str(p.name) for p in (*stack, real, base_real))
        extends_issue("no cycle of extends", chain)
        return None
    if not base_path.is_file():
        extends_issue("an existing scenario file, relative to this file's folder",
                      f"{shown(extends)}: no such file")
        return None
    base_name = os.path.normpath(os.path.join(os.path.dirname(shown_name), extends))
    base = _read_chain(base_path, base_name, problems, files, (*stack, real))
    if base is None:
        return None
    return deep_merge(base, data)


_NOT_YAML = object()  # what `_parse_yaml` returns for a syntax error (None is an empty file)


class _Loader(yaml.SafeLoader):
    """Safe YAML, except that `3e7` and `1e-3` are numbers (YAML 1.2) and not text (YAML 1.1)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?(?:[0-9][0-9_]*\.?[0-9_]*|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"))


def _parse_yaml(text: str, file: str, problems: Problems) -> Any:
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except RecursionError:
        problems.issues.append(Issue(file, "", "valid YAML nested at most a few hundred levels deep",
                                     "deeper nesting"))
        return _NOT_YAML
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]  # one line
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        position = getattr(error, "position", None)  # a ReaderError (a control character) has no mark
        if mark is None and isinstance(position, int):
            line, column = text.count("\n", 0, position) + 1, position - text.rfind("\n", 0, position)
        problems.issues.append(Issue(file, "", "valid YAML", reason, line, column))
        return _NOT_YAML
    source = Source(file, {})
    if node is not None:
        _collect_positions(node, "", source, problems)
    problems.sources.append(source)
    return data


def _collect_positions(node: yaml.Node, path: str, source: Source, problems: Problems) -> None:
    positions, file = source.positions, source.file
    if isinstance(node, yaml.MappingNode):
        source.mappings.add(path)
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = join(path, key)
            if key in seen:
                problems.issues.append(Issue(file, child, "each key once", "a duplicate key",
                                             key_node.start_mark.line + 1,
                                             key_node.start_mark.column + 1))
            seen.add(key)
            positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _collect_positions(value_node, child, source, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = join(path, index)
            positions[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _collect_positions(item, child, source, problems)


REPLACED_WHOLE = ("initial",)  # a distribution over states is given whole, never merged
ONE_KIND = ("time", "dist")  # {kind: args}: a different kind replaces, the same kind merges


def deep_merge(base: Any, over: Any, key: str | None = None) -> Any:
    """Mappings merge key by key (`over` wins); a list or a scalar is replaced whole.

    Two exceptions keep patches meaningful: an `initial` distribution is replaced whole (merging
    {none: 1} with {referred: 1} would sum to 2), and a `time` or `dist` of another kind
    replaces the old one instead of sitting beside it.
    """
    if not (isinstance(base, dict) and isinstance(over, dict)) or key in REPLACED_WHOLE:
        return over
    if key in ONE_KIND and set(base) != set(over):
        return over
    merged = dict(base)
    for name, value in over.items():
        merged[name] = deep_merge(base[name], value, name) if name in base else value
    return merged


# --- Small readers: each checks one field and reports what it expected ------------------------


class Reader:
    """Reads fields of the merged data, resolving `$name` against the parameters in scope."""

    def __init__(self, problems: Problems, parameters: Mapping[str, Parameter],
                 start: tuple[int, int] | None):
        self.problems = problems
        self.parameters = parameters
        self.start = start

    def issue(self, path: str, expected: str, found: str) -> None:
        self.problems.add(path, expected, found)

    def mapping(self, raw: Any, path: str, required: Iterable[str] = (),
                optional: Iterable[str] = (), what: str = "a mapping") -> dict | None:
        """`raw` if it is a mapping with the required keys and no unknown ones."""
        if not isinstance(raw, dict):
            self.issue(path, what, shown(raw))
            return None
        required, optional = tuple(required), tuple(optional)
        allowed = tuple(dict.fromkeys(required + optional))  # each key once in the message
        ok = True
        for key in raw:
            if key not in allowed:
                self.unknown(join(path, str(key)), key, allowed)
                ok = False
        for key in required:
            if key not in raw:
                self.issue(join(path, key), f"a value for `{key}` (required)", "nothing")
                ok = False
        return raw if ok else None

    def exactly_one(self, raw: dict, path: str, choices: tuple[str, ...]) -> str | None:
        """The one key of `choices` that `raw` has; an issue when it has none or several."""
        chosen = [key for key in choices if key in raw]
        if len(chosen) == 1:
            return chosen[0]
        self.issue(path, "exactly one of " + ", ".join(choices), ", ".join(chosen) or "none")
        return None

    def unknown(self, path: str, key: Any, allowed: Iterable[str]) -> None:
        allowed = tuple(allowed)
        hint = difflib.get_close_matches(str(key), allowed, n=1)
        expected = "one of " + ", ".join(allowed) if allowed else "no keys here"
        if hint:
            expected += f" (did you mean '{hint[0]}'?)"
        self.issue(path, f"a known key; {expected}", f"unknown key {shown(key)}")

    def text(self, raw: Any, path: str) -> str | None:
        if isinstance(raw, str) and raw.strip():
            return raw
        self.issue(path, "a non-empty text", shown(raw))
        return None

    def flag(self, raw: Any, path: str) -> bool | None:
        if isinstance(raw, bool):
            return raw
        self.issue(path, "true or false", shown(raw))
        return None

    def one_of(self, raw: Any, path: str, allowed: Iterable[str], what: str) -> str | None:
        allowed = tuple(allowed)
        if isinstance(raw, str) and raw in allowed:
            return raw
        hint = difflib.get_close_matches(str(raw), allowed, n=1)
        expected = f"{what}: one of " + ", ".join(allowed) if allowed else f"{what} (none declared)"
        if hint:
            expected += f" (did you mean '{hint[0]}'?)"
        self.issue(path, expected, shown(raw))
        return None

    def names(self, raw: Any, path: str, allowed: Iterable[str], what: str) -> frozenset[str] | None:
        """A name or a list of names, each among `allowed`."""
        items = raw if isinstance(raw, list) else [raw]
        if isinstance(raw, list) and not raw:
            self.issue(path, f"one or more {what}", "an empty list")
            return None
        found = [self.one_of(item, join(path, i) if isinstance(raw, list) else path, allowed, what)
                 for i, item in enumerate(items)]
        return None if None in found else frozenset(found)

    def number(self, raw: Any, path: str, low: float | None = None, high: float | None = None,
               low_open: bool = False, integer: bool = False, allow_ref: bool = True) -> Number | None:
        """A number within bounds, or `$name` of a parameter whose every value is within them."""
        expected = _describe_bounds(low, high, low_open, integer)
        if isinstance(raw, str) and raw.startswith("$") and allow_ref:
            name = raw[1:]
            parameter = self.parameters.get(name)
            if parameter is None:
                hint = difflib.get_close_matches(name, list(self.parameters), n=1)
                extra = f" (did you mean '${hint[0]}'?)" if hint else ""
                self.issue(path, f"a declared parameter{extra}", shown(raw))
                return None
            if integer and parameter.distribution is not None and \
                    getattr(parameter.distribution, "values", None) is None:
                self.issue(path, f"a parameter whose every value is {expected} (a fixed value or a "
                           "choice)", f"${name}, which is continuous")
                return None
            for value in _parameter_extremes(parameter):
                if not _within(value, low, high, low_open, integer):
                    self.issue(path, f"a parameter whose every value is {expected}",
                               f"${name}, which can be {_fmt(value)}")
                    return None
            return Ref(name)
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
            what = expected + (" or $parameter" if allow_ref else "")
            self.issue(path, what, shown(raw))
            return None
        if not _within(raw, low, high, low_open, integer):
            self.issue(path, expected, shown(raw))
            return None
        return float(raw)

    def month(self, raw: Any, path: str) -> Number | None:
        """A time in months since t = 0: a number, `$name`, or a calendar month `YYYY-MM`."""
        if isinstance(raw, str) and re.fullmatch(r"\d{4}-\d{2}", raw):
            year, month = int(raw[:4]), int(raw[5:])
            if not 1 <= month <= 12:
                self.issue(path, "a calendar month YYYY-MM", shown(raw))
                return None
            if self.start is None:
                self.issue(path, "a number of months (a calendar month needs `start`)", shown(raw))
                return None
            return float(12 * (year - self.start[0]) + month - self.start[1])
        return self.number(raw, path, low=None)

    def shares(self, raw: Any, path: str, allowed: Iterable[str], what: str) -> dict[str, float] | None:
        """A mapping name → share in [0, 1] that sums to 1."""
        allowed = tuple(allowed)
        if not isinstance(raw, dict) or not raw:
            self.issue(path, f"a mapping of {what} to shares", shown(raw))
            return None
        result: dict[str, float] = {}
        for key, value in raw.items():
            name = self.one_of(key, join(path, str(key)), allowed, what)
            share = self.number(value, join(path, str(key)), 0.0, 1.0, allow_ref=False)
            if name is not None and share is not None:
                result[name] = share
        if len(result) != len(raw):
            return None
        total = sum(result.values())
        if abs(total - 1.0) > SHARE_TOLERANCE:
            self.issue(path, "shares that sum to 1", f"a sum of {_fmt(total)}")
            return None
        return result


def _describe_bounds(low, high, low_open, integer) -> str:
    kind = "a whole number" if integer else "a number"
    if low is not None and high is not None:
        return f"{kind} in {'(' if low_open else '['}{_fmt(low)}, {_fmt(high)}]"
    if low is not None:
        return f"{kind} {'>' if low_open else '>='} {_fmt(low)}"
    return kind


def _within(value: float, low, high, low_open, integer) -> bool:
    if math.isnan(value) or integer and (math.isinf(value) or float(value) != int(value)):
        return False
    if low is not None and (value <= low if low_open else value < low):
        return False
    return high is None or value <= high


TAIL = UNIFORM_EDGE  # the smallest u that a draw uses; 1 − TAIL is the largest


def _parameter_extremes(parameter: Parameter) -> list[float]:
    """The most extreme values a draw can take.

    For a continuous distribution these are ppf(2⁻⁵³) and ppf(1 − 2⁻⁵³), the values at the
    smallest and largest uniforms a draw uses, rather than the ends of its support: a lognormal
    or gamma never draws its lower end 0, and no draw is infinite, so the ends would reject a
    lognormal mean, or any unbounded parameter in a `time`. A normal that can go below zero
    still fails a positive field (ppf(2⁻⁵³) is 8.2 sd below the mean). Where scipy cannot
    compute so far into a tail, the end of the support stands in.
    """
    if parameter.distribution is None:
        return [parameter.value]
    values = getattr(parameter.distribution, "values", None)
    if values is not None:
        return list(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns where it gives up; the support stands in
        tails = [float(parameter.distribution.ppf(u)) for u in (TAIL, 1 - TAIL)]
    return [end if math.isnan(tail) else tail
            for tail, end in zip(tails, parameter.distribution.support())]


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


# --- Step 2: merged data → Scenario --------------------------------------------------------------


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
    parameters = _parameters(raw.get("parameters", {}), "parameters", reader)
    reader.parameters = parameters
    sampling = "random"
    if "sampling" in raw:
        sampling = reader.one_of(raw["sampling"], "sampling", ("random", "lhs"), "a sampling method")
    economics = _economics(raw.get("economics", {}), reader)
    attributes = _attributes(raw.get("attributes", {}), reader)
    intake = _intake(raw.get("intake"), reader, attributes) if "intake" in raw else ()
    arms_raw = raw.get("arms")
    base_model = _model(raw, reader, attributes, economics) if "tracks" in raw else None
    arms = _arms(arms_raw, raw, reader, attributes, economics, base_model) if "arms" in raw else {}
    # Names are checked against the arms declared: an arm that failed to build is reported once.
    declared_arms = tuple(map(str, arms_raw)) if isinstance(arms_raw, dict) else tuple(arms)
    baseline = next(iter(arms), "")
    if "baseline" in raw:
        baseline = reader.one_of(raw["baseline"], "baseline", declared_arms, "an arm") or ""
    contracts = {}
    if "contracts" in raw and reader.mapping(raw["contracts"], "contracts", optional=raw["contracts"]
                                             if isinstance(raw["contracts"], dict) else ()):
        for contract_name, contract_raw in raw["contracts"].items():
            contract = _contract(contract_name, contract_raw, join("contracts", contract_name),
                                 reader, arms, declared_arms, attributes, economics, horizon)
            if contract is not None:
                contracts[contract_name] = contract
    _check_attributes_fixed(attributes, intake, reader)
    resolved = {key: value for key, value in raw.items()}
    return Scenario(
        name=name or "", description=description if isinstance(description, str) else "",
        file=file, horizon=horizon or 0.0, start=start, baseline=baseline,
        sampling=sampling or "random", attributes=attributes, intake=intake,
        economics=economics, arms=arms, contracts=contracts, files=files, resolved=resolved,
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


def _parameters(raw: Any, path: str, reader: Reader) -> dict[str, Parameter]:
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
        labels = {key: spec.get(key, "") for key in ("label", "source", "unit")}
        for key, value in labels.items():
            if not isinstance(value, str):
                reader.issue(join(here, key), "a text", shown(value))
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
                     + _form_example(forms[kind]), shown(args))
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


def _form_example(form_sets: Iterable[frozenset[str]]) -> str:
    return " or ".join("{" + ", ".join(sorted(form)) + "}" for form in form_sets)


def _economics(raw: Any, reader: Reader) -> Economics:
    default = Economics("DKK", 0.0, ())
    fields = reader.mapping(raw, "economics", optional=("currency", "discount_rate", "departments"))
    if fields is None:
        return default
    currency = reader.text(raw.get("currency", "DKK"), "economics.currency") or "DKK"
    rate = reader.number(raw.get("discount_rate", 0.0), "economics.discount_rate", 0.0, 1.0)
    departments: tuple[str, ...] = ()
    if "departments" in raw:
        items = raw["departments"]
        if not isinstance(items, list) or not items:
            reader.issue("economics.departments", "a list of department names", shown(items))
        else:
            for i, item in enumerate(items):
                if not isinstance(item, str) or not re.fullmatch(r"[A-Za-z_][\w]*(\.[\w]+)*", item):
                    reader.issue(join("economics.departments", i),
                                 "a department name such as municipality.social", shown(item))
                elif item in departments:
                    reader.issue(join("economics.departments", i), "each department once",
                                 f"{item!r} again")
                else:
                    departments += (item,)
    return Economics(currency, rate if rate is not None else 0.0, departments)


def _attributes(raw: Any, reader: Reader) -> tuple[Attribute, ...]:
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


def _intake(raw: Any, reader: Reader, attributes: tuple[Attribute, ...]) -> tuple[IntakeStream, ...]:
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
            elif None not in (start, until) and _plain(start) and _plain(until) and until <= start:
                reader.issue(join(here, "until"), f"a month after `from` ({_fmt(start)})", shown(spec["until"]))
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


def _check_attributes_fixed(attributes, intake, reader: Reader) -> None:
    """An attribute declared as a plain list has no shares: every stream must fix it."""
    for attribute in attributes:
        if attribute.shares is None:
            for i, stream in enumerate(intake):
                if attribute.name not in stream.attributes:
                    path = join("intake", i) if len(intake) > 1 else "intake"
                    reader.issue(join(path, "attributes"),
                                 f"a value for `{attribute.name}` (declared as a plain list, so every "
                                 "intake stream must fix it)", "nothing")


def _plain(value: Any) -> bool:
    return isinstance(value, float)


# --- Arms and their models -----------------------------------------------------------------------


def _arms(raw: Any, scenario_raw: dict, reader: Reader, attributes, economics,
          base_model: Model | None) -> dict[str, Arm]:
    if not isinstance(raw, dict) or not raw:
        reader.issue("arms", "a mapping of arm names to {label, patch}", shown(raw))
        return {}
    arms: dict[str, Arm] = {}
    for name, spec in raw.items():
        here = join("arms", str(name))
        spec = {} if spec is None else spec
        if reader.mapping(spec, here, optional=("label", "patch")) is None:
            continue
        label = spec.get("label", str(name))
        if not isinstance(label, str):
            reader.issue(join(here, "label"), "a text", shown(label))
        patch = spec.get("patch")
        if patch is None:
            if base_model is not None:
                arms[str(name)] = Arm(str(name), str(label), base_model)
            continue
        if reader.mapping(patch, join(here, "patch"), optional=PATCHABLE,
                          what="a mapping of the fields this arm changes") is None:
            continue
        merged = deep_merge(scenario_raw, patch)
        own_parameters = frozenset(patch.get("parameters", {}) or {})
        saved = reader.problems.patch_prefix, reader.parameters
        reader.problems.patch_prefix = join(here, "patch")
        try:
            reader.parameters = _parameters(merged.get("parameters", {}), "parameters", reader)
            model = _model(merged, reader, attributes, economics)
        finally:
            reader.problems.patch_prefix, reader.parameters = saved
        if model is not None:
            arms[str(name)] = Arm(str(name), str(label), model, own_parameters)
    return arms


def _model(raw: dict, reader: Reader, attributes: tuple[Attribute, ...],
           economics: Economics) -> Model | None:
    tracks_raw = raw.get("tracks")
    if not isinstance(tracks_raw, dict) or not tracks_raw:
        reader.issue("tracks", "a mapping of track names to {states, initial, transitions}",
                     shown(tracks_raw))
        return None
    resources = _resources(raw.get("resources", {}), reader)
    # First the states of every track, so that conditions can refer to any track.
    states: dict[str, tuple[str, ...]] = {}
    for name, spec in tracks_raw.items():
        here = join("tracks", str(name))
        if isinstance(spec, dict) and "states" in spec:
            items = spec["states"]
            if (isinstance(items, list) and items and all(isinstance(s, str) for s in items)
                    and len(set(items)) == len(items)):
                states[str(name)] = tuple(items)
            else:
                reader.issue(join(here, "states"), "a list of distinct state names", shown(items))
    holding = {str(name): frozenset(k for k in spec["holds"] if isinstance(k, str))
               for name, spec in tracks_raw.items()
               if isinstance(spec, dict) and isinstance(spec.get("holds"), dict)}
    broken = frozenset(str(name) for name in tracks_raw) - set(states)  # states reported above
    scope = Scope(states, {a.name: a.values for a in attributes}, reader, holding, broken)
    tracks = []
    for name, spec in tracks_raw.items():
        track = _track(str(name), spec, join("tracks", str(name)), reader, scope, resources, attributes)
        if track is not None:
            tracks.append(track)
    exit_time = None
    if raw.get("exit") is not None:
        if reader.mapping(raw["exit"], "exit", required=("time",)) is not None:
            exit_time = _time(raw["exit"]["time"], "exit.time", reader)
    flows = _flows(raw.get("flows", {}), reader, scope, economics)
    if len(tracks) != len(tracks_raw):
        return None  # a track is broken (reported): no model, so no false alarms about its states
    return Model(tuple(tracks), resources, flows, exit_time, dict(reader.parameters))


@dataclass
class Scope:
    """The names a condition may use: each track's states and each attribute's values."""

    states: dict[str, tuple[str, ...]]
    attributes: dict[str, tuple[str, ...]]
    reader: Reader
    holding: dict[str, frozenset[str]] = field(default_factory=dict)  # states that hold a resource
    broken: frozenset[str] = frozenset()  # tracks whose states are invalid: not checked again here

    def condition(self, raw: Any, path: str, attributes_only: bool = False) -> Condition | None:
        if not isinstance(raw, dict):
            self.reader.issue(path, "a mapping of track names to states (or attributes to values)",
                              shown(raw))
            return None
        allowed = () if attributes_only else tuple(self.states)
        allowed += tuple(self.attributes)
        states, attributes, ok = {}, {}, True
        for key, value in raw.items():
            here = join(path, str(key))
            if key in self.broken and not attributes_only:
                ok = False
            elif key not in allowed:
                self.reader.unknown(here, key, allowed)
                ok = False
            elif key in self.states and not attributes_only:
                chosen = self.reader.names(value, here, self.states[key], f"a state of {key}")
                ok = ok and chosen is not None
                states[key] = chosen
            else:
                chosen = self.reader.names(value, here, self.attributes[key], f"a value of {key}")
                ok = ok and chosen is not None
                attributes[key] = chosen
        return Condition(states, attributes) if ok else None


def _resources(raw: Any, reader: Reader) -> dict[str, Resource]:
    if not isinstance(raw, dict):
        reader.issue("resources", "a mapping of resource names to {capacity}", shown(raw))
        return {}
    result = {}
    for name, spec in raw.items():
        here = join("resources", str(name))
        if reader.mapping(spec, here, required=("capacity",), optional=("label",)) is None:
            continue
        capacity = reader.number(spec["capacity"], join(here, "capacity"), 0, integer=True)
        if capacity is not None:
            result[str(name)] = Resource(str(name), capacity)
    return result


def _track(name: str, raw: Any, path: str, reader: Reader, scope: Scope,
           resources: Mapping[str, Resource], attributes: tuple[Attribute, ...]) -> Track | None:
    if reader.mapping(raw, path, required=("states", "initial"),
                      optional=("transitions", "holds", "on_enter", "label")) is None:
        return None
    states = scope.states.get(name)
    if states is None:
        return None
    holds = {}
    if "holds" in raw:
        spec = raw["holds"]
        if not isinstance(spec, dict):
            reader.issue(join(path, "holds"), "a mapping of states to resources", shown(spec))
        else:
            for state, resource in spec.items():
                here = join(join(path, "holds"), str(state))
                state = reader.one_of(state, here, states, f"a state of {name}")
                resource = reader.one_of(resource, here, tuple(resources), "a declared resource")
                if state is not None and resource is not None:
                    holds[state] = resource
    initial = _initial(raw["initial"], join(path, "initial"), reader, states, attributes, holds)
    transitions = []
    spec = raw.get("transitions") or {}
    if not isinstance(spec, dict):
        reader.issue(join(path, "transitions"), "a mapping of `from->to` to {time, modifiers}", shown(spec))
        spec = {}
    for key, transition_raw in spec.items():
        transition = _transition(str(key), transition_raw, join(join(path, "transitions"), str(key)),
                                 reader, scope, states)
        if transition is not None:
            transitions.append(transition)
    on_enter = {}
    spec = raw.get("on_enter") or {}
    if not isinstance(spec, dict):
        reader.issue(join(path, "on_enter"), "a mapping of states to lists of jumps", shown(spec))
        spec = {}
    for state, jumps_raw in spec.items():
        here = join(join(path, "on_enter"), str(state))
        if reader.one_of(state, here, states, f"a state of {name}") is None:
            continue
        if not isinstance(jumps_raw, list):
            reader.issue(here, "a list of {track, from, to, probability}", shown(jumps_raw))
            continue
        jumps = [_jump(item, join(here, i), reader, scope, name) for i, item in enumerate(jumps_raw)]
        on_enter[state] = tuple(jump for jump in jumps if jump is not None)
    if initial is None:
        return None
    return Track(name, states, initial, holds, tuple(transitions), on_enter)


def _initial(raw: Any, path: str, reader: Reader, states: tuple[str, ...],
             attributes: tuple[Attribute, ...], holds: Mapping[str, str]) -> Initial | None:
    if isinstance(raw, dict) and "by" in raw:
        by_name = {a.name: a for a in attributes}
        attribute = reader.one_of(raw["by"], join(path, "by"), tuple(by_name), "a declared attribute")
        if attribute is None:
            return None
        values = by_name[attribute].values
        if reader.mapping(raw, path, required=("by",) + values) is None:
            return None
        tables = {value: _initial_table(raw[value], join(path, value), reader, states, holds)
                  for value in values}
        return None if None in tables.values() else Initial(attribute, tables)
    table = _initial_table(raw, path, reader, states, holds)
    return None if table is None else Initial(None, {None: table})


def _initial_table(raw: Any, path: str, reader: Reader, states: tuple[str, ...],
                   holds: Mapping[str, str]) -> dict[str, float] | None:
    table = reader.shares(raw, path, states, "states")
    if table is None:
        return None
    for state, share in table.items():
        if share > 0 and state in holds:
            reader.issue(join(path, state), f"no youths at arrival in {state}, which holds "
                         f"{holds[state]} (enter it by a transition)", shown(share))
            return None
    return table


def _transition(key: str, raw: Any, path: str, reader: Reader, scope: Scope,
                states: tuple[str, ...]) -> Transition | None:
    parts = key.split("->")
    if len(parts) != 2:
        reader.issue(path, "a transition key `from->to`", shown(key))
        return None
    source = reader.one_of(parts[0].strip(), path, states, "a state of this track as `from`")
    target = reader.one_of(parts[1].strip(), path, states, "a state of this track as `to`")
    if source is not None and source == target:
        reader.issue(path, "a transition between two different states", shown(key))
        return None
    if reader.mapping(raw, path, required=("time",), optional=("modifiers",)) is None:
        return None
    time = _time(raw["time"], join(path, "time"), reader)
    modifiers = []
    spec = raw.get("modifiers") or []
    if not isinstance(spec, list):
        reader.issue(join(path, "modifiers"), "a list of {when, hazard_ratio}", shown(spec))
        spec = []
    for i, item in enumerate(spec):
        here = join(join(path, "modifiers"), i)
        if reader.mapping(item, here, required=("when", "hazard_ratio")) is None:
            continue
        when = scope.condition(item["when"], join(here, "when"))
        ratio = reader.number(item["hazard_ratio"], join(here, "hazard_ratio"), 0.0)
        if time is not None and time.kind == "fixed" and ratio is not None and ratio != 0.0:
            reader.issue(join(here, "hazard_ratio"), "0 (a fixed clock can only be paused)",
                         shown(item["hazard_ratio"]))
            continue
        if when is not None and ratio is not None:
            modifiers.append(Modifier(when, ratio))
    if None in (source, target, time):
        return None
    return Transition(source, target, time, tuple(modifiers))


def _time(raw: Any, path: str, reader: Reader) -> TimeSpec | None:
    """A time-to-event distribution; arguments may be `$name`, checked at their extreme values."""
    if isinstance(raw, dict) and len(raw) == 1 and "fixed" in raw and not isinstance(raw["fixed"], dict):
        raw = {"fixed": {"months": raw["fixed"]}}
    if not isinstance(raw, dict) or len(raw) != 1:
        reader.issue(path, "one time distribution: " + ", ".join(TIME_FORMS), shown(raw))
        return None
    (kind, args), = raw.items()
    if kind not in TIME_FORMS:
        reader.unknown(join(path, str(kind)), kind, TIME_FORMS)
        return None
    here = join(path, kind)
    if not isinstance(args, dict):
        reader.issue(here, "a mapping of arguments, e.g. " + _form_example(TIME_FORMS[kind]), shown(args))
        return None
    values: dict[str, Number] = {}
    for arg, value in args.items():
        if isinstance(value, str) and value.startswith("$"):
            number = reader.number(value, join(here, str(arg)))
            if number is None:
                return None
            values[str(arg)] = number
        else:
            values[str(arg)] = value
    # Check with every combination of the referenced parameters' extreme values.
    choices = [[v] if not isinstance(v, Ref) else _parameter_extremes(reader.parameters[v.name])
               for v in values.values()]
    for combination in itertools.product(*choices):
        refs = [f"${v.name}" for v in values.values() if isinstance(v, Ref)]
        at_extreme = f" (at an extreme of {', '.join(refs)})" if refs else ""
        try:
            time_distribution(kind, dict(zip(values, combination))).median()
        except InvalidArgument as error:
            where = join(here, error.argument) if error.argument else here
            reader.issue(where, error.expected, error.found + at_extreme)
            return None
        except ArithmeticError:  # e.g. weibull {shape: 1e-300}, or p so small that the rate is 0
            reader.issue(here, NUMERIC_RANGE, shown(dict(zip(values, combination))) + at_extreme)
            return None
    return TimeSpec(kind, {k: (float(v) if not isinstance(v, Ref) else v) for k, v in values.items()})


def _jump(raw: Any, path: str, reader: Reader, scope: Scope, own_track: str) -> Jump | None:
    if reader.mapping(raw, path, required=("track", "from", "to"), optional=("probability",)) is None:
        return None
    if isinstance(raw["track"], str) and raw["track"] in scope.broken:
        return None
    track = reader.one_of(raw["track"], join(path, "track"), tuple(scope.states), "a track")
    probability = reader.number(raw.get("probability", 1.0), join(path, "probability"), 0.0, 1.0)
    if track is None:
        return None
    if track == own_track:
        reader.issue(join(path, "track"), "another track (a jump moves a different track)", shown(track))
        return None
    sources = reader.names(raw["from"], join(path, "from"), scope.states[track], f"a state of {track}")
    target = reader.one_of(raw["to"], join(path, "to"), scope.states[track], f"a state of {track}")
    if target is not None and target in scope.holding.get(track, ()):
        reader.issue(join(path, "to"), f"a state that holds no resource ({target} holds one)", shown(target))
        return None
    if None in (sources, target, probability):
        return None
    return Jump(track, sources, target, probability)


# --- Flows ---------------------------------------------------------------------------------------


def _flows(raw: Any, reader: Reader, scope: Scope, economics: Economics) -> tuple[Flow, ...]:
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
    optional = FLOW_KINDS + payments + ("amount", "from", "until", "max_months_per_year", "label", "source")
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
        if reader.start is None:
            reader.issue(join(path, "max_months_per_year"), "a scenario `start` (calendar years "
                         "need it)", "no start")
            return None
        maximum = reader.number(raw["max_months_per_year"], join(path, "max_months_per_year"),
                                0.0, 12.0)
    if isinstance(start, float) and isinstance(until, float) and until <= start:
        where = join(path, "fixed.until" if kind == "fixed" else "until")
        reader.issue(where, f"a month after `from` ({_fmt(start)})", _fmt(until))
        return None
    shares = _payment(raw, path, reader, economics, payments)
    if None in (amount, shares) or (kind != "fixed" and condition is None):
        return None
    return Flow(name, kind, condition, amount, shares, start, until, maximum)


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


# --- Contracts -----------------------------------------------------------------------------------


def _contract(name: str, raw: Any, path: str, reader: Reader, arms: Mapping[str, Arm],
              declared_arms: tuple[str, ...], attributes: tuple[Attribute, ...],
              economics: Economics, horizon: float | None) -> Contract | None:
    optional = ("arm", "youths", "payers", "payer", "investor", "window", "settlement", "outcomes",
                "versus_baseline", "cap", "max_per_youth", "max_multiple", "outcome_fund", "label")
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
    investor = _investor(raw["investor"], join(path, "investor"), reader)
    window_start, window_until = 0.0, horizon
    if "window" in raw:
        spec = reader.mapping(raw["window"], join(path, "window"), optional=("from", "until"))
        if spec is not None:
            window_start = reader.number(spec.get("from", 0), join(path, "window.from"), 0.0, allow_ref=False)
            window_until = reader.number(spec.get("until", horizon), join(path, "window.until"),
                                         0.0, horizon, low_open=True, allow_ref=False)
            if None not in (window_start, window_until) and window_until <= window_start:
                reader.issue(join(path, "window.until"), f"a month after window.from ({_fmt(window_start)})",
                             shown(spec.get("until")))
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
    optional_numbers = {}
    for key in ("cap", "max_per_youth", "max_multiple"):
        optional_numbers[key] = (reader.number(raw[key], join(path, key), 0.0)
                                 if raw.get(key) is not None else None)
    reserve = None
    if "outcome_fund" in raw:
        spec = reader.mapping(raw["outcome_fund"], join(path, "outcome_fund"), required=("reserve",))
        if spec is not None:
            reserve = reader.number(spec["reserve"], join(path, "outcome_fund.reserve"), 0.0)
    if None in (arm_name, youths, payers, investor, window_start, window_until, settlement, versus):
        return None
    if not isinstance(raw["outcomes"], dict) or len(outcomes) != len(raw["outcomes"]):
        return None
    return Contract(name, arm_name, youths, payers, investor, window_start, window_until, settlement,
                    tuple(outcomes), versus, optional_numbers["cap"], optional_numbers["max_per_youth"],
                    optional_numbers["max_multiple"], reserve)


def _investor(raw: Any, path: str, reader: Reader) -> Investor | None:
    if reader.mapping(raw, path, required=("principal",), optional=("disbursed",)) is None:
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
                         f"({_fmt(principal)})", f"a sum of {_fmt(sum(amounts))}")
            return None
    return Investor(principal, tuple(disbursements))


def _outcome(name: str, raw: Any, path: str, reader: Reader, scope: Scope) -> Outcome | None:
    if reader.mapping(raw, path, optional=METRICS + ("price", "max_months", "max_periods", "label")) is None:
        return None
    metric = reader.exactly_one(raw, path, METRICS)
    if metric is None:
        return None
    here = join(path, metric)
    if "price" not in raw:
        reader.issue(join(path, "price"), "a value for `price` (required)", "nothing")
        return None
    price = reader.number(raw["price"], join(path, "price"), 0.0)
    if "max_months" in raw and metric != "months_in":
        reader.issue(join(path, "max_months"), "max_months only with months_in", shown(raw["max_months"]))
        return None
    if "max_periods" in raw and metric != "per_period":
        reader.issue(join(path, "max_periods"), "max_periods only with per_period", shown(raw["max_periods"]))
        return None
    extra: dict[str, Any] = {}
    spec = raw[metric]
    if metric in ("months_in", "entered"):
        condition, inside = scope.condition(spec, here), True
        if metric == "months_in" and "max_months" in raw:
            extra["max_months"] = reader.number(raw["max_months"], join(path, "max_months"), 0.0)
            if extra["max_months"] is None:
                return None
    else:
        required = {"achieved": ("for_months",), "status_at": ("months_after_arrival",),
                    "per_period": ("every",)}[metric]
        optional = ("in", "not_in") + (("at_least", "at_most") if metric == "per_period" else ())
        if reader.mapping(spec, here, required=required, optional=optional) is None:
            return None
        if ("in" in spec) == ("not_in" in spec):
            reader.issue(here, "exactly one of in, not_in", "both" if "in" in spec else "neither")
            return None
        inside = "in" in spec
        condition = scope.condition(spec["in" if inside else "not_in"], join(here, "in" if inside else "not_in"))
        if metric == "achieved":
            extra["for_months"] = reader.number(spec["for_months"], join(here, "for_months"), 0.0)
        elif metric == "status_at":
            points = spec["months_after_arrival"]
            if not isinstance(points, list) or not points:
                reader.issue(join(here, "months_after_arrival"), "a list of months", shown(points))
                return None
            checkpoints = [reader.number(p, join(join(here, "months_after_arrival"), i), 0.0)
                           for i, p in enumerate(points)]
            if None in checkpoints:
                return None
            extra["checkpoints"] = tuple(checkpoints)
        else:
            every = reader.number(spec["every"], join(here, "every"), 0.0, low_open=True)
            extra["every"] = every
            for key in ("at_least", "at_most"):
                if key in spec:
                    extra[key] = reader.number(spec[key], join(here, key), 0.0)
                    if extra[key] is None:
                        return None
            if "at_least" not in spec and "at_most" not in spec:
                reader.issue(here, "at_least and/or at_most", "neither")
                return None
            if "max_periods" in raw:
                extra["max_periods"] = reader.number(raw["max_periods"], join(path, "max_periods"),
                                                     0, integer=True)
                if extra["max_periods"] is None:
                    return None
        if any(value is None for value in extra.values()):
            return None
    if condition is None or price is None:
        return None
    return Outcome(name, metric, condition, inside, price, **extra)
