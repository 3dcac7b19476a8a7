"""Recalibrating forecast quantiles from how past forecasts turned out (PIT recalibration).

A forecast distribution is calibrated when the probability integral transform (PIT) of the
actual demand, u = F(actual), is uniform: 10% of actuals below the P10, 2% above the P98. A
global quantile model rarely is for every kind of series: on steady (X) series its quantiles
tend to be too wide, on erratic (Z) series too narrow in the upper tail, and a fill-rate level
computed from them then over- or undershoots its target. Quantile mapping (Kuleshov et al.,
ICML 2018) repairs this without refitting: with G the empirical CDF of past PITs of a group of
series, the calibrated level-q quantile is the model's quantile at level G^{-1}(q). Sampling
does the same by drawing the model's inverse CDF at G^{-1}(u) for uniform u.

A table here is the model level to use at each of `GRID` evenly spaced calibrated levels,
one row per series; the identity row (GRID itself) leaves a forecast as it is. Levels above 1
extend the forecast's last linear piece (the sampler extrapolates it the same way).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "GRID",
    "TAIL_CAP",
    "identity_table",
    "pit_table",
    "probability_integral_transform",
    "remap",
]

GRID = np.linspace(0.0, 1.0, 51)
# An actual beyond the forecast's top may get a level above 1 on the extrapolated tail, up to
# this cap. Off (1.0): extending the tail (cap 3) lifted Walmart's erratic segments by 4-8
# points but doubled the demo's stock (66k -> 174k for fill 0.973 -> 0.988) through its
# intermittent BZ/CZ series; both data sets meet their overall fill targets within 1.5 points
# without it.
TAIL_CAP = 1.0
_PIT_POINTS = 200  # inverse-CDF points per forecast: PIT resolution 0.5%


def probability_integral_transform(
    knots: ArrayLike,
    levels: Sequence[float],
    actual: ArrayLike,
    *,
    seed: int = 0,
    tail_cap: float = TAIL_CAP,
) -> np.ndarray:
    """PIT of each actual under its forecast: knots (M, Q) at `levels`, actual (M,).

    The inverse CDF is the piecewise-linear one the Monte Carlo samples (`lead_time_demand`);
    where it is flat at the actual (e.g. zero demand forecast and observed) the PIT is drawn
    uniformly across the flat stretch (randomised PIT), so ties do not pile up at one end.
    """
    from inventory.lead_time_demand import piecewise_linear_quantile

    x = np.asarray(knots, dtype=np.float64)
    y = np.asarray(actual, dtype=np.float64)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise ValueError(f"knots {x.shape} and actual {y.shape} must be (M, Q) and (M,)")
    u = (np.arange(_PIT_POINTS) + 0.5) / _PIT_POINTS
    values = piecewise_linear_quantile(levels, x, np.broadcast_to(u, (x.shape[0], u.size)))
    below = (values < y[:, None]).mean(axis=1)
    tied = (values == y[:, None]).mean(axis=1)
    jitter = np.random.default_rng(seed).random(y.size)
    pit = np.clip(below + jitter * tied, 0.0, 1.0)
    # Beyond the top of the forecast the PIT is read on its extrapolated last piece (levels
    # above 1), so the map learns how far past the forecast erratic demand goes, not only
    # that it did.
    top = piecewise_linear_quantile(levels, x, np.ones((x.shape[0], 1)))[:, 0]
    lv = np.asarray(levels, dtype=np.float64)
    slope = (x[:, -1] - x[:, -2]) / (lv[-1] - lv[-2]) if lv.size > 1 else np.zeros(y.size)
    beyond = (y > top) & (slope > 0.0)
    extended = 1.0 + (y - top) / np.where(slope > 0.0, slope, 1.0)
    return np.asarray(np.where(beyond, np.minimum(extended, tail_cap), pit))


def pit_table(pits: ArrayLike, weights: ArrayLike | None = None) -> np.ndarray:
    """The calibration row (len(GRID),) of one group: the empirical quantiles of its PITs, i.e.
    the model level G^{-1}(q) at each calibrated level q of GRID.

    `weights` (e.g. each forecast's expected demand) make G a weighted CDF: a fill rate pools
    units, so the forecasts of big series should count for more than those of tiny ones.
    """
    p = np.asarray(pits, dtype=np.float64).ravel()
    if p.size == 0 or not np.all(p >= 0.0) or not np.isfinite(p).all():
        raise ValueError("PITs must be a non-empty set of finite values >= 0")
    if weights is None:
        return np.asarray(np.quantile(p, GRID))
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.shape != p.shape or np.any(w < 0.0) or not np.isfinite(w).all():
        raise ValueError("weights must be finite, >= 0 and one per PIT")
    if w.sum() <= 0.0:
        return np.asarray(np.quantile(p, GRID))
    order = np.argsort(p, kind="stable")
    cumulative = np.cumsum(w[order])
    # Midpoint plotting positions: a weighted ECDF that equals the plain one for equal weights.
    position = (cumulative - 0.5 * w[order]) / cumulative[-1]
    return np.asarray(np.interp(GRID, position, p[order]))


def identity_table(n_series: int) -> np.ndarray:
    """Rows that leave every forecast unchanged."""
    return np.broadcast_to(GRID, (n_series, GRID.size)).copy()


def remap(u: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Model levels G^{-1}(u) per row: u (N, S) uniform scores, table (N, len(GRID))."""
    scaled = np.clip(u, 0.0, 1.0) * (GRID.size - 1)
    j = np.minimum(scaled.astype(np.intp), GRID.size - 2)
    weight = scaled - j
    lo = np.take_along_axis(table, j, axis=1)
    hi = np.take_along_axis(table, j + 1, axis=1)
    return np.asarray(lo + weight * (hi - lo))
