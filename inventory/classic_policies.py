"""Textbook replenishment policies as `Levels` for the simulator, plus a wrapper for model levels.

Each classic policy sets its levels at review t from a trailing window of `demand[:, :t]` only
(the review happens at the close of period t-1; see `inventory.simulation`), so a backtest never
peeks. mu and sigma are the mean and sample standard deviation (ddof=1) of per-period demand in
the window; L is the mean lead time in periods and R the review period, so the protection
interval is L + R periods.

- `order_up_to_policy`: periodic review (R, S) with normal safety stock,
  S = mu (L + R) + z sigma sqrt(L + R), z the standard normal quantile of the target cycle
  service level, and reorder point s = S (every review orders back up to S). With
  `lead_time_variance=True` the spread of the lead time is added:
  sigma_D = sqrt((L + R) sigma^2 + mu^2 sigma_L^2) (Silver, Pyke & Peterson).
- `min_max_policy`: the practitioner min/max, min = mu (L + R) + safety_reviews * mu R (average
  demand over the protection interval plus one review period of cover as safety),
  max = min + order_reviews * mu R (order about two review periods at a time).
- `precomputed_policy`: levels computed elsewhere (the restock model), validated for a horizon.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike

from inventory.simulation import FloatArray, LeadTimeDistribution, Levels, review_times

__all__ = [
    "min_max_policy",
    "order_up_to_policy",
    "precomputed_policy",
    "trailing_demand_stats",
]


def _demand(demand: ArrayLike) -> FloatArray:
    d = np.asarray(demand, dtype=np.float64)
    if d.ndim != 2 or not np.all(np.isfinite(d)) or np.any(d < 0.0):
        raise ValueError("demand must be a finite (n_series, n_periods) matrix of units >= 0")
    return d


def _schedule(
    d: FloatArray, window: int, first_review: int | None, review_period: int
) -> tuple[int, np.ndarray]:
    if window < 2:
        raise ValueError(f"window {window} is too short for a standard deviation; use >= 2")
    first = window if first_review is None else first_review
    if first < 2:
        raise ValueError(
            f"first_review {first} leaves fewer than 2 periods of history; start at period >= 2"
        )
    return first, review_times(d.shape[1], first, review_period)


def trailing_demand_stats(
    demand: ArrayLike, times: ArrayLike, window: int
) -> tuple[FloatArray, FloatArray]:
    """Mean and sample std (ddof=1) of demand[:, t - window:t] per series at each time t.

    Early reviews use what history exists (at least 2 periods). Shapes (n_series, len(times)).
    """
    d = _demand(demand)
    at = np.asarray(times, dtype=np.int64).ravel()
    if at.size and (at.min() < 2 or at.max() > d.shape[1]):
        raise ValueError(f"review times must lie in [2, {d.shape[1]}] to have history")
    # Windowed sums from prefix sums (O(n_periods), not O(reviews x window)). A prefix sum at t
    # depends on demand before t only, and shifting by the first period's demand (also the past)
    # keeps the variance free of cancellation: a constant series gets exactly 0.
    shifted = d - d[:, :1]
    zero = np.zeros((d.shape[0], 1))
    first = np.concatenate((zero, np.cumsum(shifted, axis=1)), axis=1)
    second = np.concatenate((zero, np.cumsum(shifted**2, axis=1)), axis=1)
    start = np.maximum(at - window, 0)
    count = (at - start).astype(np.float64)
    s1 = first[:, at] - first[:, start]
    s2 = second[:, at] - second[:, start]
    mu = d[:, :1] + s1 / count
    sigma = np.sqrt(np.maximum(s2 - s1**2 / count, 0.0) / (count - 1.0))
    return mu, sigma


def _z(target_csl: ArrayLike, n: int) -> FloatArray:
    target = np.broadcast_to(np.asarray(target_csl, dtype=np.float64), (n,))
    if np.any((target <= 0.0) | (target >= 1.0)) or not np.all(np.isfinite(target)):
        raise ValueError("target cycle service levels must lie strictly between 0 and 1")
    inv_cdf = NormalDist().inv_cdf
    return np.array([inv_cdf(float(p)) for p in target])


def order_up_to_policy(
    demand: ArrayLike,
    *,
    target_csl: ArrayLike,
    lead_time: LeadTimeDistribution,
    review_period: int,
    window: int,
    first_review: int | None = None,
    lead_time_variance: bool = False,
) -> Levels:
    """Periodic (R, S): S = mu (L+R) + z sigma_D, s = S; first_review defaults to `window`."""
    d = _demand(demand)
    first, times = _schedule(d, window, first_review, review_period)
    mu, sigma = trailing_demand_stats(d, times, window)
    z = _z(target_csl, d.shape[0])[:, None]
    lead = lead_time.mean()[:, None]
    cover = lead + review_period
    if lead_time_variance:
        spread = np.sqrt(cover * sigma**2 + mu**2 * lead_time.std()[:, None] ** 2)
    else:
        spread = sigma * np.sqrt(cover)
    level = np.maximum(mu * cover + z * spread, 0.0)
    return Levels(
        reorder_point=level,
        order_up_to=level.copy(),
        first_review=first,
        review_period=review_period,
    )


def min_max_policy(
    demand: ArrayLike,
    *,
    lead_time: LeadTimeDistribution,
    review_period: int,
    window: int,
    first_review: int | None = None,
    safety_reviews: float = 1.0,
    order_reviews: float = 2.0,
) -> Levels:
    """Min/max: min = mu (L + R + safety_reviews R), max = min + order_reviews mu R."""
    if safety_reviews < 0.0 or order_reviews < 0.0:
        raise ValueError("safety_reviews and order_reviews are review periods of cover: use >= 0")
    d = _demand(demand)
    first, times = _schedule(d, window, first_review, review_period)
    mu, _ = trailing_demand_stats(d, times, window)
    lead = lead_time.mean()[:, None]
    low = mu * (lead + review_period + safety_reviews * review_period)
    return Levels(
        reorder_point=low,
        order_up_to=low + order_reviews * mu * review_period,
        first_review=first,
        review_period=review_period,
    )


def precomputed_policy(
    reorder_point: ArrayLike,
    order_up_to: ArrayLike,
    *,
    n_series: int,
    n_periods: int,
    first_review: int,
    review_period: int,
) -> Levels:
    """Levels computed elsewhere, checked against the horizon they will be simulated on."""
    times = review_times(n_periods, first_review, review_period)
    levels = Levels(
        reorder_point=np.asarray(reorder_point, dtype=np.float64),
        order_up_to=np.asarray(order_up_to, dtype=np.float64),
        first_review=first_review,
        review_period=review_period,
    )
    if levels.shape != (n_series, times.size):
        raise ValueError(
            f"levels have shape {levels.shape}; {n_series} series reviewed every "
            f"{review_period} periods from {first_review} to {n_periods} need "
            f"({n_series}, {times.size})"
        )
    return levels
