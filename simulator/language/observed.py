"""The youths observed so far: `youths.csv` and `spells.csv` of an observed folder (spec §4.7).

A municipality exports what happened to its youths up to a cut-off; `read_observed` checks it
against the scenario (every youth, track, state and attribute value known; each track's spells
back to back from arrival to the departure or the cut-off; nothing after the cut-off; every move
one the arm's model allows) and gives the history as frozen data for the engine. Every problem
names the file, line and column; all are raised together as one `ScenarioError`.

Times are months since the scenario's `start` (a number) or dates `YYYY-MM-DD`: day d of a month
with D days is (d - 1) / D months into it, so the first of a month is the month's number.
This module reads and checks; it simulates nothing and weighs nothing.
"""
from __future__ import annotations

import calendar
import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from simulator.language.errors import Issue, ScenarioError, shown
from simulator.language.scenario import Model, Scenario

YOUTHS_CSV, SPELLS_CSV = "youths.csv", "spells.csv"
SPELL_COLUMNS = ("youth", "track", "state", "start", "end")
TOLERANCE = 1e-9  # months: two times this close are the same time (a date's fraction rounds)


@dataclass(frozen=True)
class ObservedSpell:
    state: str
    start: float
    end: float  # the departure, or the cut-off for a spell still running then


@dataclass(frozen=True)
class ObservedYouth:
    """One youth's history up to the cut-off; `spells` per track, in time order, back to back."""

    youth: str
    arrival: float
    departure: float | None  # None: still present at the cut-off
    attributes: Mapping[str, str]
    spells: Mapping[str, tuple[ObservedSpell, ...]]  # track -> spells

    def state_at_until(self, track: str) -> ObservedSpell:
        """The spell running at the cut-off (or at the departure)."""
        return self.spells[track][-1]


@dataclass(frozen=True)
class Observed:
    """The observed youths of one arm, up to `until` (months since start), sorted by arrival."""

    arm: str
    until: float
    youths: tuple[ObservedYouth, ...]
    sha256: str = ""  # of the two files, for the manifest


def parse_when(raw: str, scenario: Scenario, where: str = "--at") -> float:
    """A cut-off: months since start, `YYYY-MM` or `YYYY-MM-DD`; a ScenarioError if neither."""
    value = _time(raw.strip(), scenario.start, allow_month=True)
    if isinstance(value, str):
        raise ScenarioError([Issue(where, "", value, shown(raw))])
    if not 0 <= value <= scenario.horizon:
        raise ScenarioError([Issue(where, "", f"a time from 0 to the horizon ({scenario.horizon:g} months)",
                                   f"{value:g} months")])
    return value


def read_observed(folder: str | Path, scenario: Scenario, arm: str, until: float) -> Observed:
    """The observed youths in `folder`, checked against `arm`'s model and the cut-off `until`."""
    import hashlib

    folder = Path(folder)
    issues: list[Issue] = []
    model = scenario.arms[arm].model
    digest = hashlib.sha256()
    for name in (YOUTHS_CSV, SPELLS_CSV):
        path = folder / name
        if not path.is_file():
            issues.append(Issue(str(path), "", f"the observed folder's {name}", "no such file"))
        else:
            digest.update(path.read_bytes())
    if issues:
        raise ScenarioError(issues)
    youths = _read_youths(folder / YOUTHS_CSV, scenario, until, issues)
    spells = _read_spells(folder / SPELLS_CSV, scenario, model, youths, until, issues)
    observed = _histories(folder / SPELLS_CSV, model, youths, spells, until, issues)
    if issues:
        raise ScenarioError(issues)
    return Observed(arm, until, tuple(sorted(observed, key=lambda y: (y.arrival, y.youth))), digest.hexdigest())


@dataclass
class _Youth:
    line: int
    arrival: float
    departure: float | None
    attributes: dict[str, str]


@dataclass
class _Spell:
    line: int
    state: str
    start: float
    end: float | None


def _rows(path: Path, issues: list[Issue]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the (line, cells) of each non-empty row."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = [cell.strip() for cell in next(reader, [])]
            rows = []
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    rows.append((reader.line_num, [cell.strip() for cell in cells]))
    except (UnicodeDecodeError, csv.Error) as error:
        issues.append(Issue(str(path), "", "a CSV file in UTF-8", str(error)))
        return [], []
    return header, rows


def _read_youths(path: Path, scenario: Scenario, until: float, issues: list[Issue]) -> dict[str, _Youth]:
    header, rows = _rows(path, issues)
    file = str(path)
    attributes = {a.name: a for a in scenario.attributes}
    known = {"youth", "arrival", "departure", *attributes}
    for c, name in enumerate(header):
        if name not in known:
            issues.append(Issue(file, name, f"a column youth, arrival, departure or an attribute "
                                f"({', '.join(attributes) or 'the scenario has none'})", shown(name), 1, c + 1))
    for name in ("youth", "arrival", *attributes):
        if name not in header:
            issues.append(Issue(file, "", f"a column {name!r}", "none", 1, 1))
    if any(name not in header for name in ("youth", "arrival", *attributes)) or len(set(header)) < len(header):
        if len(set(header)) < len(header):
            issues.append(Issue(file, "", "each column once", ", ".join(header), 1, 1))
        return {}
    column = {name: c for c, name in enumerate(header)}
    youths: dict[str, _Youth] = {}
    for line, cells in rows:
        cells += [""] * (len(header) - len(cells))

        def cell(name: str) -> str:
            return cells[column[name]]

        def problem(name: str, expected: str, found: str) -> None:
            issues.append(Issue(file, name, expected, found, line, column[name] + 1))

        youth = cell("youth")
        if not youth:
            problem("youth", "a youth's id", "nothing")
            continue
        if youth in youths:
            problem("youth", "each youth once", f"{youth!r} again (first on line {youths[youth].line})")
            continue
        arrival = _checked_time(cell("arrival"), scenario, problem, "arrival")
        if arrival is not None and arrival >= until - TOLERANCE:
            problem("arrival", f"an arrival before the cut-off ({until:g} months)", f"{arrival:g} months")
            arrival = None
        departure = None
        if "departure" in column and cell("departure"):
            departure = _checked_time(cell("departure"), scenario, problem, "departure")
            if departure is not None and departure > until + TOLERANCE:
                problem("departure", f"a time up to the cut-off ({until:g} months)", f"{departure:g} months")
                departure = None
            elif departure is not None and arrival is not None and departure < arrival:
                problem("departure", f"a time from the arrival ({arrival:g} months) on", f"{departure:g} months")
                departure = None
        values = {}
        for name, attribute in attributes.items():
            value = cell(name)
            if value not in attribute.values:
                problem(name, f"one of {', '.join(attribute.values)}", shown(value))
            values[name] = value
        youths[youth] = _Youth(line, math.nan if arrival is None else arrival, departure, values)
    return youths


def _read_spells(path: Path, scenario: Scenario, model: Model, youths: dict[str, _Youth], until: float,
                 issues: list[Issue]) -> dict[str, dict[str, list[_Spell]]]:
    header, rows = _rows(path, issues)
    file = str(path)
    if header[:len(SPELL_COLUMNS)] != list(SPELL_COLUMNS) or len(header) != len(SPELL_COLUMNS):
        issues.append(Issue(file, "", "the columns " + ",".join(SPELL_COLUMNS), ",".join(header) or "none", 1, 1))
        return {}
    tracks = {track.name: track for track in model.tracks}
    spells: dict[str, dict[str, list[_Spell]]] = {}
    for line, cells in rows:
        cells += [""] * (len(header) - len(cells))
        youth, track, state, start_text, end_text = cells[:5]

        def problem(name: str, expected: str, found: str) -> None:
            issues.append(Issue(file, name, expected, found, line, SPELL_COLUMNS.index(name) + 1))

        ok = True
        if youth not in youths:
            problem("youth", f"a youth of {YOUTHS_CSV}", shown(youth))
            ok = False
        if track not in tracks:
            problem("track", f"one of {', '.join(tracks)}", shown(track))
            ok = False
        elif state not in tracks[track].states:
            problem("state", f"a state of track {track} ({', '.join(tracks[track].states)})", shown(state))
            ok = False
        start = _checked_time(start_text, scenario, problem, "start")
        end = _checked_time(end_text, scenario, problem, "end") if end_text else None
        for name, value in (("start", start), ("end", end)):
            if value is not None and value > until + TOLERANCE:
                problem(name, f"a time up to the cut-off ({until:g} months)", f"{value:g} months")
                ok = False
        if start is None or (end_text and end is None):
            ok = False
        elif end is not None and end < start:
            problem("end", f"a time from the spell's start ({start:g} months)", f"{end:g} months")
            ok = False
        if ok:
            assert start is not None
            spells.setdefault(youth, {}).setdefault(track, []).append(_Spell(line, state, start, end))
    return spells


def _histories(path: Path, model: Model, youths: dict[str, _Youth], spells: dict[str, dict[str, list[_Spell]]],
               until: float, issues: list[Issue]) -> list[ObservedYouth]:
    """Each youth's spells per track, checked to run back to back from arrival to the end."""
    file = str(path)
    moves = {track.name: {(t.source, t.target) for t in track.transitions} for track in model.tracks}
    for track in model.tracks:
        for jumps in track.on_enter.values():
            for jump in jumps:
                moves[jump.track].update((source, jump.target) for source in jump.sources)
    result = []
    for name, youth in youths.items():
        if math.isnan(youth.arrival):
            continue
        end_of_record = youth.departure if youth.departure is not None else until
        history: dict[str, tuple[ObservedSpell, ...]] = {}
        for track in model.tracks:
            found = sorted(spells.get(name, {}).get(track.name, []), key=lambda s: s.start)
            if not found:
                issues.append(Issue(str(path.with_name(YOUTHS_CSV)), "youth", f"a spell in track {track.name} "
                                    f"(in {SPELLS_CSV}) from the youth's arrival", f"{name!r} in no state of it",
                                    youth.line, 1))
                continue
            merged: list[ObservedSpell] = []
            expected_start, before = youth.arrival, None
            for spell in found:
                if abs(spell.start - expected_start) > TOLERANCE:
                    what = "an arrival" if before is None else "the end of the spell before"
                    gap = "a gap" if spell.start > expected_start else "an overlap"
                    issues.append(Issue(file, "start", f"a start at {what} ({expected_start:g} months)",
                                        f"{spell.start:g} months ({gap})", spell.line, 4))
                    break
                end = spell.end if spell.end is not None else end_of_record
                if spell.end is None and spell is not found[-1]:
                    issues.append(Issue(file, "end", "an end (only the last spell of a track may run on)",
                                        "nothing", spell.line, 5))
                    break
                if before is not None and before.state != spell.state and \
                        (before.state, spell.state) not in moves[track.name]:
                    issues.append(Issue(file, "state", f"a state the model can move to from {before.state} "
                                        f"in track {track.name}", shown(spell.state), spell.line, 3))
                    break
                if before is not None and before.state == spell.state:  # split in the export: one spell
                    merged[-1] = ObservedSpell(spell.state, merged[-1].start, end)
                else:
                    merged.append(ObservedSpell(spell.state, expected_start, end))
                expected_start, before = end, spell
            else:
                if abs(expected_start - end_of_record) > TOLERANCE:
                    last = found[-1]
                    what = f"the departure ({end_of_record:g} months)" if youth.departure is not None \
                        else f"the cut-off ({until:g} months), or empty"
                    issues.append(Issue(file, "end", f"an end at {what}", f"{expected_start:g} months "
                                        "(a gap after it)", last.line, 5))
                else:
                    history[track.name] = tuple(merged)
        if len(history) == len(model.tracks):
            result.append(ObservedYouth(name, youth.arrival, youth.departure, dict(youth.attributes), history))
    return result


def _checked_time(text: str, scenario: Scenario, problem, name: str) -> float | None:
    value = _time(text, scenario.start, allow_month=False)
    if isinstance(value, str):
        problem(name, value, shown(text))
        return None
    if value < -TOLERANCE:
        problem(name, "a time from the scenario's start (month 0) on", f"{text} ({value:g} months)")
        return None
    return max(value, 0.0)


def _time(text: str, start: tuple[int, int] | None, allow_month: bool) -> float | str:
    """Months since `start` for a number or a date; the expectation's words when it is neither."""
    expected = "months since start (a number) or a date YYYY-MM-DD" + (" or YYYY-MM" if allow_month else "")
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        day = int(match.group(3)) if match.group(3) else None
        if day is None and not allow_month:
            return expected
        if start is None:
            return "a number of months (a date needs the scenario's `start`)"
        if not 1 <= month <= 12 or (day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]):
            return expected
        fraction = 0.0 if day is None else (day - 1) / calendar.monthrange(year, month)[1]
        return 12.0 * (year - start[0]) + (month - start[1]) + fraction
    try:
        value = float(text)
    except ValueError:
        return expected
    return value if math.isfinite(value) else expected
