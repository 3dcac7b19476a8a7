"""Demand over the lead time (+ review period) from forecast quantiles and a lead-time
distribution, by Monte Carlo; plus the classic normal approximation to compare against.

Sampling, per series and sample path (`sample_lead_time_demand`):

1. Lead time L (periods) from its inverse CDF: piecewise linear between the given quantiles,
   extrapolated linearly from the outer two knots beyond them, clipped at 0.
2. Demand of each period t = 0, 1, ... from the inverse CDF of horizon step min(t, H - 1)
   (beyond the forecast horizon the last step's distribution repeats), built the same way.
   Periods share a Gaussian-copula common factor: the normal score of period t is
   sqrt(rho) F + sqrt(1 - rho) e_t, so any two periods of a path have score correlation rho.
3. D_{L+R} = sum_t w_t x_t with w_t = clip(L + R - t, 0, 1): ceil(L + R) periods, the last one
   weighted by its fraction; D_L likewise with L alone, on the same path, so D_L <= D_{L+R}.

Why this function defaults to rho = 0.2 (the planner passes its own per XYZ class,
`PlanningSettings.rho_by_xyz`): forecast errors of one series persist across horizon steps (a
level error hits every step), so independent periods (rho = 0) understate the spread of a sum and
with it safety stock; full correlation (rho = 1) treats every period's noise as one shock and
overstates it. 0.2 adds a modest shared part (over 7 periods the variance of the sum is ~2.2x
the independent one); calibrate it from the backtest's multi-period coverage when available.

The upper tail beyond the highest quantile (e.g. P98) is only as long as the last knot spacing
extrapolates; give a high quantile when the fill rate of erratic items matters. Samples are
deterministic for a seed and a batch (a series' draws depend on its row in the batch).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr

from inventory.calibration import remap

__all__ = [
    "DEFAULT_RHO",
    "DemandSummary",
    "LeadTimeDemand",
    "NormalLeadTimeDemand",
    "normal_lead_time_demand",
    "period_demand_paths",
    "piecewise_linear_quantile",
    "rounded_lead_times",
    "sample_lead_time_demand",
]

DEFAULT_RHO = 0.2
_CHUNK_ROWS = 128  # series per batch: small working arrays are much faster to allocate here
SUMMARY_LEVELS: tuple[float, ...] = (0.5, 0.9, 0.95, 0.98)


@dataclass(frozen=True)
class DemandSummary:
    """Mean, standard deviation and quantiles (series x levels) of sampled demand."""

    mean: np.ndarray
    std: np.ndarray
    levels: tuple[float, ...]
    quantiles: np.ndarray


@dataclass(frozen=True)
class LeadTimeDemand:
    """Paired samples (series x samples) of D_{L+R}, D_L and the lead time L they used."""

    over_lead_time_and_review: np.ndarray
    over_lead_time: np.ndarray
    lead_time: np.ndarray
    review_period: np.ndarray

    def mean(self) -> np.ndarray:
        """Expected demand over L + R per series."""
        return np.asarray(self.over_lead_time_and_review.mean(axis=1))

    def review_demand_mean(self) -> np.ndarray:
        """Expected demand of one review cycle, E[D_{L+R} - D_L]: the Q of the fill-rate rule."""
        diff = self.over_lead_time_and_review - self.over_lead_time
        return np.asarray(diff.mean(axis=1))

    def summary(self, levels: Sequence[float] = SUMMARY_LEVELS) -> DemandSummary:
        """Mean, std and quantiles of D_{L+R} per series."""
        x = self.over_lead_time_and_review
        return DemandSummary(
            mean=x.mean(axis=1),
            std=x.std(axis=1),
            levels=tuple(float(v) for v in levels),
            quantiles=np.quantile(x, list(levels), axis=1).T,
        )


@dataclass(frozen=True)
class NormalLeadTimeDemand:
    """Normal approximation of D_{L+R}: mean and standard deviation per series."""

    mean: np.ndarray
    std: np.ndarray


def normal_lead_time_demand(
    demand_mean: ArrayLike,
    demand_std: ArrayLike,
    lead_time_mean: ArrayLike,
    lead_time_std: ArrayLike = 0.0,
    review_period: ArrayLike = 1.0,
) -> NormalLeadTimeDemand:
    """Textbook normal D_{L+R}: mean d (L + R), variance (L + R) s^2 + d^2 s_L^2 (independent
    per-period demand, mean d and std s; random lead time with std s_L)."""
    d = np.asarray(demand_mean, dtype=np.float64)
    s = np.asarray(demand_std, dtype=np.float64)
    horizon = np.asarray(lead_time_mean, dtype=np.float64) + np.asarray(review_period, float)
    s_l = np.asarray(lead_time_std, dtype=np.float64)
    if np.any(horizon < 0) or np.any(s < 0) or np.any(s_l < 0):
        raise ValueError("lead time, review period and standard deviations must be >= 0")
    return NormalLeadTimeDemand(
        mean=np.asarray(d * horizon), std=np.asarray(np.sqrt(horizon * s * s + d * d * s_l * s_l))
    )


def _levels(name: str, levels: Sequence[float]) -> np.ndarray:
    out = np.asarray(levels, dtype=np.float64)
    if out.ndim != 1 or len(out) == 0 or np.any((out <= 0) | (out >= 1)):
        raise ValueError(f"{name} levels must lie strictly between 0 and 1; got {levels}")
    if np.any(np.diff(out) <= 0):
        raise ValueError(f"{name} levels must be strictly increasing; got {levels}")
    return out


def _knots(name: str, values: ArrayLike, n_levels: int, ndim: int) -> np.ndarray:
    out = np.asarray(values, dtype=np.float64)
    if out.ndim == ndim - 1:
        out = out[None]
    if out.ndim != ndim or out.shape[-1] != n_levels:
        raise ValueError(
            f"{name} must have {ndim - 1} or {ndim} dimensions with one column per level "
            f"({n_levels}); got shape {out.shape}"
        )
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} contain NaN or inf; fill or drop those series first")
    if np.any(np.diff(out, axis=-1) < 0):
        raise ValueError(
            f"{name} must be non-decreasing across levels; sort each row "
            "(training.quantiles.finalize_quantiles does)"
        )
    return out


def _segments(levels: np.ndarray, knots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Intercept and slope of each linear piece (..., max(Q - 1, 1)) of the inverse CDFs."""
    if len(levels) == 1:
        return knots.copy(), np.zeros_like(knots)
    slope = np.diff(knots, axis=-1) / np.diff(levels)
    return knots[..., :-1] - slope * levels[:-1], slope


def _evaluate(
    levels: np.ndarray, intercept: np.ndarray, slope: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Inverse CDF (rows of intercept/slope) at u (rows x samples), clipped at 0."""
    n_pieces = intercept.shape[-1]
    # Piece j covers [levels[j], levels[j+1]); the outer pieces extend to 0 and 1. Counting the
    # inner levels below u is several times faster than searchsorted for a few levels.
    flat = (np.arange(u.shape[0]) * n_pieces)[:, None] + np.zeros(u.shape, dtype=np.intp)
    for level in levels[1:n_pieces]:
        flat += u >= level
    out = np.take(intercept, flat) + np.take(slope, flat) * u
    return np.asarray(np.maximum(out, 0.0, out=out))


def _uniform_scores(
    rng: np.random.Generator,
    factor: np.ndarray | None,
    own: np.ndarray,
    shape: tuple[int, int],
) -> np.ndarray:
    """Uniform scores of one period: Phi(shared factor + own noise), or plain uniforms."""
    if factor is None:
        return rng.random(shape)
    z = rng.standard_normal(shape)
    z *= own
    z += factor
    return np.asarray(ndtr(z, out=z))


def piecewise_linear_quantile(
    levels: Sequence[float], knots: ArrayLike, u: ArrayLike
) -> np.ndarray:
    """Inverse CDF through (levels, knots) per row at probabilities u (rows x samples):
    linear between knots, linear extrapolation of the outer two beyond them, never negative."""
    lv = _levels("quantile", levels)
    k = _knots("knots", knots, len(lv), 2)
    p = np.asarray(u, dtype=np.float64)
    p = p[None] if p.ndim == 1 else p
    if p.shape[0] != k.shape[0]:
        raise ValueError(f"u has {p.shape[0]} rows but knots have {k.shape[0]}")
    return _evaluate(lv, *_segments(lv, k), p)


def sample_lead_time_demand(
    demand_quantiles: ArrayLike,
    demand_levels: Sequence[float],
    lead_time_quantiles: ArrayLike,
    lead_time_levels: Sequence[float],
    review_period: ArrayLike = 1.0,
    *,
    n_samples: int = 1000,
    seed: int = 0,
    rho: ArrayLike = DEFAULT_RHO,
) -> LeadTimeDemand:
    """Monte Carlo D_{L+R} and D_L per series (module docstring).

    `demand_quantiles`: (H, Q) for one series or (N, H, Q), per-period demand quantiles at
    `demand_levels` for horizon steps 1..H. `lead_time_quantiles`: (K,) shared or (N, K), lead
    time in periods at `lead_time_levels` (one level gives a fixed lead time).
    `review_period`: periods between reviews, scalar or (N,); `rho` likewise (erratic series
    may carry more persistence than steady ones). Results are (N, n_samples).
    """
    d_levels = _levels("demand quantile", demand_levels)
    demand = _knots("demand quantiles", demand_quantiles, len(d_levels), 3)
    l_levels = _levels("lead-time quantile", lead_time_levels)
    lead = _knots("lead-time quantiles", lead_time_quantiles, len(l_levels), 2)
    n_series, horizon = demand.shape[0], demand.shape[1]
    if horizon == 0:
        raise ValueError("demand quantiles need at least one horizon step")
    if lead.shape[0] not in (1, n_series):
        raise ValueError(f"lead-time quantiles have {lead.shape[0]} rows for {n_series} series")
    lead = np.broadcast_to(lead, (n_series, len(l_levels)))
    review = np.broadcast_to(np.asarray(review_period, dtype=np.float64), (n_series,))
    if not np.all(np.isfinite(review) & (review >= 0)):
        raise ValueError(f"review period must be finite and >= 0; got {np.unique(review)[:5]}")
    correlation = np.broadcast_to(np.asarray(rho, dtype=np.float64), (n_series,))
    if not np.all((correlation >= 0.0) & (correlation <= 1.0)):
        raise ValueError(
            f"rho (correlation between periods) must lie in [0, 1]; got "
            f"{np.unique(correlation)[:5]}"
        )
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1; got {n_samples}")

    d_intercept, d_slope = _segments(d_levels, demand)  # (N, H, pieces)
    l_intercept, l_slope = _segments(l_levels, lead)
    rng = np.random.default_rng(seed)
    shape = (n_series, n_samples)
    out_lr, out_l, out_lead = np.empty(shape), np.empty(shape), np.empty(shape)
    shared, own = np.sqrt(correlation), np.sqrt(1.0 - correlation)
    correlated = bool(np.any(correlation > 0))
    for lo in range(0, n_series, _CHUNK_ROWS):
        rows = slice(lo, min(lo + _CHUNK_ROWS, n_series))
        m = rows.stop - rows.start
        lead_time = _evaluate(
            l_levels, l_intercept[rows], l_slope[rows], rng.random((m, n_samples))
        )
        protection = lead_time + review[rows, None]
        factor = shared[rows, None] * rng.standard_normal((m, n_samples)) if correlated else None
        d_lr, d_l = np.zeros((m, n_samples)), np.zeros((m, n_samples))
        lead_min, lead_max = float(lead_time.min()), float(lead_time.max())
        protection_min = float(protection.min())
        for t in range(math.ceil(float(protection.max()))):
            step = min(t, horizon - 1)
            x = _evaluate(
                d_levels,
                np.ascontiguousarray(d_intercept[rows, step]),
                np.ascontiguousarray(d_slope[rows, step]),
                _uniform_scores(rng, factor, own[rows, None], (m, n_samples)),
            )
            # Periods every path covers in full skip the fractional weights.
            d_lr += x if t + 1 <= protection_min else np.clip(protection - t, 0.0, 1.0) * x
            if t + 1 <= lead_min:
                d_l += x
            elif t < lead_max:
                d_l += np.clip(lead_time - t, 0.0, 1.0) * x
        out_lr[rows], out_l[rows], out_lead[rows] = d_lr, d_l, lead_time
    return LeadTimeDemand(
        over_lead_time_and_review=out_lr,
        over_lead_time=out_l,
        lead_time=out_lead,
        review_period=np.array(review),
    )


def rounded_lead_times(
    lead_time_quantiles: ArrayLike,
    lead_time_levels: Sequence[float],
    n_series: int,
    *,
    n_samples: int = 1000,
    seed: int = 0,
) -> np.ndarray:
    """Whole-period lead times (series x samples): the inverse CDF of step 1 rounded at random
    (floor, plus one with probability equal to the fraction), so the mean is kept, the way the
    policy simulator draws an order's lead time."""
    l_levels = _levels("lead-time quantile", lead_time_levels)
    lead = _knots("lead-time quantiles", lead_time_quantiles, len(l_levels), 2)
    if lead.shape[0] not in (1, n_series):
        raise ValueError(f"lead-time quantiles have {lead.shape[0]} rows for {n_series} series")
    lead = np.broadcast_to(lead, (n_series, len(l_levels)))
    rng = np.random.default_rng(seed)
    continuous = _evaluate(l_levels, *_segments(l_levels, lead), rng.random((n_series, n_samples)))
    base = np.floor(continuous)
    return (base + (rng.random(base.shape) < continuous - base)).astype(np.int64)


def period_demand_paths(
    demand_quantiles: ArrayLike,
    demand_levels: Sequence[float],
    n_periods: int,
    *,
    first_step: ArrayLike = 0,
    n_samples: int = 1000,
    seed: int = 0,
    rho: ArrayLike = DEFAULT_RHO,
    calibration: np.ndarray | None = None,
) -> np.ndarray:
    """Per-period demand paths (series x samples x periods) from forecast quantiles (N, H, Q).

    Period t draws from horizon step clip(t - first_step, 0, H - 1) (periods before a series'
    `first_step` repeat step 1: a burn-in before the forecast starts); the periods of one path
    share the Gaussian-copula factor of `sample_lead_time_demand` with correlation `rho`.
    `calibration` (N, len(calibration.GRID)) maps each uniform score to the model level drawn
    (`calibration.remap`), so the paths follow the recalibrated forecast.
    """
    d_levels = _levels("demand quantile", demand_levels)
    demand = _knots("demand quantiles", demand_quantiles, len(d_levels), 3)
    n_series, horizon = demand.shape[0], demand.shape[1]
    if horizon == 0 or n_periods < 1 or n_samples < 1:
        raise ValueError("paths need a forecast step, at least one period and one sample")
    correlation = np.broadcast_to(np.asarray(rho, dtype=np.float64), (n_series,))
    if not np.all((correlation >= 0.0) & (correlation <= 1.0)):
        raise ValueError(f"rho must lie in [0, 1]; got {np.unique(correlation)[:5]}")
    first = np.broadcast_to(np.asarray(first_step, dtype=np.int64), (n_series,))
    intercept, slope = _segments(d_levels, demand)
    rng = np.random.default_rng(seed)
    shape = (n_series, n_samples)
    factor = np.sqrt(correlation)[:, None] * rng.standard_normal(shape)
    own = np.sqrt(1.0 - correlation)[:, None]
    rows = np.arange(n_series)
    out = np.empty((n_series, n_samples, n_periods))
    for t in range(n_periods):
        step = np.clip(t - first, 0, horizon - 1)
        scores = _uniform_scores(rng, factor, own, shape)
        if calibration is not None:
            scores = remap(scores, calibration)
        out[:, :, t] = _evaluate(
            d_levels,
            np.ascontiguousarray(intercept[rows, step]),
            np.ascontiguousarray(slope[rows, step]),
            scores,
        )
    return out
