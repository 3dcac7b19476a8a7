"""Fill-rate order-up-to levels when unmet demand is lost, by simulating the policy on sample paths.

Why not the backorder rule of `service_level.order_up_to_for_fill_rate`: it charges each cycle
E[(D_{L+R} - S)+] - E[(D_L - S)+], i.e. it assumes every unit demanded during the lead time
depletes the stock the next order protects. When sales are lost, demand a stockout turned away
depletes nothing, so the shelf recovers sooner and the same S serves more. The gap is largest
exactly where that rule is used most: a fill-rate target well below 1 with orders outstanding
(L > R) and low demand uncertainty (van Donselaar & Broekmeulen, IJPE 2013: "approximating a
lost sales system by a backordering system ... may lead to serious approximation errors").
Lost-sales systems have no closed form, so this module runs the (R, S) policy itself on Monte
Carlo demand paths and bisects S until the simulated fill rate meets the target.

Per series and sample path: a lead time L (the lane's quantile function, rounded to whole
periods at random keeping its mean, as `simulation.LeadTimeDistribution.sample` does) and a
demand path of per-period draws from the forecast quantiles (horizon step clipped to the last,
Gaussian-copula factor `rho` shared by a path's periods, as in `lead_time_demand`). The path
starts full (on hand S, nothing on order) and burns in for two generations of L + R periods,
at least 12 (review tau), so lost sales have shaped the stock as in a long run; the fill rate
is then measured over the R periods served by tau's order: periods tau + L .. tau + L + R - 1.
The burn-in periods use the first horizon step's demand.
Fill rate = expected units served / expected units demanded over that cycle (a ratio of sums,
as a segment's fill rate pools its demand).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from inventory.lead_time_demand import period_demand_paths, rounded_lead_times

__all__ = ["lost_sales_fill_rate", "lost_sales_order_up_to"]

_CHUNK_CELLS = 4_000_000  # series x paths x periods per batch: keeps each batch ~100 MB
# A full shelf has turned no demand away, so the first L + R periods behave like backorders
# (pessimistic); each further L + R periods lets lost sales shape the stock again. Two such
# generations, and at least 12 periods when L + R is short, bring the fill rate within ~0.2
# points of a long run (N(100, 10) and N(100, 30) per period, L = 2 and 10, R = 1).
_GENERATIONS = 2
_MIN_BURN_IN = 12
# Candidate levels: quantiles of demand over L + R, dense where fill-rate targets put S.
_LADDER = (0.02, 0.1, 0.25, 0.4, 0.55, 0.7, 0.8, 0.87, 0.92, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999)


def _burn_in(lead: np.ndarray, review: np.ndarray) -> np.ndarray:
    """Measured review per series: the first multiple of R at or after the burn-in, two
    generations of L + R periods with the series' longest L, at least `_MIN_BURN_IN`."""
    longest = lead.max(axis=1)
    periods = np.maximum(_GENERATIONS * (longest + review), _MIN_BURN_IN)
    return review * np.ceil(periods / review).astype(np.int64)


@dataclass(frozen=True)
class _Chain:
    """Demand paths laid out period-major (periods, series x samples) with what every S shares:
    per period the flat index of the sales total at the last replenished review, and the
    measured-cycle mask."""

    demand: np.ndarray
    replenished: list[np.ndarray]
    measured: dict[int, np.ndarray]
    review: np.ndarray
    series: int
    samples: int


def _chain(paths: np.ndarray, lead: np.ndarray, review: ArrayLike) -> _Chain:
    x = np.asarray(paths, dtype=np.float64)
    m, n_paths, n_periods = x.shape
    ell = np.asarray(lead, dtype=np.int64)
    r = np.broadcast_to(np.asarray(review, dtype=np.int64), (m,))[:, None]
    tau = _burn_in(ell, r[:, 0])[:, None]
    start, stop = tau + ell, tau + ell + r
    if np.any(stop > n_periods):
        raise ValueError(
            f"demand paths of {n_periods} periods end before the measured cycle (needs "
            f"{int(stop.max())}); draw max L + R periods past the burn-in"
        )
    cells = np.arange(m * n_paths)
    replenished = [
        (np.maximum((t - ell) // r * r, 0).ravel() * cells.size + cells) for t in range(n_periods)
    ]
    measured = {
        t: ((t >= start) & (t < stop)).ravel() for t in range(int(start.min()), int(stop.max()))
    }
    # Single precision halves the memory traffic of the loop; fill rates need no more.
    demand = np.ascontiguousarray(x.reshape(m * n_paths, n_periods).T, dtype=np.float32)
    return _Chain(demand, replenished, measured, r[:, 0].copy(), m, n_paths)


def _chain_fill(chain: _Chain, level: np.ndarray) -> np.ndarray:
    """Fill rate per series of the lost-sales (R, S) chain at S = `level` (per series)."""
    n_periods, cells = chain.demand.shape
    s = np.repeat(np.asarray(level, dtype=np.float32), chain.samples)
    # Each review orders up to S, so position is S after it and what a review orders is what
    # sold since the previous one. Orders of one path share its lead time and so arrive in
    # order: at t everything sold before the last review at or before t - L is back on the
    # shelf, and on hand = S - sales since that review. `sold[t]` = sales before period t.
    sold = np.zeros((n_periods + 1, cells), dtype=np.float32)
    flat = sold.ravel()
    short, demanded = np.zeros(cells), np.zeros(cells)
    for t in range(n_periods):
        on_hand = s - (sold[t] - flat[chain.replenished[t]])
        np.maximum(on_hand, 0.0, out=on_hand)
        served = np.minimum(on_hand, chain.demand[t], out=on_hand)
        np.add(sold[t], served, out=sold[t + 1])
        mask = chain.measured.get(t)
        if mask is not None:
            short += np.where(mask, chain.demand[t] - served, 0.0)
            demanded += np.where(mask, chain.demand[t], 0.0)
    total = demanded.reshape(chain.series, chain.samples).sum(axis=1)
    lost = short.reshape(chain.series, chain.samples).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(total > 0.0, 1.0 - lost / total, np.nan))


def lost_sales_fill_rate(
    paths: np.ndarray, lead: np.ndarray, review: ArrayLike, level: ArrayLike
) -> np.ndarray:
    """Fill rate per series of the (R, S) policy with lost sales on demand `paths`.

    `paths` (series, samples, periods) per-period demand, `lead` (series, samples) whole-period
    lead times, `review` R (scalar or per series, >= 1), `level` S (scalar or per series). NaN
    for a series without demand in its measured cycle.
    """
    chain = _chain(paths, lead, review)
    return _chain_fill(chain, np.broadcast_to(np.asarray(level, np.float64), (chain.series,)))


def _interpolate(levels: np.ndarray, fills: np.ndarray, target: np.ndarray) -> np.ndarray:
    """S per row where the (level, fill) points, increasing in both, first reach `target`,
    linear between the two points around it."""
    reached = fills >= target[:, None]
    j = np.argmax(reached, axis=1)  # the last point has fill 1, so some point qualifies
    rows = np.arange(levels.shape[0])
    below = np.maximum(j - 1, 0)
    x0, x1 = levels[rows, below], levels[rows, j]
    f0, f1 = fills[rows, below], fills[rows, j]
    gain = f1 - f0
    step = np.where(gain > 0.0, (target - f0) / np.where(gain > 0.0, gain, 1.0), 1.0)
    return np.asarray(np.where(j == 0, x1, x0 + np.clip(step, 0.0, 1.0) * (x1 - x0)))


def _solve(chain: _Chain, paths: np.ndarray, lead: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """S per target row and series: the chain's fill rate on a ladder of candidate levels (the
    quantiles of each series' demand over L + R before the measured cycle, between 0, which
    serves nothing, and the paths' largest total, which never runs short), interpolated at
    every target, then once more inside the bracket around each answer. One ladder serves all
    targets, so a trade-off curve costs little more than one target."""
    m = paths.shape[0]
    tau = _burn_in(lead, chain.review)[:, None]
    sums = np.concatenate([np.zeros((*paths.shape[:2], 1)), np.cumsum(paths, axis=2)], axis=2)
    stop = np.minimum(tau + lead + chain.review[:, None], paths.shape[2])
    before = np.take_along_axis(sums, np.minimum(tau, stop)[..., None], 2)[..., 0]
    window = np.take_along_axis(sums, stop[..., None], 2)[..., 0] - before
    ladder = np.quantile(window, _LADDER, axis=1).T
    upper = paths.sum(axis=2).max(axis=1, keepdims=True)
    levels = np.concatenate([np.zeros((m, 1)), ladder, upper], axis=1)
    levels = np.maximum.accumulate(levels, axis=1)
    fills = np.stack([_chain_fill(chain, levels[:, g]) for g in range(levels.shape[1])], axis=1)
    # No demand in the measured cycle (NaN) needs nothing; S = 0 serves nothing otherwise.
    no_demand = np.isnan(fills[:, -1])
    fills = np.where(np.isnan(fills), 1.0, fills)
    fills[:, 0] = np.where(no_demand, 1.0, 0.0)
    fills[:, -1] = 1.0
    fills = np.maximum.accumulate(fills, axis=1)
    out = np.empty(targets.shape)
    for k, target in enumerate(targets):
        first = _interpolate(levels, fills, target)
        refined = _chain_fill(chain, first)
        refined = np.where(np.isnan(refined), 1.0, refined)
        both_x = np.concatenate([levels, first[:, None]], axis=1)
        both_f = np.concatenate([fills, refined[:, None]], axis=1)
        order = np.argsort(both_x, axis=1, kind="stable")
        both_x = np.take_along_axis(both_x, order, 1)
        both_f = np.maximum.accumulate(np.take_along_axis(both_f, order, 1), axis=1)
        out[k] = _interpolate(both_x, both_f, target)
    return out


def lost_sales_order_up_to(
    demand_quantiles: ArrayLike,
    demand_levels: Sequence[float],
    lead_time_quantiles: ArrayLike,
    lead_time_levels: Sequence[float],
    review_period: ArrayLike,
    fill_rates: ArrayLike,
    *,
    n_samples: int = 1000,
    seed: int = 0,
    rho: ArrayLike = 0.0,
    calibration: np.ndarray | None = None,
) -> np.ndarray:
    """Order-up-to S per target and series meeting a fill rate when unmet demand is lost.

    `demand_quantiles` (N, H, Q) per-period forecast quantiles at `demand_levels`;
    `lead_time_quantiles` (N, K) or (K,) in periods; `review_period` whole periods (scalar or
    (N,)); `fill_rates` (N,) or (T, N), one row per target set (e.g. scaled targets), all solved
    on the same paths; `calibration` (N, len(calibration.GRID)) recalibrates the forecast
    (`period_demand_paths`). Returns (N,) or (T, N) accordingly.
    """
    quantiles = np.asarray(demand_quantiles, dtype=np.float64)
    if quantiles.ndim != 3:
        raise ValueError(
            f"demand quantiles must be (series, horizon, levels); got {quantiles.shape}"
        )
    n = quantiles.shape[0]
    targets = np.asarray(fill_rates, dtype=np.float64)
    single = targets.ndim <= 1
    targets = np.broadcast_to(np.atleast_2d(targets), (np.atleast_2d(targets).shape[0], n))
    if not np.all((targets > 0.0) & (targets < 1.0)):
        raise ValueError("fill-rate targets must lie strictly between 0 and 1 (e.g. 0.95)")
    review = np.broadcast_to(np.asarray(review_period), (n,))
    if not np.all((review >= 1) & (review == np.round(review))):
        raise ValueError(f"review periods must be whole periods >= 1; got {np.unique(review)[:5]}")
    review = review.astype(np.int64)
    lead = rounded_lead_times(
        lead_time_quantiles, lead_time_levels, n, n_samples=n_samples, seed=seed
    )
    horizon = _burn_in(lead, review) + lead.max(axis=1) + review
    out = np.zeros(targets.shape)
    # Series with similar paths lengths share a batch, so one long lane does not lengthen all.
    order = np.argsort(horizon, kind="stable")
    lo = 0
    while lo < n:
        hi = lo + 1
        while hi < n and (hi - lo + 1) * n_samples * int(horizon[order[hi]]) <= _CHUNK_CELLS:
            hi += 1
        rows = order[lo:hi]
        width = int(horizon[rows].max())
        paths = period_demand_paths(
            quantiles[rows],
            demand_levels,
            width,
            first_step=_burn_in(lead[rows], review[rows]),
            n_samples=n_samples,
            seed=seed + 7919 * (1 + lo),
            rho=np.broadcast_to(np.asarray(rho, dtype=np.float64), (n,))[rows],
            calibration=None if calibration is None else calibration[rows],
        )
        chain = _chain(paths, lead[rows], review[rows])
        out[:, rows] = _solve(chain, paths, lead[rows], targets[:, rows])
        lo = hi
    return out[0] if single else out
