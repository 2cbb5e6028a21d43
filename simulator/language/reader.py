"""The path-aware reader: where each field came from, the small checks each field gets, and conditions.

Every builder in `simulator.language.sections` reads the merged scenario through a `Reader`,
giving it the path of the field it reads; a problem becomes an `Issue` naming the file, the
line and the path, collected in `Problems` instead of raised, so that one pass reports them all.
This module knows no section of a scenario: only numbers, names, shares and conditions.
"""
from __future__ import annotations

import difflib
import math
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from simulator.language.distributions import UNIFORM_EDGE
from simulator.language.errors import Issue, shown
from simulator.language.labels import LANGUAGES, Label
from simulator.language.scenario import Condition, Number, Parameter, Ref

SHARE_TOLERANCE = 1e-9


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

    def label(self, raw: Any, path: str, id: str) -> Label | None:
        """A `label`: a text, or a mapping of language codes to texts; absent (None): the id's own."""
        if raw is None:
            return Label(id)
        if isinstance(raw, str):
            return Label(id, {"en": raw}) if self.text(raw, path) is not None else None
        if not isinstance(raw, dict) or not raw:
            self.issue(path, "a text or a mapping of languages (" + ", ".join(LANGUAGES) + ") to texts",
                       shown(raw))
            return None
        texts = {}
        for lang, text in raw.items():
            if lang not in LANGUAGES:
                self.unknown(join(path, str(lang)), lang, LANGUAGES)
            elif self.text(text, join(path, lang)) is not None:
                texts[lang] = text
        return Label(id, texts) if len(texts) == len(raw) else None

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
            for value in parameter_extremes(parameter):
                if not _within(value, low, high, low_open, integer):
                    self.issue(path, f"a parameter whose every value is {expected}",
                               f"${name}, which can be {number_text(value)}")
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
            self.issue(path, "shares that sum to 1", f"a sum of {number_text(total)}")
            return None
        return result


def _describe_bounds(low, high, low_open, integer) -> str:
    kind = "a whole number" if integer else "a number"
    if low is not None and high is not None:
        return f"{kind} in {'(' if low_open else '['}{number_text(low)}, {number_text(high)}]"
    if low is not None:
        return f"{kind} {'>' if low_open else '>='} {number_text(low)}"
    return kind


def _within(value: float, low, high, low_open, integer) -> bool:
    if math.isnan(value) or integer and (math.isinf(value) or float(value) != int(value)):
        return False
    if low is not None and (value <= low if low_open else value < low):
        return False
    return high is None or value <= high


TAIL = UNIFORM_EDGE  # the smallest u that a draw uses; 1 − TAIL is the largest


def parameter_extremes(parameter: Parameter) -> list[float]:
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


def number_text(value: float) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)



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
