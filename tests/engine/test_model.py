"""The engine against exact theory: Markov chains, piecewise hazards, Erlang C, Poisson counts.

Every tolerance is z standard errors of the Monte Carlo estimate (tests/support.py); seeds are
fixed so that CI is deterministic, and each docstring says what size of bug the test can catch.
Runs computed by hand are in test_model_exact.py.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.linalg import expm

from simulator.engine.model import simulate_replication
from tests.support import Z, assert_mean_close, assert_proportion_close

pytestmark = pytest.mark.theory


def occupancy_shares(scenario, seed, months, arm=None, track=0):
    replication = simulate_replication(scenario, seed, 0, 1)
    trajectories = replication.trajectories[arm or scenario.baseline]
    counts = trajectories.occupancy(np.asarray(months, dtype=float))[track]
    return counts, trajectories.youths


def test_single_track_occupancy_equals_the_matrix_exponential(scenario_from):
    """4,000 youths: occupancy shares within about 0.03, and exit rates within about 7 %.

    Shares react little to one rate (a 10 % error in a rate moves them by under 0.02), so the
    rates themselves are checked too: exits per month at risk, split by destination.
    """
    scenario = scenario_from("""
        name: three states
        horizon: 12
        intake: {cohort: {count: 4000}}
        tracks:
          housing:
            states: [street, shelter, housed]
            initial: {street: 0.7, shelter: 0.3}
            transitions:
              street->shelter: {time: {exponential: {mean: 2}}}
              shelter->street: {time: {exponential: {rate: 0.25}}}
              shelter->housed: {time: {probability: {p: 0.5, within: 6}}}
              housed->street: {time: {exponential: {mean: 10}}}
        arms: {only: {}}
        """)
    rate_housed = -math.log(0.5) / 6
    generator = np.array([[-0.5, 0.5, 0.0],
                          [0.25, -0.25 - rate_housed, rate_housed],
                          [0.1, 0.0, -0.1]])
    start = np.array([0.7, 0.3, 0.0])
    months = [1, 3, 6, 12]
    counts, n = occupancy_shares(scenario, 1, months)
    for j, t in enumerate(months):
        expected = start @ expm(generator * t)
        for state in range(3):
            assert_proportion_close(counts[state, j], n, expected[state],
                                    what=f"share in state {state} at month {t}")
    trajectories = simulate_replication(scenario, 1, 0, 1).trajectories["only"]
    for state in range(3):
        for target in range(3):
            if generator[state, target] > 0:
                exits, at_risk = exits_and_time_at_risk(trajectories, 0, state, target)
                rate = generator[state, target]
                # Exits are Poisson in the time at risk: the estimate's SE is √(rate / time at risk).
                assert abs(exits / at_risk - rate) <= Z * math.sqrt(rate / at_risk), (
                    f"rate {state}->{target}: {exits / at_risk:.4f}, expected {rate:.4f}")


def exits_and_time_at_risk(trajectories, track, state, target):
    """Transitions state -> target and months spent in `state`, from the spells of one track."""
    t = trajectories
    rows = np.flatnonzero(t.spell_track == track)
    youth, states, start, end = (t.spell_youth[rows], t.spell_state[rows], t.spell_start[rows],
                                 t.spell_end[rows])
    here = states == state
    following = np.r_[states[1:], -1]
    same_youth = np.r_[youth[1:] == youth[:-1], False]
    exits = np.sum(here & same_youth & (following == target))
    return exits, np.sum((end - start)[here])


def test_coupled_tracks_equal_the_product_space_chain(scenario_from):
    """Health drives housing through a modifier and an on_enter jump; an attribute scales a rate."""
    scenario = scenario_from("""
        name: coupled
        horizon: 10
        attributes: {profile: {high: 0.4, low: 0.6}}
        intake: {cohort: {count: 5000}}
        tracks:
          health:
            states: [stable, crisis]
            initial: {by: profile, high: {stable: 0.5, crisis: 0.5}, low: {stable: 1.0}}
            transitions:
              stable->crisis: {time: {exponential: {mean: 5}}}
              crisis->stable: {time: {exponential: {mean: 2}}}
            on_enter:
              crisis: [{track: housing, from: housed, to: street, probability: 0.4}]
          housing:
            states: [street, housed]
            initial: {street: 1.0}
            transitions:
              street->housed:
                time: {exponential: {mean: 4}}
                modifiers:
                  - {when: {health: crisis}, hazard_ratio: 0.25}
                  - {when: {profile: high}, hazard_ratio: 0.5}
              housed->street: {time: {exponential: {mean: 20}}}
        arms: {only: {}}
        """)
    a, b, c, d, q = 1 / 5, 1 / 2, 1 / 4, 1 / 20, 0.4
    # Product states: (health, housing) = (s, street), (s, housed), (c, street), (c, housed).
    def generator(scale):
        g = np.zeros((4, 4))
        g[0, 1] = c * scale                     # street -> housed while stable
        g[0, 2] = a                             # stable -> crisis on the street
        g[1, 0] = d                             # housed -> street
        g[1, 2] = a * q                         # crisis, and the jump evicts
        g[1, 3] = a * (1 - q)                   # crisis, stays housed
        g[2, 0] = b
        g[2, 3] = c * 0.25 * scale
        g[3, 1] = b
        g[3, 2] = d
        np.fill_diagonal(g, -g.sum(axis=1))
        return g
    starts = {"high": (0.4, np.array([0.5, 0, 0.5, 0]), 0.5), "low": (0.6, np.array([1.0, 0, 0, 0]), 1.0)}
    months = [2, 5, 10]
    replication = simulate_replication(scenario, 3, 0, 1)
    trajectories = replication.trajectories["only"]
    n = trajectories.youths
    housing = trajectories.occupancy(np.array(months, dtype=float))[1]
    health = trajectories.occupancy(np.array(months, dtype=float))[0]
    for j, t in enumerate(months):
        expected = sum(share * start @ expm(generator(scale) * t)
                       for share, start, scale in starts.values())
        assert_proportion_close(housing[1, j], n, expected[1] + expected[3], what=f"housed at {t}")
        assert_proportion_close(health[1, j], n, expected[2] + expected[3], what=f"crisis at {t}")


def test_weibull_sojourn_with_a_hazard_ratio_that_changes_mid_sojourn(scenario_from):
    """Another track moves at month 5 and triples the hazard: the sojourn follows the piecewise H.

    10,000 youths: a hazard ratio of 2.7 instead of 3 fails the mean (tolerance ≈ 0.15 months).
    """
    scenario = scenario_from("""
        name: piecewise
        horizon: 60
        intake: {cohort: {count: 10000}}
        tracks:
          phase:
            states: [early, late]
            initial: {early: 1.0}
            transitions:
              early->late: {time: {fixed: {months: 5}}}
          housing:
            states: [housed, lost]
            initial: {housed: 1.0}
            transitions:
              housed->lost:
                time: {weibull: {shape: 2, scale: 10}}
                modifiers: [{when: {phase: late}, hazard_ratio: 3}]
        arms: {only: {}}
        """)
    def cumulative_hazard(t):
        t = np.asarray(t, dtype=float)
        h = (t / 10) ** 2
        return np.where(t <= 5, h, 0.25 + 3 * (h - 0.25))
    def cdf(t):
        return 1 - np.exp(-cumulative_hazard(t))
    trajectories = simulate_replication(scenario, 5, 0, 1).trajectories["only"]
    housing = trajectories.tracks.index("housing")
    rows = (trajectories.spell_track == housing) & (trajectories.spell_state == 0)
    ends = trajectories.spell_end[rows]
    assert np.all(ends < 60), "every youth should have lost the home before month 60"
    assert stats.kstest(ends, cdf).pvalue > 1e-3
    # The mean, from the exact survival function.
    grid = np.linspace(0, 60, 60001)
    survival = np.exp(-cumulative_hazard(grid))
    mean = np.trapezoid(survival, grid)
    second = np.trapezoid(2 * grid * survival, grid)
    assert_mean_close(ends, mean, math.sqrt(second - mean ** 2), what="mean sojourn")


def erlang_c(servers: int, offered: float) -> float:
    """Probability that an arrival waits in M/M/c with offered load `offered` = λ/μ."""
    rho = offered / servers
    top = offered ** servers / math.factorial(servers) / (1 - rho)
    return top / (sum(offered ** k / math.factorial(k) for k in range(servers)) + top)


def test_resource_queue_equals_erlang_c(scenario_from):
    """M/M/3 at 80 % load: mean queue L_q and mean in service λ/μ, time-averaged after a warm-up."""
    rate, mean_stay, servers = 1.2, 2.0, 3
    scenario = scenario_from(f"""
        name: erlang
        horizon: 420
        intake: {{poisson: {{rate: {rate}, from: 0, until: 420}}}}
        tracks:
          place:
            states: [waiting, served, done]
            initial: {{waiting: 1.0}}
            holds: {{served: places}}
            transitions:
              waiting->served: {{time: {{fixed: 0}}}}
              served->done: {{time: {{exponential: {{mean: {mean_stay}}}}}}}
        resources: {{places: {{capacity: {servers}}}}}
        arms: {{only: {{}}}}
        """)
    offered = rate * mean_stay
    rho = offered / servers
    expected_queue = erlang_c(servers, offered) * rho / (1 - rho)
    warmup, horizon = 60.0, 420.0
    queue, busy = [], []
    for replication in range(40):
        t = simulate_replication(scenario, 11, replication, 40).trajectories["only"]
        start, end = np.maximum(t.spell_start, warmup), np.minimum(t.spell_end, horizon)
        time_in = np.clip(end - start, 0, None)
        queue.append(time_in[t.spell_state == 0].sum() / (horizon - warmup))
        busy.append(time_in[t.spell_state == 1].sum() / (horizon - warmup))
        granted = t.wait_granted[~np.isnan(t.wait_granted)]
        assert len(granted) > 0
    assert_mean_close(queue, expected_queue, what="mean queue length L_q")
    assert_mean_close(busy, offered, what="mean number in service")


def test_common_random_numbers_shrink_the_variance_of_differences(scenario_from):
    """Between-arm differences on common streams vary far less than on independent streams."""
    scenario = scenario_from("""
        name: crn
        horizon: 24
        intake: {poisson: {rate: 5, from: 0, until: 12}}
        tracks:
          housing:
            states: [street, housed]
            initial: {street: 1.0}
            transitions:
              street->housed: {time: {exponential: {mean: 8}}}
              housed->street: {time: {exponential: {mean: 12}}}
        arms:
          usual: {}
          better:
            patch:
              tracks: {housing: {transitions: {street->housed: {time: {exponential: {mean: 6}}}}}}
        """)
    def housed_months(replication, seed, arm):
        t = simulate_replication(scenario, seed, replication, 100).trajectories[arm]
        return np.sum((t.spell_end - t.spell_start)[t.spell_state == 1])
    runs = 100
    common = [housed_months(r, 1, "better") - housed_months(r, 1, "usual") for r in range(runs)]
    independent = [housed_months(r, 1, "better") - housed_months(r, 2, "usual") for r in range(runs)]
    critical = stats.f.ppf(0.999, runs - 1, runs - 1)
    assert np.var(common, ddof=1) * critical < np.var(independent, ddof=1)


def test_poisson_intake_counts_have_mean_and_variance_rate_times_duration(scenario_from):
    scenario = scenario_from("""
        name: intake
        horizon: 10
        intake: {poisson: {rate: 2.5, from: 2, until: 8}}
        tracks: {t: {states: [a], initial: {a: 1.0}}}
        arms: {only: {}}
        """)
    counts = [simulate_replication(scenario, 9, r, 400).trajectories["only"].youths for r in range(400)]
    assert_mean_close(counts, 15.0, math.sqrt(15.0), what="arrivals")
    # The variance of a Poisson count equals its mean λ; the sample variance has SE ≈ √((λ + 2λ²)/n).
    assert abs(np.var(counts, ddof=1) - 15.0) <= Z * math.sqrt((15.0 + 2 * 15.0 ** 2) / 400)


ENGINE_WORDS = ("arrival", "exit", "jump", "jumps", "overflow", "initial", "intake", "param",
                "attribute", "track", "single")


def test_tracks_named_like_engine_streams_draw_independent_initial_states(scenario_from):
    """Every youth's random streams are keyed by kind and name, so no user name reaches another
    stream: 2,000 youths, a 50/50 attribute `arrival` and tracks named after the engine's stream
    words, each starting 50/50. Each track's initial state is independent of the attribute and
    of every other track, and a 50 % jump is independent of the track named `jump` (chi-square
    on each 2×2 table, p > 1e-4 each: a fixed seed, and a shared stream gives p ≈ 0). Before the
    fix, the track `arrival` copied the attribute (991 / 0 / 0 / 1009)."""
    tracks = "\n".join(f"""
          {name}:
            states: [a, b]
            initial: {{a: 0.5, b: 0.5}}""" for name in ENGINE_WORDS)
    scenario = scenario_from(f"""
        name: engine words
        horizon: 2
        attributes: {{arrival: {{low: 0.5, high: 0.5}}}}
        intake: {{cohort: {{count: 2000}}}}
        exit: {{time: {{exponential: {{mean: 1000}}}}}}
        tracks:{tracks}
          clock:
            states: [start, done]
            initial: {{start: 1.0}}
            transitions:
              start->done: {{time: {{fixed: {{months: 1}}}}}}
            on_enter:
              done: [{{track: param, from: [a, b], to: a, probability: 0.5}}]
        arms: {{only: {{}}}}
        """)
    trajectories = simulate_replication(scenario, 3, 0, 1).trajectories[scenario.baseline]
    first = trajectories.spell_start == 0.0
    initial = {}
    for k, track in enumerate(trajectories.tracks):
        rows = first & (trajectories.spell_track == k)
        initial[track] = trajectories.spell_state[rows][np.argsort(trajectories.spell_youth[rows])]
    variables = {"attribute arrival": trajectories.youth_attributes[:, 0],
                 **{f"track {name}": initial[name] for name in ENGINE_WORDS}}
    param = trajectories.tracks.index("param")
    jumped = np.zeros(trajectories.youths, dtype=int)
    entered = trajectories.spell_entered & (trajectories.spell_track == param)
    jumped[trajectories.spell_youth[entered]] = 1  # the jump at month 1 happened (into a, from a or b)
    variables["the jump at month 1"] = jumped
    names = list(variables)
    for i, x in enumerate(names):
        for y in names[i + 1:]:
            table = np.histogram2d(variables[x], variables[y], bins=2)[0]
            p = stats.chi2_contingency(table, correction=False).pvalue
            assert p > 1e-4, f"{x} and {y} are not independent: {table.tolist()} (p = {p:.2g})"
