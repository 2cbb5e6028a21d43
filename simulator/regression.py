"""Smooth regressions of a per-run result on the runs' parameter draws: estimates of E[Y | X].

`simulator sensitivity` (first-order variance shares) needs the conditional mean of a result
given a parameter, estimated from the stored runs alone; `simulator voi` (EVPPI) needs the same
for one parameter or a group (Strong, Oakley & Brennan 2014, Med Decis Making 34:311–326):

- one parameter: a penalised cubic regression spline — a one-dimensional GAM. Cubic B-splines on
  20 equal segments of the parameter's rank, a second-difference penalty (Eilers & Marx's
  P-spline) whose weight is chosen by generalised cross-validation. Working on ranks makes the
  fit the same for any distribution of the parameter and keeps the basis well conditioned.
- two parameters: the tensor product of two such splines (8 segments each), one penalty weight.
- three or more: a Gaussian process on the ranks (the method Strong et al. use for larger
  groups): a squared-exponential kernel with one length scale per parameter and a noise term,
  its hyperparameters by maximum marginal likelihood on a subset of the runs.

Each fit carries what its uncertainty needs (posterior draws of the fitted values, as Strong et
al. draw from a GAM's posterior) and a check of its residuals. Splines and the Gaussian process
are written here in numpy and scipy (a few dozen lines of linear algebra whose every step can be
checked, and no further dependency). This module draws
random numbers only from a Generator it is given.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.interpolate import BSpline
from scipy.linalg import cho_factor, cho_solve, eigh
from scipy.optimize import minimize
from scipy.stats import rankdata

SEGMENTS_ONE = 20  # a smooth of one parameter: cubic pieces on 20 equal rank segments
SEGMENTS_TWO = 8  # per parameter in a tensor product: 11 × 11 = 121 coefficients
PENALTIES = np.logspace(-6, 5, 45)  # GCV's grid of penalty weights, relative to the basis' size
RESIDUAL_BINS = 10  # the residual check: mean residual in tenths of each parameter's range
RESIDUAL_LIMIT = 4.0  # ... in standard errors, beyond which a smooth has missed a trend
GP_MAX_RUNS = 1500  # a Gaussian process is cubic in the runs: fitted to at most this many
GP_TUNING_RUNS = 300  # its length scales and noise are found on this many (as Strong et al. do)

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Fit:
    """E[Y | X] at every run, and what its uncertainty and adequacy need."""

    fitted: Array  # (runs,) the estimated conditional mean at each run's draws
    edf: float  # effective degrees of freedom of the smooth
    noise_variance: float  # residual variance: what the parameters in X leave unexplained
    r2: float  # 1 − residual sum of squares / total sum of squares
    residual_z: float  # largest |mean residual| in a tenth of any parameter's range, in standard errors
    draw: Callable[[int, np.random.Generator], Array]  # (k, runs): posterior draws of `fitted`

    @property
    def residuals_ok(self) -> bool:
        return residuals_ok(self.residual_z)


def residuals_ok(residual_z: float) -> bool:
    """No trend left in a smooth's residuals: every binned mean within RESIDUAL_LIMIT standard
    errors of zero (a false alarm about once in 1,500 bins)."""
    return residual_z <= RESIDUAL_LIMIT


def trend_warning(names: Sequence[str], what: str) -> list[str]:
    """The console's line naming the smooths that left a trend (none when there are none)."""
    if not names:
        return []
    return [f"check: the smooth of {', '.join(names)} leaves a trend in its residuals (binned mean above "
            f"{RESIDUAL_LIMIT:g} standard errors): read its {what} with care"]


def residual_check(residual_z: float) -> str:
    """A fit's residual check as the console prints it: `ok`, or the trend in standard errors."""
    return "ok" if residuals_ok(residual_z) else f"trend {residual_z:.1f} SE"


def fit(x: Array, y: Array) -> Fit:
    """The smooth of `y` (runs,) on the columns of `x` (runs, parameters): a spline for one or
    two parameters, a Gaussian process for more."""
    x = np.asarray(x, dtype=float).reshape(len(y), -1)
    y = np.asarray(y, dtype=float)
    u = np.column_stack([ranks(column) for column in x.T])
    if u.shape[1] == 1:
        basis, penalty = _bspline(u[:, 0], SEGMENTS_ONE), _difference_penalty(SEGMENTS_ONE + 3)
    elif u.shape[1] == 2:
        basis, penalty = _tensor(u[:, 0], u[:, 1])
    else:
        return _gaussian_process(u, y)
    return _penalised(basis, penalty, y, u)


def ranks(x: Array) -> Array:
    """Each value's mid-rank, scaled into (0, 1): the coordinate every smooth works on."""
    return (rankdata(x) - 0.5) / len(x)


def _bspline(u: Array, segments: int) -> Array:
    """(runs, segments + 3): cubic B-splines on equal segments of [0, 1]."""
    knots = np.concatenate([[0.0] * 3, np.linspace(0.0, 1.0, segments + 1), [1.0] * 3])
    return BSpline.design_matrix(u, knots, 3).toarray()


def _difference_penalty(size: int) -> Array:
    """D'D for second differences of the coefficients: it leaves straight lines unpenalised."""
    d = np.diff(np.eye(size), n=2, axis=0)
    return d.T @ d


def _tensor(u: Array, v: Array) -> tuple[Array, Array]:
    """The tensor-product basis of two cubic splines and its penalty (differences along each)."""
    a, b = _bspline(u, SEGMENTS_TWO), _bspline(v, SEGMENTS_TWO)
    basis = (a[:, :, None] * b[:, None, :]).reshape(len(u), -1)
    pa, pb = _difference_penalty(a.shape[1]), _difference_penalty(b.shape[1])
    return basis, np.kron(pa, np.eye(b.shape[1])) + np.kron(np.eye(a.shape[1]), pb)


def _penalised(basis: Array, penalty: Array, y: Array, u: Array) -> Fit:
    """Penalised least squares, the penalty's weight by generalised cross-validation.

    The coefficients' posterior is normal with covariance σ²(B'B + λP)⁻¹ (Wood 2017, §6.10);
    the fitted values' draws come from it.
    """
    n = len(y)
    gram, moment = basis.T @ basis, basis.T @ y
    scale = np.trace(gram) / max(np.trace(penalty), 1e-300)
    best = None
    for weight in PENALTIES * scale:
        inverse = np.linalg.inv(gram + weight * penalty)
        coefficients = inverse @ moment
        rss = float(np.sum((y - basis @ coefficients) ** 2))
        edf = float(np.sum(inverse * gram))  # trace of the hat matrix
        gcv = n * rss / max(n - edf, 1.0) ** 2
        if best is None or gcv < best[0]:
            best = (gcv, coefficients, inverse, rss, edf)
    _, coefficients, inverse, rss, edf = best
    fitted = basis @ coefficients
    noise = rss / max(n - edf, 1.0)
    root = np.linalg.cholesky(noise * (inverse + inverse.T) / 2 + 1e-12 * np.eye(len(inverse)) * noise)

    def draw(k: int, rng: np.random.Generator) -> Array:
        return (coefficients[None, :] + rng.standard_normal((k, len(coefficients))) @ root.T) @ basis.T

    return Fit(fitted, edf, noise, _r2(y, fitted), residual_z(u, y - fitted), draw)


def _gaussian_process(u: Array, y: Array) -> Fit:
    """A Gaussian process on the ranks: s² exp(−½ Σ_j (Δu_j / l_j)²) + σ² for equal runs.

    The hyperparameters (s², every l_j, σ²) maximise the marginal likelihood of GP_TUNING_RUNS
    runs (exact gradients, L-BFGS); the process is then conditioned on at most GP_MAX_RUNS runs
    (evenly spaced: the runs are exchangeable) and its latent mean, without the runs' own noise,
    predicted at every run.
    """
    n, d = u.shape
    centre, spread = float(np.mean(y)), float(np.std(y)) or 1.0
    z = (y - centre) / spread
    train = np.linspace(0, n - 1, min(n, GP_MAX_RUNS)).astype(int)
    tuning = train[np.linspace(0, len(train) - 1, min(len(train), GP_TUNING_RUNS)).astype(int)]
    theta = _tune(u[tuning], z[tuning])
    signal, scales, noise = np.exp(theta[0]), np.exp(theta[1:-1]), np.exp(theta[-1])

    def kernel(a: Array, b: Array) -> Array:
        return signal * np.exp(-0.5 * _squared_distances(a / scales, b / scales))

    k_train = kernel(u[train], u[train])
    factor = cho_factor(k_train + noise * np.eye(len(train)), lower=True)
    cross = kernel(u[train], u)  # (train, runs)
    fitted_z = cross.T @ cho_solve(factor, z[train])
    covariance = kernel(u, u) - cross.T @ cho_solve(factor, cross)
    # effective degrees of freedom: the trace of the hat matrix K (K + σ²I)⁻¹ on the training runs
    edf = float(np.trace(cho_solve(factor, k_train)))
    # a root of the posterior covariance from its eigenvalues above 1e-10 of the prior's: the rest
    # move a draw by less than 1e-5 of the prior spread, and leaving them out is several times faster
    values, vectors = eigh((covariance + covariance.T) / 2, subset_by_value=(1e-10 * signal, np.inf), driver="evr")
    root = vectors * np.sqrt(values)
    fitted = centre + spread * fitted_z

    def draw(k: int, rng: np.random.Generator) -> Array:
        return fitted[None, :] + spread * (rng.standard_normal((k, root.shape[1])) @ root.T)

    return Fit(fitted, edf, float(noise) * spread ** 2, _r2(y, fitted), residual_z(u, y - fitted), draw)


def _tune(u: Array, z: Array) -> Array:
    """log(s², l_1 … l_d, σ²) maximising the marginal likelihood of standardised `z` at `u`."""
    n, d = u.shape
    differences = (u[:, None, :] - u[None, :, :]) ** 2  # (n, n, d)

    def negative_log_likelihood(theta: Array) -> tuple[float, Array]:
        signal, scales, noise = np.exp(theta[0]), np.exp(theta[1:-1]), np.exp(theta[-1])
        k_f = signal * np.exp(-0.5 * differences @ (1.0 / scales ** 2))
        try:
            factor = cho_factor(k_f + noise * np.eye(n), lower=True)
        except np.linalg.LinAlgError:
            return 1e10, np.zeros_like(theta)
        alpha = cho_solve(factor, z)
        value = 0.5 * z @ alpha + float(np.sum(np.log(np.diag(factor[0])))) + 0.5 * n * np.log(2 * np.pi)
        inner = np.outer(alpha, alpha) - cho_solve(factor, np.eye(n))  # dL/dθ = ½ tr(inner · dK/dθ)
        weighted = inner * k_f
        gradient = np.concatenate([[np.sum(weighted)],
                                   np.einsum("ij,ijk->k", weighted, differences) / scales ** 2,
                                   [noise * np.trace(inner)]])
        return float(value), -0.5 * gradient

    start = np.concatenate([[0.0], np.full(d, np.log(0.5)), [np.log(0.5)]])
    bounds = [(np.log(1e-4), np.log(1e2))] + [(np.log(1e-2), np.log(1e3))] * d + [(np.log(1e-8), np.log(10.0))]
    return minimize(negative_log_likelihood, start, jac=True, method="L-BFGS-B", bounds=bounds).x


def _squared_distances(a: Array, b: Array) -> Array:
    return np.maximum(np.sum(a ** 2, 1)[:, None] + np.sum(b ** 2, 1)[None, :] - 2 * a @ b.T, 0.0)


def _r2(y: Array, fitted: Array) -> float:
    total = float(np.sum((y - np.mean(y)) ** 2))
    return 1.0 - float(np.sum((y - fitted) ** 2)) / total if total > 0 else 1.0


def residual_z(u: Array, residuals: Array) -> float:
    """The largest |mean residual| over tenths of each parameter's rank range, in standard errors.

    A smooth that missed a trend leaves residuals whose mean drifts along the parameter; for a
    good fit each binned mean is about N(0, 1) in these units.
    """
    spread = float(np.std(residuals))
    if spread == 0:
        return 0.0
    worst = 0.0
    for column in np.atleast_2d(u.T):
        bins = np.minimum((column * RESIDUAL_BINS).astype(int), RESIDUAL_BINS - 1)
        for b in range(RESIDUAL_BINS):
            inside = residuals[bins == b]
            if len(inside):
                worst = max(worst, abs(float(inside.mean())) / (spread / np.sqrt(len(inside))))
    return worst
