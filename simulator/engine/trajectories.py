"""What the engine records for one arm of one replication: the spells of every youth in every track.

See docs/architecture.md for why spells: every money and contract rule is an exact interval
computation on this table, and it is small (a few thousand rows per arm and replication).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:
    from simulator.language.scenario import Condition


def spell_code(youth: int, track: int, state: int, entered: bool, tracks: int, states: int) -> int:
    """The number that stands for a spell's youth, track, state and whether it was entered, in a
    scenario of `tracks` tracks of at most `states` states (`Trajectories.from_records`; the
    engine works it out inline, `ArmRun.record_spell`)."""
    return ((youth * tracks + track) * states + state) * 2 + int(entered)


def most_states(states: Sequence[Sequence[str]]) -> int:
    """The most states of any track: the `states` of `spell_code`."""
    return max((len(track) for track in states), default=1)


@dataclass(frozen=True)
class Trajectories:
    arm: str
    horizon: float
    tracks: tuple[str, ...]
    states: tuple[tuple[str, ...], ...]
    attributes: tuple[str, ...]
    attribute_values: tuple[tuple[str, ...], ...]
    arrival: np.ndarray  # float64 (n,)
    departure: np.ndarray  # float64 (n,): exit time, inf if the youth never leaves
    youth_attributes: np.ndarray  # int16 (n, n_attributes)
    spell_youth: np.ndarray  # int32, sorted by (youth, track, start)
    spell_track: np.ndarray  # int16
    spell_state: np.ndarray  # int16
    spell_start: np.ndarray  # float64
    spell_end: np.ndarray  # float64, at most the departure and the horizon
    spell_entered: np.ndarray  # bool: entered by a transition or a jump, not held at arrival
    resources: tuple[str, ...]
    wait_resource: np.ndarray  # int16
    wait_youth: np.ndarray  # int32
    wait_requested: np.ndarray  # float64
    wait_granted: np.ndarray  # float64, NaN if withdrawn or still waiting at the horizon
    # Stays already computed, per (condition, inside): flows and contracts ask for the same ones;
    # and each track's spells (their rows, youths and states), which every condition on it reads.
    _stays: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _tracks: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_records(cls, *, spell_code: Sequence[int], spell_start: Sequence[float], spell_end: Sequence[float],
                     waits: Sequence[tuple], **fields) -> "Trajectories":
        """Arrays from the engine's records: each spell's start and end, and its youth, track, state
        and whether it was entered packed in one number (`spell_code`). Three lists of plain
        numbers become arrays at a third of the cost of one list of 6-tuples."""
        tracks, states = len(fields["tracks"]), most_states(fields["states"])
        code = np.array(spell_code, dtype=np.int64).reshape(-1)
        start = np.array(spell_start, dtype=float).reshape(-1)
        end = np.array(spell_end, dtype=float).reshape(-1)
        # Sorted by (youth, track, start), ties as recorded; a state left the instant it was
        # entered stays in the table (it was still an entry). The engine records a youth's spells
        # on a track in the order they start, so a stable sort by (youth, track) alone gives that
        # order at less than half the cost of lexsort; records in another order get the lexsort.
        group = code // (2 * states)  # youth * tracks + track: in (youth, track) order
        order = np.argsort(group, kind="stable")
        if np.any((np.diff(start[order]) < 0) & (np.diff(group[order]) == 0)):
            order = np.lexsort((start, group))
        code, group = code[order], group[order]
        waiting = np.array(waits, dtype=float).reshape(-1, 4)
        return cls(
            spell_youth=(group // tracks).astype(np.int32), spell_track=(group % tracks).astype(np.int16),
            spell_state=(code // 2 % states).astype(np.int16), spell_start=start[order],
            spell_end=end[order], spell_entered=(code % 2).astype(bool),
            wait_resource=waiting[:, 0].astype(np.int16), wait_youth=waiting[:, 1].astype(np.int32),
            wait_requested=waiting[:, 2].copy(), wait_granted=waiting[:, 3].copy(), **fields)

    @classmethod
    def from_spells(cls, *, spells: Iterable[tuple], waits: Sequence[tuple], **fields) -> "Trajectories":
        """From (youth, track, state, start, end, entered) tuples, as cases built by hand write them."""
        spells = list(spells)
        tracks, states = len(fields["tracks"]), most_states(fields["states"])
        return cls.from_records(
            spell_code=[spell_code(youth, track, state, entered, tracks, states)
                        for youth, track, state, _, _, entered in spells],
            spell_start=[spell[3] for spell in spells], spell_end=[spell[4] for spell in spells],
            waits=waits, **fields)

    @property
    def youths(self) -> int:
        return len(self.arrival)

    def occupancy(self, months: np.ndarray | None = None) -> np.ndarray:
        """Youths in each state at the instants `months` (default 0, 1, …, horizon): [track][state, month].

        A youth counts at t if present (arrival ≤ t < departure); at t = horizon the spells that
        reach the horizon count.
        """
        # Spell i covers the instants months[first[i]:last[i]]: start <= t < end, and t = horizon
        # for a spell that reaches the horizon while the youth is still present.
        at_horizon = (self.spell_end >= self.horizon) & (self.departure[self.spell_youth] > self.horizon)
        if months is None:  # 0, 1, …, floor(horizon): the counts of instants below t are whole numbers
            instants = int(np.floor(self.horizon)) + 1
            first = np.clip(np.ceil(self.spell_start), 0, instants).astype(np.int64)
            last = np.clip(np.where(at_horizon, np.floor(self.spell_end) + 1.0, np.ceil(self.spell_end)),
                           0, instants).astype(np.int64)
        else:
            months = np.asarray(months, dtype=float)  # sorted
            instants = len(months)
            first = np.searchsorted(months, self.spell_start, side="left")
            last = np.where(at_horizon, np.searchsorted(months, self.spell_end, side="right"),
                            np.searchsorted(months, self.spell_end, side="left"))
        # Every track's states in one table: youths in, less youths out, added up over time.
        width = instants + 1
        offset = np.cumsum([0] + [len(states) for states in self.states])
        base = (offset[self.spell_track] + self.spell_state) * width
        steps = (np.bincount(base + first, minlength=offset[-1] * width)
                 - np.bincount(base + last, minlength=offset[-1] * width))
        counts = np.cumsum(steps.reshape(offset[-1], width), axis=1)[:, :-1].astype(float)
        return [counts[offset[k]:offset[k + 1]] for k in range(len(self.states))]

    # --- Intervals in a condition: what flows and contracts are computed from ----------------------
    #
    # A Condition holds for a youth while the youth is present, every listed track is in one of its
    # listed states, and the youth's attributes match. Its intervals are computed exactly from the
    # spells: per track, runs of consecutive spells in the listed states merge into one interval;
    # across tracks the intervals are intersected. A state entered and left at the same instant
    # gives a zero-length interval, which is kept: it is still an entry.

    def presence(self) -> tuple[np.ndarray, np.ndarray]:
        """(start, end) of each youth's presence: [arrival, min(departure, horizon))."""
        return self.arrival.astype(float), np.minimum(self.departure, self.horizon).astype(float)

    def youths_matching(self, attributes: Mapping[str, Iterable[str]]) -> np.ndarray:
        """Bool (n,): the youths whose attribute values are among the listed ones (all: `{}`)."""
        mask = np.ones(self.youths, dtype=bool)
        for name, values in attributes.items():
            if name not in self.attributes:
                raise ValueError(f"arm {self.arm}: no attribute {name!r} (attributes: "
                                 f"{', '.join(self.attributes) or 'none'})")
            a = self.attributes.index(name)
            listed = np.zeros(len(self.attribute_values[a]), dtype=bool)
            for value in values:
                if value not in self.attribute_values[a]:
                    raise ValueError(f"arm {self.arm}: attribute {name} has no value {value!r}")
                listed[self.attribute_values[a].index(value)] = True
            mask &= listed[self.youth_attributes[:, a]]
        return mask

    def stays(self, condition: "Condition", inside: bool = True) -> "Stays":
        """The maximal intervals in which the condition holds (`inside=False`: does not hold).

        With `inside=False` the intervals are the youth's presence minus the condition's
        intervals; two condition intervals that touch (the youth left and came back at the same
        instant) leave a zero-length interval between them.
        """
        key = (condition_key(condition), inside)
        if key not in self._stays:
            stays = self._condition_stays(condition)
            self._stays[key] = stays if inside else self._complement(stays)
        return self._stays[key]

    def _track_code(self, name: str) -> int:
        if name not in self.tracks:
            raise ValueError(f"arm {self.arm}: no track {name!r} (tracks: {', '.join(self.tracks)})")
        return self.tracks.index(name)

    def _condition_stays(self, condition: "Condition") -> "Stays":
        ok = self.youths_matching(condition.attributes)
        per_track = []
        for name, states in condition.states.items():
            k = self._track_code(name)
            unknown = sorted(set(states) - set(self.states[k]))
            if unknown:
                raise ValueError(f"arm {self.arm}: track {name} has no state {unknown[0]!r}")
            codes = [self.states[k].index(s) for s in states]
            per_track.append(self._track_stays(k, codes, ok))
        if not per_track:
            youth = np.flatnonzero(ok).astype(np.int32)
            start, end = self.presence()
            return Stays(youth, start[youth], end[youth], np.zeros(len(youth), dtype=bool))
        if len(per_track) == 1:
            return per_track[0]
        return _intersect(per_track)

    def _track_stays(self, k: int, codes: Sequence[int], ok: np.ndarray) -> "Stays":
        """Runs of consecutive spells of track k in the given states, for the youths in `ok`."""
        if k not in self._tracks:
            rows = np.flatnonzero(self.spell_track == k)
            self._tracks[k] = rows, self.spell_youth[rows], self.spell_state[rows]
        rows, youth, state = self._tracks[k]
        if not ok.all():
            mine = ok[youth]
            rows, youth, state = rows[mine], youth[mine], state[mine]
        listed = np.zeros(len(self.states[k]), dtype=bool)
        listed[list(codes)] = True
        allowed = listed[state]
        same_youth = youth[1:] == youth[:-1]
        joins_previous = np.zeros(len(rows), dtype=bool)
        joins_previous[1:] = same_youth & allowed[:-1]
        joins_next = np.zeros(len(rows), dtype=bool)
        joins_next[:-1] = same_youth & allowed[1:]
        first, last = rows[allowed & ~joins_previous], rows[allowed & ~joins_next]
        return Stays(self.spell_youth[first].astype(np.int32, copy=False),
                     self.spell_start[first].astype(float, copy=False),
                     self.spell_end[last].astype(float, copy=False), self.spell_entered[first].astype(bool, copy=False))

    def _complement(self, stays: "Stays") -> "Stays":
        """Presence minus `stays`: the intervals in which the youth is present and out of them."""
        arrival, leaving = self.presence()
        y, s, e = stays.youth, stays.start, stays.end
        same = y[1:] == y[:-1]
        first = np.concatenate([[True], ~same]) if len(y) else np.zeros(0, dtype=bool)
        last = np.concatenate([~same, [True]]) if len(y) else np.zeros(0, dtype=bool)
        head = first & (s > arrival[y])
        tail = last & (e < leaving[y])
        absent = np.ones(self.youths, dtype=bool)
        absent[y] = False
        whole = np.flatnonzero(absent & (leaving > arrival))
        youth = np.concatenate([y[:-1][same], y[head], y[tail], whole]).astype(np.int32)
        start = np.concatenate([e[:-1][same], arrival[y[head]], e[tail], arrival[whole]])
        end = np.concatenate([s[1:][same], s[head], leaving[y[tail]], leaving[whole]])
        entered = np.concatenate([np.ones(int(same.sum()), dtype=bool), np.zeros(int(head.sum()), dtype=bool),
                                  np.ones(int(tail.sum()), dtype=bool), np.zeros(len(whole), dtype=bool)])
        return Stays(youth, start, end, entered).sorted()


def condition_key(condition: "Condition") -> tuple:
    """The condition as a key that does not depend on the order it was written in."""
    return (tuple(sorted((k, tuple(sorted(v))) for k, v in condition.states.items())),
            tuple(sorted((k, tuple(sorted(v))) for k, v in condition.attributes.items())))


@dataclass(frozen=True)
class Stays:
    """Intervals [start, end) of youths in a condition, sorted by (youth, start, end).

    Within a youth they do not overlap; they may touch (a re-entry at the same instant) and may
    have zero length (a state entered and left at once). `entered`: the interval began with a
    transition or a jump, not with the states held at arrival.
    """

    youth: np.ndarray  # int32
    start: np.ndarray  # float64
    end: np.ndarray  # float64
    entered: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.youth)

    def sorted(self) -> "Stays":
        order = np.lexsort((self.end, self.start, self.youth))
        return Stays(self.youth[order], self.start[order], self.end[order], self.entered[order])

    def covers(self, youth: np.ndarray, time: np.ndarray, horizon: float | None = None) -> np.ndarray:
        """Bool: the youth is in one of the intervals at the instant `time` (start ≤ t < end).

        A zero-length interval covers its instant. At t = `horizon` an interval that reaches the
        horizon covers it (the state at the horizon is the state just before it).
        """
        youth, time = np.asarray(youth), np.asarray(time, dtype=float)
        k = _last_at_or_before(self.youth, self.start, youth, time)
        found = k >= 0
        k = np.where(found, k, 0)
        if len(self.youth) == 0:
            return np.zeros(time.shape, dtype=bool)
        s, e = self.start[k], self.end[k]
        inside = (e > time) | (s == time) & (e == time)
        if horizon is not None:
            inside |= (time == horizon) & (e == horizon) & (s < e)
        return found & (self.youth[k] == youth) & inside

    def split_by_month(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The intervals cut at whole months: (month, piece start, piece end, youth) per piece."""
        return split_by_month(self.start, self.end, self.youth)

    def time_before(self, youth: np.ndarray, time: np.ndarray) -> np.ndarray:
        """Months each youth has spent in the intervals before `time` (since arrival)."""
        youth, time = np.asarray(youth), np.asarray(time, dtype=float)
        if len(self.youth) == 0:
            return np.zeros(time.shape)
        length = self.end - self.start
        first = np.ones(len(length), dtype=bool)
        first[1:] = self.youth[1:] != self.youth[:-1]
        before = sum_before_in_group(length, first)  # before each interval, within its youth
        k = _last_at_or_before(self.youth, self.start, youth, time)
        found = k >= 0
        k = np.where(found, k, 0)
        here = before[k] + np.clip(time - self.start[k], 0.0, length[k])
        return np.where(found & (self.youth[k] == youth), here, 0.0)


def split_by_month(start: np.ndarray, end: np.ndarray, *others: np.ndarray):
    """Cut intervals [start, end) at whole months: (month, piece start, piece end, *others per piece).

    Zero-length intervals give no piece. `others` (e.g. the youth) are repeated for each piece.
    """
    return split_periodic(start, end, 1.0, 0.0, *others)


def split_periodic(start: np.ndarray, end: np.ndarray, period: float, phase: float, *others: np.ndarray):
    """Cut intervals [start, end) at t = phase + period·j: (j, piece start, piece end, *others).

    The cut points are computed as phase + period·j, so whole-month cuts are exact.
    """
    start, end = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    long = end > start
    start, end = start[long], end[long]
    first = np.floor((start - phase) / period).astype(np.int64)
    count = np.maximum(np.ceil((end - phase) / period).astype(np.int64) - first, 1)
    # Piece k of interval i is its (k − its first piece's index)-th, in period first[i] + that.
    j = np.arange(count.sum()) + np.repeat(first - (np.cumsum(count) - count), count)
    a = np.maximum(np.repeat(start, count), phase + period * j)
    b = np.minimum(np.repeat(end, count), phase + period * (j + 1))
    others = tuple(np.repeat(np.asarray(o)[long], count) for o in others)
    keep = np.flatnonzero(b > a)  # a cut that rounding placed on an interval's edge gives an empty piece
    if len(keep) < len(j):
        j, a, b, others = j[keep], a[keep], b[keep], tuple(o[keep] for o in others)
    return (j, a, b) + others


def sum_before_in_group(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """For each row, the sum of the earlier rows of its group (groups contiguous, `first` true on
    each group's first row)."""
    before = np.cumsum(values) - values
    return before - before[np.maximum.accumulate(np.where(first, np.arange(len(values)), 0))]


def _last_at_or_before(key_youth: np.ndarray, key_time: np.ndarray, youth: np.ndarray,
                       time: np.ndarray) -> np.ndarray:
    """For each query (youth, time), the index of the last key with (youth, time) ≤ it, or −1.

    Keys must be sorted by (youth, time). Exact (no float arithmetic on the keys): each pair is
    one complex number, youth + i·time, which numpy orders by its real part, then its imaginary.
    """
    return np.searchsorted(_pairs(key_youth, key_time), _pairs(youth, time), side="right") - 1


def _pairs(youth: np.ndarray, time: np.ndarray) -> np.ndarray:
    pairs = np.empty(np.shape(time), dtype=complex)
    pairs.real, pairs.imag = youth, time
    return pairs


def _intersect(per_track: list[Stays]) -> Stays:
    """The intervals in which every track's stays hold at once (a sweep over start/end events)."""
    k = len(per_track)
    parts = []
    for s in per_track:
        long = s.end > s.start
        n = int(long.sum())
        parts.append((np.concatenate([s.youth[long], s.youth[long]]), np.concatenate([s.start[long], s.end[long]]),
                      np.concatenate([np.ones(n, dtype=np.int64), -np.ones(n, dtype=np.int64)]),
                      np.concatenate([s.entered[long], np.zeros(n, dtype=bool)])))
    youth, time, delta, entered = (np.concatenate(column) for column in zip(*parts))
    # At one instant, ends come before starts (intervals are half-open), and among starts an
    # entered one last, so that the start completing the intersection carries the entry.
    order = np.lexsort((entered, delta, time, youth))
    youth, time, delta, entered = youth[order], time[order], delta[order], entered[order]
    count = np.cumsum(delta)
    opens = np.flatnonzero((delta == 1) & (count == k))
    pieces = [Stays(youth[opens].astype(np.int32), time[opens], time[opens + 1], entered[opens])]
    # Zero-length stays of one track count where every other track holds at that instant.
    for i, s in enumerate(per_track):
        point = s.end == s.start
        if not np.any(point):
            continue
        y, t = s.youth[point], s.start[point]
        held = np.ones(len(y), dtype=bool)
        for j, other in enumerate(per_track):
            if j != i:
                held &= other.covers(y, t)
        pieces.append(Stays(y[held], t[held], t[held], s.entered[point][held]))
    youth = np.concatenate([p.youth for p in pieces]).astype(np.int32)
    start = np.concatenate([p.start for p in pieces])
    end = np.concatenate([p.end for p in pieces])
    entered = np.concatenate([p.entered for p in pieces])
    result = Stays(youth, start, end, entered).sorted()
    if len(result) > 1:  # the same instant found from two tracks' zero-length stays
        y, s, e = result.youth, result.start, result.end
        duplicate = np.concatenate([[False], (y[1:] == y[:-1]) & (s[1:] == s[:-1]) & (e[1:] == e[:-1])
                                    & (e[1:] == s[1:])])
        if np.any(duplicate):
            keep = ~duplicate
            group = np.cumsum(keep) - 1
            entered = np.zeros(int(keep.sum()), dtype=bool)
            np.logical_or.at(entered, group, result.entered)
            result = Stays(y[keep], s[keep], e[keep], entered)
    return result
