"""The SimPy model: every youth moves through the tracks of one arm, on the hazard-budget clock.

Each youth has one pending SimPy event, whose callback moves the youth: the youth sleeps until
its earliest clock (or a granted resource unit) and then moves one track. When a track moves, the hazard ratios of
the other clocks are re-evaluated and each clock continues with its remaining budget (spec §1.3).

Process code moves state and records the move; money and contracts are computed afterwards from
the `Trajectories` it records.
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Final, Iterable, Iterator, Mapping, cast

import numpy as np
import simpy
from simpy.events import NORMAL, Event, Timeout
from simpy.resources.resource import Request

from simulator.language.distributions import Exponential, Fixed, TimeDistribution
from simulator.engine.sampling import JointDraws, draw_parameters
from simulator.language.observed import Observed, ObservedYouth
from simulator.language.scenario import (Condition, IntakeStream, Model, Number, Poisson, Ref, Scenario,
                                         TimeSpec, bind)
from simulator.engine.seeding import rng_for
from simulator.engine.trajectories import Trajectories, most_states

# Final: the compiled engine reads a constant, not the module's dictionary, on every use.
INF: Final = math.inf
log1p: Final = math.log1p  # Final: a static the compiled engine calls, not a name it looks up per clock
BLOCK: Final = 64  # uniforms drawn per youth and stream up front; more come from an overflow stream
PIECE: Final = 16  # of a youth's block, made Python floats up front; the rest when a youth needs it
MAX_JUMP_DEPTH: Final = 100  # moves one entry may cause through on_enter jumps


@dataclass(frozen=True)
class Replication:
    """One replication: the parameter values each arm used and each arm's trajectories."""

    replication: int
    parameters: Mapping[str, Mapping[str, float]]  # arm -> parameter -> value
    trajectories: Mapping[str, Trajectories]  # arm -> trajectories


def simulate(scenario: Scenario, seed: int, replications: Iterable[int], runs: int,
             overrides: Mapping[str, float] | None = None,
             joint: JointDraws | None = None) -> Iterator[Replication]:
    """Replications one by one; each depends only on (seed, replication), never on the others.

    The arms' models are indexed once (`plan_arm`) for all of them.
    """
    plans = plan_arms(scenario)
    for replication in replications:
        yield _simulate(scenario, plans, seed, replication, runs, overrides, joint)


def simulate_replication(scenario: Scenario, seed: int, replication: int, runs: int,
                         overrides: Mapping[str, float] | None = None,
                         joint: JointDraws | None = None) -> Replication:
    """Every arm of one replication, on common random numbers (spec §1.5).

    `overrides` fixes parameters at given values in every arm (sensitivity analysis); `joint`
    (a posterior) gives the parameters it names one weighted joint draw; the other parameters
    are drawn as usual, from the same streams.
    """
    return _simulate(scenario, plan_arms(scenario), seed, replication, runs, overrides, joint)


def _simulate(scenario: Scenario, plans: Mapping[str, ArmPlan], seed: int, replication: int, runs: int,
              overrides: Mapping[str, float] | None, joint: JointDraws | None = None) -> Replication:
    values = draw_parameters(scenario, seed, replication, runs, joint)
    for arm_values in values.values():
        arm_values.update({k: float(v) for k, v in (overrides or {}).items() if k in arm_values})
    cohort = admit(scenario, values[scenario.baseline], seed, replication)
    trajectories = {name: ArmRun(name, plans[name], values[name], scenario, cohort).run()
                    for name in scenario.arms}
    return Replication(replication, values, trajectories)


# --- Who arrives: the same youths, at the same times, in every arm --------------------------------


# The kinds of a youth's random streams. A stream is keyed by (kind, name): a user's track named
# "exit" or "jumps" gets the stream ("track", "exit"), never the stream of another kind.
ATTRIBUTE: Final = "attribute"
EXIT: Final = "exit"
TRACK: Final = "track"
JUMPS: Final = "jumps"


class Streams:
    """Uniforms for each youth from streams keyed by (kind, name): the same numbers in every arm.

    Drawn a block at a time per stream, so a replication makes a handful of generators rather
    than one per youth; a stream depends only on (seed, replication, kind, name, youth), so adding
    a track, an attribute or an arm changes no other draw. Of each youth's block of BLOCK, the
    first PIECE are made Python floats up front and the rest only for a youth who reads that far
    (one in seven in the default scenario): making and freeing floats no one reads was a tenth of
    the engine's time.
    """

    def __init__(self, seed: int, replication: int, youths: int):
        self.seed, self.replication, self.youths = seed, replication, youths
        self._blocks: dict[tuple[str, str], np.ndarray] = {}
        self._rows: dict[tuple[str, str], list[list[float]]] = {}
        self._singles: dict[tuple[str, str], list[float]] = {}
        self._overflow: dict[tuple[str, str, int], list[float]] = {}

    def uniform(self, kind: str, name: str, youth: int, index: int) -> float:
        """The youth's `index`-th uniform of stream (kind, name)."""
        if index < BLOCK:
            row = self.first(kind, name, youth)
            if index >= len(row):
                row.extend(self._blocks[(kind, name)][youth, len(row):].tolist())
            return row[index]
        more = self._overflow.setdefault((kind, name, youth), [])
        if index - BLOCK >= len(more):
            rng = rng_for(self.seed, self.replication, "youth overflow", kind, name, youth)
            more[:] = rng.random(max(4 * BLOCK, 2 * (index - BLOCK + 1))).tolist()
        return more[index - BLOCK]

    def first(self, kind: str, name: str, youth: int) -> list[float]:
        """The youth's uniforms of stream (kind, name) made so far, for code that reads them in
        turn: `row[i]` while i < len(row), `uniform` beyond (which lengthens this same list)."""
        rows = self._rows.get((kind, name))
        if rows is None:
            rng = rng_for(self.seed, self.replication, "youth", kind, name)
            block = self._blocks[(kind, name)] = rng.random((self.youths, BLOCK))
            rows = self._rows[(kind, name)] = block[:, :PIECE].tolist()
        return rows[youth]

    def single(self, kind: str, name: str, youth: int) -> float:
        """The one uniform a youth needs from stream (kind, name): an attribute, the exit."""
        column = self._singles.get((kind, name))
        if column is None:
            rng = rng_for(self.seed, self.replication, "youth single", kind, name)
            column = self._singles[(kind, name)] = rng.random(self.youths).tolist()
        return column[youth]


@dataclass(frozen=True)
class Cohort:
    """The youths of one replication, shared by every arm."""

    arrival: np.ndarray  # float64 (n,), sorted
    attributes: np.ndarray  # int16 (n, n_attributes)
    # Each youth's attribute values as one mixed-radix number below the product of the attributes'
    # value counts: the hazard-ratio memo's key (CompiledTransition.strides).
    attribute_code: list[int]
    streams: Streams
    # Youths whose departure is known in advance, the same in every arm: observed youths (forecast).
    departures: dict[int, float] = field(default_factory=dict)


def admit(scenario: Scenario, values: Mapping[str, float], seed: int, replication: int) -> Cohort:
    """Arrival times and attributes of every youth who arrives before the horizon."""
    times, fixed = [], []
    for index, stream in enumerate(bind(scenario.intake, values)):
        arrivals = _arrival_times(stream, rng_for(seed, replication, "intake", index))
        times.append(arrivals)
        fixed += [stream.attributes] * len(arrivals)
    all_times = np.concatenate(times) if times else np.zeros(0)
    order = np.argsort(all_times, kind="stable")
    arrival = all_times[order]
    keep = arrival < scenario.horizon
    order, arrival = order[keep], arrival[keep]
    streams = Streams(seed, replication, len(arrival))
    attributes = np.zeros((len(arrival), len(scenario.attributes)), dtype=np.int16)
    shares = _cumulative_shares(scenario, values)
    for youth, source in enumerate(order):
        for a, attribute in enumerate(scenario.attributes):
            u = streams.single(ATTRIBUTE, attribute.name, youth)
            given = fixed[source].get(attribute.name)
            if given is not None:
                attributes[youth, a] = attribute.values.index(given)
            else:
                attributes[youth, a] = _pick(cast(list[float], shares[a]), u)
    return Cohort(arrival, attributes, _attribute_codes(scenario, attributes), streams)


def _cumulative_shares(scenario: Scenario, values: Mapping[str, float]) -> list[list[float] | None]:
    """Per attribute, the running sum of its shares with these values (None when the intake fixes it)."""
    return [None if attribute.shares is None else np.cumsum(bind(attribute.shares, values)).tolist()
            for attribute in scenario.attributes]


def _attribute_codes(scenario: Scenario, attributes: np.ndarray) -> list[int]:
    """Each youth's attribute values as one mixed-radix number (`Cohort.attribute_code`)."""
    codes = [0] * len(attributes)
    for a, attribute in enumerate(scenario.attributes):
        codes = [code * len(attribute.values) + value for code, value in zip(codes, attributes[:, a].tolist())]
    return codes


def _arrival_times(stream: IntakeStream, rng: np.random.Generator) -> np.ndarray:
    times: Any
    if isinstance(stream.arrivals, Poisson):
        p: Any = stream.arrivals  # bound: its numbers are floats
        count = rng.poisson(p.rate_per_month * (p.until - p.start))
        times = np.sort(rng.uniform(p.start, p.until, count))
    else:
        times = np.concatenate([np.full(int(_bound(count)), at, dtype=float)
                                for at, count in stream.arrivals.arrivals])
        times = np.sort(times, kind="stable")
    if stream.maximum is not None:
        times = times[: int(_bound(stream.maximum))]
    return times


def _bound(value: Number) -> float:
    """A number of a bound model or intake: `bind` has replaced every `$name` by its value."""
    assert not isinstance(value, Ref)
    return value


def _pick(cumulative: list[float], u: float) -> int:
    """Inverse CDF of a discrete distribution (the last index absorbs rounding)."""
    return min(bisect.bisect_right(cumulative, u), len(cumulative) - 1)


# --- The compiled model of one arm ----------------------------------------------------------------


class CompiledTransition:
    """A transition of one replication: its target, its clock's distribution and hazard ratios.

    A plain class: every replication makes one per transition and arm (see `Clock`).
    """

    __slots__ = ("target", "distribution", "fixed", "rate", "modifiers", "depends_on", "signatures",
                 "strides", "ratios")

    def __init__(self, plan: TransitionPlan, distribution: TimeDistribution, hazard_ratios: list[float]):
        self.target = plan.target
        self.distribution = distribution
        self.fixed = isinstance(distribution, Fixed)
        # An exponential clock's constant hazard: the hot path needs no H0 calls.
        self.rate: float | None = distribution.rate if isinstance(distribution, Exponential) else None
        # Empty: the hazard ratio is always 1.
        self.modifiers: list[tuple[float, CompiledCondition]] = list(zip(hazard_ratios, plan.conditions))
        self.depends_on = plan.depends_on
        self.signatures = plan.signatures
        self.strides = plan.strides
        self.ratios: dict[int, float] = {}  # memo: situation -> ratio

    def ratio(self, state: list[int], attributes: np.ndarray, attribute_code: int) -> float:
        """The product of the hazard ratios of the modifiers that hold, memoised per situation."""
        key = attribute_code
        for track, stride in self.strides:
            key += state[track] * stride
        ratio = self.ratios.get(key)
        if ratio is None:
            ratio = 1.0
            for hazard_ratio, when in self.modifiers:
                if when.holds(state, attributes):
                    ratio *= hazard_ratio
            self.ratios[key] = ratio
        return ratio


@dataclass(slots=True)
class CompiledCondition:
    """A condition on other tracks (state codes) and attributes (value codes)."""

    states: list[tuple[int, frozenset[int]]]
    attributes: list[tuple[int, frozenset[int]]]

    def holds(self, state: list[int], attributes: np.ndarray) -> bool:
        for track, allowed in self.states:
            if state[track] not in allowed:
                return False
        for attribute, allowed in self.attributes:
            if attributes[attribute] not in allowed:
                return False
        return True


@dataclass
class CompiledJump:
    track: int
    sources: frozenset[int]
    target: int
    probability: float


@dataclass
class CompiledTrack:
    name: str
    states: tuple[str, ...]
    initial: dict[int | None, list[float]]  # attribute value code (or None) -> cumulative shares
    initial_by: int | None  # attribute code
    transitions: list[list[CompiledTransition]]  # per state
    holds: list[int | None]  # per state: resource code
    on_enter: list[list[CompiledJump]]  # per state


def _value(number: Number, values: Mapping[str, float]) -> float:
    """A number of the model as written: a `$name` takes the replication's value (as `bind` does)."""
    return values[number.name] if isinstance(number, Ref) else number


@dataclass(frozen=True)
class TransitionPlan:
    """A transition with its states, tracks and attribute values as codes; numbers as written."""

    target: int
    time: TimeSpec
    distribution: TimeDistribution | None  # made once, unless the time has a `$name`
    hazard_ratios: list[tuple[Number, Number]]  # (hazard ratio, strength): the ratio ** strength applies
    conditions: list[CompiledCondition]  # when each hazard ratio applies
    depends_on: frozenset[int]  # the tracks whose moves can change the hazard ratio
    # Per track (None for a track it does not depend on), what each of the track's states makes of
    # the modifiers, numbered so the hot loop compares ints: a move between two states with the
    # same signature leaves the ratio as it is.
    signatures: list[list[int] | None]
    # The memo key of a situation: the youth's attribute code plus, per track it depends on,
    # the track's state times a stride (a mixed-radix number, one per situation).
    strides: list[tuple[int, int]]

    def compiled(self, values: Mapping[str, float]) -> CompiledTransition:
        distribution = self.distribution
        if distribution is None:
            distribution = cast(TimeSpec, bind(self.time, values)).distribution()
        return CompiledTransition(self, distribution,
                                  [float(_value(ratio, values)) ** float(_value(strength, values))
                                   for ratio, strength in self.hazard_ratios])


@dataclass(frozen=True)
class TrackPlan:
    name: str
    states: tuple[str, ...]
    initial: dict[int | None, list[Number]]  # attribute value code (or None) -> share per state
    initial_by: int | None  # attribute code
    transitions: list[list[TransitionPlan]]  # per state
    holds: list[int | None]  # per state: resource code
    on_enter: list[list[tuple[int, frozenset[int], int, Number]]]  # per state: CompiledJump's fields

    def compiled(self, values: Mapping[str, float]) -> CompiledTrack:
        initial = {key: np.cumsum([float(_value(share, values)) for share in shares]).tolist()
                   for key, shares in self.initial.items()}
        return CompiledTrack(
            self.name, self.states, initial, self.initial_by,
            [[t.compiled(values) for t in transitions] for transitions in self.transitions], self.holds,
            [[CompiledJump(track, sources, target, float(_value(probability, values)))
              for track, sources, target, probability in jumps] for jumps in self.on_enter])


@dataclass(frozen=True)
class ArmPlan:
    """An arm's model with states, tracks and attribute values indexed by code: what every
    replication shares, made once per scenario. Its numbers stay as written (a `$name` is a
    `Ref`): `compiled` gives each replication its tracks with the replication's values."""

    tracks: list[TrackPlan]
    resources: list[str]
    capacities: list[Number]
    exit: TimeSpec | None
    # Per track: the tracks with a clock whose hazard ratio depends on it.
    watchers: list[tuple[int, ...]]
    jumps: bool  # whether any state has on_enter jumps

    def compiled(self, values: Mapping[str, float]) -> list[CompiledTrack]:
        return [track.compiled(values) for track in self.tracks]


def _numbered(signatures: list[tuple[bool, ...]]) -> list[int]:
    """Each signature as a number, equal numbers for equal signatures."""
    numbers: dict[tuple[bool, ...], int] = {}
    return [numbers.setdefault(signature, len(numbers)) for signature in signatures]


def plan_arms(scenario: Scenario) -> dict[str, ArmPlan]:
    return {name: plan_arm(arm.model, scenario) for name, arm in scenario.arms.items()}


def plan_arm(model: Model, scenario: Scenario) -> ArmPlan:
    """Index states, tracks and attribute values by code, once per scenario and arm."""
    track_codes = {track.name: k for k, track in enumerate(model.tracks)}
    state_codes = [{s: i for i, s in enumerate(track.states)} for track in model.tracks]
    attribute_codes = {a.name: i for i, a in enumerate(scenario.attributes)}
    situations = math.prod(len(a.values) for a in scenario.attributes)  # Cohort.attribute_code
    value_codes = [{v: i for i, v in enumerate(a.values)} for a in scenario.attributes]
    resources = list(model.resources)

    def condition(c: Condition) -> CompiledCondition:
        return CompiledCondition(
            [(track_codes[t], frozenset(state_codes[track_codes[t]][s] for s in states))
             for t, states in c.states.items()],
            [(attribute_codes[a], frozenset(value_codes[attribute_codes[a]][v] for v in values))
             for a, values in c.attributes.items()])

    tracks = []
    for k, track in enumerate(model.tracks):
        codes = state_codes[k]
        transitions: list[list[TransitionPlan]] = [[] for _ in track.states]
        for t in track.transitions:
            conditions = [condition(m.when) for m in t.modifiers]
            depends_on = frozenset(track for c in conditions for track, _ in c.states)
            signatures = [_numbered([tuple(s in allowed for c in conditions for track, allowed in c.states
                                           if track == j) for s in range(len(model.tracks[j].states))])
                          if j in depends_on else None for j in range(len(model.tracks))]
            strides, stride = [], situations
            for j in sorted(depends_on):
                strides.append((j, stride))
                stride *= len(model.tracks[j].states)
            written = any(isinstance(value, Ref) for value in t.time.args.values())
            transitions[codes[t.source]].append(TransitionPlan(
                codes[t.target], t.time, None if written else t.time.distribution(),
                [(m.hazard_ratio, m.strength) for m in t.modifiers], conditions, depends_on, signatures,
                strides))
        holds = [resources.index(track.holds[s]) if s in track.holds else None for s in track.states]
        on_enter: list[list[tuple[int, frozenset[int], int, Number]]] = [[] for _ in track.states]
        for state, jumps in track.on_enter.items():
            for jump in jumps:
                j = track_codes[jump.track]
                on_enter[codes[state]].append((j, frozenset(state_codes[j][s] for s in jump.sources),
                                               state_codes[j][jump.target], jump.probability))
        by = track.initial.by
        initial = {}
        for key, table in track.initial.shares.items():
            code = value_codes[attribute_codes[by]][cast(str, key)] if by is not None else None
            initial[code] = [table.get(s, 0.0) for s in track.states]
        tracks.append(TrackPlan(track.name, track.states, initial,
                                attribute_codes[by] if by is not None else None,
                                transitions, holds, on_enter))
    watchers = [tuple(j for j, other in enumerate(tracks)
                      if any(k in t.depends_on for ts in other.transitions for t in ts))
                for k in range(len(tracks))]
    return ArmPlan(tracks, resources, [model.resources[name].capacity for name in resources], model.exit,
                   watchers, any(jumps for track in tracks for jumps in track.on_enter))


# --- A youth: states, clocks, and the process that moves them --------------------------------------


class Clock:
    """One transition's hazard budget: it fires when ∫ HR dH0 reaches `budget`.

    A plain class rather than a dataclass: thousands are made per replication, and the compiled
    engine builds a plain class natively but runs a dataclass's generated __init__ as Python.
    Clocks compare by identity (`list.remove` finds the clock that fired).
    """

    __slots__ = ("transition", "budget", "since", "used", "ratio", "due")

    def __init__(self, transition: CompiledTransition, budget: float, since: float,
                 used: float = 0.0, ratio: float = 0.0, due: float = INF):
        self.transition = transition
        self.budget = budget
        self.since = since  # time of the last re-rating
        self.used = used  # hazard (or, for a fixed clock, active months) spent up to `since`
        self.ratio = ratio  # the hazard ratio since then
        self.due = due  # when it fires if the ratio stays as it is

    def rerate(self, now: float, entered: float, ratio: float) -> None:
        """Spend what accrued since the last re-rating at the old ratio, then run at `ratio`."""
        transition = self.transition
        if self.ratio > 0.0 and now > self.since:
            if transition.rate is not None:
                self.used += self.ratio * transition.rate * (now - self.since)
            elif transition.fixed:
                self.used += now - self.since
            else:
                h = transition.distribution.cumulative_hazard
                self.used += self.ratio * (cast(float, h(now - entered))
                                           - cast(float, h(self.since - entered)))
        self.since, self.ratio = now, ratio
        if ratio <= 0.0:
            self.due = INF
        elif transition.rate is not None:
            self.due = now + (self.budget - self.used) / (ratio * transition.rate)
        elif transition.fixed:
            self.due = now + max(0.0, cast(Fixed, transition.distribution).months - self.used)
        else:
            d = transition.distribution
            # H0(0) = 0 for every distribution (tests/language/test_distributions.py): a clock that
            # starts with its state needs no call to a scipy function to know it.
            spent = 0.0 if now == entered else cast(float, d.cumulative_hazard(now - entered))
            target = spent + (self.budget - self.used) / ratio
            self.due = entered + cast(float, d.inverse_cumulative_hazard(target))


@dataclass(slots=True)
class Youth:
    index: int
    attributes: np.ndarray
    attribute_code: int  # Cohort.attribute_code
    arrival: float
    departure: float
    state: list[int]
    entered: list[float]
    entered_by_move: list[bool]
    clocks: list[list[Clock]]
    uniforms: list[list[float]]  # each track's stream, as far as made (`Streams.first`)
    draws: list[int]  # uniforms used so far, per track stream
    jump_uniforms: list[float]  # the youth's jump stream, as far as made
    jumps_drawn: int = 0
    # What the youth sleeps towards: the clock due first (and its track), or the departure.
    next_clock: Clock | None = None
    next_track: int = -1
    leaving: bool = False
    alarm: float = INF  # when the youth wakes, unless it also waits for a unit
    # The youth's own event, scheduled again for every alarm (`ArmRun.sleep`): first its arrival.
    event: Event | None = None
    waiting: dict[int, tuple[simpy.Resource, Request, int, float]] = field(default_factory=dict)
    holding: dict[int, tuple[simpy.Resource, Request]] = field(default_factory=dict)


class ArmRun:
    """One arm of one replication: the SimPy environment, the youths and the record of spells."""

    def __init__(self, arm: str, plan: ArmPlan, values: Mapping[str, float], scenario: Scenario,
                 cohort: Cohort, start: float = 0.0):
        self.arm, self.scenario, self.cohort = arm, scenario, cohort
        self.tracks = plan.compiled(values)
        self.resource_names = plan.resources
        self.env = simpy.Environment(start)
        self.resources = [simpy.Resource(self.env, int(_value(capacity, values)))
                          for capacity in plan.capacities]
        self.exit = cast(TimeSpec, bind(plan.exit, values)).distribution() if plan.exit is not None else None
        self.horizon = scenario.horizon
        # The spells, as `Trajectories.from_records` takes them: a number for the youth, track,
        # state and entry (`trajectories.spell_code`, worked out inline), and the times.
        self.spell_code: list[int] = []
        self.spell_start: list[float] = []
        self.spell_end: list[float] = []
        self.code_tracks = len(self.tracks)
        self.code_states = most_states([track.states for track in self.tracks])
        self.waits: list[tuple[int, int, float, float]] = []
        self.departure = np.full(len(cohort.arrival), INF)
        self.present: dict[int, Youth] = {}
        self.sleeping: dict[Event, Youth] = {}  # the event each youth sleeps on
        # `self.wake` made once, not a new bound method per move; `finish` drops it (a cycle).
        self.waker: Callable[[Event], None] | None = self.wake
        self.jumps = plan.jumps
        self.watchers = plan.watchers  # per track: the tracks with a clock that depends on it

    def run(self) -> Trajectories:
        env = self.env
        for index in range(len(self.cohort.arrival)):
            # A Python float, not a numpy scalar: the arrival sets env.now, and every time computed
            # from it would otherwise be numpy arithmetic, several times slower (same values).
            # Timeout(env, …) is env.timeout(…) without SimPy's per-call bound-method wrapper.
            Timeout(env, float(self.cohort.arrival[index]), index).callbacks.append(self.arrival)
        return self.finish()

    def finish(self) -> Trajectories:
        """Run to the horizon and hand over the record."""
        env = self.env
        if env.now < self.horizon:
            env.run(until=self.horizon)
        self.waker = None
        for event in self.sleeping:
            # What is still pending at the horizon refers to this run through its callback:
            # dropping the callback lets reference counting free the replication now, rather
            # than leaving the whole run to the cycle collector.
            cast(list, event.callbacks).clear()
        return self.trajectories()

    # The story of one youth, told by callbacks (see "Where the time goes" in docs/architecture.md):
    # the youth arrives, then sleeps until its next move, makes it, and sleeps again.
    def arrival(self, event: Event) -> None:
        now = self.env.now
        youth = self.arrive(cast(int, event.value), now)
        youth.event = event
        self.sleep(youth, now)

    def sleep(self, youth: Youth, now: float) -> None:
        """Sleep until the earliest clock, the departure or a granted unit, whichever comes first."""
        clock, due, track = self.earliest(youth)
        leaving = youth.departure <= due
        wake = youth.departure if leaving else due
        if wake == INF and not youth.waiting:
            return  # absorbed in every track, and never leaves
        delay = max(0.0, wake - now)
        event: Event
        if youth.waiting:  # a unit may be granted before the clock fires
            alarm = Timeout(self.env, delay) if wake < INF else None
            requests = [request for _, request, _, _ in youth.waiting.values()]
            event = self.env.any_of([e for e in (alarm, *requests) if e is not None])
            cast(list, event.callbacks).append(self.wake)
        else:
            youth.alarm = now + delay  # SimPy's time for the alarm, env.now + delay, to the bit
            if youth.event is None:  # a youth continued from a forecast's cut-off sleeps a first time
                event = youth.event = Timeout(self.env, delay)
                cast(list, event.callbacks).append(self.wake)
            else:
                # The youth's own processed event, scheduled again: what Timeout(env, delay) does
                # (the same heap entry, so SimPy orders it exactly as a new one) without making one.
                event = youth.event
                event.callbacks = [cast(Callable[[Event], None], self.waker)]
                self.env.schedule(event, NORMAL, delay)
        youth.next_clock, youth.next_track, youth.leaving = clock, track, leaving
        self.sleeping[event] = youth

    def wake(self, event: Event) -> None:
        youth = self.sleeping.pop(event)
        # The alarm's time, unless a unit may have been granted first: `env.now` is a property,
        # a Python call per move for the compiled engine.
        now = self.env.now if youth.waiting else youth.alarm
        granted = youth.waiting and [k for k, (_, request, _, _) in youth.waiting.items()
                                     if request.triggered]
        if granted:
            for k in granted:
                self.take_unit(youth, k, now)
        elif youth.leaving:
            self.leave(youth, now)
            return
        else:
            clock = youth.next_clock
            assert clock is not None  # a wake-up that is neither a unit nor the departure: a clock
            self.fire(youth, youth.next_track, clock, now)
        self.sleep(youth, now)

    def arrive(self, index: int, now: float) -> Youth:
        attributes = self.cohort.attributes[index]
        streams = self.cohort.streams
        departure = INF
        known = self.cohort.departures.get(index)
        if known is not None:
            departure = known
        elif self.exit is not None:
            u = streams.single(EXIT, "", index)
            departure = now + cast(float, self.exit.inverse_cumulative_hazard(-log1p(-u)))
        self.departure[index] = departure
        state, uniforms = [], []
        for track in self.tracks:
            key = None if track.initial_by is None else int(attributes[track.initial_by])
            uniforms.append(streams.first(TRACK, track.name, index))
            state.append(_pick(track.initial[key], uniforms[-1][0]))
        n = len(self.tracks)
        youth = Youth(index, attributes, self.cohort.attribute_code[index], now, departure, state,
                      [now] * n, [False] * n,
                      [[] for _ in range(n)], uniforms, [1] * n,
                      streams.first(JUMPS, "", index) if self.jumps else [])
        for k in range(n):
            self.start_clocks(youth, k, now)
        self.present[index] = youth
        return youth

    def earliest(self, youth: Youth) -> tuple[Clock | None, float, int]:
        """The clock due first (None if none is due), when, and its track."""
        best, best_due, best_track = None, INF, -1
        for k, clocks in enumerate(youth.clocks):
            for clock in clocks:
                if clock.due < best_due:
                    best, best_due, best_track = clock, clock.due, k
        return best, best_due, best_track

    def fire(self, youth: Youth, k: int, clock: Clock, now: float) -> None:
        target = clock.transition.target
        resource_code = self.tracks[k].holds[target]
        if resource_code is None:
            self.move(youth, k, target, now)
            return
        self.withdraw(youth, k)  # a request made earlier in this state gives way to the newer one
        resource = self.resources[resource_code]
        request = resource.request()
        youth.clocks[k].remove(clock)  # it fired; the state's other clocks keep running
        youth.waiting[k] = (resource, request, target, now)
        if request.triggered:
            self.take_unit(youth, k, now)

    def take_unit(self, youth: Youth, k: int, now: float) -> None:
        resource, request, target, requested = youth.waiting.pop(k)
        self.waits.append((self.resources.index(resource), youth.index, requested, now))
        self.move(youth, k, target, now)
        youth.holding[k] = (resource, request)

    def move(self, youth: Youth, k: int, target: int, now: float, moved: dict[int, int] | None = None,
             depth: int = 0) -> None:
        """Leave the current state of track k for `target`, then apply the target's jumps.

        `moved` collects the tracks moved in this instant and the state each was in before."""
        first = moved is None
        if moved is None:
            moved = {}
        if depth > MAX_JUMP_DEPTH:
            raise RuntimeError("on_enter jumps keep triggering each other (a cycle)")
        self.close_spell(youth, k, now)
        if youth.waiting:
            self.withdraw(youth, k)
        if youth.holding and k in youth.holding:
            resource, request = youth.holding.pop(k)
            resource.release(request)
        moved.setdefault(k, youth.state[k])
        youth.state[k], youth.entered[k], youth.entered_by_move[k] = target, now, True
        self.start_clocks(youth, k, now)
        for jump in self.tracks[k].on_enter[target]:
            drawn = youth.jumps_drawn
            u = youth.jump_uniforms[drawn] if drawn < len(youth.jump_uniforms) else \
                self.cohort.streams.uniform(JUMPS, "", youth.index, drawn)
            youth.jumps_drawn += 1
            if youth.state[jump.track] in jump.sources and u < jump.probability:
                self.move(youth, jump.track, jump.target, now, moved, depth + 1)
        if first:
            self.rerate(youth, moved, now)

    def withdraw(self, youth: Youth, k: int) -> None:
        if k in youth.waiting:
            resource, request, _, requested = youth.waiting.pop(k)
            if request.triggered:  # granted this instant, not yet taken: give the unit back
                resource.release(request)
            else:
                request.cancel()
            self.waits.append((self.resources.index(resource), youth.index, requested, math.nan))

    def start_clocks(self, youth: Youth, k: int, now: float) -> None:
        """Fresh budgets E ~ Exp(1) for every transition out of the state just entered, rated
        in the current situation (a later move in the same instant re-rates them)."""
        clocks = []
        uniforms, drawn = youth.uniforms[k], youth.draws[k]
        for transition in self.tracks[k].transitions[youth.state[k]]:
            u = uniforms[drawn] if drawn < len(uniforms) else \
                self.cohort.streams.uniform(TRACK, self.tracks[k].name, youth.index, drawn)
            drawn += 1
            budget = -log1p(-u)
            ratio = transition.ratio(youth.state, youth.attributes, youth.attribute_code) \
                if transition.modifiers else 1.0
            if transition.rate is not None and ratio > 0.0:  # most clocks: Clock.rerate's sum, inline
                due = now + budget / (ratio * transition.rate)
                clocks.append(Clock(transition, budget, now, 0.0, ratio, due))
            else:
                clock = Clock(transition, budget, now)
                clock.rerate(now, now, ratio)
                clocks.append(clock)
        youth.clocks[k], youth.draws[k] = clocks, drawn

    def rerate(self, youth: Youth, moved: dict[int, int], now: float) -> None:
        """Re-evaluate the hazard ratios that the moved tracks can change."""
        if len(moved) == 1:  # the common case: a move between states the modifiers tell apart?
            for k, before in moved.items():
                after = youth.state[k]
                for j in self.watchers[k]:
                    for clock in youth.clocks[j]:
                        signature = clock.transition.signatures[k]
                        if signature is not None and signature[before] != signature[after]:
                            self.rerate_clock(youth, clock, j, now)
            return
        for j in sorted({j for k in moved for j in self.watchers[k]}):
            for clock in youth.clocks[j]:
                if not clock.transition.depends_on.isdisjoint(moved):
                    self.rerate_clock(youth, clock, j, now)

    def rerate_clock(self, youth: Youth, clock: Clock, k: int, now: float) -> None:
        ratio = clock.transition.ratio(youth.state, youth.attributes, youth.attribute_code)
        if ratio != clock.ratio:
            clock.rerate(now, youth.entered[k], ratio)

    def leave(self, youth: Youth, now: float) -> None:
        del self.present[youth.index]
        for k in range(len(self.tracks)):
            self.close_spell(youth, k, now)
            self.withdraw(youth, k)
            if k in youth.holding:
                resource, request = youth.holding.pop(k)
                resource.release(request)
            youth.clocks[k] = []

    def close_spell(self, youth: Youth, k: int, now: float) -> None:
        self.record_spell(youth.index, k, youth.state[k], youth.entered[k], now, youth.entered_by_move[k])

    def record_spell(self, index: int, k: int, state: int, start: float, end: float, entered: bool) -> None:
        self.spell_code.append(((index * self.code_tracks + k) * self.code_states + state) * 2 + int(entered))
        self.spell_start.append(start)
        self.spell_end.append(end)

    # --- Continuing the observed youths (forecast): see `simulate_continued` ---

    def continue_observed(self, observed: Observed) -> Trajectories:
        """The observed youths' histories up to the cut-off as recorded spells, the youths still
        present continued from their states then, and the youths still to come from arrival."""
        now = self.env.now
        for index, seen in enumerate(observed.youths):
            self.departure[index] = seen.departure if seen.departure is not None \
                else self.cohort.departures.get(index, INF)
            closed = len(self.tracks) * [0]
            for k, track in enumerate(self.tracks):
                spells = seen.spells[track.name]
                closed[k] = len(spells) - (seen.departure is None)
                for i in range(closed[k]):
                    spell = spells[i]
                    self.record_spell(index, k, track.states.index(spell.state), spell.start, spell.end, i > 0)
            if seen.departure is None:
                self.sleep(self.resume(index, seen, now), now)
        for index in range(len(observed.youths), len(self.cohort.arrival)):
            Timeout(self.env, float(self.cohort.arrival[index]) - now, index).callbacks.append(self.arrival)
        return self.finish()

    def resume(self, index: int, seen: ObservedYouth, now: float) -> Youth:
        """An observed youth at the cut-off: in its observed states, holding the units they need
        (a unit beyond the capacity is not taken: the youth is there, over capacity, as observed),
        each clock with the hazard already spent in the state (spec §1.3: the budget continues)."""
        streams = self.cohort.streams
        n = len(self.tracks)
        current = [seen.spells[track.name][-1] for track in self.tracks]
        state = [track.states.index(spell.state) for track, spell in zip(self.tracks, current)]
        youth = Youth(index, self.cohort.attributes[index], self.cohort.attribute_code[index], seen.arrival,
                      self.departure[index], state, [spell.start for spell in current],
                      [len(seen.spells[track.name]) > 1 for track in self.tracks], [[] for _ in range(n)],
                      [streams.first(TRACK, track.name, index) for track in self.tracks], [1] * n,
                      streams.first(JUMPS, "", index) if self.jumps else [])
        pieces = observed_situations(seen, self.tracks, now)
        for k in range(n):
            resource_code = self.tracks[k].holds[state[k]]
            if resource_code is not None:
                resource = self.resources[resource_code]
                request = resource.request()
                if request.triggered:
                    youth.holding[k] = (resource, request)
                else:
                    request.cancel()
            self.continue_clocks(youth, k, pieces, now)
        self.present[index] = youth
        return youth

    def continue_clocks(self, youth: Youth, k: int, pieces: list[tuple[float, float, list[int]]],
                        now: float) -> None:
        """Like `start_clocks`, for a state entered at `youth.entered[k]` before `now`: each clock
        has spent the hazard ∫ HR dH0 of the observed situations since then, and its budget is
        that plus a fresh E ~ Exp(1) (the clock had not fired: E - spent is Exp(1) again)."""
        clocks = []
        entered = youth.entered[k]
        uniforms, drawn = youth.uniforms[k], youth.draws[k]
        for transition in self.tracks[k].transitions[youth.state[k]]:
            u = uniforms[drawn] if drawn < len(uniforms) else \
                self.cohort.streams.uniform(TRACK, self.tracks[k].name, youth.index, drawn)
            drawn += 1
            used = 0.0
            for start, end, situation in pieces:
                if end > entered:
                    ratio = transition.ratio(situation, youth.attributes, youth.attribute_code) \
                        if transition.modifiers else 1.0
                    used += hazard_spent(transition, entered, max(start, entered), end, ratio)
            clock = Clock(transition, used - log1p(-u), now, used)
            clock.rerate(now, entered, transition.ratio(youth.state, youth.attributes, youth.attribute_code)
                         if transition.modifiers else 1.0)
            clocks.append(clock)
        youth.clocks[k], youth.draws[k] = clocks, drawn

    def trajectories(self) -> Trajectories:
        """Close what is still open at the horizon and hand over the record as arrays."""
        for youth in self.present.values():
            for k in range(len(self.tracks)):
                self.record_spell(youth.index, k, youth.state[k], youth.entered[k], self.horizon,
                                  youth.entered_by_move[k])
            for k, (resource, _, _, requested) in youth.waiting.items():
                self.waits.append((self.resources.index(resource), youth.index, requested, math.nan))
        return Trajectories.from_records(
            arm=self.arm, horizon=self.horizon, tracks=tuple(t.name for t in self.tracks),
            states=tuple(t.states for t in self.tracks),
            attributes=tuple(a.name for a in self.scenario.attributes),
            attribute_values=tuple(a.values for a in self.scenario.attributes),
            arrival=self.cohort.arrival, departure=self.departure,
            youth_attributes=self.cohort.attributes, spell_code=self.spell_code, spell_start=self.spell_start,
            spell_end=self.spell_end, waits=self.waits,
            resources=tuple(self.resource_names))


# --- Forecast: the observed youths continued from a cut-off ---------------------------------------


def hazard_spent(transition: CompiledTransition, entered: float, start: float, end: float, ratio: float) -> float:
    """What a clock spends over [start, end] in a state entered at `entered`, at hazard ratio
    `ratio`: ratio × (H0(end - entered) - H0(start - entered)), or for a fixed clock the months
    it ran (a ratio of 0 pauses both). The same sums as `Clock.rerate`."""
    if ratio <= 0.0 or end <= start:
        return 0.0
    if transition.rate is not None:
        return ratio * transition.rate * (end - start)
    if transition.fixed:
        return end - start
    h = transition.distribution.cumulative_hazard
    return ratio * (cast(float, h(end - entered)) - cast(float, h(start - entered)))


def observed_situations(seen: ObservedYouth, tracks: list[CompiledTrack], until: float
                        ) -> list[tuple[float, float, list[int]]]:
    """(from, to, state code per track) over the youth's observed time, cut wherever a track moved."""
    times = sorted({seen.arrival, until, *(spell.start for track in tracks for spell in seen.spells[track.name])})
    times = [t for t in times if t <= until]
    pieces = []
    for start, end in zip(times, times[1:]):
        state = []
        for track in tracks:
            spell = next(s for s in seen.spells[track.name] if s.start <= start < s.end)
            state.append(track.states.index(spell.state))
        pieces.append((start, end, state))
    return pieces


def simulate_continued(scenario: Scenario, observed: Observed, seed: int, replications: Iterable[int],
                       runs: int, joint: JointDraws | None = None) -> Iterator[Replication]:
    """Replications of a forecast: `observed.arm` replays the observed histories to the cut-off
    and continues them (and the youths still to come); every other arm simulates the same youths
    from their arrival as `simulate` does. Each replication depends only on (seed, replication)."""
    plans = plan_arms(scenario)
    for replication in replications:
        values = draw_parameters(scenario, seed, replication, runs, joint)
        cohort = admit_continued(scenario, observed, plans[observed.arm], values, seed, replication)
        trajectories = {}
        for name in scenario.arms:
            if name == observed.arm:
                run = ArmRun(name, plans[name], values[name], scenario, cohort, observed.until)
                trajectories[name] = run.continue_observed(observed)
            else:
                trajectories[name] = ArmRun(name, plans[name], values[name], scenario, cohort).run()
        yield Replication(replication, values, trajectories)


def admit_continued(scenario: Scenario, observed: Observed, plan: ArmPlan, values: Mapping[str, Mapping[str, float]],
                    seed: int, replication: int) -> Cohort:
    """The observed youths, then those still to come: each intake stream after the cut-off, its
    `max` reduced by the observed youths it brought (the first stream whose attributes they match).

    The observed youths keep their arrival, attributes and departure in every arm; a youth still
    present leaves at the exit clock's time given that it has not left by the cut-off. Each
    track's first uniform, which picks the state at arrival in every arm (common random numbers),
    is drawn given the state observed at arrival: uniform within that state's share of the
    observed arm's `initial`, so the other arms start the youth as they would have.
    """
    until = observed.until
    streams_bound = bind(scenario.intake, values[scenario.baseline])
    brought = [0] * len(streams_bound)
    for seen in observed.youths:
        for i, stream in enumerate(streams_bound):
            room = stream.maximum is None or brought[i] < int(_bound(stream.maximum))
            if room and all(seen.attributes.get(a) == v for a, v in stream.attributes.items()):
                brought[i] += 1
                break
    times, fixed = [], []
    for index, stream in enumerate(streams_bound):
        arrivals = _arrival_times_after(stream, until, brought[index],
                                        rng_for(seed, replication, "intake", index))
        times.append(arrivals)
        fixed += [stream.attributes] * len(arrivals)
    future = np.concatenate(times) if times else np.zeros(0)
    order = np.argsort(future, kind="stable")
    keep = future[order] < scenario.horizon
    order = order[keep]
    seen_count = len(observed.youths)
    arrival = np.concatenate([np.array([y.arrival for y in observed.youths], dtype=float), future[order]])
    streams = Streams(seed, replication, len(arrival))
    attributes = np.zeros((len(arrival), len(scenario.attributes)), dtype=np.int16)
    shares = _cumulative_shares(scenario, values[scenario.baseline])
    for youth in range(len(arrival)):
        for a, attribute in enumerate(scenario.attributes):
            u = streams.single(ATTRIBUTE, attribute.name, youth)
            if youth < seen_count:
                attributes[youth, a] = attribute.values.index(observed.youths[youth].attributes[attribute.name])
                continue
            given = fixed[order[youth - seen_count]].get(attribute.name)
            if given is not None:
                attributes[youth, a] = attribute.values.index(given)
            else:
                attributes[youth, a] = _pick(cast(list[float], shares[a]), u)
    attribute_code = _attribute_codes(scenario, attributes)
    arm_values = values[observed.arm]
    tracks = plan.compiled(arm_values)
    exit_time = cast(TimeSpec, bind(plan.exit, arm_values)).distribution() if plan.exit is not None else None
    departures: dict[int, float] = {}
    for youth, seen in enumerate(observed.youths):
        if seen.departure is not None:
            departures[youth] = seen.departure
        elif exit_time is None:
            departures[youth] = INF
        else:
            spent = cast(float, exit_time.cumulative_hazard(until - seen.arrival))
            budget = spent - log1p(-streams.single(EXIT, "", youth))
            departures[youth] = seen.arrival + cast(float, exit_time.inverse_cumulative_hazard(budget))
        for track in tracks:
            key = None if track.initial_by is None else int(attributes[youth, track.initial_by])
            cumulative = track.initial[key]
            s = track.states.index(seen.spells[track.name][0].state)
            low, high = (cumulative[s - 1] if s > 0 else 0.0), cumulative[s]
            if high > low:
                block = streams.first(TRACK, track.name, youth)
                block[0] = low + (high - low) * block[0]
    return Cohort(arrival, attributes, attribute_code, streams, departures)


def _arrival_times_after(stream: IntakeStream, until: float, brought: int, rng: np.random.Generator) -> np.ndarray:
    """A stream's arrivals from `until` on, at most its `max` less the `brought` already observed.

    From the stream's own generator, as `_arrival_times` draws them: at a cut-off at 0 with no
    one observed, a forecast's youths are those of `run`."""
    times: Any
    if isinstance(stream.arrivals, Poisson):
        p: Any = stream.arrivals
        start = max(float(p.start), until)
        count = rng.poisson(p.rate_per_month * max(0.0, float(p.until) - start))
        times = np.sort(rng.uniform(start, max(start, float(p.until)), count))
    else:
        times = np.concatenate([np.full(int(_bound(count)), at, dtype=float)
                                for at, count in stream.arrivals.arrivals if _bound(at) >= until] or
                               [np.zeros(0)])
        times = np.sort(times, kind="stable")
    if stream.maximum is not None:
        times = times[: max(0, int(_bound(stream.maximum)) - brought)]
    return times
