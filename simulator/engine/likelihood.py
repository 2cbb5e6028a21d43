"""The likelihood of observed histories under the hazard-budget clocks, for many parameter draws at once.

On the clock of spec §1.3 a transition out of a state entered at e has hazard HR(t) h0(t - e)
at time t. An observed history's likelihood is therefore, for every spell and every transition
out of its state, exp(-∫ HR dH0) over the time spent in the spell, times HR h0 at each observed
move; times each `on_enter` jump's probability p where it happened and 1 - p where it could
have and did not; times the initial state's share; times the exit clock's hazard at a departure
and its survival up to the departure or the cut-off. The situations (which modifiers hold) come
from the observed states of the other tracks and the youth's attributes, so the history reduces
once to sufficient statistics: per transition and situation, the time or hazard exposure and the
moves. Each draw then costs a few array operations.

Conditional on who arrived, and when, and with which attributes: the intake and attribute shares
are not learned. A `fixed` transition is deterministic and contributes nothing (its months are
not learned either); a move into a held state is taken to happen when its clock fired (a wait
for a unit is not seen in the data). Data known to the day may show a move on the day a state
was entered; such a move counts at half a day (`SHORTEST`), where every hazard is finite.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from simulator.engine.model import ArmPlan, TransitionPlan, plan_arm
from simulator.language.distributions import Exponential, Fixed, TimeDistribution
from simulator.language.observed import Observed, ObservedYouth
from simulator.language.scenario import DAYS_PER_MONTH, Number, Ref, Scenario, TimeSpec, bind

SHORTEST = 0.5 / DAYS_PER_MONTH  # months: a move observed at the entry counts half a day after it


@dataclass
class _Clock:
    """What one transition's clock saw, per situation (the modifiers that held): its exposure as
    pieces of time since entering the state, and the moves it made (time since entering)."""

    plan: TransitionPlan
    pieces: dict[tuple[bool, ...], list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    moves: dict[tuple[bool, ...], list[float]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class Statistics:
    """The observed histories of one arm, reduced to what the likelihood needs."""

    plan: ArmPlan
    clocks: dict[tuple[int, int, int], _Clock]  # (track, state, transition index)
    initial: dict[tuple[int, int | None, int], int]  # (track, attribute value or None, state) -> youths
    jumps: dict[tuple[int, int, int], list[int]]  # (track, state, jump index) -> [happened, did not]
    exit_moves: list[float]  # months from arrival to each departure
    exit_exposure: list[float]  # months from arrival to departure or cut-off, per youth


def statistics(scenario: Scenario, observed: Observed) -> Statistics:
    """Reduce the observed histories once; `log_likelihood` evaluates them for any draws."""
    plan = plan_arm(scenario.arms[observed.arm].model, scenario)
    value_codes = [{v: i for i, v in enumerate(a.values)} for a in scenario.attributes]
    stats = Statistics(plan, {}, defaultdict(int), defaultdict(lambda: [0, 0]), [], [])
    for youth in observed.youths:
        attributes = np.array([value_codes[a][youth.attributes[attribute.name]]
                               for a, attribute in enumerate(scenario.attributes)], dtype=np.int16)
        _add_youth(stats, youth, attributes, observed.until)
    return stats


def _add_youth(stats: Statistics, youth: ObservedYouth, attributes: np.ndarray, until: float) -> None:
    tracks = stats.plan.tracks
    end = youth.departure if youth.departure is not None else until
    spells = [[(track.states.index(s.state), s.start, s.end) for s in youth.spells[track.name]] for track in tracks]

    def state_before(t: float) -> list[int]:
        """Each track's state just before t (at t itself when t is the arrival)."""
        state = []
        for track_spells in spells:
            running = [s for s, start, stop in track_spells if start < t <= stop]
            state.append(running[0] if running else track_spells[0][0])
        return state

    times = sorted({youth.arrival, end, *(start for track_spells in spells for _, start, _ in track_spells)})
    times = [t for t in times if t <= end]
    situations = [(a, b, state_before(b)) for a, b in zip(times, times[1:])]
    by_jump: set[tuple[int, int]] = set()  # (track, spell index) entered by a jump
    for k, track in enumerate(tracks):
        for i, (state, start, _) in enumerate(spells[k]):
            if i == 0:
                key = None if track.initial_by is None else int(attributes[track.initial_by])
                stats.initial[(k, key, state)] += 1
                continue
            before = state_before(start)
            for n, (j, sources, target, _) in enumerate(track.on_enter[state]):
                if before[j] not in sources:
                    continue
                entered = [m for m, (s, t, _) in enumerate(spells[j]) if t == start and m > 0 and s == target]
                stats.jumps[(k, state, n)][0 if entered else 1] += 1
                if entered:
                    by_jump.add((j, entered[0]))
    for k, track in enumerate(tracks):
        for i, (state, start, stop) in enumerate(spells[k]):
            moved_to = spells[k][i + 1][0] if i + 1 < len(spells[k]) else None
            for n, transition in enumerate(track.transitions[state]):
                if isinstance(transition.distribution, Fixed) or transition.time.kind == "fixed":
                    continue
                clock = stats.clocks.setdefault((k, state, n), _Clock(transition))
                for a, b, situation in situations:
                    if b > start and a < stop:
                        mask = tuple(c.holds(situation, attributes) for c in transition.conditions)
                        clock.pieces[mask].append((max(a, start) - start, min(b, stop) - start))
                if transition.target == moved_to and (k, i + 1) not in by_jump:
                    mask = tuple(c.holds(state_before(stop), attributes) for c in transition.conditions)
                    clock.moves[mask].append(max(stop - start, SHORTEST))
    if stats.plan.exit is not None:
        stats.exit_exposure.append(end - youth.arrival)
        if youth.departure is not None:
            stats.exit_moves.append(max(youth.departure - youth.arrival, SHORTEST))


def log_likelihood(stats: Statistics, names: tuple[str, ...], values: np.ndarray,
                   fixed: dict[str, float]) -> np.ndarray:
    """ln L of the observed histories for each draw (row of `values`, columns `names`; the
    parameters in `fixed` take one value), up to a constant that is the same for every draw."""
    draws = len(values)
    column = {name: j for j, name in enumerate(names)}

    def number(x: Number) -> np.ndarray:
        if isinstance(x, Ref):
            return values[:, column[x.name]] if x.name in column else np.full(draws, fixed[x.name])
        return np.full(draws, float(x))

    def distributions(time: TimeSpec) -> list[TimeDistribution]:
        rows = [{**fixed, **dict(zip(names, row))} for row in values.tolist()]
        return [bind(time, row).distribution() for row in rows]

    total = np.zeros(draws)
    with np.errstate(divide="ignore", invalid="ignore"):
        for clock in stats.clocks.values():
            plan = clock.plan
            ratios = [number(r) ** number(strength) for r, strength in plan.hazard_ratios]
            varying = None if plan.distribution is not None else distributions(plan.time)
            for mask in set(clock.pieces) | set(clock.moves):
                ratio = np.ones(draws)
                for holds, r in zip(mask, ratios):
                    if holds:
                        ratio = ratio * r
                pieces = np.array(clock.pieces.get(mask, []), dtype=float).reshape(-1, 2)
                moves = np.array(clock.moves.get(mask, []), dtype=float)
                total += len(moves) * np.log(ratio) - ratio * _exposure(plan.distribution, varying, pieces)
                total += _log_hazards(plan.distribution, varying, moves)
        for (k, key, state), count in stats.initial.items():
            total += count * np.log(number(stats.plan.tracks[k].initial[key][state]))
        for (k, state, n), (happened, not_happened) in stats.jumps.items():
            p = number(stats.plan.tracks[k].on_enter[state][n][3])
            total += happened * np.log(p) + not_happened * np.log1p(-p)
        if stats.plan.exit is not None:
            exit_time = stats.plan.exit
            written = any(isinstance(v, Ref) for v in exit_time.args.values())
            one = None if written else exit_time.distribution()
            varying = distributions(exit_time) if written else None
            exposure = np.array(stats.exit_exposure, dtype=float)
            total -= _exposure(one, varying, np.stack([np.zeros_like(exposure), exposure], axis=1))
            total += _log_hazards(one, varying, np.array(stats.exit_moves, dtype=float))
    return np.where(np.isnan(total), -np.inf, total)


def _exposure(one: TimeDistribution | None, varying: list[TimeDistribution] | None,
              pieces: np.ndarray) -> np.ndarray | float:
    """Σ (H0(b) - H0(a)) over the pieces: one number, or one per draw when the time has a `$name`."""
    if len(pieces) == 0:
        return 0.0
    if one is not None:
        if isinstance(one, Exponential):
            return one.rate * float(np.sum(pieces[:, 1] - pieces[:, 0]))
        return float(np.sum(one.cumulative_hazard(pieces[:, 1]) - one.cumulative_hazard(pieces[:, 0])))
    assert varying is not None
    if all(isinstance(d, Exponential) for d in varying):
        rates = np.array([d.rate for d in varying])  # type: ignore[attr-defined]
        return rates * float(np.sum(pieces[:, 1] - pieces[:, 0]))
    return np.array([float(np.sum(d.cumulative_hazard(pieces[:, 1]) - d.cumulative_hazard(pieces[:, 0])))
                     for d in varying])


def _log_hazards(one: TimeDistribution | None, varying: list[TimeDistribution] | None,
                 moves: np.ndarray) -> np.ndarray | float:
    """Σ ln h0(τ) over the moves."""
    if len(moves) == 0:
        return 0.0
    if one is not None:
        return float(np.sum(one.log_hazard(moves)))
    assert varying is not None
    if all(isinstance(d, Exponential) for d in varying):
        return len(moves) * np.log(np.array([d.rate for d in varying]))  # type: ignore[attr-defined]
    return np.array([float(np.sum(d.log_hazard(moves))) for d in varying])
