"""Distributions against scipy.stats and against closed forms (exact up to floating point), and
every InvalidArgument case. Sampling is checked against theory in test_distributions_theory.py."""

from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pytest
from scipy import integrate, stats

from simulator.language.distributions import (
    PARAMETER_FORMS,
    TIME_FORMS,
    Exponential,
    Fixed,
    InvalidArgument,
    LogLogistic,
    parameter_distribution,
    time_distribution,
)
from tests.language.distribution_cases import (CONTINUOUS_TIMES, PARAMETER_CASES, PARAMETER_IDS, TIME_CASES,
                                               TIME_IDS)

pytestmark = pytest.mark.exact

RTOL = 1e-9  # floating-point agreement, not a statistical tolerance

T_GRID = np.array([0.0, 0.01, 0.5, 1.0, 5.0, 20.0, 60.0, 200.0])


# --- Time-to-event: exact agreement with scipy and closed forms -----------------------------------

@pytest.mark.parametrize(("dist", "ref"), CONTINUOUS_TIMES, ids=TIME_IDS)
def test_survival_cdf_and_cumulative_hazard_match_scipy(dist, ref):
    np.testing.assert_allclose(dist.survival(T_GRID), ref.sf(T_GRID), rtol=RTOL)
    np.testing.assert_allclose(dist.cdf(T_GRID), ref.cdf(T_GRID), rtol=RTOL)
    np.testing.assert_allclose(dist.cumulative_hazard(T_GRID), -ref.logsf(T_GRID), rtol=RTOL)


@pytest.mark.parametrize(("dist", "ref"), CONTINUOUS_TIMES, ids=TIME_IDS)
def test_cumulative_hazard_is_exactly_zero_at_zero(dist, ref):
    """The engine starts a clock without calling H0(0) (`Clock.rerate`): that it is 0.0 keeps the numbers."""
    assert dist.cumulative_hazard(0.0) == 0.0
    assert dist.cumulative_hazard(np.zeros(3)).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(("dist", "ref"), CONTINUOUS_TIMES, ids=TIME_IDS)
def test_median_and_mean_match_scipy(dist, ref):
    assert dist.median() == pytest.approx(ref.median(), rel=RTOL)
    if isinstance(dist, LogLogistic) and dist.shape <= 1:
        assert dist.mean() == math.inf  # scipy says nan; the integral diverges
    else:
        assert dist.mean() == pytest.approx(ref.mean(), rel=RTOL)


@pytest.mark.parametrize(("dist", "ref"), CONTINUOUS_TIMES, ids=TIME_IDS)
def test_scalar_path_agrees_with_array_path(dist, ref):
    """The engine's float fast path and the numpy path are two codings of one formula."""
    scalar = [dist.cumulative_hazard(float(t)) for t in T_GRID]
    np.testing.assert_allclose(scalar, dist.cumulative_hazard(T_GRID), rtol=1e-13)
    assert all(isinstance(h, float) for h in scalar)
    h_grid = np.array([0.0, 1e-9, 0.3, math.log(2), 2.0, 50.0])
    scalar = [dist.inverse_cumulative_hazard(float(h)) for h in h_grid]
    np.testing.assert_allclose(scalar, dist.inverse_cumulative_hazard(h_grid), rtol=1e-13)
    assert dist.survival(5.0) == pytest.approx(float(dist.survival(np.array([5.0]))[0]), rel=1e-13)


@pytest.mark.parametrize(("dist", "ref"), CONTINUOUS_TIMES, ids=TIME_IDS)
@pytest.mark.parametrize("scalar", [True, False], ids=["float", "array"])
def test_inverse_cumulative_hazard_inverts_into_the_far_tail(dist, ref, scalar):
    hazards = [1e-12, 1e-6, 0.1, math.log(2), 5.0, 50.0, 300.0]
    if scalar:
        back = [dist.cumulative_hazard(dist.inverse_cumulative_hazard(h)) for h in hazards]
    else:
        back = dist.cumulative_hazard(dist.inverse_cumulative_hazard(np.array(hazards)))
    np.testing.assert_allclose(back, hazards, rtol=RTOL)
    times = [1e-6, 0.01, 1.0, 30.0, 1000.0]
    for t in times:
        assert dist.inverse_cumulative_hazard(dist.cumulative_hazard(t)) == pytest.approx(t, rel=RTOL)


@pytest.mark.parametrize(("dist", "ref"), CONTINUOUS_TIMES, ids=TIME_IDS)
def test_unreachable_budget_gives_infinite_time_without_error_or_warning(dist, ref):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dist.inverse_cumulative_hazard(math.inf) == math.inf
        assert dist.inverse_cumulative_hazard(np.array([math.inf]))[0] == math.inf
        assert dist.cumulative_hazard(math.inf) == math.inf
        assert dist.inverse_cumulative_hazard(0.0) == 0.0
        assert dist.cumulative_hazard(0.0) == 0.0


def test_times_beyond_float_range_are_infinite_not_overflow_errors():
    for dist in [time_distribution("lognormal", {"median": 2, "sigma": 2}),
                 time_distribution("loglogistic", {"shape": 0.5, "median": 10})]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert dist.inverse_cumulative_hazard(1e5) == math.inf
            assert dist.inverse_cumulative_hazard(np.array([1e5]))[0] == math.inf


def test_probability_form_gives_p_by_within():
    dist = time_distribution("probability", {"p": 0.25, "within": 12})
    assert dist.cdf(12.0) == pytest.approx(0.25, rel=1e-12)


def test_weibull_median_form_has_that_median():
    assert time_distribution("weibull", {"shape": 0.8, "median": 40}).median() == pytest.approx(40, rel=1e-12)


@pytest.mark.parametrize("k", [0.2, 2.0, 7.5])
def test_constant_hazard_ratio_divides_exponential_median_and_scales_weibull_median(k):
    """Spec §1.3: with HR k the sojourn is H0^-1(E / k); at E = ln 2 that is the median under HR k."""
    exponential = time_distribution("exponential", {"mean": 30})
    median = 30 * math.log(2)
    assert exponential.inverse_cumulative_hazard(math.log(2) / k) == pytest.approx(median / k, rel=1e-12)
    weibull = time_distribution("weibull", {"shape": 0.8, "median": 40})
    assert weibull.inverse_cumulative_hazard(math.log(2) / k) == pytest.approx(40 * k ** (-1 / 0.8),
                                                                                rel=1e-12)


def test_fixed_is_a_point_mass():
    dist = time_distribution("fixed", {"months": 24})
    assert dist == Fixed(24.0)
    assert [dist.survival(t) for t in (0.0, 23.9, 24.0, 30.0)] == [1.0, 1.0, 0.0, 0.0]
    assert [dist.cumulative_hazard(t) for t in (0.0, 23.9, 24.0)] == [0.0, 0.0, math.inf]
    np.testing.assert_array_equal(dist.cumulative_hazard(np.array([0.0, 24.0])), [0.0, math.inf])
    assert dist.inverse_cumulative_hazard(0.0) == dist.inverse_cumulative_hazard(17.3) == 24.0
    np.testing.assert_array_equal(dist.inverse_cumulative_hazard(np.array([0.1, 5.0])), [24.0, 24.0])
    assert dist.median() == dist.mean() == 24.0
    np.testing.assert_array_equal(dist.sample(np.random.default_rng(0), 5), np.full(5, 24.0))


def test_fixed_zero_is_immediate():
    dist = time_distribution("fixed", {"months": 0})
    assert dist.survival(0.0) == 0.0
    assert dist.inverse_cumulative_hazard(0.7) == 0.0


def test_sample_without_size_is_one_float():
    assert isinstance(Exponential(0.1).sample(np.random.default_rng(1)), float)


# --- Parameter distributions ----------------------------------------------------------------------

U_GRID = np.array([0.0, 0.001, 0.05, 0.3, 0.5, 0.9, 0.999])


@pytest.mark.parametrize(("kind", "args", "ref"), PARAMETER_CASES, ids=PARAMETER_IDS)
def test_parameter_distribution_matches_scipy(kind, args, ref):
    dist = parameter_distribution(kind, args)
    np.testing.assert_allclose(dist.ppf(U_GRID), ref.ppf(U_GRID), rtol=RTOL)
    assert dist.median() == pytest.approx(ref.median(), rel=RTOL)
    assert dist.mean() == pytest.approx(ref.mean(), rel=RTOL)
    assert dist.support() == tuple(ref.support())
    assert dist.interval() == pytest.approx(ref.interval(0.90), rel=RTOL)
    assert dist.interval(0.5) == pytest.approx(ref.interval(0.5), rel=RTOL)


@pytest.mark.parametrize(("kind", "args", "ref"), PARAMETER_CASES, ids=PARAMETER_IDS)
def test_parameter_ppf_is_scipys_to_the_last_bit(kind, args, ref):
    """Our ppf skips scipy's argument checks (for speed), not its arithmetic: draws stay scipy's."""
    u = np.r_[0.0, 2.0**-53, np.random.default_rng(3).random(2_000), 1 - 2.0**-53, 1.0]
    dist = parameter_distribution(kind, args)
    np.testing.assert_array_equal(dist.ppf(u), ref.ppf(u))
    assert all(dist.ppf(x) == ref.ppf(x) and np.ndim(dist.ppf(x)) == 0 for x in u[:50])


def test_pert_has_the_closed_form_mean_and_variance():
    """Beta-PERT (lambda = 4): mean (min + 4 mode + max) / 6, variance (mean - min)(max - mean) / 7."""
    low, mode, high = 2.0, 3.0, 11.0
    dist = parameter_distribution("pert", {"min": low, "mode": mode, "max": high})
    mean = (low + 4 * mode + high) / 6
    assert dist.mean() == pytest.approx(mean, rel=1e-12)
    variance, _ = integrate.quad(lambda u: (dist.ppf(u) - mean) ** 2, 0, 1, epsabs=1e-12)
    assert variance == pytest.approx((mean - low) * (high - mean) / 7, rel=1e-7)


def test_triangular_and_uniform_closed_forms():
    assert parameter_distribution("triangular", {"min": 1, "mode": 2, "max": 6}).mean() == pytest.approx(3)
    assert parameter_distribution("uniform", {"min": 0, "max": 10}).interval(0.9) == pytest.approx((0.5, 9.5))


def test_mode_may_sit_at_either_end():
    assert parameter_distribution("pert", {"min": 0, "mode": 0, "max": 6}).mean() == pytest.approx(1)
    assert parameter_distribution("triangular", {"min": 0, "mode": 6, "max": 6}).mean() == pytest.approx(4)


@pytest.mark.parametrize(("mean", "sd"), [(0.3, 0.1), (0.9, 0.05), (0.5, 0.49)])
def test_beta_mean_sd_form_reproduces_mean_and_sd(mean, sd):
    dist = parameter_distribution("beta", {"mean": mean, "sd": sd})
    a, b = dist.a, dist.b
    assert a / (a + b) == pytest.approx(mean, rel=1e-12)
    assert math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))) == pytest.approx(sd, rel=1e-12)
    assert dist.mean() == pytest.approx(mean, rel=1e-12)


@pytest.mark.parametrize(("mean", "sd"), [(4.0, 2.0), (27000.0, 5000.0), (1.0, 3.0)])
def test_gamma_mean_sd_form_reproduces_mean_and_sd(mean, sd):
    dist = parameter_distribution("gamma", {"mean": mean, "sd": sd})
    assert dist.shape * dist.scale == pytest.approx(mean, rel=1e-12)
    assert math.sqrt(dist.shape) * dist.scale == pytest.approx(sd, rel=1e-12)
    assert dist.mean() == pytest.approx(mean, rel=1e-12)


def test_choice_ppf_matches_scipy_and_sorts_values():
    dist = parameter_distribution("choice", {"values": [30, 10, 20], "p": [0.5, 0.2, 0.3]})
    assert dist.values == (10.0, 20.0, 30.0) and dist.p == pytest.approx((0.2, 0.3, 0.5))
    ref = stats.rv_discrete(values=([10, 20, 30], [0.2, 0.3, 0.5]))
    u = np.array([0.1, 0.2, 0.2 + 1e-12, 0.5, 0.5 + 1e-12, 0.999, 1.0])
    np.testing.assert_array_equal(dist.ppf(u), ref.ppf(u))
    assert dist.ppf(0.0) == 10  # scipy says 9, one below the support, by its own convention
    assert dist.median() == ref.median() == 20  # F(20) = 0.5 reaches one half
    assert dist.mean() == pytest.approx(0.2 * 10 + 0.3 * 20 + 0.5 * 30, rel=1e-12)
    assert dist.support() == (10, 30)
    assert dist.interval(0.9) == (10, 30)


def test_choice_without_p_is_equally_likely_and_ignores_zero_probabilities():
    assert parameter_distribution("choice", {"values": [1, 2, 3, 4]}).p == (0.25,) * 4
    dist = parameter_distribution("choice", {"values": [1, 2, 3], "p": [0.5, 0, 0.5]})
    assert dist.values == (1, 3)
    assert dist.ppf(0.0) == 1


def test_choice_p_summing_to_one_within_rounding_never_falls_off_the_end():
    dist = parameter_distribution("choice", {"values": [1, 2, 3], "p": [0.1] * 2 + [0.8 - 5e-10]})
    assert dist.ppf(1.0) == 3


def test_interval_level_must_lie_in_the_open_unit_interval():
    dist = parameter_distribution("normal", {"mean": 0, "sd": 1})
    for level in (0, 1, 1.5):
        with pytest.raises(ValueError):
            dist.interval(level)


def test_distributions_survive_pickling_for_worker_processes():
    for dist in [parameter_distribution(kind, args) for kind, args, _ in PARAMETER_CASES] + [
            time_distribution(kind, args) for kind, args, _ in TIME_CASES]:
        copy = pickle.loads(pickle.dumps(dist))
        assert copy == dist
        assert copy.median() == dist.median()


# --- InvalidArgument: every rule, with the argument it names --------------------------------------

NAN, INF = float("nan"), float("inf")

TIME_ERRORS = [
    ("exponental", {"mean": 1}, None),
    ("exponential", 30, None),
    ("exponential", {}, None),
    ("exponential", {"mean": 1, "rate": 1}, None),
    ("exponential", {"mena": 1}, "mena"),
    ("exponential", {"mean": 0}, "mean"),
    ("exponential", {"mean": -30}, "mean"),
    ("exponential", {"mean": True}, "mean"),
    ("exponential", {"mean": "30"}, "mean"),
    ("exponential", {"mean": None}, "mean"),
    ("exponential", {"mean": NAN}, "mean"),
    ("exponential", {"mean": INF}, "mean"),
    ("exponential", {"rate": -0.1}, "rate"),
    ("probability", {"p": 0, "within": 12}, "p"),
    ("probability", {"p": 1, "within": 12}, "p"),
    ("probability", {"p": 0.5, "within": 0}, "within"),
    ("probability", {"p": 0.5}, None),
    ("weibull", {"shape": 1}, None),
    ("weibull", {"shape": 1, "scale": 2, "median": 3}, None),
    ("weibull", {"shape": 1, "scael": 2}, "scael"),
    ("weibull", {"shape": -0.8, "median": 40}, "shape"),
    ("weibull", {"shape": 0.8, "scale": 0}, "scale"),
    ("weibull", {"shape": 0.8, "median": -1}, "median"),
    ("lognormal", {"median": 2, "sigma": 0}, "sigma"),
    ("lognormal", {"median": -2, "sigma": 1}, "median"),
    ("gamma", {"shape": 0, "mean": 1}, "shape"),
    ("gamma", {"shape": 1, "mean": -1}, "mean"),
    ("loglogistic", {"shape": 0, "median": 1}, "shape"),
    ("loglogistic", {"shape": 2, "median": 0}, "median"),
    ("fixed", {"months": -1}, "months"),
    ("fixed", {"months": "soon"}, "months"),
    ("fixed", {}, None),
]


@pytest.mark.parametrize(("kind", "args", "argument"), TIME_ERRORS, ids=lambda x: repr(x)[:30])
def test_invalid_time_arguments(kind, args, argument):
    with pytest.raises(InvalidArgument) as caught:
        time_distribution(kind, args)
    assert caught.value.argument == argument
    assert caught.value.expected and caught.value.found


PARAMETER_ERRORS = [
    ("uniforn", {"min": 0, "max": 1}, None),
    ("uniform", [0, 1], None),
    ("uniform", {"min": 0}, None),
    ("uniform", {"min": 0, "max": 1, "mode": 0.5}, "mode"),
    ("uniform", {"min": 2, "max": 1}, "max"),
    ("uniform", {"min": 1, "max": 1}, "max"),
    ("uniform", {"min": "a", "max": 1}, "min"),
    ("triangular", {"min": 0, "mode": 3, "max": 2}, "mode"),
    ("triangular", {"min": 0, "mode": -1, "max": 2}, "mode"),
    ("pert", {"min": 3, "mode": 4, "max": 2}, "max"),
    ("pert", {"min": 0, "mode": NAN, "max": 2}, "mode"),
    ("normal", {"mean": 0, "sd": 0}, "sd"),
    ("normal", {"mean": INF, "sd": 1}, "mean"),
    ("normal", {"mean": 0, "sd": False}, "sd"),
    ("lognormal", {"median": 3, "sigma": -1}, "sigma"),
    ("lognormal", {"median": 0, "sigma": 1}, "median"),
    ("beta", {"mean": 1.2, "sd": 0.1}, "mean"),
    ("beta", {"mean": 0, "sd": 0.1}, "mean"),
    ("beta", {"mean": 0.5, "sd": 0.5}, "sd"),
    ("beta", {"mean": 0.5, "sd": 0}, "sd"),
    ("beta", {"a": 0, "b": 1}, "a"),
    ("beta", {"a": 1, "b": -1}, "b"),
    ("beta", {"a": 1}, None),
    ("beta", {"mean": 0.5, "sd": 0.1, "a": 1}, None),
    ("gamma", {"mean": 4, "sd": 0}, "sd"),
    ("gamma", {"mean": -4, "sd": 1}, "mean"),
    ("choice", {"values": []}, "values"),
    ("choice", {"values": "abc"}, "values"),
    ("choice", {"values": 3}, "values"),
    ("choice", {"values": [1, "x"]}, "values"),
    ("choice", {"values": [1, True]}, "values"),
    ("choice", {"values": [1, 2], "p": [1.0]}, "p"),
    ("choice", {"values": [1, 2], "p": 0.5}, "p"),
    ("choice", {"values": [1, 2], "p": [0.5, 0.4]}, "p"),
    ("choice", {"values": [1, 2], "p": [1.5, -0.5]}, "p"),
    ("choice", {"values": [1, 2], "p": [0.5, NAN]}, "p"),
    ("choice", {"p": [1.0]}, None),
    ("choice", {"values": [1], "q": [1.0]}, "q"),
]


@pytest.mark.parametrize(("kind", "args", "argument"), PARAMETER_ERRORS, ids=lambda x: repr(x)[:30])
def test_invalid_parameter_arguments(kind, args, argument):
    with pytest.raises(InvalidArgument) as caught:
        parameter_distribution(kind, args)
    assert caught.value.argument == argument
    assert caught.value.expected and caught.value.found


def test_invalid_argument_reads_as_the_loader_prints_it():
    with pytest.raises(InvalidArgument) as caught:
        time_distribution("weibull", {"shape": -0.8, "median": 40})
    error = caught.value
    path = "tracks.housing.transitions.shelter->housed.time.weibull"
    assert f"{path}.{error.argument}: expected {error.expected}, found {error.found}" == (
        f"{path}.shape: expected a positive number, found -0.8")
    assert str(error) == "shape: expected a positive number, found -0.8"


def test_invalid_argument_survives_pickling_for_worker_processes():
    with pytest.raises(InvalidArgument) as caught:
        time_distribution("weibull", {"shape": -0.8, "median": 40})
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.argument, copy.expected, copy.found, str(copy)) == (
        "shape", "a positive number", "-0.8", "shape: expected a positive number, found -0.8")


def test_invalid_argument_shows_numpy_numbers_plainly_and_truncates_long_values():
    with pytest.raises(InvalidArgument) as caught:
        time_distribution("exponential", {"mean": np.float64(-2.5)})
    assert caught.value.found == "-2.5"
    with pytest.raises(InvalidArgument) as caught:
        parameter_distribution("choice", {"values": list(range(100)), "p": [0.5] * 100})
    assert len(caught.value.found) <= 60


def test_set_problems_list_the_accepted_forms():
    with pytest.raises(InvalidArgument) as caught:
        time_distribution("weibull", {"shape": 1})
    assert caught.value.expected == "arguments {scale, shape} or {median, shape}"
    with pytest.raises(InvalidArgument) as caught:
        time_distribution("weibull", {"shape": 1, "scael": 2})
    assert caught.value.expected == "one of median, scale, shape"


def test_forms_tables_list_every_kind_the_factories_accept():
    examples = {"exponential": {"mean": 1}, "probability": {"p": 0.5, "within": 1},
                "weibull": {"shape": 1, "scale": 1}, "lognormal": {"median": 1, "sigma": 1},
                "gamma": {"shape": 1, "mean": 1}, "loglogistic": {"shape": 1, "median": 1},
                "fixed": {"months": 0}}
    assert set(TIME_FORMS) == set(examples)
    for kind, args in examples.items():
        assert frozenset(args) in TIME_FORMS[kind]
        time_distribution(kind, args)
    assert set(PARAMETER_FORMS) == {kind for kind, _, _ in PARAMETER_CASES} | {"choice"}
